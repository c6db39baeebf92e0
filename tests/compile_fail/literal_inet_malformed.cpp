// A malformed "_inet" literal (port out of range) does not compile.
// expect: invalid_inet_endpoint_literal
#include <berth/literals.hpp>

using namespace berth::literals;

int main() {
#ifdef BERTH_COMPILE_FAIL
  constexpr berth::inet_endpoint e = "127.0.0.1:65536"_inet;
#else
  constexpr berth::inet_endpoint e = "127.0.0.1:65535"_inet;
#endif
  return e.port() == 0 ? 1 : 0;
}
