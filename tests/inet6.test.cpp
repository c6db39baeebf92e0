#include <berth/inet6.hpp>

#include "catch.hpp"
#include "support.hpp"

#include <berth/socket.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

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

using berth::inet6_endpoint;
using berth::ipv4_address;
using berth::ipv6_address;
using namespace std::string_view_literals;

namespace {

static_assert(std::is_same_v<inet6_endpoint::family, berth::inet6>);
static_assert(std::is_same_v<berth::inet6::endpoint, inet6_endpoint>);
static_assert(berth::inet6::domain == AF_INET6);
static_assert(sizeof(inet6_endpoint) == sizeof(sockaddr_in6));  // exactly one sockaddr_in6
static_assert(std::is_trivially_copyable_v<inet6_endpoint>);
static_assert(berth::endpoint<inet6_endpoint>);

constexpr bool test_inet6_value_type() {
  const inet6_endpoint def;
  const inet6_endpoint e(ipv6_address::loopback(), 8080);
  const inet6_endpoint zoned(ipv6_address::parse("fe80::1"), 22, 3);
  return def.address() == ipv6_address::any() && def.port() == 0 && def.scope_id() == 0 &&
         e.address() == ipv6_address::loopback() && e.port() == 8080 && e.scope_id() == 0 &&
         zoned.address() == ipv6_address::parse("fe80::1") && zoned.port() == 22 &&
         zoned.scope_id() == 3 && e == inet6_endpoint(ipv6_address::loopback(), 8080, 0) &&
         e != def && zoned != inet6_endpoint(ipv6_address::parse("fe80::1"), 22, 4) &&
         zoned != inet6_endpoint(ipv6_address::parse("fe80::1"), 22) &&
         zoned != inet6_endpoint(ipv6_address::parse("fe80::2"), 22, 3) &&
         zoned != inet6_endpoint(ipv6_address::parse("fe80::1"), 23, 3) &&
         inet6_endpoint(ipv6_address{}, 65535, 0xffffffffu).scope_id() == 0xffffffffu &&
         inet6_endpoint(ipv6_address{}, 65535).port() == 65535 &&
         e.size() == sizeof(sockaddr_in6) && inet6_endpoint::capacity() == sizeof(sockaddr_in6);
}
static_assert(test_inet6_value_type());

constexpr bool test_inet6_ordering() {
  // by address, then port, then scope id
  const inet6_endpoint a(ipv6_address::parse("::1"), 65535, 9);
  const inet6_endpoint b(ipv6_address::parse("::2"), 1, 1);
  const inet6_endpoint c(ipv6_address::parse("::2"), 2, 0);
  const inet6_endpoint d(ipv6_address::parse("::2"), 2, 1);
  return a < b && b < c && c < d && (d <=> c) == std::strong_ordering::greater &&
         (c <=> inet6_endpoint(ipv6_address::parse("::2"), 2)) == std::strong_ordering::equal &&
         inet6_endpoint(ipv6_address{}, 256) > inet6_endpoint(ipv6_address{}, 1);
}
static_assert(test_inet6_ordering());

constexpr bool test_inet6_constexpr_parse() {
  const inet6_endpoint e = inet6_endpoint::parse("[2001:db8::1]:443");
  const inet6_endpoint z = inet6_endpoint::parse("[fe80::1%2]:80");
  return e.address() == ipv6_address::parse("2001:db8::1") && e.port() == 443 &&
         e.scope_id() == 0 && z.address() == ipv6_address::parse("fe80::1") && z.port() == 80 &&
         z.scope_id() == 2 && inet6_endpoint::parse("[::]:0") == inet6_endpoint{} &&
         inet6_endpoint::parse("[::1%0]:1") == inet6_endpoint(ipv6_address::loopback(), 1) &&
         inet6_endpoint::parse("[::ffff:1.2.3.4%4294967295]:65535").scope_id() == 0xffffffffu;
}
static_assert(test_inet6_constexpr_parse());

constexpr bool test_inet6_constexpr_to_chars() {
  const inet6_endpoint e(ipv6_address::parse("fe80::1"), 53, 7);
  char text[inet6_endpoint::max_text_size]{};
  const berth::to_chars_result r = e.to_chars(text, text + sizeof text);
  return r.ec == std::errc{} && std::string_view(text, static_cast<std::size_t>(r.ptr - text)) ==
                                    "[fe80::1%7]:53";
}
static_assert(test_inet6_constexpr_to_chars());

// In a constant expression a zone is a number: an interface name needs the running system.
template <class F>
concept constant_evaluable = requires { typename std::bool_constant<(F{}(), true)>; };
static_assert(constant_evaluable<decltype([] { return inet6_endpoint::parse("[fe80::1%1]:80"); })>);
static_assert(!constant_evaluable<decltype([] { return inet6_endpoint::parse("[fe80::1%lo]:80"); })>);
static_assert(!constant_evaluable<decltype([] { return inet6_endpoint::parse("[fe80::1%01]:80"); })>);

void require_refused(std::string_view text) {
  CAPTURE(std::string(text));
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const inet6_endpoint e = inet6_endpoint::parse(text, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(e == inet6_endpoint{});
  bool thrown = false;
  try {
    (void)inet6_endpoint::parse(text);
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
    "["sv,
    "]"sv,
    "[]"sv,
    "[]:80"sv,
    "[:]:80"sv,
    "[::1]"sv,
    "[::1]:"sv,
    "[::1]80"sv,
    "[::1]::80"sv,
    "[::1]:65536"sv,
    "[::1]:99999"sv,
    "[::1]:4294967376"sv,
    "[::1]:080"sv,
    "[::1]:00"sv,
    "[::1]:+80"sv,
    "[::1]:-1"sv,
    "[::1]: 80"sv,
    "[::1]:80 "sv,
    " [::1]:80"sv,
    "[ ::1]:80"sv,
    "[::1 ]:80"sv,
    "[::1]:0x50"sv,
    "[::1]:80]"sv,
    "[::1]]:80"sv,
    "[[::1]:80"sv,
    "[::1]:80\0"sv,
    "[::1\0]:80"sv,
    "::1:80"sv,
    "::1]:80"sv,
    "[::1:80"sv,
    "(::1):80"sv,
    "1.2.3.4:80"sv,
    "[1.2.3.4]:80"sv,
    "[:::1]:80"sv,
    "[1::2::3]:80"sv,
    "[12345::]:80"sv,
    "[::g]:80"sv,
    "[1:2:3:4:5:6:7]:80"sv,
    "[1:2:3:4:5:6:7:8:9]:80"sv,
    "[::ffff:1.2.3]:80"sv,
    "[::ffff:01.2.3.4]:80"sv,
    "[1.2.3.4::]:80"sv,
    "[::1:]:80"sv,
    "[localhost]:80"sv,
    // zones
    "[fe80::1%]:80"sv,
    "[fe80::1%%1]:80"sv,
    "[fe80::1%1%2]:80"sv,
    "[%1]:80"sv,
    "[fe80::1%01]:80"sv,
    "[fe80::1%00]:80"sv,
    "[fe80::1%+1]:80"sv,
    "[fe80::1%-1]:80"sv,
    "[fe80::1% 1]:80"sv,
    "[fe80::1%1 ]:80"sv,
    "[fe80::1%4294967296]:80"sv,
    "[fe80::1%99999999999]:80"sv,
    "[fe80::1%1x]:80"sv,
    "[fe80::1%0x1]:80"sv,
    "[fe80::1%abc-does-not-exist]:80"sv,
    "[fe80::1%nosuchif0]:80"sv,
    "[fe80::1%lo\0]:80"sv,
    "[fe80::1%l\0o]:80"sv,
    "[fe80::1%\0lo]:80"sv,
    "[fe80::1%lololololololololo]:80"sv,
    "[fe80::1%lo ]:80"sv,
    "[fe80::1%LO]:80"sv,
    "[fe80::1%lo]"sv,
    "[fe80::1%lo]:"sv,
    "[fe80::1]%lo:80"sv,
    "[fe80::%1:1]:80"sv,
};

const std::vector<std::string_view> canonical = {
    "[::]:0"sv,
    "[::1]:8080"sv,
    "[1::]:1"sv,
    "[2001:db8::1]:443"sv,
    "[fe80::1%1]:22"sv,
    "[fe80::1%4294967295]:65535"sv,
    "[::ffff:192.0.2.1]:80"sv,
    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535"sv,
    "[2001:db8:0:1:1:1:1:1]:10"sv,
    "[ff02::1%3]:5353"sv,
    "[::c000:201]:53"sv,
    "[1:0:0:2::]:7"sv,
};

}  // namespace

TEST_CASE("inet6_endpoint is a constexpr value type") {
  REQUIRE(test_inet6_value_type());
  REQUIRE(test_inet6_ordering());
  REQUIRE(test_inet6_constexpr_parse());
  REQUIRE(test_inet6_constexpr_to_chars());
}

TEST_CASE("inet6_endpoint holds a sockaddr_in6 in network order") {
  const inet6_endpoint e(ipv6_address::parse("2001:db8::7"), 0x1f90, 5);
  REQUIRE(e.size() == sizeof(sockaddr_in6));
  sockaddr_in6 raw{};
  std::memcpy(&raw, e.data(), sizeof raw);
  CHECK(raw.sin6_family == AF_INET6);
  CHECK(raw.sin6_port == htons(0x1f90));
  CHECK(raw.sin6_scope_id == 5);
  CHECK(raw.sin6_flowinfo == 0);
  in6_addr expected{};
  REQUIRE(::inet_pton(AF_INET6, "2001:db8::7", &expected) == 1);
  CHECK(std::memcmp(&raw.sin6_addr, &expected, sizeof expected) == 0);
  CHECK(e.data()->sa_family == AF_INET6);
  const inet6_endpoint def;
  std::memcpy(&raw, def.data(), sizeof raw);
  CHECK(raw.sin6_family == AF_INET6);
  CHECK(raw.sin6_port == 0);
  CHECK(std::memcmp(&raw.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0);
}

TEST_CASE("inet6_endpoint parse refuses malformed text in both forms") {
  for (std::string_view text : malformed) require_refused(text);
}

TEST_CASE("inet6_endpoint parse reads canonical text and to_string writes it back") {
  for (std::string_view text : canonical) {
    CAPTURE(std::string(text));
    std::error_code ec = std::make_error_code(std::errc::timed_out);
    const inet6_endpoint e = inet6_endpoint::parse(text, ec);
    CHECK_FALSE(ec);
    CHECK(inet6_endpoint::parse(text) == e);
    CHECK(e.to_string() == text);
  }
}

TEST_CASE("inet6_endpoint parse reads the address as ipv6_address parse does") {
  const inet6_endpoint e = inet6_endpoint::parse("[2001:DB8:0:0:0:0:0:1]:80");
  CHECK(e.address() == ipv6_address::parse("2001:db8::1"));
  CHECK(e.to_string() == "[2001:db8::1]:80");
  CHECK(inet6_endpoint::parse("[::FFFF:1.2.3.4]:1").address() ==
        ipv6_address::v4_mapped(ipv4_address::parse("1.2.3.4")));
  CHECK(inet6_endpoint::parse("[0:0:0:0:0:0:0:1]:1").to_string() == "[::1]:1");
}

TEST_CASE("inet6_endpoint zones by number") {
  CHECK(inet6_endpoint::parse("[fe80::1%1]:80").scope_id() == 1);
  CHECK(inet6_endpoint::parse("[fe80::1%42]:80").scope_id() == 42);
  CHECK(inet6_endpoint::parse("[fe80::1%4294967295]:80").scope_id() == 4294967295u);
  // zone 0 is no zone: parsed, and printed without one
  const inet6_endpoint zero = inet6_endpoint::parse("[fe80::1%0]:80");
  CHECK(zero.scope_id() == 0);
  CHECK(zero == inet6_endpoint(ipv6_address::parse("fe80::1"), 80));
  CHECK(zero.to_string() == "[fe80::1]:80");
  // any address may carry a zone, as getaddrinfo allows
  CHECK(inet6_endpoint::parse("[::1%7]:80").scope_id() == 7);
  std::error_code ec;
  CHECK(inet6_endpoint::parse("[fe80::1%9]:80", ec).scope_id() == 9);
  CHECK_FALSE(ec);
}

TEST_CASE("inet6_endpoint zones by interface name use if_nametoindex") {
  const unsigned lo = ::if_nametoindex("lo");
  REQUIRE(lo != 0);
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const inet6_endpoint e = inet6_endpoint::parse("[fe80::1%lo]:8080", ec);
  CHECK_FALSE(ec);
  CHECK(e.scope_id() == lo);
  CHECK(e.address() == ipv6_address::parse("fe80::1"));
  CHECK(e.port() == 8080);
  CHECK(inet6_endpoint::parse("[fe80::1%lo]:8080") == e);
  // printed as its number, which parses back to the same endpoint
  CHECK(e.to_string() == "[fe80::1%" + std::to_string(lo) + "]:8080");
  CHECK(inet6_endpoint::parse(e.to_string()) == e);

  // a name of IF_NAMESIZE - 1 characters is looked up (and here unknown): invalid
  const std::string longest(IF_NAMESIZE - 1, 'z');
  require_refused("[fe80::1%" + longest + "]:80");
  require_refused("[fe80::1%" + longest + "z]:80");
}

TEST_CASE("inet6_endpoint from_sockaddr copies a sockaddr_in6 and checks family and length") {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(4242);
  in6.sin6_flowinfo = htonl(0x12345);
  in6.sin6_scope_id = 3;
  REQUIRE(::inet_pton(AF_INET6, "fe80::abcd", &in6.sin6_addr) == 1);
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const inet6_endpoint e =
      inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6, ec);
  CHECK_FALSE(ec);
  CHECK(e == inet6_endpoint(ipv6_address::parse("fe80::abcd"), 4242, 3));
  CHECK(inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6) == e);
  // the flow label is kept in the sockaddr_in6 but not compared
  sockaddr_in6 copy{};
  std::memcpy(&copy, e.data(), sizeof copy);
  CHECK(copy.sin6_flowinfo == htonl(0x12345));

  SECTION("a sockaddr_in6 with another family is address_family_not_supported") {
    sockaddr_in6 other = in6;
    other.sin6_family = AF_INET;
    const inet6_endpoint r =
        inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&other), sizeof other, ec);
    CHECK(ec == std::errc::address_family_not_supported);
    CHECK(r == inet6_endpoint{});
    try {
      (void)inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&other), sizeof other);
      FAIL("no exception");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::address_family_not_supported);
    }
  }
  SECTION("a wrong length is invalid_argument") {
    for (socklen_t length : {socklen_t{0}, socklen_t{sizeof(sockaddr_in)},
                             socklen_t{sizeof in6 - 1}, socklen_t{sizeof in6 + 1}}) {
      CAPTURE(length);
      sockaddr_storage storage{};
      std::memcpy(&storage, &in6, sizeof in6);
      const inet6_endpoint r =
          inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length, ec);
      CHECK(ec == std::errc::invalid_argument);
      CHECK(r == inet6_endpoint{});
      try {
        (void)inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
        FAIL("no exception");
      } catch (const std::system_error& error) {
        CHECK(error.code() == std::errc::invalid_argument);
      }
    }
  }
  SECTION("a null pointer is invalid_argument") {
    (void)inet6_endpoint::from_sockaddr(nullptr, sizeof in6, ec);
    CHECK(ec == std::errc::invalid_argument);
  }
}

