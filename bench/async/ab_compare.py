#!/usr/bin/env python3
"""Interleaved A/B of two builds of async_echo_server (say, before and after a change),
beside a hand-written server, through async_bench.py's own time and cost runs.

  python3 bench/async/ab_compare.py --before OLD/async_echo_server --after NEW/async_echo_server \\
      --programs-dir build/bench-async/bench/async [--backend io_uring] [--connections 100,1000]
      [--repetitions 3]

Each repetition goes over the connection counts and, for each, over the three servers in a
shuffled order; prints every sample, then medians of rate, p99 and system calls per message
(perf's raw_syscalls:sys_enter, as async_bench.py counts them). Times are only comparable
within one run."""
import argparse
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import async_bench  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--before", required=True, help="the first async_echo_server")
    p.add_argument("--after", required=True, help="the second async_echo_server")
    p.add_argument("--programs-dir", required=True,
                   help="where uring_echo_server, epoll_echo_server and load_generator are")
    p.add_argument("--backend", default="io_uring", choices=("epoll", "io_uring"))
    p.add_argument("--connections", default="100,1000,10000")
    p.add_argument("--repetitions", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    class Config:
        pass

    cfg = Config()
    cfg.load_generator = os.path.join(a.programs_dir, "load_generator")
    cfg.alloc_counter = None
    cfg.depth = 1
    cfg.duration, cfg.warmup, cfg.cost_duration = 2.0, 0.5, 1.0
    cfg.perf = async_bench.SyscallCounter.available()
    hand = os.path.join(a.programs_dir, "uring_echo_server" if a.backend == "io_uring" else "epoll_echo_server")
    programs = {"before": a.before, "after": a.after, "hand-written": hand}
    results = {k: {} for k in programs}
    rng = random.Random(a.seed)
    conns = [int(c) for c in a.connections.split(",") if c]
    # The first server run of a session came out slow (twice: 0.55x the next runs of the
    # same program, its p99 8x theirs): one warm-up run, not counted.
    async_bench.time_run(cfg, hand, a.backend, conns[0])
    for rep in range(a.repetitions):
        for c in conns:
            order = list(programs)
            rng.shuffle(order)
            for k in order:
                t = async_bench.time_run(cfg, programs[k], a.backend, c)
                s = async_bench.cost_run(cfg, programs[k], a.backend, c)
                calls = s["syscalls_per_message"]
                results[k].setdefault(c, []).append((t["rate"], t["p99_us"], calls))
                print("rep %d C=%-5d %-12s %8.0f msg/s  p99 %8.0f us  %s syscalls/msg"
                      % (rep + 1, c, k, t["rate"], t["p99_us"], "%.3f" % calls if calls is not None else "n/a"),
                      flush=True)
    print("\nmedians of %d repetitions (%s): msg/s, p99 us, system calls per message" % (a.repetitions, a.backend))
    for c in conns:
        row = ["C=%-6d" % c]
        for k in programs:
            v = results[k][c]
            calls = [x[2] for x in v if x[2] is not None]
            row.append("%s %8.0f %8.0f %6s" % (k, statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
                                               "%.3f" % statistics.median(calls) if calls else "n/a"))
        print("  ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
