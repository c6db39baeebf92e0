// berth_bench: every operation three ways, side by side in one binary (raw libc written
// with care, berth, Asio's synchronous API), with Google Benchmark, and the table
//   operation | libc | berth | asio | berth/libc | asio/libc
//
// Pairing. One benchmark per operation holds all three implementations at once (for a round
// trip: three connections, three echo threads). Each of its iterations runs a block of the
// same number of operations with each implementation in turn, in rotating order, a block
// lasting about a fifth of a millisecond; each block is timed in real time. A busy moment
// on the machine therefore hits the three alike. The times shown are medians over blocks
// (then over repetitions); the ratios are medians of the per-block ratios, which cancel what
// drift is left. Repetitions of the benchmarks are interleaved in random order as well.
//
//   berth_bench                      the table (about a minute)
//   berth_bench --benchmark_filter=parse --benchmark_out=bench.json --benchmark_out_format=json
//
// Defaults, each overridable on the command line: --benchmark_repetitions=5
// --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
// --benchmark_min_time=0.2. The per-implementation figures are user counters ("libc",
// "berth", "asio": nanoseconds per operation; "berth/libc", "asio/libc") in the JSON.
//
// The process, and so both ends of every round trip, runs on one CPU (the one it started
// on): a round trip is then two wake-ups on that CPU, the same every time, where threads
// left to wander between CPUs make each repetition fast or slow at random.
// --berth_cpu=<n> picks the CPU; --berth_cpu=all leaves the threads free.
#include "implementations.hpp"
#include "operations.hpp"

#include <benchmark/benchmark.h>
#include <berth/version.hpp>
#include <sched.h>
#include <sys/utsname.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace berth_bench;
using clock_type = std::chrono::steady_clock;

constexpr std::array<std::string_view, 3> implementations = {"libc", "berth", "asio"};
constexpr std::chrono::microseconds block_time{200};

/// One line of the table (NaN: not measured).
struct row {
  std::string key, label;
  kind what;
  std::array<double, 3> ns{NAN, NAN, NAN};  // per operation, by implementation
  std::array<double, 3> ratio{NAN, NAN, NAN};  // to libc, by implementation
  std::string error;
  double units = 0;  // what one operation moves (an operation with `units`), else 0
  std::string unit;  // "datagrams", "bytes"
  std::array<double, 3> cpu_ns{NAN, NAN, NAN};  // process CPU time per operation
};

std::vector<row>& rows() {
  static std::vector<row> instance;
  return instance;
}

/// The operation in every implementation that has it, in the order of `implementations`
/// (null where there is none).
std::array<std::unique_ptr<block>, 3> make_blocks(std::string_view key) {
  return {block_for("libc", key), block_for("berth", key), block_for("asio", key)};
}

double seconds_of(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

/// CPU time of the whole process so far (every thread, user and system), in nanoseconds.
double process_cpu_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

row* find_row(const std::string& key) {
  for (row& r : rows())
    if (r.key == key) return &r;
  return nullptr;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  const auto middle = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), middle, v.end());
  if (v.size() % 2 == 1) return *middle;
  return (*middle + *std::max_element(v.begin(), middle)) / 2;
}

