// Compiled with -fno-exceptions. `codes`: a connection, a message and the parsers through
// their std::error_code forms, exit 0 when all behave. `throwing`: a throwing form that
// fails (connect to a closed port), which must print the error and call std::abort().
#include <berth/berth.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "no_exceptions: failed: %s\n", what);
    ++failures;
  }
}

/// A loopback port where nobody listens.
berth::inet_endpoint closed_port() {
  std::error_code ec;
  auto s = berth::bind<berth::datagram>(berth::inet_endpoint(berth::ipv4_address::loopback(), 0), ec);
  return s.local_endpoint(ec);
}

int codes() {
  std::error_code ec;
  auto listener = berth::listen(berth::inet_endpoint(berth::ipv4_address::loopback(), 0), ec);
  expect(!ec && listener.is_open(), "listen");
  auto client = berth::connect(listener.local_endpoint(ec), ec);
  expect(!ec && client.is_open(), "connect");
  berth::inet_endpoint peer;
  auto server = listener.accept(peer, ec);
  expect(!ec && server.is_open(), "accept(peer)");
  expect(client.write("hello", ec) == 5 && !ec, "write");
  char buffer[5];
  expect(server.read(buffer, ec) == 5 && !ec && std::string_view(buffer, 5) == "hello", "read");
  client.shutdown(berth::shutdown_type::send, ec);
  expect(!ec, "shutdown");
  expect(server.read(buffer, ec) == 0 && ec == berth::error::eof, "read at end of stream");

  const auto refused = berth::connect(closed_port(), ec);
  expect(!refused.is_open() && ec == std::errc::connection_refused, "connect refused");

  (void)berth::ipv4_address::parse("1.2.3.256", ec);
  expect(ec == std::errc::invalid_argument, "parse ipv4");
  (void)berth::inet6_endpoint::parse("[::1]:80", ec);
  expect(!ec, "parse inet6");
  (void)berth::parse_endpoint("@name", ec);
  expect(!ec, "parse_endpoint");
  (void)berth::local_endpoint(std::string(200, 'x'), ec);
  expect(ec == std::errc::filename_too_long, "local_endpoint too long");
  auto pair = berth::socket_pair<berth::seqpacket>(ec);
  expect(!ec, "socket_pair");
  expect(pair.first.send("m", ec) == 1 && !ec, "send");
  char small[1];
  expect(pair.second.receive(small, ec) == 1 && !ec, "receive");
  pair.first.set(berth::option::send_buffer_size{-1}, ec);
  expect(ec == std::errc::invalid_argument, "set an option the kernel would misread");

  // Names, numeric only (nothing is resolved: no name server is asked).
  const auto addresses = berth::resolve("127.0.0.1", std::to_string(listener.local_endpoint(ec).port()), ec);
  expect(!ec && addresses.size() == 1, "resolve a numeric host");
  auto by_name = berth::connect(addresses, ec);
  expect(!ec && by_name.is_open(), "connect to resolved addresses");
  (void)berth::resolve<berth::inet6>("127.0.0.1", "80", ec);
  expect(ec == berth::resolve_error::no_address, "resolve<inet6> of an IPv4 address");
  (void)berth::ip_endpoint::parse("[::1]:80", ec).to_inet(ec);
  expect(ec == std::errc::address_family_not_supported, "ip_endpoint::to_inet of an IPv6 endpoint");
  return failures == 0 ? 0 : 1;
}

int throwing() {
  std::error_code ec;
  const berth::inet_endpoint ep = closed_port();
  auto s = berth::connect(ep);  // fails: prints and aborts
  std::fprintf(stderr, "no_exceptions: connect returned (open: %d)\n", s.is_open() ? 1 : 0);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "codes") == 0) return codes();
  if (argc == 2 && std::strcmp(argv[1], "throwing") == 0) return throwing();
  std::fprintf(stderr, "usage: berth_no_exceptions codes|throwing\n");
  return 2;
}
