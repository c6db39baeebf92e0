#include <berth/inet.hpp>

#include "catch.hpp"
#include "support.hpp"

#include <berth/socket.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <compare>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <vector>

using berth::inet_endpoint;
using berth::ipv4_address;
using namespace std::string_view_literals;

namespace {

static_assert(std::is_same_v<inet_endpoint::family, berth::inet>);
static_assert(std::is_same_v<berth::inet::endpoint, inet_endpoint>);
static_assert(berth::inet::domain == AF_INET);
static_assert(sizeof(inet_endpoint) == sizeof(sockaddr_in));  // exactly one sockaddr_in
static_assert(std::is_trivially_copyable_v<inet_endpoint>);
static_assert(berth::endpoint<inet_endpoint>);

constexpr bool test_inet_value_type() {
  const inet_endpoint def;
  const inet_endpoint e(ipv4_address::loopback(), 8080);
  const inet_endpoint max(ipv4_address::broadcast(), 65535);
  return def.address() == ipv4_address::any() && def.port() == 0 &&
         e.address() == ipv4_address::loopback() && e.port() == 8080 &&
         max.address() == ipv4_address::broadcast() && max.port() == 65535 && e == e &&
         e != def && e == inet_endpoint(ipv4_address(0x7f000001u), 8080) &&
         e != inet_endpoint(ipv4_address::loopback(), 8081) &&
         e != inet_endpoint(ipv4_address(0x7f000002u), 8080) &&
         e.size() == sizeof(sockaddr_in) && inet_endpoint::capacity() == sizeof(sockaddr_in);
}
static_assert(test_inet_value_type());

constexpr bool test_inet_ordering() {
  // by address first, then port
  const inet_endpoint a(ipv4_address(0x01010101u), 65535);
  const inet_endpoint b(ipv4_address(0x01010102u), 1);
  const inet_endpoint c(ipv4_address(0x01010102u), 2);
  return a < b && b < c && a < c && (c <=> b) == std::strong_ordering::greater &&
         (b <=> inet_endpoint(ipv4_address(0x01010102u), 1)) == std::strong_ordering::equal &&
         // port order is numeric, not the network byte layout (256 > 1)
         inet_endpoint(ipv4_address{}, 256) > inet_endpoint(ipv4_address{}, 1);
}
static_assert(test_inet_ordering());

constexpr bool test_inet_constexpr_parse() {
  const inet_endpoint e = inet_endpoint::parse("192.168.1.20:443");
  return e.address() == ipv4_address::parse("192.168.1.20") && e.port() == 443 &&
         inet_endpoint::parse("0.0.0.0:0") == inet_endpoint{} &&
         inet_endpoint::parse("255.255.255.255:65535") ==
             inet_endpoint(ipv4_address::broadcast(), 65535);
}
static_assert(test_inet_constexpr_parse());

constexpr bool test_inet_constexpr_to_chars() {
  const inet_endpoint e(ipv4_address(0x0a000001u), 53);
  char text[inet_endpoint::max_text_size]{};
  const berth::to_chars_result r = e.to_chars(text, text + sizeof text);
  return r.ec == std::errc{} && std::string_view(text, static_cast<std::size_t>(r.ptr - text)) ==
                                    "10.0.0.1:53";
}
static_assert(test_inet_constexpr_to_chars());

void require_refused(std::string_view text) {
  CAPTURE(std::string(text));
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const inet_endpoint e = inet_endpoint::parse(text, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(e == inet_endpoint{});
  bool thrown = false;
  try {
    (void)inet_endpoint::parse(text);
  } catch (const std::system_error& error) {
    thrown = true;
    CHECK(error.code() == std::errc::invalid_argument);
    if (text.size() <= 64 && text.find('\0') == std::string_view::npos)
      CHECK(std::string_view(error.what()).find(text) != std::string_view::npos);
  }
  CHECK(thrown);
}

const std::vector<std::string_view> malformed = {
    ""sv,
    ":"sv,
    "::"sv,
    "1.2.3.4"sv,
    "1.2.3.4:"sv,
    ":80"sv,
    "1.2.3.4:65536"sv,
    "1.2.3.4:65540"sv,
    "1.2.3.4:99999"sv,
    "1.2.3.4:100000"sv,
    "1.2.3.4:123456"sv,
    "1.2.3.4:4294967376"sv,             // 2^32 + 80: no wrap-around
    "1.2.3.4:18446744073709551696"sv,   // 2^64 + 80
    "1.2.3.4:080"sv,
    "1.2.3.4:00"sv,
    "1.2.3.4:0080"sv,
    "1.2.3.4:+80"sv,
    "1.2.3.4:-1"sv,
    "1.2.3.4:-0"sv,
    "1.2.3.4: 80"sv,
    "1.2.3.4:80 "sv,
    " 1.2.3.4:80"sv,
    "1.2.3.4 :80"sv,
    "1.2.3.4:8 0"sv,
    "1.2.3.4:80\n"sv,
    "1.2.3.4:0x50"sv,
    "1.2.3.4:1e3"sv,
    "1.2.3.4:80/"sv,
    "1.2.3.4:http"sv,
    "1.2.3.4:80\0"sv,
    "1.2.3.4\0:80"sv,
    "256.1.1.1:80"sv,
    "1.2.3.256:80"sv,
    "01.2.3.4:80"sv,
    "1.2.3:80"sv,
    "1.2.3.4.5:80"sv,
    "1.2.3.4:80:80"sv,
    "1.2.3.4::80"sv,
    "[1.2.3.4]:80"sv,
    "localhost:80"sv,
    "::1:80"sv,
    "[::1]:80"sv,
    "1.2.3.4%1:80"sv,
    "1.2.3.4/32:80"sv,
    "*:80"sv,
    "0:80"sv,
    "127.1:80"sv,
    "1.2.3.4:\xd9\xa8\xd9\xa0"sv,  // Arabic-Indic digits
};

const std::vector<std::string_view> canonical = {
    "0.0.0.0:0"sv,   "255.255.255.255:65535"sv, "127.0.0.1:8080"sv, "1.2.3.4:1"sv,
    "10.0.0.1:65534"sv, "192.168.1.1:443"sv,    "8.8.8.8:53"sv,     "100.64.0.1:10"sv,
    "224.0.0.251:5353"sv, "1.1.1.1:100"sv,      "9.9.9.9:9999"sv,   "172.16.0.1:12345"sv,
};

}  // namespace

TEST_CASE("inet_endpoint is a constexpr value type") {
  REQUIRE(test_inet_value_type());
  REQUIRE(test_inet_ordering());
  REQUIRE(test_inet_constexpr_parse());
  REQUIRE(test_inet_constexpr_to_chars());
}

TEST_CASE("inet_endpoint holds a sockaddr_in in network order") {
  const inet_endpoint e(ipv4_address(0xc0a80102u), 0x1f90);
  REQUIRE(e.size() == sizeof(sockaddr_in));
  sockaddr_in raw{};
  std::memcpy(&raw, e.data(), sizeof raw);
  CHECK(raw.sin_family == AF_INET);
  CHECK(raw.sin_port == htons(0x1f90));
  CHECK(raw.sin_addr.s_addr == htonl(0xc0a80102u));
  CHECK(e.data()->sa_family == AF_INET);
  // the default is a complete AF_INET address too
  const inet_endpoint def;
  CHECK(def.data()->sa_family == AF_INET);
  std::memcpy(&raw, def.data(), sizeof raw);
  CHECK(raw.sin_port == 0);
  CHECK(raw.sin_addr.s_addr == htonl(INADDR_ANY));
}

TEST_CASE("inet_endpoint parse refuses malformed text in both forms") {
  for (std::string_view text : malformed) require_refused(text);
}

TEST_CASE("inet_endpoint parse reads canonical text and to_string writes it back") {
  for (std::string_view text : canonical) {
    CAPTURE(std::string(text));
    std::error_code ec = std::make_error_code(std::errc::timed_out);
    const inet_endpoint e = inet_endpoint::parse(text, ec);
    CHECK_FALSE(ec);
    CHECK(inet_endpoint::parse(text) == e);
    CHECK(e.to_string() == text);
    const std::size_t colon = text.rfind(':');
    CHECK(e.address() == ipv4_address::parse(text.substr(0, colon)));
    CHECK(std::to_string(e.port()) == text.substr(colon + 1));
  }
}

TEST_CASE("inet_endpoint parse accepts every port from 0 to 65535") {
  for (std::uint32_t port = 0; port <= 65535; ++port) {
    const std::string text = "1.2.3.4:" + std::to_string(port);
    std::error_code ec;
    const inet_endpoint e = inet_endpoint::parse(text, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(e.port() == port);
    REQUIRE(e.to_string() == text);
  }
}

TEST_CASE("inet_endpoint from_sockaddr copies a sockaddr_in and checks family and length") {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(4242);
  in.sin_addr.s_addr = htonl(0x0a0b0c0du);
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const inet_endpoint e =
      inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in, ec);
  CHECK_FALSE(ec);
  CHECK(e == inet_endpoint(ipv4_address(0x0a0b0c0du), 4242));
  CHECK(inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in) == e);

