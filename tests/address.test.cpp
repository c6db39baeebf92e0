#include <berth/address.hpp>

#include "catch.hpp"
#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <vector>

using berth::ipv4_address;
using berth::ipv6_address;
using namespace std::string_view_literals;

namespace {

// ---- the reference: glibc's inet_pton / inet_ntop ----------------------------------------

/// inet_pton(AF_INET)'s verdict; a text with a NUL never reaches it (it reads a C string,
/// which would end early), such a text is refused.
std::optional<ipv4_address::bytes_type> pton4(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string s(text);
  ipv4_address::bytes_type b{};
  if (::inet_pton(AF_INET, s.c_str(), b.data()) != 1) return std::nullopt;
  return b;
}

/// inet_pton(AF_INET6)'s verdict, as pton4.
std::optional<ipv6_address::bytes_type> pton6(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string s(text);
  ipv6_address::bytes_type b{};
  if (::inet_pton(AF_INET6, s.c_str(), b.data()) != 1) return std::nullopt;
  return b;
}

std::string ntop4(const ipv4_address::bytes_type& b) {
  char text[INET_ADDRSTRLEN];
  REQUIRE(::inet_ntop(AF_INET, b.data(), text, sizeof text) != nullptr);
  return text;
}

std::string ntop6(const ipv6_address::bytes_type& b) {
  char text[INET6_ADDRSTRLEN];
  REQUIRE(::inet_ntop(AF_INET6, b.data(), text, sizeof text) != nullptr);
  return text;
}

/// ::a.b.c.d, the deprecated IPv4-compatible form (first 96 bits zero, not :: or ::1 and
/// friends): glibc prints it dotted, berth in hex (RFC 5952 knows only ::ffff:a.b.c.d).
bool is_ipv4_compatible(const ipv6_address::bytes_type& b) {
  for (std::size_t k = 0; k < 12; ++k)
    if (b[k] != 0) return false;
  return b[12] != 0 || b[13] != 0;
}

// ---- checks shared by the tables ----------------------------------------------------------

/// Both forms refuse `text` with std::errc::invalid_argument: the throwing form throws
/// std::system_error naming the text; the error-code form returns the default value.
template <class Address>
void require_refused(std::string_view text) {
  CAPTURE(std::string(text));
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const Address a = Address::parse(text, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(a == Address{});
  bool thrown = false;
  try {
    (void)Address::parse(text);
  } catch (const std::system_error& e) {
    thrown = true;
    CHECK(e.code() == std::errc::invalid_argument);
    if (text.size() <= 64 && text.find('\0') == std::string_view::npos)
      CHECK(std::string_view(e.what()).find(text) != std::string_view::npos);
  }
  CHECK(thrown);
}

/// Both forms accept `text`, agree, and clear a set error code.
template <class Address>
Address require_accepted(std::string_view text) {
  CAPTURE(std::string(text));
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const Address a = Address::parse(text, ec);
  CHECK_FALSE(ec);
  Address thrown_form{};
  REQUIRE_NOTHROW(thrown_form = Address::parse(text));
  CHECK(thrown_form == a);
  return a;
}

// ---- the tables ------------------------------------------------------------------------------

const std::vector<std::string_view> malformed_ipv4 = {
    ""sv,
    " "sv,
    "."sv,
    "..."sv,
    "1"sv,
    "1.2"sv,
    "1.2.3"sv,
    "1.2.3."sv,
    "1.2.3.4.5"sv,
    "1.2.3.4."sv,
    ".1.2.3.4"sv,
    "1..2.3"sv,
    "1.2..3.4"sv,
    "256.1.1.1"sv,
    "1.256.1.1"sv,
    "1.1.256.1"sv,
    "1.1.1.256"sv,
    "999.1.1.1"sv,
    "1000.1.1.1"sv,
    "4294967295.0.0.0"sv,
    "01.2.3.4"sv,
    "1.02.3.4"sv,
    "1.2.03.4"sv,
    "1.2.3.04"sv,
    "00.0.0.0"sv,
    "0.0.0.00"sv,
    "1.2.3.0004"sv,
    "0x1.2.3.4"sv,
    "0x7f000001"sv,
    "2130706433"sv,
    "127.1"sv,
    "127.0.1"sv,
    " 1.2.3.4"sv,
    "1.2.3.4 "sv,
    "1.2.3.4\n"sv,
    "1 .2.3.4"sv,
    "\t1.2.3.4"sv,
    "+1.2.3.4"sv,
    "-1.2.3.4"sv,
    "1.2.3.-4"sv,
    "1.2.3.+4"sv,
    "1.2.3.4:80"sv,
    "1.2.3.4/24"sv,
    "1.2.3.4%1"sv,
    "a.b.c.d"sv,
    "1.2.3.a"sv,
    "1.2.3.4a"sv,
    "1e1.2.3.4"sv,
    "1,2,3,4"sv,
    "1.2.3.4\0"sv,
    "\0" "1.2.3.4"sv,
    "1.2\0.3.4"sv,
    "\xef\xbc\x91.2.3.4"sv,  // a full-width digit one
    "::1"sv,
    "::ffff:1.2.3.4"sv,
    "[1.2.3.4]"sv,
    "255.255.255.255.255"sv,
    "localhost"sv,
};

const std::vector<std::string_view> valid_ipv4 = {
    "0.0.0.0"sv,     "255.255.255.255"sv, "127.0.0.1"sv, "1.2.3.4"sv,
    "10.0.0.255"sv,  "192.168.100.200"sv, "0.0.0.1"sv,   "100.10.1.0"sv,
    "224.0.0.1"sv,   "9.99.199.249"sv,    "1.0.0.0"sv,   "250.251.252.253"sv,
};

const std::vector<std::string_view> malformed_ipv6 = {
    ""sv,
    ":"sv,
    ":::"sv,
    "::::"sv,
    ":::1"sv,
    "1:::"sv,
    "1:::2"sv,
    "1:"sv,
    ":1"sv,
    ":1::"sv,
    "1:2"sv,
    "1::2::3"sv,
    "::1::"sv,
    "::1::2"sv,
    "1:2:3:4:5:6:7"sv,
    "1:2:3:4:5:6:7:8:9"sv,
    "1:2:3:4:5:6:7:8:"sv,
    ":1:2:3:4:5:6:7:8"sv,
    "1:2:3:4:5:6:7:"sv,
    "1:2:3:4:5:6:7:8::"sv,
    "::1:2:3:4:5:6:7:8"sv,
    "1:2:3:4::5:6:7:8"sv,
    "1:2:3:4:5:6:7::8"sv,
    "1::2:"sv,
    "12345::"sv,
    "::12345"sv,
    "1:2:3:4:5:6:7:12345"sv,
    "00000::"sv,
    "fffff::"sv,
    "g::"sv,
    "::g"sv,
    "::1g"sv,
    "ab:cd:ef::gh"sv,
    "0x1::"sv,
    "-1::"sv,
    "+1::"sv,
    "::-1"sv,
    " ::1"sv,
    "::1 "sv,
    "::1\n"sv,
    ":: 1"sv,
    "[::1]"sv,
    "[::1]:80"sv,
    "::1%1"sv,
    "::1%lo"sv,
    "fe80::1%"sv,
    "::1/128"sv,
    "::ffff:1.2.3"sv,
    "::ffff:1.2.3.4.5"sv,
    "::ffff:256.1.1.1"sv,
    "::ffff:01.2.3.4"sv,
    "::ffff:1.2.3.04"sv,
    "::ffff:1.2.3.4 "sv,
    "::ffff:1.2.3.4%1"sv,
    "::ffff:.1.2.3"sv,
    "::ffff:1.2.3.4."sv,
    "::ffff:0x1.2.3.4"sv,
    "::a.b.c.d"sv,
    "::1a.2.3.4"sv,
    "::1.2.3.4:5"sv,
    "::1.2.3.4:ffff"sv,
    "::1.2.3.4::"sv,
    "1.2.3.4::"sv,
    "1.2.3.4"sv,
    "1.2.3.4::1"sv,
    "::1..2"sv,
    "::1:1.2.3"sv,
    "1:2:3:4:5:6:7:1.2.3.4"sv,
    "1:2:3:4:5:6::1.2.3.4"sv,
    "1:2:3:4:5:6:1.2.3.4:1"sv,
    "1:2:3:4:5:1.2.3.4"sv,
    "1:2:3:4:5:6:7:8%1"sv,
    "::\0"sv,
    "::1\0"sv,
    "1::2\0:3"sv,
    "\0::"sv,
    "\xef\xbc\x9a\xef\xbc\x9a" "1"sv,  // full-width colons
    "1:2:3:4:5:6:7:8:1.2.3.4"sv,
    "::ffff:1.2.3.4:1.2.3.4"sv,
    "1::1.2.3.4.5"sv,
    "1-2-3-4-5-6-7-8"sv,
    "1.2.3.4.5.6.7.8"sv,
};

const std::vector<std::string_view> valid_ipv6 = {
    "::"sv,
    "::1"sv,
    "1::"sv,
    "1::1"sv,
    "::ffff:1.2.3.4"sv,
    "::1.2.3.4"sv,
    "::0.0.0.0"sv,
    "::ffff:0.0.0.0"sv,
    "1:2:3:4:5:6:7:8"sv,
    "1:2:3:4:5:6:1.2.3.4"sv,
    "1::1.2.3.4"sv,
    "1:2:3:4:5::1.2.3.4"sv,
    "ABCD:EF01::"sv,
    "abcd:ef01:2345:6789:abcd:ef01:2345:6789"sv,
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"sv,
    "0:0:0:0:0:0:0:0"sv,
    "0000:0000:0000:0000:0000:0000:0000:0001"sv,
    "fe80::1"sv,
    "ff02::1"sv,
    "2001:db8::1"sv,
    "2001:DB8:0:0:8:800:200C:417A"sv,
    "1:2:3:4:5:6:7::"sv,
    "::2:3:4:5:6:7:8"sv,
    "1::3:4:5:6:7:8"sv,
    "1:0:0:1::"sv,
    "0001:2::"sv,
    "64:ff9b::192.0.2.33"sv,
    "::ffff:255.255.255.255"sv,
    "a:b:c:d:e:f:a:b"sv,
    "0::0"sv,
};

// ---- constexpr value types -----------------------------------------------------------------

constexpr bool test_ipv4_value_type() {
  const ipv4_address def;
  const ipv4_address lo = ipv4_address::loopback();
  const ipv4_address from_number(0x01020304u);  // host order (explicit: `= 42` does not compile)
  const ipv4_address from_bytes(ipv4_address::bytes_type{1, 2, 3, 4});
  return def.to_uint() == 0 && def == ipv4_address::any() && def.is_unspecified() &&
         !def.is_loopback() && !def.is_multicast() &&
         lo.to_uint() == 0x7f000001u && lo.is_loopback() && !lo.is_unspecified() &&
         lo.bytes() == ipv4_address::bytes_type{127, 0, 0, 1} &&
         ipv4_address::broadcast().to_uint() == 0xffffffffu &&
         ipv4_address::broadcast().bytes() == ipv4_address::bytes_type{255, 255, 255, 255} &&
         from_number == from_bytes && from_number.bytes() == ipv4_address::bytes_type{1, 2, 3, 4} &&
         from_bytes.to_uint() == 0x01020304u &&
         ipv4_address(0x7fabcdefu).is_loopback() && !ipv4_address(0x80000001u).is_loopback() &&
         !ipv4_address(0x7e000001u).is_loopback() &&
         ipv4_address(0xe0000001u).is_multicast() && ipv4_address(0xefffffffu).is_multicast() &&
         !ipv4_address(0xdfffffffu).is_multicast() && !ipv4_address(0xf0000000u).is_multicast();
}
static_assert(test_ipv4_value_type());

constexpr bool test_ipv4_ordering() {
  const ipv4_address a(0x01020304u), b(0x01020305u), c(0x02000000u);
  return a == a && a != b && a < b && b < c && (a <=> b) == std::strong_ordering::less &&
         (c <=> b) == std::strong_ordering::greater &&
         (a <=> ipv4_address(0x01020304u)) == std::strong_ordering::equal &&
         // ordering follows the numeric (network) order, not the host byte layout
         ipv4_address(0x00000100u) > ipv4_address(0x00000001u);
}
static_assert(test_ipv4_ordering());

constexpr bool test_ipv4_constexpr_parse() {
  return ipv4_address::parse("127.0.0.1") == ipv4_address::loopback() &&
         ipv4_address::parse("255.255.255.255") == ipv4_address::broadcast() &&
         ipv4_address::parse("0.0.0.0") == ipv4_address::any() &&
         ipv4_address::parse("1.2.3.4").to_uint() == 0x01020304u &&
         ipv4_address::parse("10.20.30.40").bytes() == ipv4_address::bytes_type{10, 20, 30, 40};
}
static_assert(test_ipv4_constexpr_parse());

constexpr bool test_ipv6_value_type() {
  const ipv6_address def;
  const ipv6_address lo = ipv6_address::loopback();
  ipv6_address::bytes_type one{};
  one[15] = 1;
  ipv6_address::bytes_type multicast{};
  multicast[0] = 0xff;
  multicast[1] = 0x02;
  multicast[15] = 1;
  ipv6_address::bytes_type not_multicast{};
  not_multicast[0] = 0xfe;
  not_multicast[1] = 0x80;
  const ipv6_address mapped = ipv6_address::v4_mapped(ipv4_address(0xc0000201u));
  ipv6_address::bytes_type mapped_bytes{};
  mapped_bytes[10] = 0xff;
  mapped_bytes[11] = 0xff;
  mapped_bytes[12] = 192;
  mapped_bytes[13] = 0;
  mapped_bytes[14] = 2;
  mapped_bytes[15] = 1;
  return def == ipv6_address::any() && def.is_unspecified() && !def.is_loopback() &&
         !def.is_multicast() && !def.is_v4_mapped() && def.bytes() == ipv6_address::bytes_type{} &&
         lo.bytes() == one && lo.is_loopback() && !lo.is_unspecified() && !lo.is_v4_mapped() &&
         ipv6_address(multicast).is_multicast() && !ipv6_address(not_multicast).is_multicast() &&
         mapped.bytes() == mapped_bytes && mapped.is_v4_mapped() && !mapped.is_loopback() &&
         mapped.to_v4() == ipv4_address(0xc0000201u) &&
         // an IPv4-mapped 127.0.0.1 is not IPv6 loopback
         !ipv6_address::v4_mapped(ipv4_address::loopback()).is_loopback() &&
         ipv6_address::v4_mapped(ipv4_address::any()).is_v4_mapped() &&
         !ipv6_address::v4_mapped(ipv4_address::any()).is_unspecified();
}
static_assert(test_ipv6_value_type());

constexpr bool test_ipv6_v4_mapped_edges() {
  ipv6_address::bytes_type b{};
  b[10] = 0xff;
  b[11] = 0xff;
  const bool mapped = ipv6_address(b).is_v4_mapped();
  b[11] = 0xfe;  // ::fffe:0:0
  const bool almost = ipv6_address(b).is_v4_mapped();
  b[11] = 0xff;
  b[9] = 1;  // ::1:ffff:0:0
  const bool prefixed = ipv6_address(b).is_v4_mapped();
  b[9] = 0;
  b[0] = 0x20;  // 2000::ffff:0:0
  const bool high = ipv6_address(b).is_v4_mapped();
  return mapped && !almost && !prefixed && !high;
}
static_assert(test_ipv6_v4_mapped_edges());

constexpr bool test_ipv6_ordering() {
  const ipv6_address a = ipv6_address::parse("::1");
  const ipv6_address b = ipv6_address::parse("::2");
  const ipv6_address c = ipv6_address::parse("1::");
  const ipv6_address d = ipv6_address::parse("ff00::");
  return a == ipv6_address::loopback() && a != b && a < b && b < c && c < d &&
         (d <=> a) == std::strong_ordering::greater &&
         (a <=> ipv6_address::parse("0:0::1")) == std::strong_ordering::equal;
}
static_assert(test_ipv6_ordering());

constexpr bool test_ipv6_constexpr_parse() {
  const ipv6_address a = ipv6_address::parse("2001:db8::ff00:42:8329");
  const ipv6_address::bytes_type expected{0x20, 0x01, 0x0d, 0xb8, 0, 0,    0,    0,
                                          0,    0,    0xff, 0x00, 0, 0x42, 0x83, 0x29};
  return a.bytes() == expected && ipv6_address::parse("::") == ipv6_address::any() &&
         ipv6_address::parse("::1") == ipv6_address::loopback() &&
         ipv6_address::parse("::ffff:192.0.2.1") ==
             ipv6_address::v4_mapped(ipv4_address::parse("192.0.2.1")) &&
         ipv6_address::parse("::FFFF:C000:201") == ipv6_address::parse("::ffff:192.0.2.1") &&
         ipv6_address::parse("ff02::1").is_multicast();
}
static_assert(test_ipv6_constexpr_parse());

// A call that is a constant expression: parse of malformed text (a throw) is not one.
template <class F>
concept constant_evaluable = requires { typename std::bool_constant<(F{}(), true)>; };

static_assert(constant_evaluable<decltype([] { return ipv4_address::parse("1.2.3.4"); })>);
static_assert(!constant_evaluable<decltype([] { return ipv4_address::parse("1.2.3.256"); })>);
static_assert(constant_evaluable<decltype([] { return ipv6_address::parse("::ffff:1.2.3.4"); })>);
static_assert(!constant_evaluable<decltype([] { return ipv6_address::parse("::ffff:1.2.3"); })>);
static_assert(!constant_evaluable<decltype([] { return ipv6_address::loopback().to_v4(); })>);

}  // namespace

TEST_CASE("ipv4_address is a constexpr value type") {
  REQUIRE(test_ipv4_value_type());
  REQUIRE(test_ipv4_ordering());
  REQUIRE(test_ipv4_constexpr_parse());
}

TEST_CASE("ipv6_address is a constexpr value type") {
  REQUIRE(test_ipv6_value_type());
  REQUIRE(test_ipv6_v4_mapped_edges());
  REQUIRE(test_ipv6_ordering());
  REQUIRE(test_ipv6_constexpr_parse());
}

TEST_CASE("ipv4_address bytes are in network order") {
  const ipv4_address a(0xc0a80102u);
  in_addr native{};
  native.s_addr = htonl(a.to_uint());
  ipv4_address::bytes_type raw{};
  static_assert(sizeof raw == sizeof native);
  std::memcpy(raw.data(), &native, sizeof raw);
  CHECK(a.bytes() == raw);
  CHECK(a.bytes() == ipv4_address::bytes_type{192, 168, 1, 2});
  CHECK(ipv4_address(raw) == a);
}

TEST_CASE("ipv4_address parse refuses malformed text in both forms as inet_pton does") {
  for (std::string_view text : malformed_ipv4) {
    CAPTURE(std::string(text));
    CHECK_FALSE(pton4(text).has_value());
    require_refused<ipv4_address>(text);
  }
}

TEST_CASE("ipv4_address parse accepts valid text in both forms with inet_pton's bytes") {
  for (std::string_view text : valid_ipv4) {
    CAPTURE(std::string(text));
    const auto reference = pton4(text);
    REQUIRE(reference.has_value());
    const ipv4_address a = require_accepted<ipv4_address>(text);
    CHECK(a.bytes() == *reference);
    CHECK(a.to_string() == text);  // these are all canonical
    CHECK(a.to_string() == ntop4(a.bytes()));
  }
}

TEST_CASE("ipv6_address parse refuses malformed text in both forms as inet_pton does") {
  for (std::string_view text : malformed_ipv6) {
    CAPTURE(std::string(text));
    CHECK_FALSE(pton6(text).has_value());
    require_refused<ipv6_address>(text);
  }
}

TEST_CASE("ipv6_address parse accepts valid text in both forms with inet_pton's bytes") {
  for (std::string_view text : valid_ipv6) {
    CAPTURE(std::string(text));
    const auto reference = pton6(text);
    REQUIRE(reference.has_value());
    const ipv6_address a = require_accepted<ipv6_address>(text);
    CHECK(a.bytes() == *reference);
    CHECK(ipv6_address::parse(a.to_string()) == a);
  }
}

TEST_CASE("ipv4_address parse clears an error code that was set before") {
  std::error_code ec = std::make_error_code(std::errc::invalid_argument);
  CHECK(ipv4_address::parse("8.8.4.4", ec) == ipv4_address(0x08080404u));
  CHECK_FALSE(ec);
  ec = std::make_error_code(std::errc::invalid_argument);
  CHECK(ipv6_address::parse("::2", ec).bytes()[15] == 2);
  CHECK_FALSE(ec);
}

TEST_CASE("ipv6_address to_string follows RFC 5952") {
  struct row {
    std::string_view in, out;
  };
  const row rows[] = {
      {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},        // 4.2.1: the longest run as ::
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // 4.2.2: one zero group stays
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},          // 4.2.3: the longest run
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},    // 4.2.3: the first of equal runs
      {"2001:DB8::AB", "2001:db8::ab"},                 // 4.3: lower case
      {"2001:0db8::0001", "2001:db8::1"},               // 4.1: no leading zeros
      {"0:0:0:0:0:0:0:0", "::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1:0:0:0:0:0:0:0", "1::"},
      {"0:0:0:0:0:1:0:0", "::1:0:0"},
      {"0:1:0:0:1:0:0:1", "0:1::1:0:0:1"},
      {"1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"},
      {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
      {"0:2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"1:0:0:2:0:0:0:0", "1:0:0:2::"},
      {"0001:0002::", "1:2::"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {"::ffff:c000:0201", "::ffff:192.0.2.1"},  // 5: IPv4-mapped is dotted
      {"::ffff:0:0", "::ffff:0.0.0.0"},
      {"0:0:0:0:0:ffff:1.2.3.4", "::ffff:1.2.3.4"},
      {"::ffff:255.255.255.255", "::ffff:255.255.255.255"},
      {"1:0:0:0:0:ffff:1.2.3.4", "1::ffff:102:304"},   // not mapped: hex
      {"::ffff:0:1.2.3.4", "::ffff:0:102:304"},        // IPv4-translated: hex
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},    // NAT64 prefix: hex
      {"fe80:0:0:0:0:0:0:1", "fe80::1"},
      {"a:b:c:d:e:f:0:0", "a:b:c:d:e:f::"},
  };
  for (const row& r : rows) {
    CAPTURE(std::string(r.in));
    const ipv6_address a = ipv6_address::parse(r.in);
    CHECK(a.to_string() == r.out);
    CHECK(ntop6(a.bytes()) == r.out);  // glibc agrees on all of these
    CHECK(ipv6_address::parse(r.out) == a);
  }
}

TEST_CASE("ipv6_address prints IPv4-compatible addresses in hex where glibc prints them dotted") {
  // Documented behaviour: RFC 5952 section 5 gives the dotted form to IPv4-mapped
  // addresses only; the deprecated IPv4-compatible ::a.b.c.d (RFC 4291 2.5.5.1) is hex.
  struct row {
    std::string_view in, berth, glibc;
  };
  const row rows[] = {
      {"::192.0.2.1", "::c000:201", "::192.0.2.1"},
      {"::1.2.3.4", "::102:304", "::1.2.3.4"},
      {"::0.1.0.0", "::1:0", "::0.1.0.0"},
      {"::255.255.255.255", "::ffff:ffff", "::255.255.255.255"},
  };
  for (const row& r : rows) {
    CAPTURE(std::string(r.in));
    const ipv6_address a = ipv6_address::parse(r.in);
    CHECK(is_ipv4_compatible(a.bytes()));
    CHECK(a.to_string() == r.berth);
    CHECK(ntop6(a.bytes()) == r.glibc);
    CHECK(ipv6_address::parse(r.berth) == a);
    CHECK(ipv6_address::parse(r.glibc) == a);
  }
  // ::1 and ::0.0.0.2 (first 112 bits zero) are not printed dotted by glibc either
  CHECK(ntop6(ipv6_address::parse("::0.0.0.2").bytes()) == "::2");
  CHECK(ipv6_address::parse("::0.0.0.2").to_string() == "::2");
}

TEST_CASE("ipv4_address to_string is dotted decimal and does not allocate") {
  const ipv4_address a = ipv4_address::broadcast();
  std::string text;
  {
    berth_test::allocation_counter counter;
    text = a.to_string();  // 15 characters fit the small-string buffer
    CHECK(counter.count() == 0);
  }
  CHECK(text == "255.255.255.255");
  CHECK(text.size() == ipv4_address::max_text_size);
  CHECK(ipv4_address(0x0a000001u).to_string() == "10.0.0.1");
  CHECK(ipv4_address().to_string() == "0.0.0.0");
}

TEST_CASE("ipv6_address to_v4 refuses anything but IPv4-mapped in both forms") {
  const ipv6_address not_mapped[] = {ipv6_address::loopback(), ipv6_address::any(),
                                     ipv6_address::parse("::1.2.3.4"),
                                     ipv6_address::parse("::fffe:1.2.3.4"),
                                     ipv6_address::parse("1::ffff:1.2.3.4")};
  for (const ipv6_address& a : not_mapped) {
    CAPTURE(a.to_string());
    std::error_code ec;
    CHECK(a.to_v4(ec) == ipv4_address{});
    CHECK(ec == std::errc::invalid_argument);
    bool thrown = false;
    try {
      (void)a.to_v4();
    } catch (const std::system_error& e) {
      thrown = true;
      CHECK(e.code() == std::errc::invalid_argument);
    }
    CHECK(thrown);
  }
  std::error_code ec = std::make_error_code(std::errc::invalid_argument);
  CHECK(ipv6_address::parse("::ffff:10.1.2.3").to_v4(ec) == ipv4_address::parse("10.1.2.3"));
  CHECK_FALSE(ec);
}

TEST_CASE("address operator<< writes what to_string returns") {
  for (std::string_view text : valid_ipv4) {
    const ipv4_address a = ipv4_address::parse(text);
    std::ostringstream os;
    os << a << '|' << a;
    CHECK(os.str() == a.to_string() + "|" + a.to_string());
  }
  for (std::string_view text : valid_ipv6) {
    const ipv6_address a = ipv6_address::parse(text);
    std::ostringstream os;
    os << a;
    CHECK(os.str() == a.to_string());
  }
}

TEST_CASE("address std::hash works in unordered containers and equal values hash equally") {
  std::unordered_set<ipv4_address> v4;
  for (std::string_view text : valid_ipv4) v4.insert(ipv4_address::parse(text));
  CHECK(v4.size() == valid_ipv4.size());
  CHECK(v4.count(ipv4_address::loopback()) == 1);
  CHECK(v4.count(ipv4_address(0x7f000002u)) == 0);
  CHECK(std::hash<ipv4_address>{}(ipv4_address::parse("1.2.3.4")) ==
        std::hash<ipv4_address>{}(ipv4_address(0x01020304u)));

  std::unordered_set<ipv6_address> v6;
  for (std::string_view text : valid_ipv6) v6.insert(ipv6_address::parse(text));
  std::set<ipv6_address::bytes_type> distinct;  // "::", "0::0", "::0.0.0.0" are one address
  for (std::string_view text : valid_ipv6) distinct.insert(*pton6(text));
  CHECK(distinct.size() < valid_ipv6.size());
  CHECK(v6.size() == distinct.size());
  CHECK(v6.count(ipv6_address::parse("2001:db8:0::1")) == 1);
  CHECK(std::hash<ipv6_address>{}(ipv6_address::parse("::ffff:1.2.3.4")) ==
        std::hash<ipv6_address>{}(ipv6_address::parse("::FFFF:0102:0304")));
  // the hash uses all sixteen bytes
  std::unordered_set<std::size_t> hashes;
  for (std::size_t k = 0; k < 16; ++k) {
    ipv6_address::bytes_type b{};
    b[k] = 1;
    hashes.insert(std::hash<ipv6_address>{}(ipv6_address(b)));
  }
  CHECK(hashes.size() == 16);
}

// ---- properties, against glibc, with a fixed seed ----------------------------------------

namespace {

ipv6_address random_ipv6(std::mt19937_64& rng) {
  ipv6_address::bytes_type b{};
  const auto shape = rng() % 16;
  if (shape == 0) return ipv6_address::v4_mapped(ipv4_address(static_cast<std::uint32_t>(rng())));
  if (shape == 1) {  // IPv4-compatible and other mostly-zero addresses
    for (std::size_t k = 12; k < 16; ++k) b[k] = static_cast<std::uint8_t>(rng());
    return ipv6_address(b);
  }
  for (std::size_t g = 0; g < 8; ++g) {
    std::uint16_t value = 0;
    switch (rng() % 4) {
      case 0:
      case 1: value = 0; break;  // zero groups, often: "::" runs of every length
      case 2: value = static_cast<std::uint16_t>(rng() % 16); break;
      default: value = static_cast<std::uint16_t>(rng()); break;
    }
    b[2 * g] = static_cast<std::uint8_t>(value >> 8);
    b[2 * g + 1] = static_cast<std::uint8_t>(value & 0xff);
  }
  return ipv6_address(b);
}

/// A text near the valid ones: a canonical text with a few random edits from an alphabet
/// of the characters parsers care about, or random characters from that alphabet.
std::string random_text(std::mt19937_64& rng) {
  static constexpr std::string_view alphabet = "0123456789abcdefABCDEFgx:.%[]:.:.0 -+\0"sv;
  std::string text;
  const auto kind = rng() % 4;
  if (kind == 0) {
    const std::size_t n = rng() % 48;
    for (std::size_t k = 0; k < n; ++k) text += alphabet[rng() % alphabet.size()];
    return text;
  }
  text = kind == 1 ? ipv4_address(static_cast<std::uint32_t>(rng())).to_string()
                   : random_ipv6(rng).to_string();
  if (kind == 3 && rng() % 2 == 0) {  // a non-canonical but valid spelling, sometimes
    const ipv6_address::bytes_type b = random_ipv6(rng).bytes();
    text.clear();
    for (std::size_t g = 0; g < 8; ++g) {
      if (g != 0) text += ':';
      char group[8];
      const int n = std::snprintf(group, sizeof group, rng() % 2 ? "%x" : "%04X",
                                  (unsigned{b[2 * g]} << 8) | b[2 * g + 1]);
      text.append(group, static_cast<std::size_t>(n));
    }
  }
  const std::size_t edits = rng() % 4;
  for (std::size_t e = 0; e < edits; ++e) {
    const std::size_t at = text.empty() ? 0 : rng() % (text.size() + 1);
    const char c = alphabet[rng() % alphabet.size()];
    switch (rng() % 3) {
      case 0: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
      case 1:
        if (at < text.size()) text.erase(at, 1);
        break;
      default:
        if (at < text.size()) text[at] = c;
        break;
    }
  }
  return text;
}

}  // namespace

TEST_CASE("ipv4_address round trips random addresses and agrees with inet_ntop and inet_pton") {
  std::mt19937_64 rng(20240601);
  for (int n = 0; n < 5000; ++n) {
    const ipv4_address a(static_cast<std::uint32_t>(rng() >> (rng() % 32)));
    const std::string text = a.to_string();
    CAPTURE(text);
    REQUIRE(text == ntop4(a.bytes()));
    REQUIRE(ipv4_address::parse(text) == a);
    const auto reference = pton4(text);
    REQUIRE(reference.has_value());
    REQUIRE(*reference == a.bytes());
    REQUIRE(ipv4_address(a.bytes()) == a);
  }
}

TEST_CASE("ipv6_address round trips random addresses and agrees with inet_ntop and inet_pton") {
  std::mt19937_64 rng(5952);
  int compressed = 0, mapped = 0, compatible = 0;
  for (int n = 0; n < 10000; ++n) {
    const ipv6_address a = random_ipv6(rng);
    const std::string text = a.to_string();
    CAPTURE(text);
    REQUIRE(ipv6_address::parse(text) == a);
    REQUIRE(ipv6_address::parse(text).to_string() == text);  // canonical text is a fixed point
    const auto reference = pton6(text);
    REQUIRE(reference.has_value());
    REQUIRE(*reference == a.bytes());
    REQUIRE(text.size() <= ipv6_address::max_text_size);
    if (is_ipv4_compatible(a.bytes())) {
      ++compatible;
      REQUIRE(text.find('.') == std::string::npos);  // berth: hex, glibc: dotted
      REQUIRE(ntop6(a.bytes()).find('.') != std::string::npos);
    } else {
      REQUIRE(text == ntop6(a.bytes()));
    }
    if (text.find("::") != std::string::npos) ++compressed;
    if (a.is_v4_mapped()) ++mapped;
  }
  // the generator reached the interesting shapes
  CHECK(compressed > 3000);
  CHECK(mapped > 300);
  CHECK(compatible > 300);
}

TEST_CASE("address parse and inet_pton give the same verdict and bytes on random texts") {
  std::mt19937_64 rng(4291);
  int valid4 = 0, valid6 = 0;
  for (int n = 0; n < 40000; ++n) {
    const std::string text = random_text(rng);
    CAPTURE(text);
    std::error_code ec;
    const ipv4_address a4 = ipv4_address::parse(text, ec);
    const auto r4 = pton4(text);
    REQUIRE(!ec == r4.has_value());
    if (r4) {
      ++valid4;
      REQUIRE(a4.bytes() == *r4);
      REQUIRE(ipv4_address::parse(text) == a4);
    } else {
      REQUIRE(ec == std::errc::invalid_argument);
      REQUIRE(a4 == ipv4_address{});
    }
    const ipv6_address a6 = ipv6_address::parse(text, ec);
    const auto r6 = pton6(text);
    REQUIRE(!ec == r6.has_value());
    if (r6) {
      ++valid6;
      REQUIRE(a6.bytes() == *r6);
      REQUIRE(ipv6_address::parse(text) == a6);
    } else {
      REQUIRE(ec == std::errc::invalid_argument);
      REQUIRE(a6 == ipv6_address{});
    }
  }
  // both verdicts occurred often enough to mean something
  CHECK(valid4 > 2000);
  CHECK(valid6 > 4000);
}

// Both parse forms report a malformed text with the same error_code: EINVAL in the system
// category, as every other berth error. (Comparing each with std::errc::invalid_argument
// would not tell: the generic category's EINVAL compares equal to that too, but not to the
// system one, and prints another category name.)
TEST_CASE("address parse reports the same error_code in both forms") {
  for (std::string_view text : {"1.2.3"sv, "::1::"sv}) {
    CAPTURE(std::string(text));
    std::error_code ec4, ec6;
    (void)ipv4_address::parse(text, ec4);
    (void)ipv6_address::parse(text, ec6);
    try {
      (void)ipv4_address::parse(text);
      FAIL("no exception");
    } catch (const std::system_error& e) {
      CHECK(e.code() == ec4);
      CHECK(e.code().category().name() == std::string_view(ec4.category().name()));
    }
    try {
      (void)ipv6_address::parse(text);
      FAIL("no exception");
    } catch (const std::system_error& e) {
      CHECK(e.code() == ec6);
    }
  }
}
