// inet6_endpoint::parse works in constant expressions, but a zone given by interface
// name is looked up at run time: in a constant expression it is refused (the throw).
// expect: throw_parse_error
#include <berth/inet6.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  constexpr auto e = berth::inet6_endpoint::parse("[fe80::1%lo]:80");
#else
  constexpr auto e = berth::inet6_endpoint::parse("[fe80::1%1]:80");
#endif
  return e.scope_id() == 0 ? 1 : 0;
}
