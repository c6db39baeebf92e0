// berth (berth_impl.hpp): the operations of Revision 2, in a translation unit of their own.
#include "berth_impl.hpp"

#include "implementation.hpp"

namespace berth_bench {
std::unique_ptr<block> make_berth_revision2_block(std::string_view key) {
  return make_block<berth_impl, true>(key);
}
status run_berth_revision2(std::string_view key, long count) {
  return run_operation<berth_impl, true>(key, count);
}
}  // namespace berth_bench
