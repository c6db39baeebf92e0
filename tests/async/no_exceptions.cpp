// Built with -fno-exceptions: every async header compiles, and the error-code forms work
// (the throwing forms print what failed and abort there).
#include <berth/async.hpp>
#include <berth/berth.hpp>

#include <cstdio>
#include <string_view>
#include <system_error>

namespace {

berth::task<int> round_trip(berth::socket<berth::local, berth::stream>& a, berth::socket<berth::local, berth::stream>& b) {
  std::error_code ec;
  co_await berth::async_write(a, std::string_view("ping"), ec);
  if (ec) co_return 1;
  char buffer[4];
  (void)co_await berth::async_read(b, buffer, ec);
  if (ec || std::string_view(buffer, 4) != "ping") co_return 2;
  (void)co_await berth::with_timeout(std::chrono::milliseconds(5), berth::async_read_some(b, buffer, ec));
  if (ec != std::errc::timed_out) co_return 3;
  // Gather and scatter lists, through the error-code forms.
  co_await berth::async_write(a, berth::buffers(std::string_view("pi"), std::string_view("ng!")), ec);
  if (ec) co_return 4;
  char head[2];
  char rest[3];
  (void)co_await berth::async_read(b, berth::buffers(head, rest), ec);
  if (ec || std::string_view(head, 2) != "pi" || std::string_view(rest, 3) != "ng!") co_return 5;
  co_return 0;
}

}  // namespace

int main() {
  for (const berth::backend backend : {berth::backend::epoll, berth::backend::io_uring}) {
    std::error_code ec;
    berth::event_loop loop(backend, ec);
    auto [a, b] = berth::socket_pair(ec);
    if (ec) return 10;
    if (const int r = loop.run(round_trip(a, b))) {
      std::printf("failed: %d\n", r);
      return r;
    }
  }
  std::puts("passed");
  return 0;
}
