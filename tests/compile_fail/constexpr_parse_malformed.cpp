// ipv4_address::parse in a constant expression: malformed text is a compile error.
// expect: throw_parse_error
#include <berth/address.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  constexpr auto a = berth::ipv4_address::parse("1.2.3.04");
#else
  constexpr auto a = berth::ipv4_address::parse("1.2.3.4");
#endif
  return a.is_loopback() ? 1 : 0;
}
