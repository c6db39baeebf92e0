#include <berth/berth.hpp>

#include "catch.hpp"
#include "support.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <variant>

#ifndef BERTH_VERSION
#error "berth.hpp brings version.hpp"
#endif

using namespace berth::literals;
using namespace std::chrono_literals;

TEST_CASE("berth.hpp alone: an echo server over TCP, with literals and options") {
  auto listener = berth::listen("127.0.0.1:0"_inet);
  const auto ep = listener.local_endpoint();
  REQUIRE(ep.address() == "127.0.0.1"_ipv4);

  std::error_code server_error;
  std::thread server([&listener, &server_error] {
    auto s = listener.accept(server_error);
    if (server_error) return;
    s.set(berth::option::no_delay{true}, server_error);
    char buffer[64];
    for (int i = 0; i < 100 && !server_error; ++i) {  // echo until end of stream
      const std::size_t n = s.read_some(buffer, server_error);
      if (n == 0) break;
      s.write(std::string_view(buffer, n), server_error);
    }
  });

  auto client = berth::connect(ep, 5s);
  client.write("hello, berth");
  client.shutdown(berth::shutdown_type::send);
  std::string reply(12, '\0');
  const std::size_t n = client.read(reply);
  char rest[1];
  const std::size_t after = client.read_some(rest);
  server.join();

  CHECK_FALSE(server_error);
  CHECK(n == 12);
  CHECK(reply == "hello, berth");
  CHECK(after == 0);  // the server closed its end
}

TEST_CASE("berth.hpp alone: parse_endpoint picks the family, the socket follows") {
  const auto name = "@" + berth_test::unique_abstract_name();
  const berth::any_endpoint parsed = berth::parse_endpoint(name);
  REQUIRE(std::holds_alternative<berth::local_endpoint>(parsed));
  const auto& ep = std::get<berth::local_endpoint>(parsed);
  CHECK(ep.is_abstract());
  CHECK(berth::to_string(parsed) == name);

  auto listener = berth::listen<berth::seqpacket>(ep);
  auto client = berth::connect<berth::seqpacket>(ep);
  auto server = listener.accept();
  CHECK(client.send("message") == 7);
  char buffer[16];
  CHECK(server.receive(buffer) == 7);
  CHECK(server.get<berth::option::peer_credentials>().pid == ::getpid());

  const auto udp_ep = std::get<berth::inet6_endpoint>(berth::parse_endpoint("[::1]:0"));
  auto udp = berth::bind<berth::datagram>(udp_ep);
  auto sender = berth::connect<berth::datagram>(udp.local_endpoint());
  sender.send("dgram");
  berth::inet6_endpoint from;
  CHECK(udp.receive_from(buffer, from) == 5);
  CHECK(from == sender.local_endpoint());
  std::unordered_set<berth::inet6_endpoint> seen{from, from};
  CHECK(seen.size() == 1);
}
