// receive_from is for datagram sockets.
// expect: no member named 'receive_from'
#include <berth/inet.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::stream> s;
#else
  berth::socket<berth::inet, berth::datagram> s;
#endif
  char buffer[16];
  berth::inet_endpoint from;
  return static_cast<int>(s.receive_from(buffer, from));
}
