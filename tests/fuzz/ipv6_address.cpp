// Fuzzes ipv6_address::parse against inet_pton(AF_INET6): same verdict, same bytes; both
// parse forms agree; to_string is RFC 5952 (inet_ntop's text, but for the IPv4-compatible
// ::a.b.c.d that glibc prints dotted and berth in hex) and round trips.
#include <berth/address.hpp>

#include "fuzz_check.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

using berth::ipv6_address;
using berth_fuzz::require;

namespace {
/// First 96 bits zero and not ::/::1-like: glibc's inet_ntop prints these dotted.
bool is_ipv4_compatible(const ipv6_address::bytes_type& b) {
  for (std::size_t k = 0; k < 12; ++k)
    if (b[k] != 0) return false;
  return b[12] != 0 || b[13] != 0;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = berth_fuzz::text_of(data, size);
  const auto result = berth_fuzz::parse_both(
      input, [](std::string_view t, std::error_code& ec) { return ipv6_address::parse(t, ec); },
      [](std::string_view t) { return ipv6_address::parse(t); }, ipv6_address{});
  if (result.ec)
    require(result.ec == std::errc::invalid_argument, "refused, but not invalid_argument", input);

  const std::string c_string(input);
  ipv6_address::bytes_type reference{};
  const bool has_nul = input.find('\0') != std::string_view::npos;
  const bool pton_ok = !has_nul && ::inet_pton(AF_INET6, c_string.c_str(), reference.data()) == 1;
  require(pton_ok == !result.ec, "berth and inet_pton disagree on the verdict", input);
  if (result.ec) return 0;
  require(result.value.bytes() == reference, "berth and inet_pton disagree on the bytes", input);

  const std::string text = berth_fuzz::require_text(result.value, input);
  const ipv6_address again = ipv6_address::parse(text);
  require(again == result.value, "parse(to_string(x)) != x", input);
  require(again.to_string() == text, "to_string(parse(s)) != s for canonical s", input);
  char ntop[INET6_ADDRSTRLEN];
  require(::inet_ntop(AF_INET6, reference.data(), ntop, sizeof ntop) != nullptr,
          "inet_ntop failed", input);
  if (is_ipv4_compatible(reference))
    require(text.find('.') == std::string::npos, "IPv4-compatible printed dotted", input);
  else
    require(text == ntop, "to_string and inet_ntop disagree", input);
  require(result.value.is_v4_mapped() == (text.rfind("::ffff:", 0) == 0 && text.find('.') != std::string::npos),
          "dotted form and is_v4_mapped disagree", input);
  return 0;
}
