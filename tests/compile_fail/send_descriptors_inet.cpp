// Descriptors travel only over unix-domain sockets: send_descriptors is not a member of a
// TCP socket.
// expect: no member named 'send_descriptors'
#include <berth/inet.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>

#include <span>

int main() {
  const int fds[1] = {0};
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::stream> s;
#else
  berth::socket<berth::local, berth::stream> s;
#endif
  std::error_code ec;
  return static_cast<int>(s.send_descriptors("x", fds, ec));
}
