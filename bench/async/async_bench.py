#!/usr/bin/env python3
"""The async echo benchmark: berth's async_echo_server beside hand-written epoll and io_uring
servers and Asio's coroutine server, driven by one load generator that checks every byte.

Every server is a program with one command line,

    SERVER --listen 127.0.0.1:0 --backend epoll|io_uring

that prints "listening on ENDPOINT" first, echoes every byte and exits 0 on SIGTERM. For
each repetition, each number of connections and each server (in a shuffled order, so that
a busy moment on the shared machine hits every server alike) the driver runs, each in a
fresh server process:

  time    the load generator for --duration seconds (after --warmup): messages per second,
          round-trip p50 and p99, the server's CPU time per message (from /proc);
  costs   the same with the server's allocations counted by an LD_PRELOAD malloc counter
          (libberth_alloc_counter.so) and its system calls by `perf stat -e
          raw_syscalls:sys_enter -p PID`; the load generator enables perf and reads the
          allocation counts at both ends of its counted time, so connecting, warming up,
          draining and closing are left out: per message = count / messages completed;
  instr.  (1 and 100 connections) the server under valgrind --tool=callgrind, the load
          generator sending N1 and then N2 messages per connection, the server's counters
          zeroed and dumped around each run through vgdb: (total2 - total1) / (N2 - N1)
          messages is its user-space instructions per message, libc's and liburing's in.

The table shows the medians over repetitions, each with its ratio to the hand-written server
of the same backend (the median of the ratios paired within a repetition, for times). With
--berth PATH, berth's server runs as two more rows (--backend epoll and --backend io_uring)
and the issue's targets are checked.

    async_bench.py --programs-dir build/bench-async/bench/async          full run, ~10 min
    async_bench.py --programs-dir DIR --quick                              ~3 min
    async_bench.py --programs-dir DIR --berth build/.../async_echo_server --json out.json
    async_bench.py --smoke --epoll PATH --io-uring PATH --load-generator PATH   (CTest)

Needs perf (Debian: linux-perf) with tracepoints for the system calls, and valgrind (with
vgdb) for the instructions; without them those columns read n/a. Standard library only:
any python3 will do.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

UNAVAILABLE = 3  # a server's exit status when its backend is missing on this machine
SKIP = 77        # CTest's SKIP_RETURN_CODE

# (key, label, option naming its program, backend, the hand-written row it is compared with)
SERVERS = [
    ("epoll", "hand-written epoll", "epoll", "epoll", "epoll"),
    ("io_uring", "hand-written io_uring", "io_uring", "io_uring", "io_uring"),
    ("asio", "Asio coroutines, epoll", "asio", "epoll", "epoll"),
    ("asio_uring", "Asio coroutines, io_uring", "asio_io_uring", "io_uring", "io_uring"),
    ("berth_epoll", "berth, epoll", "berth", "epoll", "epoll"),
    ("berth_uring", "berth, io_uring", "berth", "io_uring", "io_uring"),
]
PROGRAM_FILES = {"epoll": "epoll_echo_server", "io_uring": "uring_echo_server",
                 "asio": "asio_echo_server", "asio_io_uring": "asio_uring_echo_server",
                 "load_generator": "load_generator",
                 "alloc_counter": "libberth_alloc_counter.so"}

# Messages per connection for the two callgrind runs whose difference gives instructions
# per message.
CALLGRIND_COUNTS = {1: (1000, 6000), 100: (10, 60)}
QUICK_CALLGRIND_COUNTS = {1: (500, 2500), 100: (5, 25)}


class Unavailable(Exception):
    """The server's backend is not offered here (it exited with status 3)."""


class Failure(Exception):
    pass


def log(text):
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Processes

