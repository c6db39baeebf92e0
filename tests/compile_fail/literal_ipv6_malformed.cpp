// A malformed "_ipv6" literal does not compile: the error names the literal's check.
// expect: invalid_ipv6_address_literal
#include <berth/literals.hpp>

using namespace berth::literals;

int main() {
#ifdef BERTH_COMPILE_FAIL
  constexpr berth::ipv6_address a = "1::2::3"_ipv6;
#else
  constexpr berth::ipv6_address a = "1::2:3"_ipv6;
#endif
  return a.is_loopback() ? 1 : 0;
}