// As for inet_endpoint: a whole sockaddr_in with its own length is another family, so
// from_sockaddr, checking the family before the length, reports
// address_family_not_supported, as local_endpoint::from_sockaddr does (not invalid_argument).
TEST_CASE("inet6_endpoint from_sockaddr of a whole foreign sockaddr is address_family_not_supported") {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(80);
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::error_code ec;
  const inet6_endpoint r =
      inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in, ec);
  CHECK(ec == std::errc::address_family_not_supported);
  CHECK(r == inet6_endpoint{});
}

TEST_CASE("inet6_endpoint resize accepts what the kernel wrote and refuses the rest") {
  auto s = berth::bind<berth::datagram>(inet6_endpoint(ipv6_address::loopback(), 0));
  inet6_endpoint e;
  socklen_t length = inet6_endpoint::capacity();
  REQUIRE(::getsockname(s.native_handle(), e.data(), &length) == 0);
  e.resize(length);
  CHECK(e.address() == ipv6_address::loopback());
  CHECK(e.port() != 0);
  CHECK(e == s.local_endpoint());

  SECTION("a wrong length is invalid_argument and resets the endpoint") {
    std::error_code ec;
    inet6_endpoint copy = e;
    copy.resize(sizeof(sockaddr_in), ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(copy == inet6_endpoint{});
    copy = e;
    try {
      copy.resize(length + 1);
      FAIL("no exception");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::invalid_argument);
    }
  }
  SECTION("another family is address_family_not_supported and resets the endpoint") {
    std::error_code ec;
    e.data()->sa_family = AF_INET;
    e.resize(length, ec);
    CHECK(ec == std::errc::address_family_not_supported);
    CHECK(e == inet6_endpoint{});
    CHECK(e.data()->sa_family == AF_INET6);
    e.data()->sa_family = AF_UNIX;
    CHECK_THROWS_AS(e.resize(length), std::system_error);
  }
  SECTION("success clears the error code") {
    std::error_code ec = std::make_error_code(std::errc::invalid_argument);
    e.resize(length, ec);
    CHECK_FALSE(ec);
  }
}

