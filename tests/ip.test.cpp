#include <berth/ip.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <berth/acceptor.hpp>
#include <berth/literals.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <chrono>
#include <compare>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>

using berth::inet_endpoint;
using berth::inet6_endpoint;
using berth::ip_endpoint;
using berth::ipv4_address;
using berth::ipv6_address;
using namespace berth::literals;
using berth_test::thrown_code;

namespace {

using ip_stream = berth::socket<berth::ip, berth::stream>;
using ip_datagram = berth::socket<berth::ip, berth::datagram>;
using ip_acceptor = berth::acceptor<berth::ip>;

// ---- the tag and the types -------------------------------------------------------------

static_assert(std::is_same_v<ip_endpoint::family, berth::ip>);
static_assert(std::is_same_v<berth::ip::endpoint, ip_endpoint>);
static_assert(berth::ip::domain == AF_UNSPEC);
static_assert(berth::address_family<berth::ip>);
static_assert(berth::endpoint<ip_endpoint>);
static_assert(sizeof(ip_endpoint) == sizeof(sockaddr_in6));  // one sockaddr_in or sockaddr_in6
static_assert(std::is_trivially_copyable_v<ip_endpoint>);
static_assert(std::is_nothrow_default_constructible_v<ip_endpoint>);
static_assert(berth::valid_protocol<berth::ip, berth::stream>);
static_assert(berth::valid_protocol<berth::ip, berth::datagram>);
static_assert(!berth::valid_protocol<berth::ip, berth::seqpacket>);
static_assert(berth_test::owns_one_descriptor<ip_stream>);
static_assert(berth_test::owns_one_descriptor<ip_datagram>);
static_assert(berth_test::owns_one_descriptor<ip_acceptor>);

// Made implicitly from either typed endpoint, never the other way round.
static_assert(std::is_nothrow_convertible_v<inet_endpoint, ip_endpoint>);
static_assert(std::is_nothrow_convertible_v<inet6_endpoint, ip_endpoint>);
static_assert(!std::is_convertible_v<ip_endpoint, inet_endpoint>);
static_assert(!std::is_convertible_v<ip_endpoint, inet6_endpoint>);
static_assert(!std::is_convertible_v<berth::local_endpoint, ip_endpoint>);

// Typed sockets and acceptors move into the ip ones, without a system call; nothing else does.
static_assert(std::is_nothrow_convertible_v<berth::socket<berth::inet, berth::stream>&&, ip_stream>);
static_assert(std::is_nothrow_convertible_v<berth::socket<berth::inet6, berth::stream>&&, ip_stream>);
static_assert(std::is_nothrow_convertible_v<berth::socket<berth::inet6, berth::datagram>&&, ip_datagram>);
static_assert(std::is_nothrow_convertible_v<berth::acceptor<berth::inet6>&&, ip_acceptor>);
static_assert(!std::is_convertible_v<ip_stream&&, berth::socket<berth::inet, berth::stream>>);
static_assert(!std::is_convertible_v<berth::socket<berth::local, berth::stream>&&, ip_stream>);
static_assert(!std::is_convertible_v<berth::socket<berth::inet, berth::datagram>&&, ip_stream>);
static_assert(!std::is_convertible_v<const berth::socket<berth::inet, berth::stream>&, ip_stream>);
static_assert(!std::is_convertible_v<berth::socket<berth::inet, berth::stream>&&,
                                     berth::socket<berth::inet6, berth::stream>>);

// Options: those both families take compile on socket<ip, T>, those one lacks do not.
template <class S, class O>
concept can_set = requires(S& s, const O& o) { s.set(o); };
template <class S, class O>
concept can_get = requires(const S& s) { s.template get<O>(); };
static_assert(can_set<ip_stream, berth::option::no_delay>);
static_assert(can_set<ip_stream, berth::option::keep_alive>);
static_assert(can_set<ip_stream, berth::option::reuse_address>);
static_assert(can_set<ip_stream, berth::option::linger>);
static_assert(can_set<ip_datagram, berth::option::receive_buffer_size>);
static_assert(can_get<ip_stream, berth::option::error>);
static_assert(!can_set<ip_stream, berth::option::v6_only>);        // inet6 only
static_assert(!can_get<ip_stream, berth::option::v6_only>);
static_assert(!can_set<ip_datagram, berth::option::broadcast>);    // inet only
static_assert(!can_set<ip_datagram, berth::option::no_delay>);     // streams only, as for inet
static_assert(!can_get<ip_stream, berth::option::peer_credentials>);
static_assert(can_set<berth::socket<berth::inet6, berth::stream>, berth::option::v6_only>);  // control
static_assert(can_set<berth::socket<berth::inet, berth::datagram>, berth::option::broadcast>);
static_assert(can_set<ip_acceptor, berth::option::reuse_port>);
static_assert(!can_set<ip_acceptor, berth::option::v6_only>);

// open(): socket<ip, T> has no one domain, so it takes a family or an endpoint.
template <class S>
concept opens_plain = requires { S::open(); };
template <class S, class G>
concept opens_family = requires { S::open(G{}); };
template <class S, class E>
concept opens_for = requires(const E& e) { S::open(e); };
static_assert(!opens_plain<ip_stream>);
static_assert(opens_plain<berth::socket<berth::inet6, berth::stream>>);  // control
static_assert(opens_family<ip_stream, berth::inet>);
static_assert(opens_family<ip_datagram, berth::inet6>);
static_assert(!opens_family<ip_stream, berth::local>);
static_assert(!opens_family<ip_stream, berth::ip>);
static_assert(!opens_family<berth::socket<berth::inet, berth::stream>, berth::inet6>);
static_assert(opens_for<ip_stream, ip_endpoint>);
static_assert(opens_for<ip_stream, inet_endpoint>);
static_assert(!opens_for<berth::socket<berth::inet, berth::stream>, inet_endpoint>);

// Both error forms.
static_assert(noexcept(std::declval<const ip_endpoint&>().to_inet(std::declval<std::error_code&>())));
static_assert(!noexcept(std::declval<const ip_endpoint&>().to_inet()));
static_assert(noexcept(ip_endpoint::parse("", std::declval<std::error_code&>())));
static_assert(noexcept(ip_stream::open(std::declval<const ip_endpoint&>(), std::declval<std::error_code&>())));

// ---- the value type ----------------------------------------------------------------------

constexpr bool test_construction() {
  const ip_endpoint def;
  const ip_endpoint v4(ipv4_address::loopback(), 8080);
  const ip_endpoint v6(ipv6_address::loopback(), 443, 7);
  const ip_endpoint from4 = inet_endpoint(ipv4_address(0x01020304u), 80);
  const ip_endpoint from6 = inet6_endpoint(ipv6_address::loopback(), 443, 7);
  return def.is_v4() && !def.is_v6() && def.port() == 0 && def.to_inet() == inet_endpoint{} &&
         v4.is_v4() && v4.port() == 8080 && v4.to_inet() == inet_endpoint(ipv4_address::loopback(), 8080) &&
         v6.is_v6() && !v6.is_v4() && v6.port() == 443 &&
         v6.to_inet6() == inet6_endpoint(ipv6_address::loopback(), 443, 7) && v6 == from6 &&
         from4.to_inet().address() == ipv4_address(0x01020304u) && from4.port() == 80 &&
         v4.size() == sizeof(sockaddr_in) && v6.size() == sizeof(sockaddr_in6) &&
         ip_endpoint::capacity() == sizeof(sockaddr_in6);
}
static_assert(test_construction());
TEST_CASE("ip_endpoint holds either family (constexpr)") { REQUIRE(test_construction()); }

constexpr bool test_comparison() {
  const ip_endpoint a(ipv4_address(0x01010101u), 80), b(ipv4_address(0x01010101u), 81);
  const ip_endpoint c(ipv6_address::loopback(), 80), d(ipv6_address::loopback(), 80, 1);
  // Equal only within one family: 0.0.0.0:0 is not [::]:0, nor ::ffff:1.1.1.1 1.1.1.1.
  const ip_endpoint any4, any6 = inet6_endpoint{};
  const ip_endpoint mapped(ipv6_address::v4_mapped(ipv4_address(0x01010101u)), 80);
  return a == a && a != b && a < b && c != d && c < d && a < c && b < c && (c <=> a) > 0 &&
         any4 != any6 && mapped != a && (a <=> ip_endpoint(inet_endpoint(ipv4_address(0x01010101u), 80))) == 0 &&
         a == inet_endpoint(ipv4_address(0x01010101u), 80) &&   // through the implicit conversion
         inet_endpoint(ipv4_address(0x01010101u), 80) == a;
}
static_assert(test_comparison());
TEST_CASE("ip_endpoint compares and orders: IPv4 before IPv6, then as the typed endpoints") {
  REQUIRE(test_comparison());
}

constexpr bool test_parse() {
  const ip_endpoint a = ip_endpoint::parse("192.0.2.1:80");
  const ip_endpoint b = ip_endpoint::parse("[2001:db8::1]:443");
  const ip_endpoint c = ip_endpoint::parse("[fe80::1%3]:22");
  return a.is_v4() && a == inet_endpoint::parse("192.0.2.1:80") && b.is_v6() &&
         b == inet6_endpoint::parse("[2001:db8::1]:443") && c.to_inet6().scope_id() == 3 &&
         c.port() == 22;
}
static_assert(test_parse());

constexpr bool test_literals() {
  constexpr ip_endpoint a = "127.0.0.1:8080"_ip;
  constexpr ip_endpoint b = "[::1]:8080"_ip;
  constexpr ip_endpoint c = "[fe80::1%2]:1"_ip;
  constexpr ip_endpoint d = "10.0.0.1:1"_inet;  // the typed literals convert
  return a.is_v4() && a.port() == 8080 && b.is_v6() && b.to_inet6().address().is_loopback() &&
         c.to_inet6().scope_id() == 2 && d.is_v4();
}
static_assert(test_literals());

TEST_CASE("ip_endpoint::parse reads both text forms, in both error forms") {
  REQUIRE(test_parse());
  REQUIRE(test_literals());
  std::error_code ec = std::make_error_code(std::errc::io_error);
  CHECK(ip_endpoint::parse("[::1]:1", ec) == ip_endpoint(ipv6_address::loopback(), 1));
  CHECK(!ec);
  CHECK(ip_endpoint::parse("1.2.3.4:5", ec) == ip_endpoint(ipv4_address(0x01020304u), 5));
  CHECK(!ec);
  // A zone by interface name (the loopback is there in every network namespace).
  CHECK(ip_endpoint::parse("[fe80::1%lo]:1").to_inet6().scope_id() != 0);

  for (std::string_view bad : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "[::1]", "[::1]:",
                               "::1:80", "[1.2.3.4]:80", "[::1%]:80", "[::1%no-such-if]:80",
                               "localhost:80", "1.2.3.04:80", " 1.2.3.4:80"}) {
    INFO(bad);
    ec.clear();
    CHECK(ip_endpoint::parse(bad, ec) == ip_endpoint{});
    CHECK(ec == std::errc::invalid_argument);
    try {
      (void)ip_endpoint::parse(bad);
      FAIL("parse did not throw");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::invalid_argument);
      CHECK(std::string_view(e.what()).find("not an IP endpoint") != std::string_view::npos);
    }
  }
}

