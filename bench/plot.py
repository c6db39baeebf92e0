#!/usr/bin/env python3
"""Charts berth_bench's JSON output: each operation's time relative to raw libc.

    bench/plot.py build/bench/bench/bench.json docs/perf/bench.svg

Reads the ratios (the "berth/libc" and "asio/libc" counters of the median aggregates in the
JSON of `berth_bench --benchmark_out=... --benchmark_out_format=json`, which
`cmake --workflow --preset bench` writes to build/bench/bench/bench.json), draws one
horizontal bar per implementation and operation on a log scale, with gnuplot (Debian:
gnuplot-nox), into an SVG. Standard library only: any python3 will do.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile


def medians(path):
    """[(label, berth/libc, asio/libc)] in the benchmark's order, and its context."""
    with open(path) as f:
        data = json.load(f)
    rows = []
    for b in data["benchmarks"]:
        if b.get("error_occurred") or "berth/libc" not in b:
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        rows.append((b.get("family_index", 0), b.get("label", b["run_name"]), b["berth/libc"],
                     b.get("asio/libc")))
    # In the order the benchmark registered them (the runs themselves are shuffled).
    rows.sort(key=lambda r: r[0])
    return [r[1:] for r in rows], data.get("context", {})


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot.py <bench.json> <out.svg>")
    source, target = sys.argv[1], sys.argv[2]
    if shutil.which("gnuplot") is None:
        sys.exit("plot.py: gnuplot not found (Debian: apt-get install gnuplot-nox)")
    rows, context = medians(source)
    if not rows:
        sys.exit("plot.py: no medians with a berth/libc ratio in " + source)

    machine = "%s, %s CPUs, %s; %s" % (context.get("cpu_model", "?"), context.get("num_cpus", "?"),
                                      context.get("kernel", "?"), context.get("compiler", "?"))
    with tempfile.TemporaryDirectory(prefix="berth-plot-") as work:
        data = os.path.join(work, "ratios.dat")
        with open(data, "w") as f:
            for n, (label, berth, asio) in enumerate(rows):
                f.write('%d "%s" %s %s\n' % (n, label, "%.4f" % berth if berth else "NaN",
                                              "%.4f" % asio if asio else "NaN"))
        script = os.path.join(work, "plot.gp")
        height = 120 + 34 * len(rows)
        with open(script, "w") as f:
            f.write("""
set terminal svg size 1000,%(height)d noenhanced font "sans,12" background rgb "white"
set output "%(target)s"
set title "Time relative to raw libc (lower is faster; medians of paired, interleaved blocks)\\n%(machine)s" font ",11"
set datafile missing "NaN"
set logscale x 10
set xrange [0.04:4]
set xtics (0.05, 0.1, 0.2, 0.5, 1, 2)
set format x "%%g"
set grid xtics lc rgb "#dddddd"
set yrange [%(top)f:-0.7]
set ytics scale 0 font ",11"
set key bottom right
set style fill solid 0.85 border -1
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb "#444444" dt 2
set lmargin 46
plot "%(data)s" using (1):($1-0.19):(0.04):3:($1-0.37):($1-0.01):ytic(2) with boxxyerror lc rgb "#2e7d32" title "berth / libc", \\
     "" using (1):($1+0.19):(0.04):4:($1+0.01):($1+0.37) with boxxyerror lc rgb "#c62828" title "asio / libc", \\
     "" using 3:($1-0.19):(sprintf(" %%.2f", $3)) with labels left font ",9" notitle, \\
     "" using 4:($1+0.19):(sprintf(" %%.2f", $4)) with labels left font ",9" notitle
""" % {"height": height, "target": target, "machine": machine.replace('"', "'"),
                "top": len(rows) - 0.3, "data": data})
        subprocess.run(["gnuplot", script], check=True)
    print("wrote %s (%d operations)" % (target, len(rows)))


if __name__ == "__main__":
    main()
