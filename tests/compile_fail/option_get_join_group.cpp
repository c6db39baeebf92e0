// join_group can only be set: the kernel has no getsockopt for a membership.
// expect: readable_option
#include <berth/address.hpp>
#include <berth/inet.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
  berth::socket<berth::inet, berth::datagram> s;
  std::error_code ec;
#ifdef BERTH_COMPILE_FAIL
  const auto o = s.get<berth::option::join_group<berth::ipv4_address>>(ec);
  return o.group.is_unspecified() ? 0 : 1;
#else
  const auto o = s.get<berth::option::multicast_ttl>(ec);
  return o.value;
#endif
}
