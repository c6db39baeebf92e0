// Fuzzes ipv4_address::parse against inet_pton(AF_INET): same verdict, same bytes; both
// parse forms agree; accepted text is canonical (to_string gives it back) and round trips.
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

using berth::ipv4_address;
using berth_fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = berth_fuzz::text_of(data, size);
  const auto result = berth_fuzz::parse_both(
      input, [](std::string_view t, std::error_code& ec) { return ipv4_address::parse(t, ec); },
      [](std::string_view t) { return ipv4_address::parse(t); }, ipv4_address{});
  if (result.ec)
    require(result.ec == std::errc::invalid_argument, "refused, but not invalid_argument", input);

  // inet_pton reads a C string: a text with a NUL in it is never an address
  const std::string c_string(input);
  ipv4_address::bytes_type reference{};
  const bool has_nul = input.find('\0') != std::string_view::npos;
  const bool pton_ok = !has_nul && ::inet_pton(AF_INET, c_string.c_str(), reference.data()) == 1;
  require(pton_ok == !result.ec, "berth and inet_pton disagree on the verdict", input);
  if (result.ec) return 0;
  require(result.value.bytes() == reference, "berth and inet_pton disagree on the bytes", input);

  const std::string text = berth_fuzz::require_text(result.value, input);
  require(text == input, "accepted IPv4 text is not canonical", input);
  require(ipv4_address::parse(text) == result.value, "parse(to_string(x)) != x", input);
  char ntop[INET_ADDRSTRLEN];
  require(::inet_ntop(AF_INET, reference.data(), ntop, sizeof ntop) != nullptr && text == ntop,
          "to_string and inet_ntop disagree", input);
  return 0;
}
