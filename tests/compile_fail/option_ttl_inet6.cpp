// IP_TTL is IPv4's; IPv6 has hop_limit: ttl on an inet6 socket does not compile.
// expect: option_does_not_apply_to_this_socket
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet6, berth::datagram> s;
#else
  berth::socket<berth::inet, berth::datagram> s;
#endif
  std::error_code ec;
  s.set(berth::option::ttl{12}, ec);
  return 0;
}
