// Batches are of datagrams: a TCP socket has no send_many.
// expect: no member named 'send_many'
#include <berth/inet.hpp>
#include <berth/message.hpp>
#include <berth/socket.hpp>

#include <vector>

int main() {
  std::vector<berth::message<berth::inet_endpoint>> batch(2);
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::stream> s;
#else
  berth::socket<berth::inet, berth::datagram> s;
#endif
  std::error_code ec;
  return static_cast<int>(s.send_many(batch, ec));
}
