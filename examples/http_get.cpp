// http_get: fetches one page over HTTP/1.1 and prints the whole response, head and body.
//
//   http_get localhost 8080                 GET / from the first of localhost's addresses
//   http_get example.com http /index.html   to answer (a port number or a service name)
//   http_get ::1 8080 /hello --verbose      says on stderr which address answered, and when
//
// The host is a name or an address. berth::connect(host, port) resolves it and connects
// with Happy Eyeballs (RFC 8305): it tries the addresses in the order the resolver gives,
// alternating IPv6 and IPv4, starts the next one 250 ms after the last while that one has
// not answered (at once if it failed), and keeps whichever connects first. So a host whose
// IPv6 address is unreachable answers over IPv4 a quarter of a second later, not after a
// TCP timeout of two minutes.
//
// The request asks the server to close the connection after its answer ("Connection:
// close"), so the response ends where the stream does. --timeout SECONDS (10) bounds the
// connection and each wait for the answer's next bytes.

#include "common.hpp"

#include <berth/berth.hpp>

#include <array>
#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

namespace {

// The path goes into the request line as it is: no spaces or control characters, which
// would end the line early or start a header of the caller's making.
bool is_request_target(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (const char c : path)
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') return false;
  return true;
}

// The host as a URL writes it: an IPv6 address in brackets.
std::string bracketed(std::string_view host) {
  return host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
}

// The Host header: the host, then the port unless it is HTTP's own.
std::string host_header(std::string_view host, std::uint16_t port) {
  return port == 80 ? bracketed(host) : bracketed(host) + ":" + std::to_string(port);
}

void get(std::string_view host, std::string_view service, std::string_view path,
         std::chrono::milliseconds timeout, bool verbose) {
  const std::string where = bracketed(host) + ":" + std::string(service);
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  auto connection = berth::connect(host, service, timeout, ec);  // resolve, then Happy Eyeballs
  if (ec) throw example::failure("cannot connect to " + where + ": " + ec.message());
  const berth::ip_endpoint peer = connection.remote_endpoint();
  if (verbose) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::cerr << "http_get: connected to " << peer << " in " << ms.count() << " ms\n";
  }

  // A stalled server cannot keep us forever: each read waits at most `timeout`.
  connection.set(berth::option::receive_timeout{timeout});
  const std::string request = "GET " + std::string(path) + " HTTP/1.1\r\n"
                              "Host: " + host_header(host, peer.port()) + "\r\n"
                              "User-Agent: berth-http_get\r\n"
                              "Accept: */*\r\n"
                              "Connection: close\r\n"
                              "\r\n";
  connection.write(request, ec);  // all of it, however many sends
  if (ec) throw example::failure("cannot send the request to " + peer.to_string() + ": " + ec.message());

  std::array<char, 16384> buffer;
  std::size_t received = 0;
  bool is_http = false;
  for (;;) {
    const std::size_t n = connection.read_some(buffer, ec);
    if (ec == std::errc::resource_unavailable_try_again)
      throw example::failure("no answer from " + peer.to_string() + " within " +
                             std::to_string(timeout.count()) + " ms");
    if (ec) throw example::failure("cannot receive from " + peer.to_string() + ": " + ec.message());
    if (n == 0) break;  // the server closed the connection: the response is complete
    if (received == 0) is_http = std::string_view(buffer.data(), n).starts_with("HTTP/");
    received += n;
    std::cout.write(buffer.data(), static_cast<std::streamsize>(n));
  }
  std::cout.flush();
  if (!std::cout) throw example::failure("cannot write the response to stdout");
  if (received == 0) throw example::failure(peer.to_string() + " closed the connection without an answer");
  if (!is_http) throw example::failure(peer.to_string() + " did not answer in HTTP");
}

}  // namespace

int main(int argc, char** argv) {
  return example::run("http_get", [&] {
    const example::arguments args(argc, argv, "http_get HOST PORT [PATH] [--timeout SECONDS] [--verbose]",
                                  {"--timeout"}, {"--verbose"}, 3);
    const std::string_view host = args.positional(0, "HOST");
    const std::string_view port = args.positional(1, "PORT");
    const std::string_view path = args.positional_or(2, "/");
    if (!is_request_target(path))
      throw example::usage_error("bad PATH '" + std::string(path) +
                                 "': it starts with '/' and has no spaces or control characters");
    const auto timeout = args.seconds_or("--timeout", std::chrono::seconds(10));
    get(host, port, path, timeout, args.flag("--verbose"));
  });
}
