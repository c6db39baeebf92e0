#include <berth/any_endpoint.hpp>

#include "catch.hpp"
#include "support.hpp"

#include <net/if.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

using berth::any_endpoint;
using berth::inet6_endpoint;
using berth::inet_endpoint;
using berth::ipv4_address;
using berth::ipv6_address;
using berth::local_endpoint;
using namespace std::string_view_literals;

namespace {

static_assert(std::is_same_v<any_endpoint, std::variant<inet_endpoint, inet6_endpoint, local_endpoint>>);

/// Both forms refuse `text` with `code`; the error-code form returns 0.0.0.0:0.
void require_refused(std::string_view text, std::errc code) {
  CAPTURE(std::string(text), text.size());
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const any_endpoint e = berth::parse_endpoint(text, ec);
  CHECK(ec == code);
  REQUIRE(std::holds_alternative<inet_endpoint>(e));
  CHECK(std::get<inet_endpoint>(e) == inet_endpoint{});
  bool thrown = false;
  try {
    (void)berth::parse_endpoint(text);
  } catch (const std::system_error& error) {
    thrown = true;
    CHECK(error.code() == code);
  }
  CHECK(thrown);
}

/// Both forms accept `text` and agree.
any_endpoint require_accepted(std::string_view text) {
  CAPTURE(std::string(text));
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const any_endpoint e = berth::parse_endpoint(text, ec);
  CHECK_FALSE(ec);
  any_endpoint thrown_form;
  REQUIRE_NOTHROW(thrown_form = berth::parse_endpoint(text));
  CHECK(thrown_form == e);
  return e;
}

}  // namespace

TEST_CASE("parse_endpoint reads a.b.c.d:port as inet") {
  const any_endpoint e = require_accepted("127.0.0.1:8080");
  REQUIRE(std::holds_alternative<inet_endpoint>(e));
  CHECK(std::get<inet_endpoint>(e) == inet_endpoint(ipv4_address::loopback(), 8080));
  CHECK(std::get<inet_endpoint>(require_accepted("0.0.0.0:0")) == inet_endpoint{});
}

TEST_CASE("parse_endpoint reads [v6]:port and [v6%zone]:port as inet6") {
  const any_endpoint e = require_accepted("[::1]:443");
  REQUIRE(std::holds_alternative<inet6_endpoint>(e));
  CHECK(std::get<inet6_endpoint>(e) == inet6_endpoint(ipv6_address::loopback(), 443));
  const any_endpoint zoned = require_accepted("[fe80::1%3]:22");
  REQUIRE(std::holds_alternative<inet6_endpoint>(zoned));
  CHECK(std::get<inet6_endpoint>(zoned).scope_id() == 3);
  const any_endpoint named = require_accepted("[fe80::1%lo]:22");
  REQUIRE(std::holds_alternative<inet6_endpoint>(named));
  CHECK(std::get<inet6_endpoint>(named).scope_id() == ::if_nametoindex("lo"));
}

TEST_CASE("parse_endpoint reads a text beginning with / or . as a local path") {
  for (std::string_view text : {"/run/app.sock"sv, "./app.sock"sv, "../x"sv, "."sv, "/"sv,
                                ".hidden"sv, "/with space/and:colon[1]"sv, "/1.2.3.4:80"sv}) {
    const any_endpoint e = require_accepted(text);
    REQUIRE(std::holds_alternative<local_endpoint>(e));
    const local_endpoint& l = std::get<local_endpoint>(e);
    CHECK_FALSE(l.is_abstract());
    CHECK(l.path() == text);
  }
}

TEST_CASE("parse_endpoint reads @name as an abstract local name") {
  const any_endpoint e = require_accepted("@berth");
  REQUIRE(std::holds_alternative<local_endpoint>(e));
  CHECK(std::get<local_endpoint>(e) == local_endpoint::abstract("berth"sv));
  CHECK(std::get<local_endpoint>(require_accepted("@@")) == local_endpoint::abstract("@"sv));
  CHECK(std::get<local_endpoint>(require_accepted("@a\0b"sv)) == local_endpoint::abstract("a\0b"sv));
  CHECK(std::get<local_endpoint>(require_accepted("@" + std::string(107, 'n'))).path().size() == 107);
}

TEST_CASE("parse_endpoint reports a path or name that does not fit as filename_too_long") {
  require_refused("/" + std::string(107, 'p'), std::errc::filename_too_long);
  require_refused("./" + std::string(300, 'p'), std::errc::filename_too_long);
  require_refused("@" + std::string(108, 'n'), std::errc::filename_too_long);
  // 107 bytes fit
  CHECK(std::get<local_endpoint>(require_accepted("/" + std::string(106, 'p'))).path().size() == 107);
}

