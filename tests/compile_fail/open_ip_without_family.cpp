// socket<ip, T> has no one domain, so open() alone cannot know which socket to make: it
// takes the family (open(berth::inet6{})) or the endpoint the socket is for (open(ep)).
// expect: has_fixed_domain
#include <berth/ip.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  auto s = berth::socket<berth::ip, berth::stream>::open();
#else
  auto s = berth::socket<berth::ip, berth::stream>::open(berth::inet6{});
#endif
  return s.is_open() ? 0 : 1;
}
