#!/usr/bin/env python3
"""docs/tutorial.md cannot drift from the code it shows.

Every ```cpp block in the tutorial must be marked, on the line before its fence, with the
file it is quoted from:

    <!-- from examples/echo_server.cpp -->

and its lines must appear in that file, in order and consecutively, exactly as written.
Those files are compiled with berth's warnings as errors and tested against real clients,
so the tutorial's code is too.

    python3 tutorial_test.py <project source dir>
"""

import os
import re
import sys

MARK = re.compile(r"^<!-- from (\S+) -->$")
FENCE = re.compile(r"^(`{3,})(\S*)\s*$")


def blocks(lines):
    """(line number, language, marked file or None, code lines) for each fenced block."""
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start, fence, language = i, opening.group(1), opening.group(2)
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != fence:
            j += 1
        if j == len(lines):
            raise SystemExit(f"tutorial.md:{start + 1}: code block never closed")
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = MARK.match(lines[k].strip()) if k >= 0 else None
        yield start + 1, language, mark.group(1) if mark else None, lines[start + 1:j]
        i = j + 1


def contains(haystack, needle):
    return any(haystack[i:i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "docs", "tutorial.md")) as f:
        lines = f.read().split("\n")
    problems = []
    quoted = 0
    for line, language, source, code in blocks(lines):
        if language not in ("cpp", "c++") and source is None:
            continue  # a console session, not code
        if language not in ("cpp", "c++"):
            problems.append(f"tutorial.md:{line}: a marked block must be ```cpp")
            continue
        if source is None:
            problems.append(f"tutorial.md:{line}: C++ without '<!-- from examples/FILE -->' before it")
            continue
        path = os.path.normpath(os.path.join(root, source))
        if not source.startswith("examples/") or not os.path.isfile(path):
            problems.append(f"tutorial.md:{line}: {source} is not a file under examples/")
            continue
        if not code or not any(c.strip() for c in code):
            problems.append(f"tutorial.md:{line}: empty quote")
            continue
        with open(path) as f:
            text = f.read().split("\n")
        if not contains(text, code):
            problems.append(f"tutorial.md:{line}: these lines are not in {source}, as written:\n"
                            + "\n".join("    " + c for c in code))
            continue
        quoted += 1
    if quoted == 0:
        problems.append("tutorial.md quotes no code at all")
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"passed: {quoted} quoted blocks match their files")


if __name__ == "__main__":
    main()