TEST_CASE("inet6_endpoint operator<< writes what to_string returns") {
  for (std::string_view text : canonical) {
    const inet6_endpoint e = inet6_endpoint::parse(text);
    std::ostringstream os;
    os << e;
    CHECK(os.str() == e.to_string());
    CHECK(os.str() == text);
  }
}

TEST_CASE("inet6_endpoint std::hash works in unordered containers and equal values hash equally") {
  std::unordered_set<inet6_endpoint> set;
  for (std::string_view text : canonical) set.insert(inet6_endpoint::parse(text));
  CHECK(set.size() == canonical.size());
  CHECK(set.count(inet6_endpoint(ipv6_address::loopback(), 8080)) == 1);
  CHECK(set.count(inet6_endpoint(ipv6_address::loopback(), 8080, 1)) == 0);
  const std::hash<inet6_endpoint> hash;
  CHECK(hash(inet6_endpoint::parse("[fe80::1%2]:3")) ==
        hash(inet6_endpoint(ipv6_address::parse("FE80:0::1"), 3, 2)));
  // flow information is not compared, so it must not change the hash
  sockaddr_in6 in6{};
  std::memcpy(&in6, inet6_endpoint::parse("[fe80::1%2]:3").data(), sizeof in6);
  in6.sin6_flowinfo = htonl(77);
  const inet6_endpoint with_flow =
      inet6_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  CHECK(with_flow == inet6_endpoint::parse("[fe80::1%2]:3"));
  CHECK(hash(with_flow) == hash(inet6_endpoint::parse("[fe80::1%2]:3")));
  // port and scope id both count
  std::set<std::size_t> hashes;
  for (std::uint16_t port = 0; port < 32; ++port)
    for (std::uint32_t scope = 0; scope < 32; ++scope)
      hashes.insert(hash(inet6_endpoint(ipv6_address::loopback(), port, scope)));
  CHECK(hashes.size() == 32 * 32);
}