TEST_CASE("to_inet and to_inet6 refuse the other family: address_family_not_supported, both forms") {
  const ip_endpoint v4 = "127.0.0.1:1"_ip, v6 = "[::1]:1"_ip;
  CHECK(thrown_code([&] { (void)v4.to_inet6(); }) == std::errc::address_family_not_supported);
  CHECK(thrown_code([&] { (void)v6.to_inet(); }) == std::errc::address_family_not_supported);
  CHECK(thrown_code([&] { (void)v4.to_inet(); }) == std::error_code{});
  std::error_code ec;
  CHECK(v4.to_inet6(ec) == inet6_endpoint{});
  CHECK(ec == std::errc::address_family_not_supported);
  CHECK(v6.to_inet(ec) == inet_endpoint{});
  CHECK(ec == std::errc::address_family_not_supported);
  CHECK(v6.to_inet6(ec) == inet6_endpoint(ipv6_address::loopback(), 1));
  CHECK(!ec);
}

TEST_CASE("ip_endpoint text: to_string, to_chars and << print the held endpoint's form") {
  const ip_endpoint v4 = "192.0.2.10:65535"_ip, v6 = "[2001:db8::a%12]:80"_ip;
  CHECK(v4.to_string() == "192.0.2.10:65535");
  CHECK(v6.to_string() == "[2001:db8::a%12]:80");
  CHECK(ip_endpoint::parse(v6.to_string()) == v6);
  std::ostringstream os;
  os << v4 << ' ' << v6;
  CHECK(os.str() == "192.0.2.10:65535 [2001:db8::a%12]:80");
  char text[ip_endpoint::max_text_size];
  const ip_endpoint longest = "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535"_ip;
  const auto r = longest.to_chars(text, text + sizeof text);
  CHECK(r.ec == std::errc{});
  CHECK(std::string_view(text, static_cast<std::size_t>(r.ptr - text)) == longest.to_string());
  char small[4];
  CHECK(v4.to_chars(small, small + sizeof small).ec == std::errc::value_too_large);
}

