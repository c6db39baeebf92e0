// listen<datagram> is refused: only connection-oriented types listen.
// expect: only_connection_oriented_sockets_listen
#include <berth/acceptor.hpp>
#include <berth/inet.hpp>

int main() {
  const berth::inet_endpoint ep(berth::ipv4_address::loopback(), 0);
#ifdef BERTH_COMPILE_FAIL
  auto a = berth::listen<berth::datagram>(ep);
#else
  auto a = berth::listen<berth::stream>(ep);
#endif
  return a.is_open() ? 0 : 1;
}
