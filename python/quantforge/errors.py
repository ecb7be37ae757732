"""The exception QuantForge raises when the compiler reports an error."""

from typing import List, NamedTuple, Sequence, Tuple


class Diagnostic(NamedTuple):
    """One diagnostic of the compiler: severity ("error", "warning", "note",
    "remark"), location ("file:line:col", or "" where there is none) and
    message."""

    severity: str
    location: str
    message: str

    def __str__(self) -> str:
        where = self.location + ": " if self.location else ""
        return f"{where}{self.severity}: {self.message}"


class CompilerError(Exception):
    """A call into the compiler failed.

    `diagnostics` holds everything the compiler reported during the call;
    `location` and `message` are those of its first error (or `message` says
    what failed, where the compiler reported nothing more)."""

    diagnostics: List[Diagnostic]
    location: str
    message: str

    def __init__(self, diagnostics: Sequence[Tuple[str, str, str]], what: str):
        self.diagnostics = [Diagnostic(*d) for d in diagnostics]
        errors = [d for d in self.diagnostics if d.severity == "error"]
        self.location = errors[0].location if errors else ""
        self.message = errors[0].message if errors else what
        text = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(f"{what}:\n{text}" if text else what)
