// SO_PASSCRED is for unix-domain sockets: pass_credentials on TCP does not compile.
// expect: option_does_not_apply_to_this_socket
#include <berth/inet.hpp>
#include <berth/local.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::stream> s;
#else
  berth::socket<berth::local, berth::stream> s;
#endif
  std::error_code ec;
  s.set(berth::option::pass_credentials{true}, ec);
  return 0;
}
