// http_hello: answers every HTTP request with "Hello, world!".
//
//   http_hello --listen 127.0.0.1:8080            a thread per connection
//   http_hello --listen 127.0.0.1:8080 --fork     a process per connection, as in the
//                                                 classic walk-through, done right
//   http_hello --listen localhost:8080            the first of the name's addresses
//   curl -i http://127.0.0.1:8080/               (or http_get 127.0.0.1 8080)
//   curl --unix-socket /tmp/http.sock http://localhost/      (after --listen /tmp/http.sock)
//
// It reads each request's head up to the blank line, however the bytes arrive (a head split
// over several reads, or several pipelined requests in one), skips a Content-Length body,
// and keeps the connection open when the client asks for it: HTTP/1.1 unless it says
// "Connection: close", HTTP/1.0 only with "Connection: keep-alive". Each answer's head and
// body go out in one gather write (berth::buffers: one sendmsg, nothing copied together).
//
// No client can take the server for itself:
//   --max-connections N      at most N connections at once (256); the next one is answered
//                            "503 Service Unavailable" and closed
//   --request-timeout SECS   a request must arrive whole within this time of its first
//                            byte (10), however slowly it trickles in; then "408 Request
//                            Timeout" and the connection closes
//   --idle-timeout SECS      a kept-alive connection silent this long is closed (30)
// A client that sends requests but does not read the answers gives up its connection once a
// write has waited for the request timeout.

#include "common.hpp"
#include "http_request.hpp"

#include <berth/berth.hpp>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace {

constexpr std::string_view body = "Hello, world!";
constexpr std::size_t max_head_size = 8192;  // a longer head is refused with 431

// How much of the server its clients may take; the command line can change each.
struct connection_limits {
  std::size_t max_connections = 256;  // served at once; one more is answered 503 and closed
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);  // first byte to last
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);     // between requests
};

using example::http::request;

// The head of the answer to `r`; the body follows it (none for HEAD), sent from where it is.
std::string response_head(const request& r) {
  std::string text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ";
  text += std::to_string(body.size());
  text += "\r\n";
  if (!r.keep_alive)
    text += "Connection: close\r\n";
  else if (r.http10)
    text += "Connection: keep-alive\r\n";
  text += "\r\n";
  return text;
}

// ---- one connection -------------------------------------------------------------------

// Ends a connection the way HTTP clients need: our sending side first (the client reads
// the end of the stream after the last response), then whatever the client still sends is
// read and dropped until it closes too, for a second at most. Closing with unread bytes
// would make the kernel answer with a reset, which can destroy a response in flight.
template <class Socket>
void close_gracefully(Socket& connection) {
  using clock = std::chrono::steady_clock;
  std::error_code ec;
  connection.shutdown(berth::shutdown_type::send, ec);
  const clock::time_point until = clock::now() + std::chrono::seconds(1);
  std::array<char, 4096> sink;
  while (clock::now() < until && connection.wait_readable(until - clock::now(), ec))
    if (connection.read_some(sink, ec) == 0) break;  // the client's end of stream, or an error
}

template <class Socket>
void serve_http(Socket& connection, const connection_limits& limits) {
  using clock = std::chrono::steady_clock;
  std::error_code ec;
  // A client that sends requests and never reads the answers would fill the send buffer and
  // hold a write for ever: the write gives up after the request timeout, and we close.
  connection.set(berth::option::send_timeout{limits.request_timeout}, ec);
  std::string pending;        // received but not handled: part of a request, or several
  std::size_t skip = 0;       // bytes of a request body still to drop
  std::array<char, 8192> buffer;
  // When the first byte of the request under way arrived; empty between requests. A
  // receive timeout would not do: each byte that arrives starts it again, so a client that
  // sends one byte every 29 s would hold this thread for ever. Blank lines before a request
  // count as part of it, or they would do the same.
  std::optional<clock::time_point> began;
  const auto request_done = [&] {  // what is left in `pending` begins the next request
    began = pending.empty() ? std::nullopt : std::optional(clock::now());
  };
  for (;;) {
    // Handle every complete request already received.
    for (;;) {
      const std::size_t dropped = std::min(skip, pending.size());
      pending.erase(0, dropped);
      skip -= dropped;
      if (skip > 0) break;  // more body to come
      if (dropped > 0) request_done();  // the body was the end of that request
      while (pending.starts_with("\r\n") || pending.starts_with("\n"))  // stray blank lines
        pending.erase(0, pending.starts_with("\r") ? 2 : 1);
      const std::size_t end = example::http::head_end(pending);
      if (end == std::string::npos && pending.size() <= max_head_size) break;  // read more
      if (end == std::string::npos || end > max_head_size) {
        connection.write("HTTP/1.1 431 Request Header Fields Too Large\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n", ec);
        return close_gracefully(connection);
      }
      const request r = example::http::parse_head(std::string_view(pending).substr(0, end));
      pending.erase(0, end);
      if (!r.valid) {
        connection.write("HTTP/1.1 400 Bad Request\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n", ec);
        return close_gracefully(connection);
      }
      // Head and body in one gather write: one sendmsg of both where they are, nothing
      // copied together, and one TCP segment rather than a head that waits for its body.
      const std::string head = response_head(r);
      connection.write(berth::buffers(head, r.head_only ? std::string_view() : body), ec);
      if (ec) return;  // the client reset, or did not read for request_timeout
      if (!r.keep_alive) return close_gracefully(connection);
      skip = r.body_size;
      if (skip == 0) request_done();
    }
    // Wait for more, as long as the request under way has left, or the idle limit.
    const auto time_left = began ? *began + limits.request_timeout - clock::now()
                                 : clock::duration(limits.idle_timeout);
    if (!connection.wait_readable(time_left, ec)) {  // the time is up (or an error)
      if (ec) return;
      if (skip == 0 && !pending.empty()) {  // part of a head: tell the client why
        connection.write("HTTP/1.1 408 Request Timeout\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n", ec);
        return close_gracefully(connection);
      }
      return;  // idle, or a body too slow after its answer: close
    }
    const std::size_t n = connection.read_some(buffer, ec);
    if (ec || n == 0) return;  // the client closed, or reset
    if (!began) began = clock::now();
    pending.append(buffer.data(), n);
  }
}