class Server:
    """One server process: started, its endpoint learnt from its first line, stopped."""

    threads = 1  # --server-threads: passed on as --threads N when more than one

    def __init__(self, program, backend, env=None, wrapper=(), start_timeout=30.0):
        self.command = list(wrapper) + [program, "--listen", "127.0.0.1:0", "--backend", backend]
        if Server.threads > 1:
            self.command += ["--threads", str(Server.threads)]
        self.stderr = tempfile.TemporaryFile()
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=self.stderr,
                                        stdin=subprocess.DEVNULL, env=full_env)
        line = self._first_line(start_timeout)
        m = re.match(r"^listening on (\S+)$", line)
        if not m:
            self.kill()
            if self.process.returncode == UNAVAILABLE:
                raise Unavailable(self.errors())
            raise Failure("%s: first line %r, not 'listening on ENDPOINT'; stderr: %s"
                          % (" ".join(self.command), line, self.errors()))
        self.endpoint = m.group(1)
        self.pid = self.process.pid

    def _first_line(self, timeout):
        deadline = time.monotonic() + timeout
        data = b""
        fd = self.process.stdout.fileno()
        while b"\n" not in data and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\n")[0].decode(errors="replace").strip()

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-3000:]

    def alive(self):
        return self.process.poll() is None

    def sockets(self):
        """How many sockets the server has open (its listeners and connections; rings,
        eventfds, epoll sets and valgrind's pipes are not sockets), or -1 once it is gone."""
        directory = "/proc/%d/fd" % self.pid
        try:
            names = os.listdir(directory)
        except OSError:
            return -1
        n = 0
        for name in names:
            try:
                if os.readlink(os.path.join(directory, name)).startswith("socket:"):
                    n += 1
            except OSError:
                pass
        return n

    def settle(self, baseline, timeout=20.0):
        """Waits until the server closed the connections of a run (its socket count is back
        to `baseline`) and is idle; False when that took longer than `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = self.sockets()
            if n < 0 or n <= baseline:
                time.sleep(0.05)  # the last close's bookkeeping
                return True
            time.sleep(0.02)
        return False

    def stop(self, timeout=10.0):
        """SIGTERM; returns the exit status (None when it had to be killed)."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            status = None
        self.process.stdout.close()
        return status

    def kill(self):
        if self.alive():
            self.process.kill()
        self.process.wait()


def run_load(load_generator, endpoint, connections, duration=None, count=None, warmup=None,
             depth=1, server_pid=None, reset=False, extra=()):
    command = [load_generator, "--connect", endpoint, "--connections", str(connections),
               "--depth", str(depth), "--json"]
    if duration is not None:
        command += ["--duration", "%g" % duration]
        timeout = 60 + duration + (warmup or 0.5) + 60
    else:
        command += ["--count", str(count)]
        timeout = 60 + 600 + 60
    if warmup is not None:
        command += ["--warmup", "%g" % warmup]
    if server_pid:
        command += ["--server-pid", str(server_pid)]
    if reset:
        command.append("--reset")
    command += list(extra)
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Failure("load generator did not stop within %d s: %s" % (timeout, " ".join(command)))
    if run.returncode != 0:
        raise Failure("load generator failed (status %d): %s\n%s"
                      % (run.returncode, " ".join(command), run.stderr.strip()[-2000:]))
    return json.loads(run.stdout.strip().splitlines()[-1])