TEST_CASE("std::hash<ip_endpoint>: equal endpoints hash alike, both families in one set") {
  std::unordered_set<ip_endpoint> set{"127.0.0.1:80"_ip, "[::1]:80"_ip, "127.0.0.1:81"_ip,
                                      "[::ffff:127.0.0.1]:80"_ip};
  CHECK(set.size() == 4);
  CHECK(set.count(inet_endpoint(ipv4_address::loopback(), 80)) == 1);
  CHECK(set.count(inet6_endpoint(ipv6_address::loopback(), 80)) == 1);
  CHECK(set.count("[::1]:80"_ip) == 1);
  CHECK(std::hash<ip_endpoint>{}("127.0.0.1:80"_ip) == std::hash<ip_endpoint>{}(ip_endpoint::parse("127.0.0.1:80")));
}

TEST_CASE("ip_endpoint takes a sockaddr_in or a sockaddr_in6, checked, and nothing else") {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(80);
  in.sin_addr.s_addr = htonl(0x7f000001u);
  const ip_endpoint a = ip_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in);
  CHECK(a == "127.0.0.1:80"_ip);
  CHECK(std::memcmp(a.data(), &in, sizeof in) == 0);  // exactly the sockaddr_in, in its first bytes
  CHECK(a.size() == sizeof in);

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(443);
  in6.sin6_addr = in6addr_loopback;
  in6.sin6_scope_id = 5;
  const ip_endpoint b = ip_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  CHECK(b == "[::1%5]:443"_ip);
  CHECK(std::memcmp(b.data(), &in6, sizeof in6) == 0);

  std::error_code ec;
  sockaddr_in6 long_in{};  // an AF_INET address said to be as long as a sockaddr_in6
  std::memcpy(&long_in, &in, sizeof in);
  CHECK(ip_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&long_in), sizeof long_in, ec) ==
        ip_endpoint{});
  CHECK(ec == std::errc::invalid_argument);  // a sockaddr_in is 16 bytes
  CHECK(ip_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in, ec) == ip_endpoint{});
  CHECK(ec == std::errc::invalid_argument);
  CHECK(ip_endpoint::from_sockaddr(nullptr, 0, ec) == ip_endpoint{});
  CHECK(ec == std::errc::invalid_argument);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  CHECK(ip_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&un), sizeof(sockaddr_in), ec) ==
        ip_endpoint{});
  CHECK(ec == std::errc::address_family_not_supported);
  CHECK(thrown_code([&] {
          (void)ip_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&un), sizeof un);
        }) == std::errc::address_family_not_supported);

  // resize checks what the kernel wrote through data(); a failure leaves the default endpoint.
  ip_endpoint e = "[::1]:9"_ip;
  std::memcpy(e.data(), &in, sizeof in);
  e.resize(sizeof in);
  CHECK(e == "127.0.0.1:80"_ip);
  e.resize(sizeof in6, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(e == ip_endpoint{});
}

