#!/usr/bin/env python3
"""Counts user-space instructions per operation with callgrind: raw libc, berth, Asio.

Each operation of berth_operations (bench/run_operation.cpp, the code the benchmark times)
runs twice under `valgrind --tool=callgrind`, N1 and N2 times; the difference of the two
totals divided by N2 - N1 is the instructions of one operation, start-up and set-up
cancelled. Instructions in the kernel are not counted (callgrind sees user space only); the
system calls themselves are audited by tests/audit.

    bench/instruction_audit.py                     builds build/bench if needed, prints the table
    bench/instruction_audit.py --program build/bench/bench/berth_operations --json out.json

Needs valgrind (Debian: valgrind). Standard library only: any python3 will do.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

IMPLEMENTATIONS = ("libc", "berth", "asio")
TARGET = 1.05  # berth/libc, instructions per operation
UNSUPPORTED = 3  # berth_operations' exit status: no such operation for this implementation


def build(source_dir, build_dir):
    """Configures (Release) and builds berth_operations; returns its path."""
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", source_dir, "-B", build_dir, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release", "-DBERTH_BUILD_TESTS=OFF",
                        "-DBERTH_BUILD_EXAMPLES=OFF", "-DBERTH_BUILD_BENCHMARKS=ON"],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "--target", "berth_operations"], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(build_dir, "bench", "berth_operations")


def operations(program):
    """(key, kind, label) for every operation the program knows."""
    out = subprocess.run([program, "--list"], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def instructions(program, impl, key, count, work):
    """Total instructions of one run, or None when the implementation has no such operation."""
    out_file = os.path.join(work, "%s.%s.%d.out" % (impl, key.replace("/", "_"), count))
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file,
                          program, impl, key, str(count)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode == UNSUPPORTED:
        return None
    if run.returncode != 0:
        raise RuntimeError("%s %s %d failed:\n%s" % (impl, key, count, run.stderr[-2000:]))
    with open(out_file) as f:
        for line in f:
            m = re.match(r"^(?:totals|summary):\s+(\d+)", line)
            if m:
                return int(m.group(1))
    raise RuntimeError("no totals in " + out_file)


def per_operation(program, impl, key, counts, work):
    first, second = (instructions(program, impl, key, n, work) for n in counts)
    if first is None or second is None:
        return None
    return (second - first) / (counts[1] - counts[0])


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def text_of(value, digits):
    return "n/a" if value is None else "%.*f" % (digits, value)


def print_table(rows):
    cells = [("operation", "libc", "berth", "asio", "berth/libc", "asio/libc")]
    for r in rows:
        cells.append((r["label"], text_of(r["libc"], 0), text_of(r["berth"], 0),
                      text_of(r["asio"], 0), text_of(ratio(r["berth"], r["libc"]), 3),
                      text_of(ratio(r["asio"], r["libc"]), 2)))
    width = [max(len(c[i]) for c in cells) for i in range(6)]
    for n, line in enumerate(cells):
        print("| " + " | ".join(c.ljust(width[i]) if i == 0 else c.rjust(width[i])
                                for i, c in enumerate(line)) + " |")
        if n == 0:
            print("| " + " | ".join("-" * width[0] if i == 0 else "-" * (width[i] - 1) + ":"
                                    for i in range(6)) + " |")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--program", help="berth_operations to run (default: build it)")
    parser.add_argument("--build-dir", default=os.path.join(os.path.dirname(here), "build", "bench"),
                        help="where to build berth_operations when --program is not given")
    parser.add_argument("--filter", default="", help="only operations whose key contains this")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    if shutil.which("valgrind") is None:
        sys.exit("instruction_audit: valgrind not found (Debian: apt-get install valgrind)")
    program = args.program or build(os.path.dirname(here), args.build_dir)
    ops = [op for op in operations(program) if args.filter in op[0]]
    print("instructions per operation, user space, counted by callgrind (%s)" % program)

    rows = []
    with tempfile.TemporaryDirectory(prefix="berth-callgrind-") as work, \
            concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        jobs = {}
        for key, kind, label in ops:
            counts = (20, 220) if kind == "io" else (200, 2200)
            for impl in IMPLEMENTATIONS:
                jobs[(key, impl)] = pool.submit(per_operation, program, impl, key, counts, work)
        for key, kind, label in ops:
            row = {"key": key, "label": label, "kind": kind}
            for impl in IMPLEMENTATIONS:
                row[impl] = jobs[(key, impl)].result()
            rows.append(row)

    print_table(rows)
    # A row whose key has "/vs_" compares berth with libc code that does the work another way
    # (one call a datagram against a batch, read+write against sendfile): its instructions
    # are shown, not held to the target.
    compared = [r for r in rows if "/vs_" in r["key"]]
    held = [r for r in rows if ratio(r["berth"], r["libc"]) is not None and r not in compared]
    missed = [r for r in held if ratio(r["berth"], r["libc"]) > TARGET]
    print("\ntarget: berth/libc <= %.2f: %d of %d hold" % (TARGET, len(held) - len(missed),
                                                          len(held)))
    if compared:
        print("not held (libc does the work another way): " +
              ", ".join(r["label"] for r in compared))
    for r in missed:
        print("  missed: %s: %.3f" % (r["label"], ratio(r["berth"], r["libc"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
