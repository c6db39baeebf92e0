// read (fill the whole buffer from a byte stream) is for stream sockets; datagram
// sockets receive whole messages.
// expect: no member named 'read'
#include <berth/inet.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::datagram> s;
#else
  berth::socket<berth::inet, berth::stream> s;
#endif
  char buffer[16];
  return static_cast<int>(s.read(buffer));
}
