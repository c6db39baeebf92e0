// socket_pair<T> needs a socket type tag.
// expect: no matching function for call to.*socket_pair
// expect: socket_type|constraints not satisfied for class template .socket
#include <berth/socket_pair.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  auto [a, b] = berth::socket_pair<int>();
#else
  auto [a, b] = berth::socket_pair<berth::seqpacket>();
#endif
  return a.is_open() && b.is_open() ? 0 : 1;
}
