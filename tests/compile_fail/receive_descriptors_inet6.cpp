// receive_descriptors is a member of local sockets only, not of a UDP socket.
// expect: no member named 'receive_descriptors'
#include <berth/descriptor.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>

#include <array>

int main() {
  std::array<berth::descriptor, 2> out;
  char data[4];
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet6, berth::datagram> s;
#else
  berth::socket<berth::local, berth::datagram> s;
#endif
  std::error_code ec;
  return static_cast<int>(s.receive_descriptors(data, out, ec).descriptors);
}
