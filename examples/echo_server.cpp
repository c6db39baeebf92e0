// echo_server: sends back whatever each client sends, over TCP or a unix socket.
//
//   echo_server --listen 127.0.0.1:8080     TCP over IPv4 (port 0: the kernel picks one)
//   echo_server --listen [::1]:8080         TCP over IPv6
//   echo_server --listen /tmp/echo.sock     a unix socket file, removed when the server exits
//   echo_server --listen @echo              a Linux abstract unix name: no file at all
//   echo_server --listen localhost:8080     a host name: resolved, the first of its addresses
//
// Try it with `nc 127.0.0.1 8080`, `nc -U /tmp/echo.sock` or `echo_client --connect ...`.
// The first line on stdout is "listening on <endpoint>", with the port actually bound.
// Each connection has its own thread, so many clients are served at once. Ctrl-C
// (SIGINT) or kill (SIGTERM) stops the server cleanly, with exit status 0.

#include "common.hpp"

#include <berth/berth.hpp>

#include <array>
#include <iostream>
#include <string_view>
#include <system_error>
#include <variant>

namespace {

// Sends back every byte received, until the client ends the stream.
template <class Socket>
void echo(Socket& connection) {
  std::array<char, 16384> buffer;
  std::error_code ec;
  for (;;) {
    const std::size_t n = connection.read_some(buffer, ec);  // whatever has arrived, 1 byte or more
    if (ec || n == 0) return;                                // an error, or the end of the stream
    connection.write(std::string_view(buffer.data(), n), ec);  // all n bytes, however many sends
    if (ec) return;
  }
}

// The server, for the family of `where`: the endpoint's type picks inet, inet6 or local at
// compile time, and everything below reads the same for all three.
template <class Endpoint>
void serve(const Endpoint& where, example::signals& stop) {
  std::error_code ec;
  auto acceptor = berth::listen(where, ec);  // socket, (SO_REUSEADDR,) bind, listen
  if (ec) throw example::failure("cannot listen on " + where.to_string() + ": " + ec.message());
  const example::socket_file file(where);  // a path is removed however we leave this function
  std::cout << "listening on " << acceptor.local_endpoint() << std::endl;  // the real port

  // poll() says when a connection is waiting (or a signal came); the acceptor is
  // non-blocking so that accept() never sits there if the client gave up meanwhile.
  // Accepted sockets do not inherit this: they are blocking, which suits a thread each.
  acceptor.set_nonblocking();
  example::connection_threads threads("echo_server");  // shut down and joined when we leave
  example::accept_errors accept_errors("echo_server");  // out of descriptors and the like
  while (stop.wait(acceptor.native_handle()) == 0) {
    auto connection = acceptor.accept(ec);
    if (ec) {
      accept_errors.handle(acceptor, ec);  // goes on, without spinning, or throws
      continue;
    }
    threads.start(std::move(connection), [](auto& c) { echo(c); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  return example::run("echo_server", [&] {
    const example::arguments args(argc, argv, "echo_server --listen ENDPOINT", {"--listen"});
    const berth::any_endpoint where = example::endpoint_from(args.value("--listen"));
    example::signals stop;  // before any thread starts; see common.hpp
    std::visit([&](const auto& ep) { serve(ep, stop); }, where);
  });
}