void measure(benchmark::State& state, const std::string& key, const std::string& label) {
  state.SetLabel(label);  // for bench/plot.py, in the JSON output
  try {
    std::array<std::unique_ptr<block>, 3> blocks = make_blocks(key);
    // Operations per block: as many as libc does in block_time.
    std::size_t count = 1;
    for (;;) {
      const auto start = clock_type::now();
      blocks[0]->run(count);
      if (clock_type::now() - start >= block_time || count >= (std::size_t{1} << 30)) break;
      count *= 2;
    }
    // An operation that says what it moves also gets its CPU time measured (two more
    // system calls a block; the others are left as they were).
    const throughput moved = throughput_of(key);
    const double units = moved.units;
    if (row* r = find_row(key); r != nullptr && units > 0) {
      r->units = units;
      r->unit = moved.unit;
    }
    std::array<std::vector<double>, 3> ns, cpu;  // per operation, one per block
    std::size_t round = 0;
    for (auto _ : state) {
      for (std::size_t k = 0; k < blocks.size(); ++k) {
        const std::size_t i = (k + round) % blocks.size();
        if (!blocks[i]) continue;
        const double cpu_start = units > 0 ? process_cpu_ns() : 0;
        const auto start = clock_type::now();
        blocks[i]->run(count);
        ns[i].push_back(seconds_of(clock_type::now() - start) * 1e9 / static_cast<double>(count));
        if (units > 0) cpu[i].push_back((process_cpu_ns() - cpu_start) / static_cast<double>(count));
      }
      ++round;
    }
    for (std::size_t i = 0; i < blocks.size() && units > 0; ++i)
      if (blocks[i]) state.counters[std::string(implementations[i]) + " cpu"] = median(cpu[i]);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      if (!blocks[i]) continue;
      state.counters[std::string(implementations[i])] = median(ns[i]);
      if (i == 0) continue;
      std::vector<double> ratios(ns[i].size());
      for (std::size_t b = 0; b < ratios.size(); ++b) ratios[b] = ns[i][b] / ns[0][b];
      state.counters[std::string(implementations[i]) + "/libc"] = median(std::move(ratios));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void register_all() {
  for_each_benchmark(
      [&]<template <class> class Op>(std::string_view key, std::string_view label, kind what) {
        row r;
        r.key = std::string(key);
        r.label = std::string(label);
        r.what = what;
        rows().push_back(std::move(r));
        benchmark::RegisterBenchmark(std::string(key).c_str(),
                                     [name = std::string(key), text = std::string(label)](
                                         benchmark::State& state) { measure(state, name, text); })
            ->UseRealTime();
      });
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string kernel() {
  utsname u{};
  ::uname(&u);
  return std::string(u.sysname) + " " + u.release;
}

std::string compiler() {
#if defined(__clang__)
  return __VERSION__;
#else
  return std::string("GCC ") + __VERSION__;
#endif
}

/// Keeps this thread, and the threads it starts, on one CPU: `cpu`, or if empty the one it
/// runs on now. Returns the CPU, or -1 when the threads stay free ("all") or pinning failed.
int pin_to_cpu(std::string_view cpu) {
  if (cpu == "all") return -1;
  int n = ::sched_getcpu();
  if (!cpu.empty()) n = std::atoi(std::string(cpu).c_str());
  if (n < 0) return -1;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<unsigned>(n), &set);
  return ::sched_setaffinity(0, sizeof set, &set) == 0 ? n : -1;
}

int& pinned_cpu() {
  static int cpu = -1;
  return cpu;
}

/// The target each operation is held to, as berth's time over libc's.
double target_of(const row& r) {
  if (r.what == kind::io) return 1.05;
  if (r.key.rfind("parse/", 0) == 0) return 0.8;
  if (r.key.rfind("to_string/", 0) == 0) return 0.3;
  // A numeric host costs no more than inet_pton and the vector; beside getaddrinfo, no target.
  if (r.key == "resolve/ipv4" || r.key == "resolve/ipv6") return 1.0;
  return NAN;  // to_chars: no target; shown beside to_string
}

/// Prints the table when every benchmark has reported.
class table_reporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override {
    std::printf("berth %d.%d.%d benchmarks: raw libc vs berth vs Asio\n", BERTH_VERSION_MAJOR,
                BERTH_VERSION_MINOR, BERTH_VERSION_PATCH);
    std::printf("machine:  %s, %d CPUs, %s\n", cpu_model().c_str(), context.cpu_info.num_cpus,
                kernel().c_str());
    std::printf("compiler: %s, C++ %ld\n", compiler().c_str(), static_cast<long>(__cplusplus));
    if (asio_version().empty())
      std::printf("asio:     not used (not found when configured; Debian: libasio-dev): n/a\n");
    else
      std::printf("asio:     %s\n", asio_version().c_str());
    if (pinned_cpu() >= 0)
      std::printf("threads:  all on CPU %d (--berth_cpu=all to let them spread)\n", pinned_cpu());
    else
      std::printf("threads:  free to run on any CPU\n");
    if (!context.cpu_info.load_avg.empty())
      std::printf("load:     %.2f (1 min average) before the run\n", context.cpu_info.load_avg[0]);
    std::fflush(stdout);
    std::fprintf(stderr, "measuring; one dot per operation done ");
    return true;
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      std::string name = run.run_name.function_name;
      row* r = find(name);
      if (r == nullptr) continue;
      if (run.error_occurred) {
        r->error = run.error_message;
        continue;
      }
      const bool median_run = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      if (!median_run && !single) continue;
      for (std::size_t i = 0; i < implementations.size(); ++i) {
        const std::string impl(implementations[i]);
        if (const auto c = run.counters.find(impl); c != run.counters.end()) r->ns[i] = c->second;
        if (const auto c = run.counters.find(impl + "/libc"); c != run.counters.end())
          r->ratio[i] = c->second;
        if (const auto c = run.counters.find(impl + " cpu"); c != run.counters.end())
          r->cpu_ns[i] = c->second;
      }
      repetitions_ = run.repetitions;
    }
    std::fputc('.', stderr);
  }

  void Finalize() override {
    std::fputc('\n', stderr);
    std::vector<std::array<std::string, 6>> cells;
    cells.push_back({"operation", "libc", "berth", "asio", "berth/libc", "asio/libc"});
    int held = 0, checked = 0;
    std::vector<std::string> missed, errors;
    for (const row& r : rows()) {
      if (std::isnan(r.ns[0]) && r.error.empty()) continue;  // filtered out
      if (!r.error.empty()) errors.push_back(r.label + ": " + r.error);
      cells.push_back({r.label, time_text(r, 0), time_text(r, 1), time_text(r, 2),
                       ratio_text(r.ratio[1]), ratio_text(r.ratio[2])});
      const double target = target_of(r);
      if (std::isnan(target) || std::isnan(r.ratio[1])) continue;
      ++checked;
      if (r.ratio[1] <= target)
        ++held;
      else
        missed.push_back(r.label + ": " + ratio_text(r.ratio[1]) + " > " + ratio_text(target));
    }
    print(cells);
    std::printf(
        "\nreal time per operation, median of blocks run in turn (%ld repetitions, interleaved);"
        "\nratios: median of the per-block ratios to libc.\n",
        static_cast<long>(repetitions_));
    std::printf(
        "targets (berth/libc): I/O <= 1.05, parse <= 0.80, to_string <= 0.30, resolve <= 1.00: "
        "%d of %d hold\n",
        held, checked);
    for (const std::string& m : missed) std::printf("  missed: %s\n", m.c_str());
    for (const std::string& e : errors) std::printf("  error: %s\n", e.c_str());
    print_throughput();
    std::fflush(stdout);
  }

  /// The operations that say what they move: their rates (per second of real time) and
  /// their CPU time (the whole process: both ends, user and system) per operation.
  static void print_throughput() {
    std::vector<std::array<std::string, 6>> cells;
    cells.push_back({"operation", "libc", "berth", "asio", "berth/libc", "CPU libc / berth"});
    for (const row& r : rows()) {
      if (r.units <= 0 || (std::isnan(r.ns[0]) && r.error.empty())) continue;
      cells.push_back({r.label, rate_text(r, 0), rate_text(r, 1), rate_text(r, 2),
                       std::isnan(r.ratio[1]) ? "n/a" : ratio_text(1 / r.ratio[1]),
                       cpu_text(r.cpu_ns[0]) + " / " + cpu_text(r.cpu_ns[1])});
    }
    if (cells.size() == 1) return;
    std::printf("\nthroughput: rates per second of real time (berth/libc: berth's rate over libc's), and\n"
                "CPU time per operation of the whole process (both ends, user and system):\n");
    print(cells);
  }
  static std::string rate_text(const row& r, std::size_t column) {
    if (!r.error.empty()) return "error";
    const double ns = r.ns[column];
    if (std::isnan(ns)) return "n/a";
    double rate = r.units / (ns * 1e-9);
    const char* prefix = "";
    if (rate >= 1e9) {
      rate /= 1e9;
      prefix = "G";
    } else if (rate >= 1e6) {
      rate /= 1e6;
      prefix = "M";
    } else if (rate >= 1e3) {
      rate /= 1e3;
      prefix = "k";
    }
    char text[48];
    std::snprintf(text, sizeof text, "%.2f %s%s/s", rate, prefix, r.unit == "bytes" ? "B" : " datagrams");
    return text;
  }
  static std::string cpu_text(double ns) {
    if (std::isnan(ns)) return "n/a";
    char text[32];
    if (ns >= 1e6)
      std::snprintf(text, sizeof text, "%.2f ms", ns / 1e6);
    else
      std::snprintf(text, sizeof text, "%.2f us", ns / 1e3);
    return text;
  }

 private:
  static row* find(const std::string& key) {
    for (row& r : rows())
      if (r.key == key) return &r;
    return nullptr;
  }
  static std::string time_text(const row& r, std::size_t column) {
    if (!r.error.empty()) return "error";
    const double ns = r.ns[column];
    if (std::isnan(ns)) return "n/a";
    char text[32];
    if (r.what == kind::io)
      std::snprintf(text, sizeof text, "%.2f us", ns / 1000);
    else
      std::snprintf(text, sizeof text, "%.1f ns", ns);
    return text;
  }
  static std::string ratio_text(double ratio) {
    if (std::isnan(ratio)) return "n/a";
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", ratio);
    return text;
  }
  /// A Markdown table, padded so that it also reads well in a terminal.
  static void print(const std::vector<std::array<std::string, 6>>& cells) {
    std::array<std::size_t, 6> width{};
    for (const auto& line : cells)
      for (std::size_t c = 0; c < 6; ++c) width[c] = std::max(width[c], line[c].size());
    // Printed cell by cell (GCC 12 misreads building these lines with std::string's
    // operator+ and assignment as overlapping copies: -Wrestrict, a known false positive).
    for (std::size_t l = 0; l < cells.size(); ++l) {
      std::fputs("|", stdout);
      for (std::size_t c = 0; c < 6; ++c) {
        const std::string& cell = cells[l][c];
        const int w = static_cast<int>(width[c]);
        if (c == 0)
          std::printf(" %-*s |", w, cell.c_str());
        else
          std::printf(" %*s |", w, cell.c_str());
      }
      std::fputs("\n", stdout);
      if (l == 0) {
        std::fputs("|", stdout);
        for (std::size_t c = 0; c < 6; ++c) {
          std::fputs(" ", stdout);
          for (std::size_t k = 0; k < (c == 0 ? width[c] : width[c] - 1); ++k) std::fputc('-', stdout);
          std::fputs(c == 0 ? " |" : ": |", stdout);
        }
        std::fputs("\n", stdout);
      }
    }
  }

  std::int64_t repetitions_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  // Defaults first, so that the same flags given on the command line override them.
  std::vector<std::string> defaults = {
      "--benchmark_repetitions=5", "--benchmark_enable_random_interleaving=true",
      "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.2"};
  std::vector<char*> args;
  args.push_back(argv[0]);
  for (std::string& d : defaults) args.push_back(d.data());
  std::string_view cpu;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.rfind("--berth_cpu=", 0) == 0)
      cpu = arg.substr(12);
    else
      args.push_back(argv[i]);
  }
  pinned_cpu() = pin_to_cpu(cpu);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);

  register_all();
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("kernel", kernel());
  benchmark::AddCustomContext("compiler", compiler());
  benchmark::AddCustomContext("asio", asio_version().empty() ? "not found" : asio_version());
  benchmark::AddCustomContext("threads", pinned_cpu() >= 0 ? "one CPU" : "any CPU");
  table_reporter table;
  benchmark::RunSpecifiedBenchmarks(&table);
  benchmark::Shutdown();
  return 0;
}