  SECTION("a sockaddr_in with another family is address_family_not_supported") {
    sockaddr_in other = in;
    other.sin_family = AF_INET6;
    const inet_endpoint r =
        inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&other), sizeof other, ec);
    CHECK(ec == std::errc::address_family_not_supported);
    CHECK(r == inet_endpoint{});
    try {
      (void)inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&other), sizeof other);
      FAIL("no exception");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::address_family_not_supported);
    }
  }
  SECTION("a wrong length is invalid_argument") {
    for (socklen_t length : {socklen_t{0}, socklen_t{2}, socklen_t{sizeof in - 1},
                             socklen_t{sizeof in + 1}, socklen_t{sizeof(sockaddr_storage)}}) {
      CAPTURE(length);
      sockaddr_storage storage{};
      std::memcpy(&storage, &in, sizeof in);
      const inet_endpoint r =
          inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length, ec);
      CHECK(ec == std::errc::invalid_argument);
      CHECK(r == inet_endpoint{});
      try {
        (void)inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
        FAIL("no exception");
      } catch (const std::system_error& error) {
        CHECK(error.code() == std::errc::invalid_argument);
      }
    }
  }
  SECTION("a null pointer is invalid_argument") {
    (void)inet_endpoint::from_sockaddr(nullptr, sizeof in, ec);
    CHECK(ec == std::errc::invalid_argument);
  }
}

