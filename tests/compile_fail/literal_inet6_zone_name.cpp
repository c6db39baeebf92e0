// An "_inet6" literal takes zones by number only: an interface name needs the running
// system, so it does not compile.
// expect: invalid_inet6_endpoint_literal_zones_by_number_only
#include <berth/literals.hpp>

using namespace berth::literals;

int main() {
#ifdef BERTH_COMPILE_FAIL
  constexpr berth::inet6_endpoint e = "[fe80::1%lo]:80"_inet6;
#else
  constexpr berth::inet6_endpoint e = "[fe80::1%1]:80"_inet6;
#endif
  return e.scope_id() == 0 ? 1 : 0;
}
