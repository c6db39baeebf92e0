// An accepted connection is the point of accept: discarding it closes it, so accept is
// [[nodiscard]].
// expect: ignoring return value
#pragma GCC diagnostic error "-Wunused-result"
#include <berth/acceptor.hpp>
#include <berth/inet.hpp>

#include <system_error>

int main() {
  std::error_code ec;
  auto a = berth::listen(berth::inet_endpoint(berth::ipv4_address::loopback(), 0), ec);
  a.set_nonblocking(ec);
#ifdef BERTH_COMPILE_FAIL
  a.accept(ec);
#else
  auto s = a.accept(ec);
#endif
  return ec ? 1 : 0;
}
