// The async operations are constrained exactly as the synchronous members: a list with a
// buffer that cannot be written is a gather list only, and async_read, as read, needs
// every buffer mutable (a mutable_buffer_sequence).
// expect: mutable_buffer_sequence
#include <berth/async/operations.hpp>
#include <berth/async/task.hpp>
#include <berth/buffer.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

berth::task<std::size_t> read_two(berth::socket<berth::local, berth::stream>& s) {
  std::string head(4, ' ');
#ifdef BERTH_COMPILE_FAIL
  const std::string_view body = "body";
#else
  std::string body(4, ' ');
#endif
  std::error_code ec;
  co_return co_await berth::async_read(s, berth::buffers(head, body), ec);
}

int main() {
  berth::socket<berth::local, berth::stream> s;
  auto t = read_two(s);
  return t.done() ? 1 : 0;
}
