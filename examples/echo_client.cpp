// echo_client: connects, sends everything it reads on stdin, prints everything it receives.
//
//   echo_server --listen 127.0.0.1:8080 &
//   echo hello | echo_client --connect 127.0.0.1:8080        prints "hello"
//   echo_client --connect /tmp/echo.sock < file > copy        any family, any bytes
//   echo_client --connect localhost:8080                      a name: resolved, and its
//                                                             addresses raced (Happy Eyeballs)
//
// At the end of stdin it shuts down its sending side, so the server reads end of stream,
// then it prints the rest of the replies until the server closes the connection too.

#include "common.hpp"

#include <berth/berth.hpp>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <iostream>
#include <string_view>
#include <system_error>
#include <thread>
#include <variant>

namespace {

// `server` is a unix endpoint, an IP endpoint, or a host name and port (example::destination).
template <class Destination>
void talk(const Destination& server) {
  std::error_code ec;
  auto connection = example::connect_to(server, ec);  // socket, connect (by name: resolve first)
  if (ec) throw example::failure("cannot connect to " + example::text_of(server) + ": " + ec.message());

  // Replies are printed by a second thread while this one sends, so that neither side
  // waits for the other however large the input is.
  std::error_code receive_error;
  std::thread printer([&connection, &receive_error] {
    std::array<char, 16384> buffer;
    while (const std::size_t n = connection.read_some(buffer, receive_error))  // 0: end, or error
      std::cout.write(buffer.data(), static_cast<std::streamsize>(n)).flush();
  });

  std::array<char, 16384> buffer;
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of input (or an unreadable stdin)
    connection.write(std::string_view(buffer.data(), static_cast<std::size_t>(n)), ec);
    if (ec) break;
  }
  std::error_code shutdown_error;
  connection.shutdown(berth::shutdown_type::send, shutdown_error);  // the server reads the end
  printer.join();

  if (ec) throw example::failure("cannot send: " + ec.message());
  if (receive_error) throw example::failure("cannot receive: " + receive_error.message());
}

}  // namespace

int main(int argc, char** argv) {
  return example::run("echo_client", [&] {
    const example::arguments args(argc, argv, "echo_client --connect ENDPOINT", {"--connect"});
    const example::destination server = example::destination_from(args.value("--connect"));
    std::visit([](const auto& to) { talk(to); }, server);
  });
}
