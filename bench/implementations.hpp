// The three implementations (raw libc, berth, Asio), each compiled in a translation unit of
// its own (impl_libc.cpp, impl_berth.cpp, impl_asio.cpp), as a program that uses one of them
// is: the compiler then decides what to inline in each with only that implementation's code
// in view, and none of them pays for the size of the others.
#ifndef BERTH_BENCH_IMPLEMENTATIONS_HPP
#define BERTH_BENCH_IMPLEMENTATIONS_HPP

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace berth_bench {

/// One implementation of one operation, behind a virtual call per block (not per step).
struct block {
  virtual ~block() = default;
  /// Does the operation `count` times.
  virtual void run(std::size_t count) = 0;
};

/// What one step of an operation moves, for a rate: `units` of `unit` ("datagrams",
/// "bytes"); 0 when it says nothing (the operations of 0.1).
struct throughput {
  double units;
  const char* unit;
};

/// The throughput of the benchmark's operation `key` (defined in impl_libc_revision2.cpp:
/// only operations of Revision 2 say).
throughput throughput_of(std::string_view key);

/// What run_operation reports: the exit statuses of berth_operations.
enum status { done = 0, failed = 1, usage = 2, unsupported = 3 };

/// The benchmark's operation `key` in one implementation, set up; null when it has none.
std::unique_ptr<block> make_libc_block(std::string_view key);
std::unique_ptr<block> make_berth_block(std::string_view key);
std::unique_ptr<block> make_asio_block(std::string_view key);

/// Runs the audited operation `key` (for_each_audited_operation, for_each_call_operation)
/// `count` times in one implementation.
status run_libc(std::string_view key, long count);
status run_berth(std::string_view key, long count);
status run_asio(std::string_view key, long count);

/// The same for the operations of Revision 2, defined in impl_*_revision2.cpp (those above
/// know the operations of 0.1 only); block_for and run_in try both.
std::unique_ptr<block> make_libc_revision2_block(std::string_view key);
std::unique_ptr<block> make_berth_revision2_block(std::string_view key);
std::unique_ptr<block> make_asio_revision2_block(std::string_view key);
status run_libc_revision2(std::string_view key, long count);
status run_berth_revision2(std::string_view key, long count);
status run_asio_revision2(std::string_view key, long count);

/// The benchmark's operation `key` in implementation `impl` ("libc", "berth", "asio"),
/// set up, from whichever list has it; null when none does.
inline std::unique_ptr<block> block_for(std::string_view impl, std::string_view key) {
  std::unique_ptr<block> b;
  if (impl == "libc") b = make_libc_block(key);
  if (impl == "berth") b = make_berth_block(key);
  if (impl == "asio") b = make_asio_block(key);
  if (b) return b;
  if (impl == "libc") b = make_libc_revision2_block(key);
  if (impl == "berth") b = make_berth_revision2_block(key);
  if (impl == "asio") b = make_asio_revision2_block(key);
  return b;
}

/// Runs the audited operation `key` in implementation `impl` from whichever list has it;
/// usage when neither does (or `impl` is none of the three).
inline status run_in(std::string_view impl, std::string_view key, long count) {
  status s = usage;
  if (impl == "libc") s = run_libc(key, count);
  if (impl == "berth") s = run_berth(key, count);
  if (impl == "asio") s = run_asio(key, count);
  if (s != usage) return s;
  if (impl == "libc") s = run_libc_revision2(key, count);
  if (impl == "berth") s = run_berth_revision2(key, count);
  if (impl == "asio") s = run_asio_revision2(key, count);
  return s;
}

/// The operations of Asio's that are in a translation unit of their own (its resolver:
/// impl_asio_resolver.cpp), which make_asio_block and run_asio hand over to.
std::unique_ptr<block> make_asio_names_block(std::string_view key);
status run_asio_names(std::string_view key, long count);

/// Asio's version, "" when the benchmarks were built without it.
std::string asio_version();

}  // namespace berth_bench

#endif  // BERTH_BENCH_IMPLEMENTATIONS_HPP
