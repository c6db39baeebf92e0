#include <berth/to_chars.hpp>

#include "catch.hpp"
#include "support.hpp"

#include <berth/address.hpp>
#include <berth/any_endpoint.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

using berth::inet6_endpoint;
using berth::inet_endpoint;
using berth::ipv4_address;
using berth::ipv6_address;
using berth::local_endpoint;
using berth::to_chars_result;
using namespace std::string_view_literals;

namespace {

constexpr bool test_to_chars_result() {
  char text[4]{};
  const to_chars_result ok{text + 2, std::errc{}};
  const to_chars_result too_large{text + 4, std::errc::value_too_large};
  return ok == to_chars_result{text + 2, std::errc{}} && ok != too_large &&
         ok != to_chars_result{text + 3, std::errc{}} &&
         too_large != to_chars_result{text + 4, std::errc{}};
}
static_assert(test_to_chars_result());

/// to_chars of `value` into a char[N] in a constant expression: the text, or "!" when
/// it reported value_too_large with ptr == last.
template <std::size_t N, class T>
constexpr bool writes(const T& value, std::string_view expected) {
  char text[N]{};
  const to_chars_result r = value.to_chars(text, text + N);
  if (r.ec == std::errc::value_too_large) return r.ptr == text + N && expected == "!";
  return r.ec == std::errc{} && std::string_view(text, static_cast<std::size_t>(r.ptr - text)) == expected;
}

constexpr bool test_constexpr_to_chars() {
  const ipv4_address a(0x01020304u);
  const ipv6_address b = ipv6_address::parse("2001:db8::1");
  const inet_endpoint c(ipv4_address(0x0a000001u), 80);
  const inet6_endpoint d(ipv6_address::loopback(), 80, 2);
  return writes<7>(a, "1.2.3.4") && writes<6>(a, "!") && writes<1>(a, "!") &&
         writes<15>(a, "1.2.3.4") && writes<40>(a, "1.2.3.4") &&
         writes<11>(b, "2001:db8::1") && writes<10>(b, "!") && writes<39>(b, "2001:db8::1") &&
         writes<2>(ipv6_address{}, "::") && writes<1>(ipv6_address{}, "!") &&
         writes<11>(c, "10.0.0.1:80") && writes<10>(c, "!") &&
         writes<10>(d, "[::1%2]:80") && writes<9>(d, "!") &&
         writes<15>(ipv4_address::broadcast(), "255.255.255.255") &&
         writes<14>(ipv4_address::broadcast(), "!");
}
static_assert(test_constexpr_to_chars());

/// What to_chars did with a range of exactly `size` bytes.
struct outcome {
  std::size_t offset;  // r.ptr - first
  std::errc ec;
  std::string text;  // what was written, on success
};

/// to_chars into a heap block of exactly `size` bytes, so that AddressSanitizer reports
/// any write past `last`.
template <class T>
outcome to_chars_exactly(const T& value, std::size_t size) {
  const std::unique_ptr<char[]> block(new char[size]);
  char* first = block.get();
  const to_chars_result r = value.to_chars(first, first + size);
  const auto offset = static_cast<std::size_t>(r.ptr - first);
  return {offset, r.ec, r.ec == std::errc{} ? std::string(first, offset) : std::string()};
}

/// An exact fit succeeds and writes the to_string text without a NUL; one byte less is
/// value_too_large with ptr == last; so is an empty range (unless the text is empty).
template <class T>
void require_exact_fit(const T& value) {
  const std::string text = value.to_string();
  CAPTURE(text);
  REQUIRE(text.size() <= T::max_text_size);
  outcome o = to_chars_exactly(value, text.size());
  CHECK(o.ec == std::errc{});
  CHECK(o.offset == text.size());
  CHECK(o.text == text);
  o = to_chars_exactly(value, T::max_text_size);
  CHECK(o.ec == std::errc{});
  CHECK(o.text == text);
  if (text.empty()) return;
  o = to_chars_exactly(value, text.size() - 1);
  CHECK(o.ec == std::errc::value_too_large);
  CHECK(o.offset == text.size() - 1);
  o = to_chars_exactly(value, 0);
  CHECK(o.ec == std::errc::value_too_large);
  CHECK(o.offset == 0);
  // nothing is written past the text in a larger buffer either: no NUL
  std::string buffer(text.size() + 4, '#');
  const to_chars_result r = value.to_chars(buffer.data(), buffer.data() + buffer.size());
  CHECK(r.ptr == buffer.data() + text.size());
  CHECK(buffer.substr(text.size()) == "####");
}

}  // namespace

