// A malformed "_inet6" literal (no port) does not compile.
// expect: invalid_inet6_endpoint_literal
#include <berth/literals.hpp>

using namespace berth::literals;

int main() {
#ifdef BERTH_COMPILE_FAIL
  constexpr berth::inet6_endpoint e = "[::1]"_inet6;
#else
  constexpr berth::inet6_endpoint e = "[::1]:80"_inet6;
#endif
  return e.port() == 0 ? 1 : 0;
}
