// TCP keep-alive tuning means nothing on UDP: setting it does not compile.
// expect: option_does_not_apply_to_this_socket
#include <berth/inet.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

#include <chrono>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::datagram> s;
#else
  berth::socket<berth::inet, berth::stream> s;
#endif
  std::error_code ec;
  s.set(berth::option::keep_alive_idle{std::chrono::seconds(30)}, ec);
  return 0;
}
