"""Runs a command and succeeds when it exits with the given status.

Usage: expect-exit.py STATUS COMMAND [ARG...]

The command's output passes through. A command killed by a signal (a crash)
never matches: its status is negative. Prints the status it got otherwise.
"""
import subprocess
import sys

expected = int(sys.argv[1])
status = subprocess.call(sys.argv[2:])
if status != expected:
    print(f"expect-exit.py: {sys.argv[2]} exited with {status}, not {expected}",
          file=sys.stderr)
    sys.exit(1)
