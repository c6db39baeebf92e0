// async_echo_server: sends back whatever each client sends, every connection a task on an
// event loop: thousands of clients on one thread, no thread per connection.
//
//   async_echo_server --listen 127.0.0.1:8080                 epoll, one thread
//   async_echo_server --listen 127.0.0.1:8080 --backend io_uring
//   async_echo_server --listen [::1]:8080 --threads 2         a loop per core, each with
//                                                             its own SO_REUSEPORT listener
//   async_echo_server --listen /tmp/echo.sock                 a unix socket (one listener)
//
// The first line on stdout is "listening on <endpoint>", with the port actually bound.
// SIGINT or SIGTERM stops it with exit status 0; a backend this machine does not offer
// (io_uring refused by the kernel) is exit status 3. Out of descriptors it keeps serving
// the connections it has (see async_common.hpp).

#include "async_common.hpp"

#include <berth/async.hpp>
#include <berth/berth.hpp>

#include <string_view>
#include <system_error>

namespace {

// One connection: whatever arrives goes back, until the client ends the stream. The
// buffer lives in the task's frame; frames are recycled, so a steady stream of messages
// (or of connections) allocates nothing.
template <class Socket>
berth::task<> echo(Socket connection) {
  if constexpr (requires { connection.set(berth::option::no_delay{true}); }) {
    std::error_code ignored;
    connection.set(berth::option::no_delay{true}, ignored);  // each echo goes out at once
  }
  char buffer[15 * 1024];
  std::error_code ec;
  for (;;) {
    const std::size_t n = co_await berth::async_read_some(connection, buffer, ec);
    if (ec || n == 0) co_return;  // an error, or the end of the stream
    co_await berth::async_write(connection, std::string_view(buffer, n), ec);
    if (ec) co_return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return example::run_server_program("async_echo_server", [&] {
    const auto options = example::parse_async_options(argc, argv, "async_echo_server");
    example::run_async_server(options, "async_echo_server", [](auto connection) { return echo(std::move(connection)); });
  });
}
