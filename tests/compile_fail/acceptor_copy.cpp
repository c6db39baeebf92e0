// An acceptor owns its descriptor: it moves, it does not copy.
// expect: (use of deleted function|call to implicitly-deleted copy constructor).*acceptor
#include <berth/acceptor.hpp>
#include <berth/inet.hpp>

#include <utility>

int main() {
  berth::acceptor<berth::inet> a;
#ifdef BERTH_COMPILE_FAIL
  berth::acceptor<berth::inet> b = a;
#else
  berth::acceptor<berth::inet> b = std::move(a);
#endif
  return b.is_open() ? 1 : 0;
}
