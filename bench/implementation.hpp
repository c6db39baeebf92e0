// What each implementation's translation unit defines (impl_*.cpp): its blocks for the
// benchmark and its runs for the audits, over the operations of operations.hpp.
#ifndef BERTH_BENCH_IMPLEMENTATION_HPP
#define BERTH_BENCH_IMPLEMENTATION_HPP

#include "implementations.hpp"
#include "operations.hpp"

#include <memory>
#include <string_view>
#include <utility>

namespace berth_bench {

template <class Op>
struct block_of final : block {
  Op op;
  void run(std::size_t count) override {
    for (std::size_t i = 0; i < count; ++i) op.step();
  }
};

/// The block of the benchmark's operation `key` in implementation I, or null: among the
/// operations of 0.1, or with Revision2 those of Revision 2 (each impl_*.cpp instantiates
/// one list only; see operations.hpp).
template <class I, bool Revision2 = false>
std::unique_ptr<block> make_block(std::string_view key) {
  std::unique_ptr<block> result;
  auto make = [&]<template <class> class Op>(std::string_view k, std::string_view, kind) {
    if constexpr (requires { typename Op<I>; })
      if (k == key && !result) result = std::make_unique<block_of<Op<I>>>();
  };
  if constexpr (Revision2)
    for_each_benchmark_of_revision2(std::move(make));
  else
    for_each_benchmark_of_0_1(std::move(make));
  return result;
}

/// What one step of the benchmark's Revision 2 operation `key` moves (Op::units, Op::unit),
/// read from implementation I's; {0, ""} when it says nothing.
template <class I>
throughput throughput_of_operation(std::string_view key) {
  throughput result{0, ""};
  for_each_benchmark_of_revision2([&]<template <class> class Op>(std::string_view k, std::string_view, kind) {
    if constexpr (requires { Op<I>::units; Op<I>::unit; })
      if (k == key) result = {static_cast<double>(Op<I>::units), Op<I>::unit};
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

/// Runs the audited operation `key` `count` times in implementation I: among those of 0.1
/// (and the single calls), or with Revision2 those of Revision 2. `usage` when there is none.
template <class I, bool Revision2 = false>
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
  if constexpr (Revision2) {
    for_each_audited_of_revision2(find);
  } else {
    for_each_audited_of_0_1(find);
    for_each_call_operation(find);
  }
  return result;
}

}  // namespace berth_bench

#endif  // BERTH_BENCH_IMPLEMENTATION_HPP
