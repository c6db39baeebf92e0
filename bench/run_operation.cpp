// berth_operations: runs one operation of one implementation a given number of times, for
// the audits. Under strace (tests/audit) or callgrind (bench/instruction_audit.py), two runs
// of different lengths give the system calls or instructions of one operation: everything
// else (start-up, set-up, take-down) is the same in both and cancels out.
//
//   berth_operations <libc|berth|asio> <operation> <count>
//   berth_operations --list      one line per operation: key, tab, label
//
// Exit status: 0 done, 1 the operation failed, 2 bad usage, 3 no such operation for this
// implementation (asio when Asio was not found, or an operation Asio has no form of).
#include "berth_impl.hpp"
#include "libc_impl.hpp"
#include "operations.hpp"
#if defined(BERTH_BENCH_ASIO)
#include "asio_impl.hpp"
#endif

#include <charconv>
#include <cstdio>
#include <exception>
#include <string_view>

namespace {

using namespace berth_bench;

enum status { done = 0, failed = 1, usage = 2, unsupported = 3 };

/// The loop, in a function of its own for each operation and implementation, so that every
/// implementation's steps are compiled in the same surroundings (and not inlined into a
/// larger function whose other code takes registers from some of them).
template <class Op>
[[gnu::noinline]] void run_steps(Op& op, long count) {
  for (long i = 0; i < count; ++i) op.step();
}

template <class I>
status run(std::string_view operation, long count) {
  status result = usage;
  const auto find = [&]<template <class> class Op>(std::string_view key, std::string_view, kind) {
    if (key != operation) return;
    if constexpr (requires { typename Op<I>; }) {
      Op<I> op;
      run_steps(op, count);
      result = done;
    } else {
      result = unsupported;
    }
  };
  for_each_audited_operation(find);
  for_each_call_operation(find);
  return result;
}

int main_checked(int argc, char** argv) {
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (argc == 2 && first == "--list") {
    for_each_audited_operation(
        [&]<template <class> class>(std::string_view key, std::string_view label, kind k) {
          std::printf("%.*s\t%s\t%.*s\n", static_cast<int>(key.size()), key.data(),
                      k == kind::io ? "io" : "text", static_cast<int>(label.size()), label.data());
        });
    return done;
  }
  long count = -1;
  if (argc == 4) {
    const std::string_view n = argv[3];
    const auto r = std::from_chars(n.data(), n.data() + n.size(), count);
    if (r.ec != std::errc{} || r.ptr != n.data() + n.size()) count = -1;
  }
  status result = usage;
  if (count >= 0) {
    if (first == "libc") result = run<libc_impl>(argv[2], count);
    if (first == "berth") result = run<berth_impl>(argv[2], count);
#if defined(BERTH_BENCH_ASIO)
    if (first == "asio") result = run<asio_impl>(argv[2], count);
#else
    if (first == "asio") result = unsupported;
#endif
  }
  if (result == usage)
    std::fprintf(stderr,
                 "usage: berth_operations <libc|berth|asio> <operation> <count>\n"
                 "       berth_operations --list\n");
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return main_checked(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "berth_operations: %s\n", e.what());
    return failed;
  }
}