// ---- sockets -----------------------------------------------------------------------------

/// A loopback endpoint of either family, port 0, as an ip_endpoint.
ip_endpoint loopback(bool v6) {
  return v6 ? ip_endpoint(berth_test::loopback6()) : ip_endpoint(berth_test::loopback4());
}

TEST_CASE("socket<ip, stream> and acceptor<ip> connect, accept and talk over both families") {
  for (const bool v6 : {false, true}) {
    INFO((v6 ? "IPv6" : "IPv4"));
    ip_acceptor listener = berth::listen(loopback(v6));
    const ip_endpoint where = listener.local_endpoint();
    CHECK(where.is_v6() == v6);
    CHECK(where.port() != 0);

    ip_stream client = berth::connect(where);  // socket<ip, stream>: the family from the endpoint
    ip_endpoint peer;
    ip_stream server = listener.accept(peer);
    CHECK(peer.is_v6() == v6);
    CHECK(peer == client.local_endpoint());
    CHECK(client.remote_endpoint() == where);
    CHECK(berth_test::is_close_on_exec(client.native_handle()));

    client.set(berth::option::no_delay{true});
    CHECK(client.get<berth::option::no_delay>().value);
    client.write("ping");
    std::array<char, 4> got{};
    CHECK(server.read(got) == 4);
    CHECK(std::string_view(got.data(), 4) == "ping");
    server.shutdown(berth::shutdown_type::send);
    CHECK(client.read_some(got) == 0);
  }
}

