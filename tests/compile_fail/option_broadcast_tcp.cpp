// SO_BROADCAST means nothing on TCP: setting it on a stream socket does not compile.
// expect: option_does_not_apply_to_this_socket
#include <berth/inet.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::stream> s;
#else
  berth::socket<berth::inet, berth::datagram> s;
#endif
  s.set(berth::option::broadcast{true});
  return 0;
}
