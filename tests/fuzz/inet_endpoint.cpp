// Fuzzes inet_endpoint::parse against a reference built on inet_pton: "a.b.c.d:port",
// split at the last ':', the address as inet_pton reads it, the port decimal 0 to 65535
// without sign or leading zero. Both parse forms agree; accepted text is canonical and
// round trips.
#include <berth/inet.hpp>

#include "fuzz_check.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

using berth::inet_endpoint;
using berth::ipv4_address;
using berth_fuzz::require;

namespace {

/// A port as the contract spells it, checked without berth.
bool reference_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned long value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = berth_fuzz::text_of(data, size);
  const auto result = berth_fuzz::parse_both(
      input, [](std::string_view t, std::error_code& ec) { return inet_endpoint::parse(t, ec); },
      [](std::string_view t) { return inet_endpoint::parse(t); }, inet_endpoint{});
  if (result.ec)
    require(result.ec == std::errc::invalid_argument, "refused, but not invalid_argument", input);

  bool reference_ok = false;
  std::array<std::uint8_t, 4> bytes{};
  std::uint16_t port = 0;
  if (const std::size_t colon = input.rfind(':');
      colon != std::string_view::npos && input.find('\0') == std::string_view::npos) {
    const std::string address(input.substr(0, colon));
    reference_ok = ::inet_pton(AF_INET, address.c_str(), bytes.data()) == 1 &&
                   reference_port(input.substr(colon + 1), port);
  }
  require(reference_ok == !result.ec, "berth and the reference disagree on the verdict", input);
  if (result.ec) return 0;
  require(result.value.address().bytes() == bytes, "wrong address", input);
  require(result.value.port() == port, "wrong port", input);

  const std::string text = berth_fuzz::require_text(result.value, input);
  require(text == input, "accepted endpoint text is not canonical", input);
  require(inet_endpoint::parse(text) == result.value, "parse(to_string(x)) != x", input);
  return 0;
}
