// socket<ip, T> may hold an IPv4 socket, which has no IPV6_V6ONLY: the option does not
// compile there (on socket<inet6, T> it does). An option compiles on ip only when both
// families take it.
// expect: option_does_not_apply_to_this_socket
#include <berth/ip.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::ip, berth::stream> s;
#else
  berth::socket<berth::inet6, berth::stream> s;
#endif
  s.set(berth::option::v6_only{true});
  return 0;
}
