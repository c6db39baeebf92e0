// Fuzzes inet6_endpoint::parse against a reference built on inet_pton and if_nametoindex:
// "[v6]:port" or "[v6%zone]:port", the zone a decimal index (no leading zero, at most
// 2^32 - 1) or the name of an interface. Both parse forms agree; to_string round trips
// and prints the zone as its number.
#include <berth/inet6.hpp>

#include "fuzz_check.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

using berth::inet6_endpoint;
using berth::ipv6_address;
using berth_fuzz::require;

namespace {

bool reference_decimal(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) return false;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return false;
  out = value;
  return true;
}

bool reference_zone(std::string_view zone, std::uint64_t& index) {
  if (zone.empty()) return false;
  if (zone[0] >= '0' && zone[0] <= '9') return reference_decimal(zone, 0xffffffffu, index);
  if (zone.size() >= IF_NAMESIZE) return false;
  const std::string name(zone);
  index = ::if_nametoindex(name.c_str());
  return index != 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = berth_fuzz::text_of(data, size);
  const auto result = berth_fuzz::parse_both(
      input, [](std::string_view t, std::error_code& ec) { return inet6_endpoint::parse(t, ec); },
      [](std::string_view t) { return inet6_endpoint::parse(t); }, inet6_endpoint{});
  if (result.ec)
    require(result.ec == std::errc::invalid_argument, "refused, but not invalid_argument", input);

  bool reference_ok = false;
  ipv6_address::bytes_type bytes{};
  std::uint64_t port = 0, scope = 0;
  const std::size_t close = input.find(']');
  if (input.find('\0') == std::string_view::npos && !input.empty() && input[0] == '[' &&
      close != std::string_view::npos && close + 1 < input.size() && input[close + 1] == ':') {
    std::string_view inside = input.substr(1, close - 1);
    bool zone_ok = true;
    if (const std::size_t percent = inside.find('%'); percent != std::string_view::npos) {
      zone_ok = reference_zone(inside.substr(percent + 1), scope);
      inside = inside.substr(0, percent);
    }
    const std::string address(inside);
    reference_ok = zone_ok && ::inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1 &&
                   reference_decimal(input.substr(close + 2), 65535, port);
  }
  require(reference_ok == !result.ec, "berth and the reference disagree on the verdict", input);
  if (result.ec) return 0;
  require(result.value.address().bytes() == bytes, "wrong address", input);
  require(result.value.port() == port, "wrong port", input);
  require(result.value.scope_id() == scope, "wrong scope id", input);

  const std::string text = berth_fuzz::require_text(result.value, input);
  const inet6_endpoint again = inet6_endpoint::parse(text);
  require(again == result.value, "parse(to_string(x)) != x", input);
  require(again.to_string() == text, "to_string(parse(s)) != s for canonical s", input);
  std::string expected = "[" + result.value.address().to_string();
  if (scope != 0) expected += "%" + std::to_string(scope);
  expected += "]:" + std::to_string(port);
  require(text == expected, "to_string is not [address%index]:port", input);
  return 0;
}
