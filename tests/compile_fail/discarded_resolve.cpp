// resolve is [[nodiscard]]: a call whose addresses are dropped warns, and here the warning
// is an error.
// expect: nodiscard
#include <berth/resolve.hpp>

#include <system_error>

#pragma GCC diagnostic error "-Wunused-result"

int main() {
  std::error_code ec;
#ifdef BERTH_COMPILE_FAIL
  berth::resolve("localhost", "80", ec);
#else
  const auto addresses = berth::resolve("localhost", "80", ec);  // compiled, never run
#endif
  return ec ? 1 : 0;
}
