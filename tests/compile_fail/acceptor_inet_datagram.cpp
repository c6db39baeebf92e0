// Datagram sockets have no connections to accept: acceptor<inet, datagram> is ill-formed.
// expect: connection_oriented
#include <berth/acceptor.hpp>
#include <berth/inet.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::acceptor<berth::inet, berth::datagram> a;
#else
  berth::acceptor<berth::inet, berth::stream> a;
#endif
  return a.is_open() ? 1 : 0;
}
