// TCP_NODELAY means nothing on a unix socket: setting it does not compile.
// expect: option_does_not_apply_to_this_socket
#include <berth/local.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
  berth::socket<berth::local, berth::stream> s;
#ifdef BERTH_COMPILE_FAIL
  s.set(berth::option::no_delay{true});
#else
  s.set(berth::option::send_buffer_size{4096});
#endif
  return 0;
}
