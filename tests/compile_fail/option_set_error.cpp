// option::error (SO_ERROR) can only be read: setting it does not compile.
// expect: option_can_only_be_read
#include <berth/inet.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

int main() {
  berth::socket<berth::inet, berth::stream> s;
#ifdef BERTH_COMPILE_FAIL
  s.set(berth::option::error{});
#else
  s.set(berth::option::keep_alive{true});
#endif
  return 0;
}
