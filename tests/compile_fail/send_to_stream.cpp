// send_to is for datagram sockets; a stream socket has a peer already.
// expect: no member named 'send_to'
#include <berth/inet.hpp>
#include <berth/socket.hpp>

#include <string_view>

int main() {
  const berth::inet_endpoint ep(berth::ipv4_address::loopback(), 9);
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::stream> s;
#else
  berth::socket<berth::inet, berth::datagram> s;
#endif
  return static_cast<int>(s.send_to(std::string_view("x"), ep));
}
