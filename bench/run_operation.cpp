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
#include "implementations.hpp"
#include "operations.hpp"

#include <charconv>
#include <cstdio>
#include <exception>
#include <string_view>

namespace {

using namespace berth_bench;

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
    result = run_in(first, argv[2], count);
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
