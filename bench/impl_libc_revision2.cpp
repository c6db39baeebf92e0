// Raw libc (libc_impl.hpp): the operations of Revision 2, in a translation unit of their own.
#include "libc_impl.hpp"

#include "implementation.hpp"

namespace berth_bench {
std::unique_ptr<block> make_libc_revision2_block(std::string_view key) {
  return make_block<libc_impl, true>(key);
}
throughput throughput_of(std::string_view key) { return throughput_of_operation<libc_impl>(key); }
status run_libc_revision2(std::string_view key, long count) {
  return run_operation<libc_impl, true>(key, count);
}
}  // namespace berth_bench