class SyscallCounter:
    """perf stat counting a process's system calls (the raw_syscalls:sys_enter tracepoint),
    attached with its events disabled; the load generator enables them through perf's
    control FIFOs for exactly its counted time, so connecting, warming up, draining and
    closing are not counted."""

    @staticmethod
    def available():
        if not shutil.which("perf"):
            return False
        run = subprocess.run(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "true"],
                             capture_output=True, text=True)
        return run.returncode == 0 and re.search(r"^\d+,", run.stderr, re.M) is not None

    def __init__(self, pid):
        self.work = tempfile.mkdtemp(prefix="berth-syscalls-")
        ctl = os.path.join(self.work, "ctl")
        ack = os.path.join(self.work, "ack")
        os.mkfifo(ctl)
        os.mkfifo(ack)
        self.control = "%s,%s" % (ctl, ack)
        self.process = subprocess.Popen(
            ["perf", "stat", "-D", "-1", "-x,", "-e", "raw_syscalls:sys_enter", "-p", str(pid),
             "--control", "fifo:" + self.control],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def count(self):
        """Ends perf; the system calls it counted while enabled."""
        try:
            self.process.send_signal(signal.SIGINT)
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise Failure("perf did not end on SIGINT")
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
        for line in err.splitlines():
            fields = line.split(",")
            if len(fields) > 2 and fields[2].startswith("raw_syscalls:sys_enter"):
                if not fields[0].isdigit():
                    raise Failure("perf counted nothing: " + line)
                return int(fields[0])
        raise Failure("no count in perf's output: " + err[-500:])


def read_allocations(path):
    """(allocations, frees) from the counter file libberth_alloc_counter.so maps."""
    with open(path, "rb") as f:
        data = f.read(40)
    if len(data) < 40 or data[:8] != b"BERTHALC":
        raise Failure("the allocation counter wrote nothing to %s (LD_PRELOAD refused?)" % path)
    return (int.from_bytes(data[8:16], "little"), int.from_bytes(data[16:24], "little"))


# ---------------------------------------------------------------------------------------
# The three kinds of run

def time_run(cfg, program, backend, connections):
    server = Server(program, backend)
    try:
        result = run_load(cfg.load_generator, server.endpoint, connections, depth=cfg.depth,
                          duration=cfg.duration, warmup=cfg.warmup, server_pid=server.pid)
    finally:
        status = server.stop()
    result["server_exit"] = status
    messages = result["messages"]
    result["cpu_us_per_message"] = (result["server_cpu_s"] * 1e6 / messages) if messages else None
    return result


def cost_run(cfg, program, backend, connections):
    """System calls and allocations per message in steady state: a time run whose counted
    window perf counts and the allocation counter brackets (both read by the load generator
    at the window's ends); per message = count / messages completed in the window."""
    work = tempfile.mkdtemp(prefix="berth-costs-")
    counter_file = os.path.join(work, "counts")
    env = {}
    if cfg.alloc_counter:
        env = {"LD_PRELOAD": cfg.alloc_counter, "BERTH_ALLOC_COUNTER_FILE": counter_file}
    server = Server(program, backend, env=env)
    perf = None
    try:
        extra = []
        if cfg.perf:
            perf = SyscallCounter(server.pid)
            extra += ["--perf-control", perf.control]
        if cfg.alloc_counter:
            read_allocations(counter_file)  # fails loudly when LD_PRELOAD was refused
            extra += ["--alloc-counter", counter_file]
        load = run_load(cfg.load_generator, server.endpoint, connections, depth=cfg.depth,
                        duration=cfg.cost_duration, warmup=cfg.warmup, extra=extra)
        syscalls = perf.count() if perf else None
        perf = None
    finally:
        if perf:
            perf.process.kill()
            perf.process.communicate()
            shutil.rmtree(perf.work, ignore_errors=True)
        status = server.stop()
        shutil.rmtree(work, ignore_errors=True)
    messages = load["messages"]
    return {"messages": messages, "syscalls": syscalls, "server_exit": status,
            "allocations": load["server_allocations"] if cfg.alloc_counter else None,
            "frees": load["server_frees"] if cfg.alloc_counter else None,
            "syscalls_per_message": syscalls / messages if syscalls is not None else None,
            "allocations_per_message": (load["server_allocations"] / messages
                                        if cfg.alloc_counter else None),
            "connect_errors": load["connect_errors"]}


def callgrind_run(cfg, program, backend, connections):
    counts = cfg.callgrind_counts[connections]
    work = tempfile.mkdtemp(prefix="berth-callgrind-")
    out = os.path.join(work, "callgrind.out")
    threads, Server.threads = Server.threads, 1
    try:
        server = Server(program, backend, start_timeout=60,
                        wrapper=["valgrind", "--tool=callgrind", "--vgdb=yes", "--trace-children=yes",
                                 "--callgrind-out-file=" + out])
    finally:
        Server.threads = threads
    totals = []
    try:
        baseline = server.sockets()
        run_load(cfg.load_generator, server.endpoint, connections, count=counts[0],
                 depth=cfg.depth)  # warm-up
        if not server.settle(baseline, timeout=60):
            raise Failure("the server did not close the connections of a run within 60 s")
        for part, n in enumerate(counts, start=1):
            vgdb(server.pid, "zero")
            run_load(cfg.load_generator, server.endpoint, connections, count=n, depth=cfg.depth)
            if not server.settle(baseline, timeout=60):
                raise Failure("the server did not close the connections of a run within 60 s")
            vgdb(server.pid, "dump")
            totals.append(callgrind_total("%s.%d" % (out, part)))
    finally:
        # Under valgrind a signal waits for valgrind's next scheduling point, which a server
        # blocked in io_uring_enter may never reach: ask valgrind itself to end it.
        if server.alive():
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(3)
            except subprocess.TimeoutExpired:
                try:
                    vgdb(server.pid, "v.kill")
                except Failure:
                    pass
        server.kill()
        server.process.stdout.close()
        shutil.rmtree(work, ignore_errors=True)
    dm = (counts[1] - counts[0]) * connections
    return {"totals": totals, "instructions_per_message": (totals[1] - totals[0]) / dm}


def vgdb(pid, command):
    run = subprocess.run(["vgdb", "--pid=%d" % pid, command], capture_output=True, text=True,
                         timeout=60)
    if run.returncode != 0 and command != "v.kill":
        raise Failure("vgdb %s failed: %s" % (command, run.stderr.strip()[-500:]))


def callgrind_total(path):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                for line in f:
                    m = re.match(r"^(?:totals|summary):\s+(\d+)", line)
                    if m:
                        return int(m.group(1))
        except OSError:
            pass
        time.sleep(0.1)
    raise Failure("no totals in " + path)


# ---------------------------------------------------------------------------------------
# Figures

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, kind):
    if value is None:
        return "n/a"
    if kind == "instructions":
        return "{:,.0f}".format(value)
    if kind == "syscalls":
        return "%.2f" % value
    if kind == "allocations":
        return "%.3f" % value
    if kind == "rate":
        return "{:,.0f}".format(value)
    if kind == "latency":
        return "%.1f us" % value if value < 1000 else "%.1f ms" % (value / 1000)
    if kind == "cpu":
        return "%.2f" % value
    return str(value)


