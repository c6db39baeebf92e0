// A socket owns its descriptor: it moves, it does not copy.
// expect: (use of deleted function|call to implicitly-deleted copy constructor).*socket
#include <berth/inet.hpp>
#include <berth/socket.hpp>

#include <utility>

int main() {
  berth::socket<berth::inet, berth::stream> a;
#ifdef BERTH_COMPILE_FAIL
  berth::socket<berth::inet, berth::stream> b = a;
#else
  berth::socket<berth::inet, berth::stream> b = std::move(a);
#endif
  return b.is_open() ? 1 : 0;
}
