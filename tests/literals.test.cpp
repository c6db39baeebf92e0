#include <berth/literals.hpp>

#include "catch.hpp"

#include <type_traits>

namespace {

namespace with_literals_namespace {
using namespace berth::literals;

constexpr bool test_ipv4_literal() {
  return "127.0.0.1"_ipv4 == berth::ipv4_address::loopback() &&
         "0.0.0.0"_ipv4 == berth::ipv4_address::any() &&
         "255.255.255.255"_ipv4 == berth::ipv4_address::broadcast() &&
         "1.2.3.4"_ipv4 == berth::ipv4_address(0x01020304u) &&
         "1.2.3.4"_ipv4 == berth::ipv4_address::parse("1.2.3.4");
}
static_assert(test_ipv4_literal());
static_assert(std::is_same_v<decltype("1.2.3.4"_ipv4), berth::ipv4_address>);

constexpr bool test_ipv6_literal() {
  return "::1"_ipv6 == berth::ipv6_address::loopback() && "::"_ipv6 == berth::ipv6_address::any() &&
         "::ffff:192.0.2.1"_ipv6 ==
             berth::ipv6_address::v4_mapped(berth::ipv4_address::parse("192.0.2.1")) &&
         "2001:DB8::1"_ipv6 == berth::ipv6_address::parse("2001:db8::1") &&
         "ff02::1"_ipv6.is_multicast();
}
static_assert(test_ipv6_literal());
static_assert(std::is_same_v<decltype("::1"_ipv6), berth::ipv6_address>);

constexpr bool test_inet_literal() {
  constexpr berth::inet_endpoint e = "127.0.0.1:8080"_inet;
  return e.address() == berth::ipv4_address::loopback() && e.port() == 8080 &&
         "0.0.0.0:0"_inet == berth::inet_endpoint{} &&
         "255.255.255.255:65535"_inet ==
             berth::inet_endpoint(berth::ipv4_address::broadcast(), 65535) &&
         "10.1.2.3:53"_inet == berth::inet_endpoint::parse("10.1.2.3:53");
}
static_assert(test_inet_literal());
static_assert(std::is_same_v<decltype("1.2.3.4:5"_inet), berth::inet_endpoint>);

constexpr bool test_inet6_literal() {
  constexpr berth::inet6_endpoint e = "[::1]:8080"_inet6;
  constexpr berth::inet6_endpoint zoned = "[fe80::1%2]:22"_inet6;
  return e.address() == berth::ipv6_address::loopback() && e.port() == 8080 &&
         e.scope_id() == 0 && zoned.address() == berth::ipv6_address::parse("fe80::1") &&
         zoned.port() == 22 && zoned.scope_id() == 2 &&
         "[::]:0"_inet6 == berth::inet6_endpoint{} &&
         "[::ffff:1.2.3.4%4294967295]:65535"_inet6 ==
             berth::inet6_endpoint(berth::ipv6_address::parse("::ffff:1.2.3.4"), 65535, 4294967295u) &&
         "[fe80::1%0]:1"_inet6 == berth::inet6_endpoint(berth::ipv6_address::parse("fe80::1"), 1) &&
         "[2001:db8::1]:443"_inet6 == berth::inet6_endpoint::parse("[2001:db8::1]:443");
}
static_assert(test_inet6_literal());
static_assert(std::is_same_v<decltype("[::1]:1"_inet6), berth::inet6_endpoint>);

}  // namespace with_literals_namespace

namespace with_berth_namespace {
// berth::literals is an inline namespace: `using namespace berth;` brings the literals too
using namespace berth;
constexpr bool test_literals_through_berth() {
  return "1.2.3.4"_ipv4.to_uint() == 0x01020304u && "::2"_ipv6.bytes()[15] == 2 &&
         "1.2.3.4:5"_inet.port() == 5 && "[::3]:4"_inet6.port() == 4;
}
static_assert(test_literals_through_berth());
}  // namespace with_berth_namespace

}  // namespace

TEST_CASE("_ipv4 literals are checked constants") {
  REQUIRE(with_literals_namespace::test_ipv4_literal());
}

TEST_CASE("_ipv6 literals are checked constants") {
  REQUIRE(with_literals_namespace::test_ipv6_literal());
}

TEST_CASE("_inet literals are checked constants") {
  REQUIRE(with_literals_namespace::test_inet_literal());
}

TEST_CASE("_inet6 literals are checked constants with zones by number") {
  REQUIRE(with_literals_namespace::test_inet6_literal());
}

TEST_CASE("literals come with using namespace berth") {
  REQUIRE(with_berth_namespace::test_literals_through_berth());
}

TEST_CASE("literals equal the run-time parse of the same text") {
  using namespace berth::literals;
  CHECK("192.168.0.1"_ipv4.to_string() == "192.168.0.1");
  CHECK("2001:0db8:0:0::1"_ipv6.to_string() == "2001:db8::1");
  CHECK("127.0.0.1:8080"_inet.to_string() == "127.0.0.1:8080");
  CHECK("[FE80::1%7]:80"_inet6.to_string() == "[fe80::1%7]:80");
}
