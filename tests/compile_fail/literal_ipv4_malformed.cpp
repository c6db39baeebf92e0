// A malformed "_ipv4" literal does not compile: the error names the literal's check.
// expect: invalid_ipv4_address_literal
#include <berth/literals.hpp>

using namespace berth::literals;

int main() {
#ifdef BERTH_COMPILE_FAIL
  constexpr berth::ipv4_address a = "256.1.1.1"_ipv4;
#else
  constexpr berth::ipv4_address a = "255.1.1.1"_ipv4;
#endif
  return a.is_loopback() ? 1 : 0;
}