def summarize(samples, rows, conns, callgrind_conns):
    """Medians per row, metric and connection count; ratios to the row's reference."""
    figures = {}
    for key, label, _, _, ref in rows:
        f = figures.setdefault(key, {"label": label, "reference": ref})
        for c in conns:
            t = samples[key]["time"].get(c, [])
            k = samples[key]["costs"].get(c, [])
            f.setdefault("rate", {})[c] = median([s["rate"] for s in t])
            f.setdefault("p50_us", {})[c] = median([s["p50_us"] for s in t])
            f.setdefault("p99_us", {})[c] = median([s["p99_us"] for s in t])
            f.setdefault("cpu_us_per_message", {})[c] = median([s["cpu_us_per_message"] for s in t])
            f.setdefault("syscalls_per_message", {})[c] = median(
                [s["syscalls_per_message"] for s in k])
            f.setdefault("allocations_per_message", {})[c] = median(
                [s["allocations_per_message"] for s in k])
            f.setdefault("connect_errors", {})[c] = sum(
                s["connect_errors"] for s in t + k)
        for c in callgrind_conns:
            g = samples[key]["instructions"].get(c, [])
            f.setdefault("instructions_per_message", {})[c] = median(
                [s["instructions_per_message"] for s in g])
        # Times: the median of the ratios paired within a repetition.
        for metric in ("rate", "p99_us", "cpu_us_per_message"):
            ratios = {}
            for c in conns:
                mine = samples[key]["time"].get(c, [])
                theirs = samples[ref]["time"].get(c, []) if ref in samples else []
                by_rep = {s["rep"]: s[metric] for s in theirs if s.get(metric)}
                ratios[c] = median([s[metric] / by_rep[s["rep"]] for s in mine
                                    if s.get(metric) is not None and s["rep"] in by_rep])
            f.setdefault("ratio", {})[metric] = ratios
    for key, f in figures.items():
        ref = figures.get(f["reference"])
        for metric in ("syscalls_per_message", "instructions_per_message"):
            ratios = {}
            for c, v in f.get(metric, {}).items():
                r = ref.get(metric, {}).get(c) if ref else None
                ratios[c] = v / r if v is not None and r else None
            f["ratio"][metric] = ratios
    return figures


