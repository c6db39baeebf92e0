// Asio's synchronous API (asio_impl.hpp), in a translation unit of its own: the operations of
// 0.1 (those of Revision 2: impl_asio_revision2.cpp). Without Asio, every operation is
// unsupported.
#include "implementations.hpp"

#if defined(BERTH_BENCH_ASIO)
#include "asio_impl.hpp"
#include "implementation.hpp"
#endif

namespace berth_bench {
#if defined(BERTH_BENCH_ASIO)
std::unique_ptr<block> make_asio_block(std::string_view key) {
  if (auto b = make_block<asio_impl>(key)) return b;
  return make_asio_names_block(key);  // impl_asio_resolver.cpp
}
status run_asio(std::string_view key, long count) {
  const status s = run_operation<asio_impl>(key, count);
  return s == unsupported ? run_asio_names(key, count) : s;
}
std::string asio_version() {
  return std::to_string(ASIO_VERSION / 100000) + "." + std::to_string(ASIO_VERSION / 100 % 1000) +
         "." + std::to_string(ASIO_VERSION % 100);
}
#else
std::unique_ptr<block> make_asio_block(std::string_view) { return nullptr; }
status run_asio(std::string_view, long) { return unsupported; }
std::string asio_version() { return ""; }
#endif
}  // namespace berth_bench