TEST_CASE("parse_endpoint reports malformed text as invalid_argument") {
  for (std::string_view text : {
           ""sv,
           "@"sv,
           "localhost:80"sv,
           "app.sock"sv,
           "~/app.sock"sv,
           "1.2.3.4"sv,
           "1.2.3.4:"sv,
           "1.2.3.4:65536"sv,
           "1.2.3.4:080"sv,
           " 1.2.3.4:80"sv,
           "::1"sv,
           "::1:80"sv,
           "[::1]"sv,
           "[::1]:"sv,
           "[::1]:65536"sv,
           "[fe80::1%]:80"sv,
           "[fe80::1%nosuchif0]:80"sv,
           "[1.2.3.4]:80"sv,
           "/tmp/a\0b"sv,
           "/\0"sv,
           "./\0"sv,
           " /tmp/sock"sv,
           "unix:/tmp/sock"sv,
           "tcp://1.2.3.4:80"sv,
           "*:80"sv,
       }) {
    require_refused(text, std::errc::invalid_argument);
  }
}

TEST_CASE("parse_endpoint exception messages name the text") {
  try {
    (void)berth::parse_endpoint("nonsense:80");
    FAIL("no exception");
  } catch (const std::system_error& error) {
    CHECK(std::string_view(error.what()).find("nonsense:80") != std::string_view::npos);
  }
}

TEST_CASE("berth::to_string of any_endpoint writes the held endpoint's text") {
  CHECK(berth::to_string(any_endpoint(inet_endpoint(ipv4_address::loopback(), 80))) == "127.0.0.1:80");
  CHECK(berth::to_string(any_endpoint(inet6_endpoint(ipv6_address::loopback(), 80, 2))) ==
        "[::1%2]:80");
  CHECK(berth::to_string(any_endpoint(local_endpoint("/tmp/s"sv))) == "/tmp/s");
  CHECK(berth::to_string(any_endpoint(local_endpoint::abstract("n"sv))) == "@n");
  CHECK(berth::to_string(any_endpoint(local_endpoint{})).empty());
  CHECK(berth::to_string(any_endpoint{}) == "0.0.0.0:0");
}

TEST_CASE("any_endpoint operator<< writes what berth::to_string returns") {
  const any_endpoint endpoints[] = {
      inet_endpoint(ipv4_address(0x0a000001u), 53), inet6_endpoint(ipv6_address::parse("fe80::1"), 1, 4),
      local_endpoint("/run/x"sv), local_endpoint::abstract("x\0y"sv), local_endpoint{}};
  for (const any_endpoint& e : endpoints) {
    std::ostringstream os;
    os << e;
    CHECK(os.str() == berth::to_string(e));
  }
}

TEST_CASE("parse_endpoint reads back what berth::to_string writes, for every family") {
  std::mt19937_64 rng(8080);
  for (int n = 0; n < 6000; ++n) {
    any_endpoint e;
    switch (n % 4) {
      case 0:
        e = inet_endpoint(ipv4_address(static_cast<std::uint32_t>(rng())),
                          static_cast<std::uint16_t>(rng()));
        break;
      case 1: {
        ipv6_address::bytes_type b{};
        for (auto& byte : b) byte = rng() % 3 == 0 ? std::uint8_t{0} : static_cast<std::uint8_t>(rng());
        e = inet6_endpoint(ipv6_address(b), static_cast<std::uint16_t>(rng()),
                           rng() % 2 ? 0u : static_cast<std::uint32_t>(rng()));
        break;
      }
      case 2: {
        std::string path = rng() % 2 ? "/" : "./";
        const std::size_t length = rng() % (local_endpoint::max_path_size - path.size() + 1);
        for (std::size_t k = 0; k < length; ++k) path += static_cast<char>(1 + rng() % 255);
        e = local_endpoint(path);
        break;
      }
      default: {
        std::string name;
        const std::size_t length = 1 + rng() % local_endpoint::max_name_size;
        for (std::size_t k = 0; k < length; ++k) name += static_cast<char>(rng() % 256);
        e = local_endpoint::abstract(name);
        break;
      }
    }
    const std::string text = berth::to_string(e);
    CAPTURE(text);
    std::error_code ec;
    const any_endpoint back = berth::parse_endpoint(text, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(back.index() == e.index());
    REQUIRE(back == e);
  }
}