TEST_CASE("to_chars_result compares member by member") {
  REQUIRE(test_to_chars_result());
}

TEST_CASE("to_chars works in constant expressions with exact and short buffers") {
  REQUIRE(test_constexpr_to_chars());
}

TEST_CASE("to_chars of addresses: exact fit, one byte short, empty range") {
  for (std::string_view text : {"0.0.0.0"sv, "1.2.3.4"sv, "10.20.30.40"sv, "255.255.255.255"sv,
                                "100.0.0.1"sv, "9.99.199.249"sv})
    require_exact_fit(ipv4_address::parse(text));
  for (std::string_view text :
       {"::"sv, "::1"sv, "1::"sv, "2001:db8::1"sv, "::ffff:255.255.255.255"sv, "::ffff:0.0.0.0"sv,
        "fe80::1:2:3:4"sv, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"sv, "1:0:1:0:1:0:1:0"sv})
    require_exact_fit(ipv6_address::parse(text));
  CHECK(ipv6_address::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").to_string().size() ==
        ipv6_address::max_text_size);
  CHECK(ipv4_address::broadcast().to_string().size() == ipv4_address::max_text_size);
}

TEST_CASE("to_chars of endpoints: exact fit, one byte short, empty range") {
  require_exact_fit(inet_endpoint{});
  require_exact_fit(inet_endpoint(ipv4_address::loopback(), 8080));
  const inet_endpoint longest_inet(ipv4_address::broadcast(), 65535);
  require_exact_fit(longest_inet);
  CHECK(longest_inet.to_string().size() == inet_endpoint::max_text_size);

  require_exact_fit(inet6_endpoint{});
  require_exact_fit(inet6_endpoint(ipv6_address::loopback(), 1));
  require_exact_fit(inet6_endpoint(ipv6_address::parse("fe80::1"), 22, 3));
  require_exact_fit(inet6_endpoint(ipv6_address::parse("::ffff:1.2.3.4"), 80));
  const inet6_endpoint longest_inet6(ipv6_address::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                                     65535, 4294967295u);
  require_exact_fit(longest_inet6);
  CHECK(longest_inet6.to_string().size() == inet6_endpoint::max_text_size);

  require_exact_fit(local_endpoint{});
  require_exact_fit(local_endpoint("/tmp/sock"sv));
  require_exact_fit(local_endpoint::abstract("name"sv));
  require_exact_fit(local_endpoint::abstract("a\0b"sv));
  require_exact_fit(local_endpoint(std::string(107, 'p')));
  const local_endpoint longest_local = local_endpoint::abstract(std::string(107, 'n'));
  require_exact_fit(longest_local);
  CHECK(longest_local.to_string().size() == local_endpoint::max_text_size);
}

TEST_CASE("to_chars of an unnamed local endpoint writes nothing, even into an empty range") {
  // (with a run-time empty range: GCC 12 with -fsanitize=address warns inside local.hpp
  // when the range is known to be empty at compile time, see
  // compile_fail/warnings_under_sanitizers.cpp, which shows it)
  const outcome o = to_chars_exactly(local_endpoint{}, 0);
  CHECK(o.ec == std::errc{});
  CHECK(o.offset == 0);
  std::string buffer = "#";
  const to_chars_result r = local_endpoint{}.to_chars(buffer.data(), buffer.data() + buffer.size());
  CHECK(r.ec == std::errc{});
  CHECK(r.ptr == buffer.data());
  CHECK(buffer == "#");
}

TEST_CASE("to_chars does not allocate") {
  const ipv4_address a = ipv4_address::broadcast();
  const ipv6_address b = ipv6_address::parse("2001:db80:1111:2222:3333:4444:5555:6666");
  const inet_endpoint c(a, 65535);
  const inet6_endpoint d(b, 65535, 4294967295u);
  const local_endpoint e(std::string(107, 'p'));
  const local_endpoint f = local_endpoint::abstract(std::string(107, 'n'));
  char text[256];
  std::size_t total = 0;
  {
    berth_test::allocation_counter counter;
    total += static_cast<std::size_t>(a.to_chars(text, text + sizeof text).ptr - text);
    total += static_cast<std::size_t>(b.to_chars(text, text + sizeof text).ptr - text);
    total += static_cast<std::size_t>(c.to_chars(text, text + sizeof text).ptr - text);
    total += static_cast<std::size_t>(d.to_chars(text, text + sizeof text).ptr - text);
    total += static_cast<std::size_t>(e.to_chars(text, text + sizeof text).ptr - text);
    total += static_cast<std::size_t>(f.to_chars(text, text + sizeof text).ptr - text);
    // the short-buffer path too
    total += a.to_chars(text, text + 3).ec == std::errc::value_too_large ? 1u : 0u;
    total += d.to_chars(text, text + 3).ec == std::errc::value_too_large ? 1u : 0u;
    CHECK(counter.count() == 0);
  }
  CHECK(total == 15 + 39 + 21 + 58 + 107 + 108 + 2);
}

TEST_CASE("ipv4_address to_string does not allocate: the text fits the small-string buffer") {
  std::mt19937_64 rng(15);
  for (int n = 0; n < 1000; ++n) {
    const ipv4_address a(static_cast<std::uint32_t>(rng()));
    berth_test::allocation_counter counter;
    const std::string text = a.to_string();
    REQUIRE(counter.count() == 0);
    REQUIRE(text.size() >= 7);
  }
}

TEST_CASE("to_chars agrees with to_string on random values") {
  std::mt19937_64 rng(4096);
  char text[128];
  for (int n = 0; n < 5000; ++n) {
    ipv6_address::bytes_type b{};
    for (auto& byte : b) byte = rng() % 2 ? std::uint8_t{0} : static_cast<std::uint8_t>(rng());
    const inet6_endpoint e6(ipv6_address(b), static_cast<std::uint16_t>(rng()),
                            rng() % 2 ? 0u : static_cast<std::uint32_t>(rng()));
    const inet_endpoint e4(ipv4_address(static_cast<std::uint32_t>(rng())),
                           static_cast<std::uint16_t>(rng()));
    to_chars_result r = e6.to_chars(text, text + sizeof text);
    REQUIRE(std::string_view(text, static_cast<std::size_t>(r.ptr - text)) == e6.to_string());
    r = e6.address().to_chars(text, text + sizeof text);
    REQUIRE(std::string_view(text, static_cast<std::size_t>(r.ptr - text)) == e6.address().to_string());
    r = e4.to_chars(text, text + sizeof text);
    REQUIRE(std::string_view(text, static_cast<std::size_t>(r.ptr - text)) == e4.to_string());
    // and a buffer cut anywhere short of the text is value_too_large with ptr == last
    const std::size_t size = e6.to_string().size();
    const std::size_t cut = static_cast<std::size_t>(rng() % size);
    r = e6.to_chars(text, text + cut);
    REQUIRE(r.ec == std::errc::value_too_large);
    REQUIRE(r.ptr == text + cut);
  }
}
