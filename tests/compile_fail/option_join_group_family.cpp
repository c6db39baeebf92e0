// An IPv6 group cannot be joined on an IPv4 socket: join_group's address says its family.
// expect: option_does_not_apply_to_this_socket
#include <berth/address.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::datagram> s;
#else
  berth::socket<berth::inet6, berth::datagram> s;
#endif
  std::error_code ec;
  s.set(berth::option::join_group{berth::ipv6_address::parse("ff12::1"), 1}, ec);
  return 0;
}
