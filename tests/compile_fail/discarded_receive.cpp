// How many bytes a message had is the point of receive: it is [[nodiscard]].
// expect: ignoring return value
#pragma GCC diagnostic error "-Wunused-result"
#include <berth/socket_pair.hpp>

#include <system_error>

int main() {
  std::error_code ec;
  auto [a, b] = berth::socket_pair<berth::seqpacket>(ec);
  (void)a.send("x", ec);
  char buffer[4];
#ifdef BERTH_COMPILE_FAIL
  b.receive(buffer, ec);
#else
  const auto n = b.receive(buffer, ec);
  (void)n;
#endif
  return ec ? 1 : 0;
}