TEST_CASE("socket<ip, datagram> binds, sends and receives with ip_endpoint over both families") {
  for (const bool v6 : {false, true}) {
    INFO((v6 ? "IPv6" : "IPv4"));
    ip_datagram a = berth::bind<berth::datagram>(loopback(v6));
    ip_datagram b = berth::bind<berth::datagram>(loopback(v6));
    CHECK(a.send_to("hello", b.local_endpoint()) == 5);
    std::array<char, 16> buffer{};
    ip_endpoint from;
    CHECK(b.receive_from(buffer, from) == 5);
    CHECK(from == a.local_endpoint());
    CHECK(from.is_v6() == v6);

    ip_datagram c = berth::connect<berth::datagram>(b.local_endpoint());
    CHECK(c.send("x") == 1);
    CHECK(b.receive_from(buffer, from) == 1);
    CHECK(from == c.local_endpoint());
  }
}

TEST_CASE("socket<ip, T>::open takes the family, or the endpoint to be used") {
  ip_stream s = ip_stream::open(berth::inet6{});
  CHECK(s.is_open());
  CHECK(berth_test::is_close_on_exec(s.native_handle()));
  s.set(berth::option::reuse_address{true});
  s.bind(ip_endpoint(berth_test::loopback6()));
  CHECK(s.local_endpoint().is_v6());
  ip_acceptor listener = berth::listen(std::move(s));
  CHECK(listener.local_endpoint().is_v6());

  ip_stream t = ip_stream::open(listener.local_endpoint());  // a socket of that family
  t.connect(listener.local_endpoint());
  const ip_stream accepted = listener.accept();
  CHECK(accepted.remote_endpoint() == t.local_endpoint());

  std::error_code ec;
  ip_datagram u = ip_datagram::open(berth::inet{}, ec);
  CHECK(!ec);
  u.bind(ip_endpoint(berth_test::loopback4()));
  CHECK(u.local_endpoint().is_v4());
  // An IPv4 socket cannot bind an IPv6 endpoint: the kernel says so.
  ip_datagram w = ip_datagram::open(berth::inet{});
  w.bind(ip_endpoint(berth_test::loopback6()), ec);
  CHECK(ec);
}

