// UDP GSO is for UDP: udp_segment on a TCP socket does not compile.
// expect: option_does_not_apply_to_this_socket
#include <berth/inet6.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet6, berth::stream> s;
#else
  berth::socket<berth::inet6, berth::datagram> s;
#endif
  std::error_code ec;
  s.set(berth::option::udp_segment{1200}, ec);
  return 0;
}
