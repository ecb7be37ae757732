#!/usr/bin/python3
"""Checks that every #include of ours follows the layer table of
docs/ARCHITECTURE.md ("Who may include whom").

Usage: scripts/check-layers.py [--root DIR] [DIR]

Reads the C/C++ files of DIR (default: this script's repository) that git
tracks or sees as untracked and not ignored; where DIR is not the top of a git
checkout, every file under it. Prints one line per violation,
  path:line: <layer> may not include "<header>" (<target layer>)
and exits 1; otherwise prints a count and exits 0. Standard library only.
"""

import argparse
import os
import re
import subprocess
import sys

# Shorthands for the table below.
ANY = None  # may include anything
EXEC_API = ["runtime/IO/", "runtime/Executor.h", "runtime/ObserverABI.h",
            "runtime/Bindings.h"]
PASS_BASE = ["dialects/", "numerics/", "parameters/", "lowering/", *EXEC_API,
             "passes/Passes.h",
             "passes/PassOptions.h"]
BLOCKS = ["passes/Reports/", "passes/Samples/", "passes/Schemes/",
          "passes/Solvers/", "passes/Layers/"]
BELOW_TOOLS = ["numerics/", "dialects/", "runtime/", "parameters/", "lowering/",
               "passes/",
               "pipelines/", "plugins/", "importers/", "exporters/",
               "evaluation/"]
NOT_MLIR = ["mlir/", "mlir-c/", "llvm/", "llvm-c/"]

# The layers, mirroring docs/ARCHITECTURE.md. Ordered: a path belongs to the
# first entry whose prefix matches it. `*` stands for one folder name, and
# each such folder is a layer of its own (passes/GPTQ/ is not passes/AWQ/).
# A layer may always include its own layer. In the list of what it may
# include, a "!prefix" entry refuses what a later, wider entry allows. The
# third field lists headers not of ours that the layer refuses too.
LAYERS = [
    # prefix                 may include                               refused others
    ("numerics/",            [],                                       NOT_MLIR),
    ("dialects/",            ["numerics/"],                            []),
    ("runtime/IO/",          [],                                       []),
    ("runtime/Kernels/",     ["numerics/"],                            []),
    # Jit/, Cuda/, Vulkan/ name themselves in messages but are one layer
    # with Executor.h, Bindings, ObserverABI and DeviceContext.h.
    ("runtime/*/",           ["runtime/", "numerics/"],                []),
    ("runtime/",             ["runtime/", "numerics/"],                []),
    # Constants inline or in weights files (runtime/IO's safetensors).
    ("parameters/",          ["dialects/", "numerics/", "runtime/IO/",
                              "runtime/Executor.h"],                   []),
    ("lowering/",            ["dialects/", "numerics/", "parameters/"], []),
    # passes/: building blocks, each above those listed before it, ...
    ("passes/Reports/",      PASS_BASE,                                []),
    ("passes/Samples/",      PASS_BASE + BLOCKS[:1],                   []),
    ("passes/Schemes/",      PASS_BASE + BLOCKS[:2],                   []),
    ("passes/Solvers/",      PASS_BASE + BLOCKS[:3],                   []),
    ("passes/Layers/",       PASS_BASE + BLOCKS[:4],                   []),
    # ... then one layer per algorithm folder, above all building blocks ...
    ("passes/*/",            PASS_BASE + BLOCKS,                       []),
    # ... and the pass declarations (Passes.h, Passes.td) they all include.
    ("passes/",              ["dialects/", "numerics/"],               []),
    ("pipelines/",           ["!runtime/Jit/", "!runtime/Cuda/", "!runtime/Vulkan/",
                              "!runtime/Kernels/", "passes/", "lowering/",
                              "dialects/", "numerics/", "parameters/",
                              "runtime/"],                             []),
    ("plugins/api/",         ["dialects/", "numerics/", "lowering/", "runtime/"], []),
    ("plugins/BuiltinBackends.", ["plugins/"],                         []),
    ("plugins/*/",           ["plugins/api/", "lowering/", "dialects/", "numerics/",
                              "parameters/", "runtime/"],              []),
    ("importers/",           ["dialects/", "numerics/", "parameters/",
                              "runtime/IO/"],                          []),
    # Scoring compiled models on data (qf-eval, the Python package).
    ("evaluation/",          ["runtime/IO/", "runtime/Executor.h"],    []),
    ("exporters/*/",         ["dialects/", "numerics/", "runtime/IO/"], []),
    ("capi/",                BELOW_TOOLS,                              []),
    # The C API's public headers: C, over MLIR's C API only.
    ("include/quantforge-c/", [],                                      ["mlir/", "llvm/"]),
    # The Python package is a client of the C API (quantforge-c/, not ours
    # by this table), like any host.
    ("python/",              [],                                       []),
    ("tools/",               ANY,                                      []),
    ("bench/",               ANY,                                      []),
    ("test/",                ANY,                                      []),
    ("examples/",            ANY,                                      []),
]