TEST_CASE("inet6_endpoint round trips random endpoints through text") {
  std::mt19937_64 rng(2553);
  int zoned = 0, compressed = 0;
  for (int n = 0; n < 20000; ++n) {
    ipv6_address::bytes_type b{};
    for (std::size_t g = 0; g < 8; ++g) {
      const auto value = rng() % 3 == 0 ? 0u : static_cast<unsigned>(rng() % 0x10000);
      b[2 * g] = static_cast<std::uint8_t>(value >> 8);
      b[2 * g + 1] = static_cast<std::uint8_t>(value & 0xff);
    }
    if (rng() % 8 == 0) b = ipv6_address::v4_mapped(ipv4_address(static_cast<std::uint32_t>(rng()))).bytes();
    const auto port = static_cast<std::uint16_t>(static_cast<std::uint16_t>(rng()) >> (rng() % 16));
    const auto scope = rng() % 2 == 0 ? 0u : static_cast<std::uint32_t>(rng()) >> (rng() % 32);
    const inet6_endpoint e(ipv6_address(b), port, scope);
    const std::string text = e.to_string();
    CAPTURE(text);
    REQUIRE(text.size() <= inet6_endpoint::max_text_size);
    REQUIRE(inet6_endpoint::parse(text) == e);
    REQUIRE(inet6_endpoint::parse(text).to_string() == text);
    std::string expected = "[" + e.address().to_string();
    if (scope != 0) expected += "%" + std::to_string(scope);
    expected += "]:" + std::to_string(port);
    REQUIRE(text == expected);
    std::error_code ec;
    REQUIRE(inet6_endpoint::parse(text, ec) == e);
    REQUIRE_FALSE(ec);
    if (scope != 0) ++zoned;
    if (text.find("::") != std::string::npos) ++compressed;
  }
  CHECK(zoned > 5000);
  CHECK(compressed > 5000);
}
