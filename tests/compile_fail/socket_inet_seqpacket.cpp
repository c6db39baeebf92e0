// The kernel has no SOCK_SEQPACKET for AF_INET: socket<inet, seqpacket> is ill-formed.
// expect: valid_protocol
#include <berth/inet.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::seqpacket> s;
#else
  berth::socket<berth::local, berth::seqpacket> s;
#endif
  return s.is_open() ? 1 : 0;
}
