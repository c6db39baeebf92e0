// shutdown is for connections: a datagram socket has none.
// expect: no member named 'shutdown'
#include <berth/inet.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::datagram> s;
#else
  berth::socket<berth::inet, berth::stream> s;
#endif
  s.shutdown(berth::shutdown_type::both);
  return 0;
}