SOURCE_SUFFIXES = (".cpp", ".cc", ".c", ".h", ".hpp")
# Our top-level folders: an include whose first component is none of these
# is not ours (MLIR, LLVM, the system, gtest, onnx, ...).
OURS = {prefix.split("/")[0] for prefix, _, _ in LAYERS}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
COMPILED = [(re.compile("^" + re.escape(prefix).replace(r"\*", "[^/]+")), allowed,
             refused) for prefix, allowed, refused in LAYERS]


def layer_of(path):
    """(layer name, may include, refused others) of a path, or None."""
    for pattern, allowed, refused in COMPILED:
        match = pattern.match(path)
        if match:
            return match.group(0).rstrip("/."), allowed, refused
    return None


def list_files(root):
    """Paths relative to root: git's view where root is a checkout's top."""
    try:
        top = subprocess.run(["git", "-C", root, "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=True).stdout.strip()
        if os.path.realpath(top) == os.path.realpath(root):
            listed = subprocess.run(
                ["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                 "--exclude-standard"],
                capture_output=True, text=True, check=True).stdout
            return sorted({p for p in listed.split("\0") if p})
    except (OSError, subprocess.CalledProcessError):
        pass
    paths = []
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        dirs[:] = [d for d in dirs if not d.startswith(".") and
                   not (rel == "." and d.startswith("build"))]
        paths += [os.path.normpath(os.path.join(rel, f)) for f in files]
    return sorted(paths)


def resolve(source, header, known):
    """The repository path an include of ours names, or None if not ours."""
    if header.split("/")[0] in OURS:
        return os.path.normpath(header)
    # Quoted includes are looked up beside the including file first; a bare
    # name is taken to be there (generated .inc files live beside it in the
    # build tree).
    beside = os.path.normpath(os.path.join(os.path.dirname(source), header))
    if beside.startswith("../"):
        return None
    if "/" not in header or beside in known:
        return beside
    return None


def allows(allowed, target):
    if allowed is ANY:
        return True
    for entry in allowed:
        if entry.startswith("!"):
            if target.startswith(entry[1:]):
                return False
        elif target.startswith(entry):
            return True
    return False


def main():
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?",
                        help="repository root (default: this script's repository)")
    parser.add_argument("--root", help="same as DIR")
    args = parser.parse_args()
    root = args.root or args.dir or default_root
    if not os.path.isdir(root):
        parser.error(f"no such directory: {root}")

    paths = list_files(root)
    known = set(paths)
    violations = []
    files = includes = 0
    for path in paths:
        if not path.endswith(SOURCE_SUFFIXES) or path.split("/")[0] not in OURS:
            continue
        layer = layer_of(path)
        if layer is None:
            violations.append(f"{path}:1: in no layer: add its folder to the table "
                              "in scripts/check-layers.py and docs/ARCHITECTURE.md")
            continue
        name, allowed, refused = layer
        if allowed is ANY:
            continue
        try:
            with open(os.path.join(root, path), encoding="utf-8",
                      errors="replace") as f:
                lines = f.readlines()
        except OSError:  # listed by git but gone (mid-move): nothing to check
            continue
        files += 1
        for number, line in enumerate(lines, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            bracket, header = match.groups()
            target = resolve(path, header, known) if bracket == '"' else None
            if target is None:
                bad = next((r for r in refused if header.startswith(r)), None)
                if bad:
                    violations.append(f'{path}:{number}: {name} may not include '
                                      f'"{header}" ({bad.rstrip("/")})')
                continue
            includes += 1
            target_layer = layer_of(target)
            target_name = target_layer[0] if target_layer else target.split("/")[0]
            if target_name == name or allows(allowed, target):
                continue
            violations.append(f'{path}:{number}: {name} may not include '
                              f'"{header}" ({target_name})')

    for violation in violations:
        print(violation)
    if violations:
        count = len(violations)
        print(f"check-layers: {count} violation{'s' if count > 1 else ''} of the layer "
              "table (docs/ARCHITECTURE.md, \"Who may include whom\")")
        return 1
    print(f"check-layers: {files} files, {includes} includes of ours, all within the "
          "layer table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
