// send_file is for stream sockets: a UDP socket has none.
// expect: no member named 'send_file'
#include <berth/inet.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::datagram> s;
#else
  berth::socket<berth::inet, berth::stream> s;
#endif
  std::error_code ec;
  return static_cast<int>(s.send_file(0, 0, 1, ec));
}