// A whole sockaddr_in6 or sockaddr_un, given with its own length, is another family, not
// a bad length: from_sockaddr checks the family before the length, so the mistake is
// address_family_not_supported here as it is for local_endpoint::from_sockaddr (checking
// the length first would make it invalid_argument).
TEST_CASE("inet_endpoint from_sockaddr of a whole foreign sockaddr is address_family_not_supported") {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(80);
  in6.sin6_addr = in6addr_loopback;
  std::error_code ec;
  const inet_endpoint r =
      inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6, ec);
  CHECK(ec == std::errc::address_family_not_supported);
  CHECK(r == inet_endpoint{});

  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, "/tmp/x", 7);
  (void)inet_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&un), sizeof un, ec);
  CHECK(ec == std::errc::address_family_not_supported);
}

TEST_CASE("inet_endpoint resize accepts what the kernel wrote and refuses the rest") {
  auto s = berth::bind<berth::datagram>(inet_endpoint(ipv4_address::loopback(), 0));
  inet_endpoint e;
  socklen_t length = inet_endpoint::capacity();
  REQUIRE(::getsockname(s.native_handle(), e.data(), &length) == 0);
  e.resize(length);
  CHECK(e.address() == ipv4_address::loopback());
  CHECK(e.port() != 0);
  CHECK(e == s.local_endpoint());

  SECTION("a wrong length is invalid_argument and resets the endpoint") {
    std::error_code ec;
    inet_endpoint copy = e;
    copy.resize(length - 1, ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(copy == inet_endpoint{});
    copy = e;
    CHECK_THROWS_AS(copy.resize(0), std::system_error);
    copy = e;
    try {
      copy.resize(sizeof(sockaddr_in6));
      FAIL("no exception");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::invalid_argument);
    }
  }
  SECTION("another family is address_family_not_supported and resets the endpoint") {
    std::error_code ec;
    e.data()->sa_family = AF_UNIX;
    e.resize(length, ec);
    CHECK(ec == std::errc::address_family_not_supported);
    CHECK(e == inet_endpoint{});
    CHECK(e.data()->sa_family == AF_INET);
    e.data()->sa_family = AF_INET6;
    try {
      e.resize(length);
      FAIL("no exception");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::address_family_not_supported);
    }
  }
  SECTION("success clears the error code") {
    std::error_code ec = std::make_error_code(std::errc::invalid_argument);
    e.resize(length, ec);
    CHECK_FALSE(ec);
  }
}

TEST_CASE("inet_endpoint operator<< writes what to_string returns") {
  for (std::string_view text : canonical) {
    const inet_endpoint e = inet_endpoint::parse(text);
    std::ostringstream os;
    os << e;
    CHECK(os.str() == e.to_string());
    CHECK(os.str() == text);
  }
}

TEST_CASE("inet_endpoint std::hash works in unordered containers and equal values hash equally") {
  std::unordered_set<inet_endpoint> set;
  for (std::string_view text : canonical) set.insert(inet_endpoint::parse(text));
  CHECK(set.size() == canonical.size());
  CHECK(set.count(inet_endpoint(ipv4_address::loopback(), 8080)) == 1);
  CHECK(set.count(inet_endpoint(ipv4_address::loopback(), 8081)) == 0);
  const std::hash<inet_endpoint> hash;
  CHECK(hash(inet_endpoint::parse("1.2.3.4:5")) == hash(inet_endpoint(ipv4_address(0x01020304u), 5)));
  // address and port both count: swapping parts of them changes the hash
  std::set<std::size_t> hashes;
  for (std::uint16_t port = 0; port < 64; ++port)
    for (std::uint32_t host = 0; host < 64; ++host)
      hashes.insert(hash(inet_endpoint(ipv4_address(host), port)));
  CHECK(hashes.size() == 64 * 64);
}

TEST_CASE("inet_endpoint round trips random endpoints through text") {
  std::mt19937_64 rng(791);
  for (int n = 0; n < 20000; ++n) {
    const auto address = static_cast<std::uint32_t>(rng()) >> (rng() % 32);
    const auto port = static_cast<std::uint16_t>(static_cast<std::uint16_t>(rng()) >> (rng() % 16));
    const inet_endpoint e(ipv4_address(address), port);
    const std::string text = e.to_string();
    CAPTURE(text);
    REQUIRE(text.size() <= inet_endpoint::max_text_size);
    REQUIRE(inet_endpoint::parse(text) == e);
    REQUIRE(inet_endpoint::parse(text).to_string() == text);
    // the text is the address's text, a colon and the decimal port
    REQUIRE(text == e.address().to_string() + ":" + std::to_string(port));
    std::error_code ec;
    REQUIRE(inet_endpoint::parse(text, ec) == e);
    REQUIRE_FALSE(ec);
  }
}