def print_table(figures, rows, conns, callgrind_conns, out=sys.stdout):
    def short(c):
        return "%dk" % (c // 1000) if c >= 1000 else str(c)

    columns = ([("instructions_per_message", c, "instr/msg C=%s" % short(c), "instructions")
                for c in callgrind_conns] +
               [("syscalls_per_message", c, "syscalls/msg C=%s" % short(c), "syscalls")
                for c in conns] +
               [("allocations_per_message", None, "allocs/msg", "allocations")] +
               [("rate", c, "msg/s C=%s" % short(c), "rate") for c in conns] +
               [("p99_us", c, "p99 C=%s" % short(c), "latency") for c in conns] +
               [("cpu_us_per_message", c, "CPU us/msg C=%s" % short(c), "cpu") for c in conns] +
               [("connect_errors", None, "connect errors", "count")])
    cells = [["server"] + [title for _, _, title, _ in columns]]
    for key, label, _, _, ref in rows:
        f = figures[key]
        line = [label]
        for metric, c, _, kind in columns:
            if metric == "allocations_per_message":
                value = max([v for v in f[metric].values() if v is not None], default=None)
            elif metric == "connect_errors":
                value = sum(f[metric].values())
            else:
                value = f[metric].get(c)
            text = fmt(value, kind)
            ratio = f["ratio"].get(metric, {}).get(c) if c is not None else None
            if key != ref and ratio is not None and value is not None:
                text += " (%.2f)" % ratio
            line.append(text)
        cells.append(line)
    width = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    for n, line in enumerate(cells):
        print("| " + " | ".join(c.ljust(width[i]) if i == 0 else c.rjust(width[i])
                                for i, c in enumerate(line)) + " |", file=out)
        if n == 0:
            print("| " + " | ".join("-" * width[0] if i == 0 else "-" * (width[i] - 1) + ":"
                                    for i in range(len(width))) + " |", file=out)


def check_targets(figures, conns, callgrind_conns):
    """The issue's performance targets for berth's rows: (description, value, bound, held)."""
    targets = []
    be, bu = figures.get("berth_epoll"), figures.get("berth_uring")
    he, hu = figures.get("epoll"), figures.get("io_uring")

    def add(text, value, bound, held):
        targets.append({"target": text, "value": value, "bound": bound,
                        "held": bool(held) if value is not None and bound is not None else False})

    if be and he:
        for c in conns:
            v, r = be["syscalls_per_message"].get(c), he["syscalls_per_message"].get(c)
            add("epoll: syscalls/message at C=%d <= hand-written + 0.1" % c, v,
                None if r is None else r + 0.1, v is not None and r is not None and v <= r + 0.1)
        for c in callgrind_conns:
            v, r = be["instructions_per_message"].get(c), he["instructions_per_message"].get(c)
            add("epoll: instructions/message at C=%d <= hand-written + 150" % c, v,
                None if r is None else r + 150, v is not None and r is not None and v <= r + 150)
        for c in conns:
            ratio = be["ratio"]["rate"].get(c)
            add("epoll: message rate at C=%d >= 0.95x hand-written" % c, ratio, 0.95,
                ratio is not None and ratio >= 0.95)
        if 10000 in conns:
            ratio = be["ratio"]["p99_us"].get(10000)
            add("epoll: p99 at C=10000 <= 1.3x hand-written", ratio, 1.3,
                ratio is not None and ratio <= 1.3)
    if bu and hu:
        for c in conns:
            if c < 100:
                continue
            v = bu["syscalls_per_message"].get(c)
            add("io_uring: syscalls/message at C=%d <= 0.1" % c, v, 0.1, v is not None and v <= 0.1)
        for c in callgrind_conns:
            v, r = bu["instructions_per_message"].get(c), hu["instructions_per_message"].get(c)
            add("io_uring: instructions/message at C=%d <= hand-written + 150" % c, v,
                None if r is None else r + 150, v is not None and r is not None and v <= r + 150)
    for key, name in (("berth_epoll", "epoll"), ("berth_uring", "io_uring")):
        f = figures.get(key)
        if f:
            values = [v for v in f["allocations_per_message"].values() if v is not None]
            v = max(values) if values else None
            add("%s: allocations/message in steady state = 0 (< 0.001 at every C)" % name, v,
                0.001, v is not None and v < 0.001)
    return targets


def print_targets(targets, out=sys.stdout):
    print("\nberth's targets (issue 10):", file=out)
    for t in targets:
        value = "n/a" if t["value"] is None else "%.3f" % t["value"]
        bound = "n/a" if t["bound"] is None else "%.3f" % t["bound"]
        print("  [%s] %s: %s (bound %s)" % ("held" if t["held"] else "MISSED", t["target"], value,
                                             bound), file=out)
    held = sum(1 for t in targets if t["held"])
    print("targets: %d of %d hold" % (held, len(targets)), file=out)


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"kernel": platform.release(), "cpu": model, "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


# ---------------------------------------------------------------------------------------
# The smoke test (CTest): bytes checked, no times.

def smoke(args):
    load_generator = args.load_generator
    servers = [(name, path, backend) for name, path, backend in
               (("hand-written epoll", args.epoll, "epoll"),
                ("hand-written io_uring", args.io_uring, "io_uring")) if path]
    passed = failed = skipped = 0

    def case(name, fn):
        nonlocal passed, failed, skipped
        try:
            detail = fn()
            passed += 1
            print("ok      %s%s" % (name, (": " + detail) if detail else ""), flush=True)
        except Unavailable as e:
            skipped += 1
            print("skipped %s: backend not available here: %s" % (name, str(e).strip()[:200]))
        except Exception as e:  # a failure of any kind is reported, and the rest still run
            failed += 1
            print("FAILED  %s: %s" % (name, e), flush=True)

    for name, path, backend in servers:
        def serve(path=path, backend=backend):
            env = {}
            work = None
            if args.alloc_counter:
                work = tempfile.mkdtemp(prefix="berth-smoke-")
                env = {"LD_PRELOAD": args.alloc_counter,
                       "BERTH_ALLOC_COUNTER_FILE": os.path.join(work, "counts")}
            server = Server(path, backend, env=env)
            try:
                notes = []
                for c, count, depth in ((1, 300, 1), (100, 20, 1), (100, 10, 8)):
                    r = run_load(load_generator, server.endpoint, c, count=count, depth=depth)
                    expected = c * count * 64
                    if r["bytes_checked"] != expected or r["messages"] != c * count:
                        raise Failure("C=%d depth %d: %d bytes checked, expected %d"
                                      % (c, depth, r["bytes_checked"], expected))
                    notes.append("C=%d depth %d: %d bytes" % (c, depth, expected))
                run_load(load_generator, server.endpoint, 20, count=5, reset=True)
                r = run_load(load_generator, server.endpoint, 1, count=10)
                if not server.alive():
                    raise Failure("the server died when clients reset their connections")
                notes.append("survives resets")
                if work:
                    allocations, _ = read_allocations(os.path.join(work, "counts"))
                    if allocations == 0:
                        raise Failure("the allocation counter counted nothing")
                    notes.append("allocation counter: %d" % allocations)
            finally:
                port = int(server.endpoint.rsplit(":", 1)[1])
                status = server.stop(timeout=5)
                if work:
                    shutil.rmtree(work, ignore_errors=True)
            if status != 0:
                raise Failure("exit status %s on SIGTERM, expected 0" % status)
            # Nothing the server armed may keep its port bound once it exited.
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                s.listen()
            except OSError as e:
                raise Failure("port %d still bound after the server exited: %s" % (port, e))
            finally:
                s.close()
            notes.append("exit 0 on SIGTERM, port free")
            return "; ".join(notes)
        case(name, serve)
    print("\n%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if failed:
        return 1
    return SKIP if passed == 0 else 0


# ---------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--programs-dir", help="where the baseline servers, load_generator and "
                        "libberth_alloc_counter.so were built (bench/async in the build tree)")
    for option in ("epoll", "io-uring", "asio", "asio-io-uring", "load-generator",
                   "alloc-counter"):
        parser.add_argument("--" + option, help="path of %s (overrides --programs-dir)" % option)
    parser.add_argument("--berth", help="berth's async_echo_server: adds its two rows and the "
                        "targets")
    parser.add_argument("--connections", default="1,100,1000,10000",
                        help="comma-separated connection counts (default %(default)s)")
    parser.add_argument("--repetitions", type=int, help="default 5, or 2 with --quick")
    parser.add_argument("--duration", type=float, help="seconds counted per time run "
                        "(default 2, or 1 with --quick)")
    parser.add_argument("--warmup", type=float, help="seconds before counting (default 0.5, "
                        "or 0.3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (~3 min)")
    parser.add_argument("--no-callgrind", action="store_true", help="skip the instruction count")
    parser.add_argument("--depth", type=int, default=1,
                        help="messages in flight per connection (default 1: request/response)")
    parser.add_argument("--server-threads", type=int, default=1,
                        help="run every server with --threads N (one loop per thread, "
                        "SO_REUSEPORT); callgrind runs keep one")
    parser.add_argument("--seed", type=int, default=None, help="for the shuffled server order")
    parser.add_argument("--json", help="also write every sample and figure here")
    parser.add_argument("--compiler", default="", help="recorded in the JSON (CMake passes it)")
    parser.add_argument("--smoke", action="store_true",
                        help="the CTest smoke test: hand-written epoll and io_uring at 1 and "
                        "100 connections, every byte checked, no timing")
    args = parser.parse_args()

    def path_of(option_value, key):
        if option_value:
            return os.path.abspath(option_value)
        if args.programs_dir:
            p = os.path.join(args.programs_dir, PROGRAM_FILES[key])
            if os.path.exists(p):
                return os.path.abspath(p)
        return None

    args.epoll = path_of(args.epoll, "epoll")
    args.io_uring = path_of(args.io_uring, "io_uring")
    args.asio = path_of(args.asio, "asio")
    args.asio_io_uring = path_of(args.asio_io_uring, "asio_io_uring")
    args.load_generator = path_of(args.load_generator, "load_generator")
    args.alloc_counter = path_of(args.alloc_counter, "alloc_counter")
    if not args.load_generator:
        sys.exit("async_bench: no load_generator (give --programs-dir or --load-generator)")
    if args.smoke:
        return smoke(args)

    class Config:
        pass

    cfg = Config()
    cfg.load_generator = args.load_generator
    cfg.alloc_counter = args.alloc_counter
    cfg.depth = max(1, args.depth)
    cfg.duration = args.duration or (1.0 if args.quick else 2.0)
    cfg.warmup = args.warmup if args.warmup is not None else (0.3 if args.quick else 0.5)
    cfg.callgrind_counts = QUICK_CALLGRIND_COUNTS if args.quick else CALLGRIND_COUNTS
    repetitions = args.repetitions or (2 if args.quick else 5)
    conns = [int(c) for c in args.connections.split(",") if c]
    cfg.perf = SyscallCounter.available()
    cfg.cost_duration = 0.7 if args.quick else 1.0
    Server.threads = max(1, args.server_threads)
    use_callgrind = not args.no_callgrind and shutil.which("valgrind") and shutil.which("vgdb")
    callgrind_conns = [c for c in conns if c in cfg.callgrind_counts] if use_callgrind else []
    programs = {"epoll": args.epoll, "io_uring": args.io_uring, "asio": args.asio,
                "asio_io_uring": args.asio_io_uring,
                "berth": os.path.abspath(args.berth) if args.berth else None}
    rows = [r for r in SERVERS if r[0] not in ("berth_epoll", "berth_uring") or args.berth]
    absent = {r[0]: "not built" for r in rows if not programs[r[2]]}

    log("async_bench: %d repetitions x %s connections x %d servers; time runs %.1f s after "
        "%.1f s warm-up; system calls counted with %s; allocations %s; instructions %s"
        % (repetitions, conns, len(rows), cfg.duration, cfg.warmup,
           "perf (raw_syscalls:sys_enter)" if cfg.perf else "nothing (perf with tracepoints not found)",
           "counted" if cfg.alloc_counter else "not counted (no libberth_alloc_counter.so)",
           "at C=%s with callgrind" % callgrind_conns if callgrind_conns else "not counted"))
    started = time.monotonic()
    rng = random.Random(args.seed)
    samples = {r[0]: {"time": {}, "costs": {}, "instructions": {}} for r in rows}
    notes = []
    for rep in range(repetitions):
        for c in conns:
            order = [r for r in rows if r[0] not in absent]
            rng.shuffle(order)
            for key, label, prog, backend, _ in order:
                if key in absent:
                    continue
                kinds = [("time", time_run), ("costs", cost_run)]
                if c in callgrind_conns and rep < (1 if args.quick else 3):
                    kinds.append(("instructions", callgrind_run))
                for kind, fn in kinds:
                    t0 = time.monotonic()
                    try:
                        result = fn(cfg, programs[prog], backend, c)
                    except Unavailable as e:
                        absent[key] = "backend not available: " + str(e).strip()[:200]
                        log("  %s: %s" % (label, absent[key]))
                        break
                    except Failure as e:
                        notes.append("%s, C=%d, %s run %d: %s" % (label, c, kind, rep + 1, e))
                        log("  FAILED %s" % notes[-1])
                        continue
                    result["rep"] = rep
                    if result.get("server_exit") not in (0, None) or (
                            kind != "instructions" and result.get("server_exit") is None):
                        notes.append("%s, C=%d, %s run %d: exit status %s on SIGTERM"
                                     % (label, c, kind, rep + 1, result.get("server_exit")))
                    samples[key][kind].setdefault(c, []).append(result)
                    log("  rep %d C=%-5d %-27s %-12s %5.1f s  %s"
                        % (rep + 1, c, label, kind, time.monotonic() - t0, brief(kind, result)))
    elapsed = time.monotonic() - started

    figures = summarize(samples, rows, conns, callgrind_conns)
    info = machine()
    print("\nasync echo servers, 64-byte messages, %s, one load generator checking every "
          "byte; medians of %d repetitions (instructions: %d); (ratio) to the hand-written "
          "server of the same backend"
          % ("request/response" if cfg.depth == 1 else "%d in flight per connection" % cfg.depth,
             repetitions, 1 if args.quick else min(3, repetitions)))
    print("%s, %d CPUs, Linux %s; %s; %.0f s\n" % (info["cpu"], info["cpus"] or 0, info["kernel"],
                                                 info["date"], elapsed))
    print_table(figures, rows, conns, callgrind_conns)
    for key, why in absent.items():
        print("  %s: n/a (%s)" % (dict((r[0], r[1]) for r in rows)[key], why))
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n)
    targets = check_targets(figures, conns, callgrind_conns) if args.berth else []
    if args.berth:
        print_targets(targets)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "compiler": args.compiler,
                       "settings": {"repetitions": repetitions, "connections": conns,
                                    "duration": cfg.duration, "warmup": cfg.warmup,
                                    "callgrind_counts": {str(k): v for k, v in
                                                         cfg.callgrind_counts.items()},
                                    "syscalls_counted": bool(cfg.perf),
                                    "cost_duration": cfg.cost_duration,
                                    "server_threads": Server.threads, "depth": cfg.depth,
                                    "quick": args.quick, "seconds": elapsed},
                       "programs": programs, "absent": absent, "figures": figures,
                       "samples": samples, "targets": targets, "notes": notes}, f, indent=1)
        print("\nJSON: %s" % args.json)
    return 0


def brief(kind, r):
    if kind == "time":
        return "%.0f msg/s, p99 %.1f us" % (r["rate"], r["p99_us"])
    if kind == "costs":
        s = r["syscalls_per_message"]
        a = r["allocations_per_message"]
        return "%s syscalls/msg, %s allocs/msg" % ("n/a" if s is None else "%.3f" % s,
                                                  "n/a" if a is None else "%.4f" % a)
    return "%.0f instructions/msg" % r["instructions_per_message"]


if __name__ == "__main__":
    sys.exit(main())
