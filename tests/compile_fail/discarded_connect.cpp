// The socket is the point of berth::connect: discarding it closes the connection at once,
// so it is [[nodiscard]] and `berth::connect(ep, ec);` warns (an error here).
// expect: ignoring return value
#pragma GCC diagnostic error "-Wunused-result"
#include <berth/inet.hpp>
#include <berth/socket.hpp>

#include <system_error>

int main() {
  const berth::inet_endpoint ep(berth::ipv4_address::loopback(), 9);
  std::error_code ec;
#ifdef BERTH_COMPILE_FAIL
  berth::connect(ep, ec);
#else
  auto s = berth::connect(ep, ec);
#endif
  return ec ? 1 : 0;
}
