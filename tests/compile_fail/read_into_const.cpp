// A read needs a writable buffer: a std::string_view (const bytes) does not compile.
// expect: not_a_buffer_to_fill
#include <berth/inet.hpp>
#include <berth/socket.hpp>

#include <string>
#include <string_view>

int main() {
  berth::socket<berth::inet, berth::stream> s;
  std::string text = "abcd";
#ifdef BERTH_COMPILE_FAIL
  std::string_view buffer = text;
#else
  std::string& buffer = text;
#endif
  return static_cast<int>(s.read(buffer));
}
