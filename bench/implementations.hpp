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

/// The operations of Asio's that are in a translation unit of their own (its resolver:
/// impl_asio_resolver.cpp), which make_asio_block and run_asio hand over to.
std::unique_ptr<block> make_asio_names_block(std::string_view key);
status run_asio_names(std::string_view key, long count);

/// Asio's version, "" when the benchmarks were built without it.
std::string asio_version();

}  // namespace berth_bench

#endif  // BERTH_BENCH_IMPLEMENTATIONS_HPP