TEST_CASE("typed sockets and acceptors move into the ip ones, descriptor and all") {
  auto typed = berth::listen(berth_test::loopback6());
  const int fd = typed.native_handle();
  ip_acceptor listener = std::move(typed);
  CHECK(listener.native_handle() == fd);
  CHECK(!typed.is_open());  // NOLINT(bugprone-use-after-move): moved-from holds none

  ip_stream client = berth::connect(listener.local_endpoint().to_inet6());
  ip_stream server = listener.accept();
  berth::socket<berth::inet6, berth::stream> plain = berth::connect(listener.local_endpoint().to_inet6());
  const int plain_fd = plain.native_handle();
  client = std::move(plain);  // assignment through the conversion: the old one is closed
  CHECK(client.native_handle() == plain_fd);
  CHECK(!plain.is_open());  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("socket<ip, T>::adopt_checked takes IPv4 and IPv6 sockets of its type, nothing else") {
  for (const int domain : {AF_INET, AF_INET6}) {
    const int fd = ::socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    std::error_code ec;
    ip_stream s = ip_stream::adopt_checked(fd, ec);
    CHECK(!ec);
    CHECK(s.native_handle() == fd);
  }
  const int unix_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(unix_fd >= 0);
  std::error_code ec;
  CHECK(!ip_stream::adopt_checked(unix_fd, ec).is_open());
  CHECK(ec == std::errc::address_family_not_supported);
  const int udp_fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(!ip_stream::adopt_checked(udp_fd, ec).is_open());
  CHECK(ec == std::errc::wrong_protocol_type);
  CHECK(!berth_test::is_closed(unix_fd));  // refused: still the caller's
  ::close(unix_fd);
  ::close(udp_fd);
}

TEST_CASE("connect, bind and listen on an ip_endpoint report errors naming the endpoint") {
  const ip_endpoint closed = berth_test::closed_port6();
  std::error_code ec;
  CHECK(!berth::connect(closed, ec).is_open());
  CHECK(ec == std::errc::connection_refused);
  try {
    (void)berth::connect(closed);
    FAIL("connect did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::connection_refused);
    CHECK(std::string_view(e.what()).find(closed.to_string()) != std::string_view::npos);
  }
  CHECK(!berth::connect(closed, std::chrono::seconds(5), ec).is_open());
  CHECK(ec == std::errc::connection_refused);

  const ip_acceptor taken = berth::listen(ip_endpoint(berth_test::loopback4()));
  CHECK(!berth::listen(taken.local_endpoint(), ec).is_open());
  CHECK(ec == std::errc::address_in_use);
  CHECK(!berth::bind(taken.local_endpoint(), ec).is_open());
  CHECK(ec == std::errc::address_in_use);
}

TEST_CASE("connect(ip_endpoint, timeout) returns a blocking connected socket of either family") {
  for (const bool v6 : {false, true}) {
    ip_acceptor listener = berth::listen(loopback(v6));
    ip_stream client = berth::connect(listener.local_endpoint(), std::chrono::seconds(5));
    CHECK(!berth_test::is_nonblocking(client.native_handle()));
    CHECK(client.remote_endpoint() == listener.local_endpoint());
    const ip_stream server = listener.accept();
  }
}

}  // namespace
