// An inet socket connects to an inet endpoint; an inet6 endpoint does not convert.
// expect: inet6_endpoint
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/socket.hpp>

int main() {
  berth::socket<berth::inet, berth::stream> s;
#ifdef BERTH_COMPILE_FAIL
  const berth::inet6_endpoint ep(berth::ipv6_address::loopback(), 9);
#else
  const berth::inet_endpoint ep(berth::ipv4_address::loopback(), 9);
#endif
  s.connect(ep);
  return 0;
}
