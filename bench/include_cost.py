#!/usr/bin/env python3
"""What including berth costs a translation unit, beside <asio.hpp> and the libc headers.

Each translation unit is one #include line (or a few, for the libc socket headers),
compiled with `<compiler> -std=c++20 -O2 -c`; the runs go round robin over all of them, so
that a busy moment on the machine hits every one alike, and the table shows the median
wall time of each. Targets: <berth/berth.hpp> at most a third of <asio.hpp>; the narrow
headers (<berth/socket.hpp>, <berth/inet.hpp>) less than <berth/berth.hpp>; <berth/async.hpp>
at most a quarter of <asio.hpp>. One more unit holds only the standard and libc headers that
<berth/async.hpp> includes (found with the compiler's -H), so the table shows how much of
its cost is berth's own code.

    bench/include_cost.py                         g++, 9 runs each
    bench/include_cost.py --compiler clang++ --runs 15 --json cost.json

Standard library only: any python3 will do.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

LIBC = ["sys/socket.h", "netinet/in.h", "netinet/tcp.h", "arpa/inet.h", "sys/un.h", "unistd.h",
        "poll.h"]
UNITS = [
    ("(empty)", []),
    ("libc socket headers", LIBC),
    ("<system_error>", ["system_error"]),
    ("<string>", ["string"]),
    ("<chrono>", ["chrono"]),
    ("<berth/inet.hpp>", ["berth/inet.hpp"]),
    ("<berth/socket.hpp>", ["berth/socket.hpp"]),
    ("<berth/berth.hpp>", ["berth/berth.hpp"]),
    ("<berth/async.hpp>", ["berth/async.hpp"]),
    ("<asio.hpp>", ["asio.hpp"]),
]
# The standard and libc headers that <berth/async.hpp> includes, alone: what the header
# would cost if berth's own code were free. Found at run time with the compiler's -H.
FLOOR = "headers <berth/async.hpp> includes"


def included_system_headers(compiler, include, header):
    """The non-berth headers that berth's own headers include directly, in order."""
    with tempfile.NamedTemporaryFile("w", suffix=".cpp") as f:
        f.write("#include <%s>\n" % header)
        f.flush()
        run = subprocess.run([compiler, "-std=c++20", "-H", "-fsyntax-only", "-I", include,
                              f.name], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    if run.returncode != 0:
        return None
    # Spell each as an #include would (<string>, <sys/socket.h>), relative to the
    # compiler's search directories.
    search = subprocess.run([compiler, "-std=c++20", "-x", "c++", "-E", "-v", "-",
                             "-I", include], input="", stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True).stderr.splitlines()
    dirs = [os.path.realpath(d.strip()) + "/" for d in search if d.startswith(" /")]
    dirs.sort(key=len, reverse=True)

    def spelled(path):
        real = os.path.realpath(path)
        return next((real[len(d):] for d in dirs if real.startswith(d)), path)

    stack, found = [], []
    for line in run.stderr.splitlines():
        dots, _, path = line.partition(" ")
        if not dots or dots.strip(".") or not path:
            continue
        depth = len(dots)
        del stack[depth - 1:]
        parent_is_berth = not stack or "/berth/" in stack[-1]
        if "/berth/" not in path and parent_is_berth and spelled(path) not in found:
            found.append(spelled(path))
        stack.append(path)
    return found


def compile_seconds(compiler, include, source):
    start = time.perf_counter()
    run = subprocess.run([compiler, "-std=c++20", "-O2", "-c", "-I", include, source, "-o",
                          os.devnull], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    return elapsed if run.returncode == 0 else run.stderr


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compiler", default="g++")
    parser.add_argument("--include", default=os.path.join(os.path.dirname(here), "include"),
                        help="berth's include directory")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    version = subprocess.run([args.compiler, "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    print("compile time of one translation unit: %s -std=c++20 -O2 -c, median of %d runs"
          % (version, args.runs))
    units = list(UNITS)
    floor = included_system_headers(args.compiler, args.include, "berth/async.hpp")
    if floor:
        units.insert(len(units) - 1, ("(%d %s)" % (len(floor), FLOOR), floor))
    with tempfile.TemporaryDirectory(prefix="berth-include-cost-") as work:
        sources = []
        for n, (label, headers) in enumerate(units):
            path = os.path.join(work, "unit%d.cpp" % n)
            with open(path, "w") as f:
                f.writelines("#include <%s>\n" % h for h in headers)
            sources.append(path)
        times = {label: [] for label, _ in units}
        missing = {}
        for _ in range(args.runs):
            for (label, _), source in zip(units, sources):
                if label in missing:
                    continue
                t = compile_seconds(args.compiler, args.include, source)
                if isinstance(t, str):
                    missing[label] = t.strip().splitlines()[0] if t.strip() else "failed"
                else:
                    times[label].append(t)

    median = {label: statistics.median(t) for label, t in times.items() if t}
    asio = median.get("<asio.hpp>")
    rows = [("translation unit", "seconds", "vs <asio.hpp>")]
    for label, _ in units:
        if label in median:
            rows.append((label, "%.3f" % median[label],
                         "%.2f" % (median[label] / asio) if asio else "n/a"))
        else:
            rows.append((label, "n/a", "n/a"))
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    for n, r in enumerate(rows):
        print("| " + " | ".join(c.ljust(width[i]) if i == 0 else c.rjust(width[i])
                                for i, c in enumerate(r)) + " |")
        if n == 0:
            print("| " + " | ".join("-" * width[0] if i == 0 else "-" * (width[i] - 1) + ":"
                                    for i in range(3)) + " |")
    for label, why in missing.items():
        print("  %s: not measured (%s)" % (label, why))

    status = 0
    whole = median.get("<berth/berth.hpp>")
    if whole and asio:
        held = whole <= asio / 3
        print("\ntarget: <berth/berth.hpp> <= 1/3 of <asio.hpp>: %.2f, %s"
              % (whole / asio, "holds" if held else "MISSED"))
        status |= 0 if held else 1
    async_header = median.get("<berth/async.hpp>")
    if async_header and asio:
        held = async_header <= asio / 4
        print("target: <berth/async.hpp> <= 1/4 of <asio.hpp>: %.2f, %s"
              % (async_header / asio, "holds" if held else "MISSED"))
        status |= 0 if held else 1
    for narrow in ("<berth/socket.hpp>", "<berth/inet.hpp>"):
        if whole and narrow in median:
            held = median[narrow] < whole
            print("target: %s < <berth/berth.hpp>: %.3f s vs %.3f s, %s"
                  % (narrow, median[narrow], whole, "holds" if held else "MISSED"))
            status |= 0 if held else 1
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"compiler": version, "runs": args.runs, "median_seconds": median}, f,
                      indent=2)
    return status


if __name__ == "__main__":
    sys.exit(main())
