// Raw libc, as careful hand-written code is (libc_impl.hpp), in a translation unit of its own:
// the operations of 0.1 (those of Revision 2: impl_libc_revision2.cpp).
#include "libc_impl.hpp"

#include "implementation.hpp"

namespace berth_bench {
std::unique_ptr<block> make_libc_block(std::string_view key) { return make_block<libc_impl>(key); }
status run_libc(std::string_view key, long count) { return run_operation<libc_impl>(key, count); }
}  // namespace berth_bench
