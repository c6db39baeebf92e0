#ifndef BERTH_LITERALS_HPP
#define BERTH_LITERALS_HPP

#include <berth/address.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/ip.hpp>

#include <cstddef>
#include <string_view>

namespace berth {
namespace detail {
// Called only when a literal's text is malformed. Not constexpr, so the compiler stops
// and its message names the problem.
void invalid_ipv4_address_literal();
void invalid_ipv6_address_literal();
void invalid_inet_endpoint_literal();
void invalid_inet6_endpoint_literal_zones_by_number_only();
}  // namespace detail

/// Literals checked at compile time: malformed text does not compile.
/// `using namespace berth::literals;` then `"127.0.0.1"_ipv4`, `"::1"_ipv6`,
/// `"127.0.0.1:8080"_inet`, `"[::1]:8080"_inet6` (zones by number only), and either form as
/// `_ip`.
inline namespace literals {

/// `"192.0.2.1"_ipv4`: an ipv4_address, checked at compile time.
consteval ipv4_address operator""_ipv4(const char* text, std::size_t size) {
  std::uint32_t value = 0;
  if (!detail::parse_ipv4({text, size}, value)) detail::invalid_ipv4_address_literal();
  return ipv4_address(value);
}

/// `"2001:db8::1"_ipv6`: an ipv6_address, checked at compile time.
consteval ipv6_address operator""_ipv6(const char* text, std::size_t size) {
  ipv6_address::bytes_type bytes{};
  if (!detail::parse_ipv6({text, size}, bytes)) detail::invalid_ipv6_address_literal();
  return ipv6_address(bytes);
}

/// `"127.0.0.1:8080"_inet`: an inet_endpoint, checked at compile time.
consteval inet_endpoint operator""_inet(const char* text, std::size_t size) {
  const std::string_view s(text, size);
  const std::size_t colon = s.rfind(':');
  std::uint32_t address = 0, port = 0;
  if (colon == std::string_view::npos || !detail::parse_ipv4(s.substr(0, colon), address) ||
      !detail::parse_decimal(s.substr(colon + 1), 65535, 5, port))
    detail::invalid_inet_endpoint_literal();
  return inet_endpoint(ipv4_address(address), static_cast<std::uint16_t>(port));
}

/// `"[::1]:8080"_inet6`, `"[fe80::1%2]:80"_inet6`: an inet6_endpoint, checked at compile
/// time; a zone only as an interface index.
consteval inet6_endpoint operator""_inet6(const char* text, std::size_t size) {
  const std::string_view s(text, size);
  if (s.size() < 2 || s[0] != '[') detail::invalid_inet6_endpoint_literal_zones_by_number_only();
  const std::size_t close = s.find(']');
  if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
    detail::invalid_inet6_endpoint_literal_zones_by_number_only();
  std::string_view inside = s.substr(1, close - 1);
  std::uint32_t scope = 0, port = 0;
  if (const std::size_t percent = inside.find('%'); percent != std::string_view::npos) {
    if (!detail::parse_decimal(inside.substr(percent + 1), 0xffffffffu, 10, scope))
      detail::invalid_inet6_endpoint_literal_zones_by_number_only();
    inside = inside.substr(0, percent);
  }
  ipv6_address::bytes_type bytes{};
  if (!detail::parse_ipv6(inside, bytes) ||
      !detail::parse_decimal(s.substr(close + 2), 65535, 5, port))
    detail::invalid_inet6_endpoint_literal_zones_by_number_only();
  return inet6_endpoint(ipv6_address(bytes), static_cast<std::uint16_t>(port), scope);
}

/// `"127.0.0.1:8080"_ip`, `"[::1]:8080"_ip`: an ip_endpoint of whichever family the text
/// is (a text that starts with '[' is IPv6, read as _inet6; any other as _inet), checked at
/// compile time.
consteval ip_endpoint operator""_ip(const char* text, std::size_t size) {
  if (size > 0 && text[0] == '[') return operator""_inet6(text, size);
  return operator""_inet(text, size);
}

}  // namespace literals
}  // namespace berth

#endif  // BERTH_LITERALS_HPP
