// berth (berth_impl.hpp), in a translation unit of its own: the operations of 0.1 (those of
// Revision 2: impl_berth_revision2.cpp).
#include "berth_impl.hpp"

#include "implementation.hpp"

namespace berth_bench {
std::unique_ptr<block> make_berth_block(std::string_view key) { return make_block<berth_impl>(key); }
status run_berth(std::string_view key, long count) { return run_operation<berth_impl>(key, count); }
}  // namespace berth_bench
