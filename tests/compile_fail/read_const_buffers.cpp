// A list with a buffer that cannot be written is a gather list only: read needs every
// buffer mutable (a mutable_buffer_sequence).
// expect: not_a_buffer_to_fill
#include <berth/buffer.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>

#include <string>
#include <string_view>

int main() {
  berth::socket<berth::local, berth::stream> s;
  std::string head(4, ' ');
#ifdef BERTH_COMPILE_FAIL
  const std::string_view body = "body";
#else
  std::string body(4, ' ');
#endif
  std::error_code ec;
  return static_cast<int>(s.read(berth::buffers(head, body), ec));
}
