// What each implementation's translation unit defines (impl_*.cpp): its blocks for the
// benchmark and its runs for the audits, over the operations of operations.hpp.
#ifndef BERTH_BENCH_IMPLEMENTATION_HPP
#define BERTH_BENCH_IMPLEMENTATION_HPP

#include "implementations.hpp"
#include "operations.hpp"

#include <memory>
#include <string_view>

namespace berth_bench {

template <class Op>
struct block_of final : block {
  Op op;
  void run(std::size_t count) override {
    for (std::size_t i = 0; i < count; ++i) op.step();
  }
};

/// The block of the benchmark's operation `key` in implementation I, or null.
template <class I>
std::unique_ptr<block> make_block(std::string_view key) {
  std::unique_ptr<block> result;
  for_each_benchmark([&]<template <class> class Op>(std::string_view k, std::string_view, kind) {
    if constexpr (requires { typename Op<I>; })
      if (k == key && !result) result = std::make_unique<block_of<Op<I>>>();
  });
  return result;
}

/// The loop, in a function of its own for each operation and implementation, so that every
/// implementation's steps are compiled in the same surroundings (and not inlined into a
/// larger function whose other code takes registers from some of them).
template <class Op>
[[gnu::noinline]] void run_steps(Op& op, long count) {
  for (long i = 0; i < count; ++i) op.step();
}

/// Runs the audited operation `key` `count` times in implementation I.
template <class I>
status run_operation(std::string_view key, long count) {
  status result = usage;
  const auto find = [&]<template <class> class Op>(std::string_view k, std::string_view, kind) {
    if (k != key) return;
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

}  // namespace berth_bench

#endif  // BERTH_BENCH_IMPLEMENTATION_HPP