// One connection more than --max-connections: told to come back later, and closed. The
// answer is written without waiting (it fits in a new connection's empty send buffer), so
// a client that does not read cannot hold the accepting thread.
template <class Socket>
void refuse(Socket& connection) {
  std::error_code ec;
  connection.set_nonblocking(ec);
  connection.write("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n", ec);
  connection.shutdown(berth::shutdown_type::send, ec);
}  // the connection closes here

// ---- the two servers ----------------------------------------------------------------

template <class Endpoint>
auto listen_on(const Endpoint& where) {
  std::error_code ec;
  auto acceptor = berth::listen(where, ec);
  if (ec) throw example::failure("cannot listen on " + where.to_string() + ": " + ec.message());
  return acceptor;
}

// A thread per connection.
template <class Endpoint>
void serve_threads(const Endpoint& where, const connection_limits& limits, example::signals& stop) {
  auto acceptor = listen_on(where);
  const example::socket_file file(where);
  std::cout << "listening on " << acceptor.local_endpoint() << std::endl;
  acceptor.set_nonblocking();  // accept only when poll says so; see echo_server.cpp
  example::connection_threads threads("http_hello");
  example::accept_errors accept_errors("http_hello");  // out of descriptors and the like
  std::error_code ec;
  while (stop.wait(acceptor.native_handle()) == 0) {
    auto connection = acceptor.accept(ec);
    if (ec) {
      accept_errors.handle(acceptor, ec);  // goes on, without spinning, or throws
      continue;
    }
    if (threads.running() >= limits.max_connections) {
      refuse(connection);
      continue;
    }
    threads.start(std::move(connection), [&limits](auto& c) { serve_http(c, limits); });
  }
}

// A process per connection: the walk-through's fork(), with its two traps avoided.
//  - Children are reaped: each exit sends SIGCHLD, which arrives through the signalfd
//    next to the acceptor, and waitpid collects every finished child. Unreaped, each
//    would stay a zombie (state Z in ps) until the server exits.
//  - Each side closes the descriptor it does not use. fork() copies every descriptor;
//    close-on-exec does not help because nothing is exec'd. A child that kept the
//    listening socket would keep the port open after the server stopped; a parent that
//    kept the connection would keep every client waiting for an end of stream that
//    never comes.
// On SIGINT/SIGTERM the parent stops accepting and exits; children finish the connection
// they serve (a terminal's Ctrl-C reaches them too and ends them at once).
template <class Endpoint>
void serve_fork(const Endpoint& where, const connection_limits& limits, example::signals& stop) {
  auto acceptor = listen_on(where);
  const example::socket_file file(where);
  std::cout << "listening on " << acceptor.local_endpoint() << std::endl;  // flushed before fork
  acceptor.set_nonblocking();
  example::accept_errors accept_errors("http_hello");
  std::size_t children = 0;  // connections being served, one child each
  std::error_code ec;
  for (;;) {
    const int signal = stop.wait(acceptor.native_handle());
    if (signal == SIGCHLD) {
      while (::waitpid(-1, nullptr, WNOHANG) > 0) --children;  // one SIGCHLD may stand for several
      continue;
    }
    if (signal != 0) return;  // SIGINT or SIGTERM
    auto connection = acceptor.accept(ec);
    if (ec) {
      accept_errors.handle(acceptor, ec);  // goes on, without spinning, or throws
      continue;
    }
    if (children >= limits.max_connections) {
      refuse(connection);
      continue;
    }

    const pid_t pid = ::fork();
    if (pid < 0) {
      std::cerr << "http_hello: " << example::errno_text("fork") << '\n';
      continue;  // the connection closes as it goes out of scope: the client sees it end
    }
    if (pid == 0) {  // the child: this one connection, then exit
      stop.restore_in_child();
      acceptor.close();  // the parent's listening socket: not ours to keep open
      accept_errors.close_in_child();  // and its spare descriptor
      serve_http(connection, limits);
      connection.close(ec);
      // _Exit, not exit or return: the child must not run the parent's clean-up on its way
      // out (socket_file would remove the socket file the parent still listens on).
      std::_Exit(0);
    }
    connection.close();  // the parent's copy; the child has its own
    ++children;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return example::run("http_hello", [&] {
    const example::arguments args(
        argc, argv,
        "http_hello --listen ENDPOINT [--fork] [--max-connections N] [--request-timeout SECONDS] "
        "[--idle-timeout SECONDS]",
        {"--listen", "--max-connections", "--request-timeout", "--idle-timeout"}, {"--fork"});
    const berth::any_endpoint where = example::endpoint_from(args.value("--listen"));
    connection_limits limits;
    limits.max_connections = args.count_or("--max-connections", limits.max_connections);
    limits.request_timeout = args.seconds_or("--request-timeout", limits.request_timeout);
    limits.idle_timeout = args.seconds_or("--idle-timeout", limits.idle_timeout);
    if (args.flag("--fork")) {
      example::signals stop({SIGCHLD});
      std::visit([&](const auto& ep) { serve_fork(ep, limits, stop); }, where);
    } else {
      example::signals stop;
      std::visit([&](const auto& ep) { serve_threads(ep, limits, stop); }, where);
    }
  });
}
