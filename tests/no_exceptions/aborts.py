#!/usr/bin/env python3
"""Runs `berth_no_exceptions throwing`: built without exceptions, a throwing form that
fails must print what failed and why on stderr, then abort (SIGABRT), not return."""
import signal
import subprocess
import sys

program = sys.argv[1]
run = subprocess.run([program, "throwing"], capture_output=True, text=True, timeout=30)
print(run.stderr, end="")
if run.returncode != -signal.SIGABRT:
    sys.exit("expected SIGABRT, got exit status %d" % run.returncode)
for expected in ("berth::connect 127.0.0.1:", "Connection refused", "built without exceptions"):
    if expected not in run.stderr:
        sys.exit("stderr lacks %r" % expected)
# The operation's own name leads the line, once ("berth: berth::connect ..." doubled it).
if not any(line.startswith("berth::connect 127.0.0.1:") for line in run.stderr.splitlines()):
    sys.exit("no line of stderr starts with the operation's name")
print("aborted with the error, as documented")
