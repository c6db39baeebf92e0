// Asio's synchronous API (asio_impl.hpp): the operations of Revision 2, in a translation unit
// of their own. Without Asio, every operation is unsupported.
#include "implementations.hpp"

#if defined(BERTH_BENCH_ASIO)
#include "asio_impl.hpp"
#include "implementation.hpp"
#endif

namespace berth_bench {
#if defined(BERTH_BENCH_ASIO)
std::unique_ptr<block> make_asio_revision2_block(std::string_view key) {
  return make_block<asio_impl, true>(key);
}
status run_asio_revision2(std::string_view key, long count) {
  return run_operation<asio_impl, true>(key, count);
}
#else
std::unique_ptr<block> make_asio_revision2_block(std::string_view) { return nullptr; }
status run_asio_revision2(std::string_view, long) { return unsupported; }
#endif
}  // namespace berth_bench
