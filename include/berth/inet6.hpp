#ifndef BERTH_INET6_HPP
#define BERTH_INET6_HPP

#include <berth/address.hpp>
#include <berth/detail/byte_order.hpp>
#include <berth/detail/fixed_sockaddr.hpp>
#include <berth/error.hpp>
#include <berth/to_chars.hpp>

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace berth {
struct inet6;
class ip_endpoint;

namespace detail {
/// Reads the zone of a scoped IPv6 address (the text after '%'): a decimal interface index,
/// or an interface name looked up with if_nametoindex at run time (in a constant expression
/// only numbers).
constexpr bool parse_zone(std::string_view zone, std::uint32_t& index) noexcept {
  if (zone.empty()) return false;
  if (zone[0] >= '0' && zone[0] <= '9') return parse_decimal(zone, 0xffffffffu, 10, index);
  if (std::is_constant_evaluated()) return false;  // names need the running system
  char name[IF_NAMESIZE]{};
  if (zone.size() >= IF_NAMESIZE) return false;
  for (std::size_t k = 0; k < zone.size(); ++k) {
    if (zone[k] == '\0') return false;
    name[k] = zone[k];
  }
  index = ::if_nametoindex(name);
  return index != 0;
}
}  // namespace detail

/// An IPv6 address, port and scope id (the zone of a link-local address); holds exactly
/// one sockaddr_in6. A constexpr value type; default-constructed it is [::]:0.
class inet6_endpoint : public detail::fixed_sockaddr<inet6_endpoint, sockaddr_in6,
                                                     &sockaddr_in6::sin6_family, AF_INET6> {
 public:
  /// The address family tag, berth::inet6.
  using family = inet6;
  /// Length of the longest text, "[ffff:...:ffff%4294967295]:65535".
  static constexpr std::size_t max_text_size = ipv6_address::max_text_size + 19;

  constexpr inet6_endpoint() noexcept : inet6_endpoint(ipv6_address{}, 0) {}
  /// `port` in host order; `scope_id` an interface index (0: none).
  constexpr inet6_endpoint(ipv6_address address, std::uint16_t port,
                           std::uint32_t scope_id = 0) noexcept {
    addr_.sin6_port = detail::host_to_net16(port);
    for (std::size_t k = 0; k < 16; ++k) addr_.sin6_addr.s6_addr[k] = address.bytes()[k];
    addr_.sin6_scope_id = scope_id;
  }

  /// The IPv6 address.
  constexpr ipv6_address address() const noexcept {
    ipv6_address::bytes_type b{};
    for (std::size_t k = 0; k < 16; ++k) b[k] = addr_.sin6_addr.s6_addr[k];
    return ipv6_address(b);
  }
  /// The port in host order.
  constexpr std::uint16_t port() const noexcept {
    return detail::net_to_host16(addr_.sin6_port);
  }
  /// The interface index of the zone; 0 for none.
  constexpr std::uint32_t scope_id() const noexcept { return addr_.sin6_scope_id; }

  /// Reads "[v6]:port" or "[v6%zone]:port": the address as ipv6_address::parse, the zone a
  /// decimal interface index or an interface name (looked up with if_nametoindex at run
  /// time; in a constant expression only numbers), the port decimal 0 to 65535.
  /// Throws std::system_error(std::errc::invalid_argument), also for an unknown interface.
  [[nodiscard]] static constexpr inet6_endpoint parse(std::string_view text) {
    inet6_endpoint e;
    if (!parse_into(text, e))
      detail::throw_parse_error("berth: not an IPv6 endpoint:", text.data(), text.size());
    return e;
  }
  /// As parse(text); on error sets `ec` to std::errc::invalid_argument and returns [::]:0.
  [[nodiscard]] static inet6_endpoint parse(std::string_view text, std::error_code& ec) noexcept {
    inet6_endpoint e;
    const bool ok = parse_into(text, e);
    detail::assign(ec, ok ? 0 : EINVAL);
    if (!ok) e = inet6_endpoint{};
    return e;  // one object throughout: no copy of what parse_into just stored
  }

  /// Writes "[v6]:port" or "[v6%index]:port" into [first, last) without allocating.
  constexpr to_chars_result to_chars(char* first, char* last) const noexcept {
    char text[max_text_size]{};
    char* end = text;
    *end++ = '[';
    end = address().to_chars(end, text + sizeof text).ptr;
    if (scope_id() != 0) {
      *end++ = '%';
      end = detail::write_decimal(end, scope_id());
    }
    *end++ = ']';
    *end++ = ':';
    end = detail::write_decimal(end, port());
    return detail::copy_text(text, static_cast<std::size_t>(end - text), first, last);
  }
  /// "[v6]:port", "[v6%index]:port": the form parse reads; the zone as its number.
  std::string to_string() const {
    char text[max_text_size];
    return detail::string_of(text, to_chars(text, text + sizeof text).ptr);
  }

  /// Equal when address, port and scope id are (flow information is not compared).
  friend constexpr bool operator==(const inet6_endpoint& a, const inet6_endpoint& b) noexcept {
    return a.address() == b.address() && a.port() == b.port() && a.scope_id() == b.scope_id();
  }
  /// Orders by address, then port, then scope id.
  friend constexpr std::strong_ordering operator<=>(const inet6_endpoint& a,
                                                    const inet6_endpoint& b) noexcept {
    if (auto c = a.address() <=> b.address(); std::is_neq(c)) return c;
    if (auto c = a.port() <=> b.port(); std::is_neq(c)) return c;
    return a.scope_id() <=> b.scope_id();
  }

 private:
  friend class ip_endpoint;  // reads either text form with the parsers of both families

  static constexpr bool parse_into(std::string_view text, inet6_endpoint& e) noexcept {
    if (text.size() < 2 || text[0] != '[') return false;
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return false;
    std::string_view inside = text.substr(1, close - 1);
    std::uint32_t scope = 0;
    if (const std::size_t percent = inside.find('%'); percent != std::string_view::npos) {
      if (!detail::parse_zone(inside.substr(percent + 1), scope)) return false;
      inside = inside.substr(0, percent);
    }
    // Written into `e` in place (the callers reset it on failure): building a temporary
    // and copying it costs more than the parse, as the copy waits for the byte stores.
    std::uint32_t port = 0;
    if (!detail::parse_ipv6(inside, e.addr_.sin6_addr.s6_addr)) return false;
    if (!detail::parse_decimal(text.substr(close + 2), 65535, 5, port)) return false;
    e.addr_.sin6_port = detail::host_to_net16(static_cast<std::uint16_t>(port));
    e.addr_.sin6_scope_id = scope;
    return true;
  }

};

/// IPv6 (AF_INET6): `socket<inet6, stream>` is TCP, `socket<inet6, datagram>` UDP.
struct inet6 {
  /// AF_INET6, the first argument of socket(2).
  static constexpr int domain = AF_INET6;
  /// Its endpoint type.
  using endpoint = inet6_endpoint;
  /// The socket types the kernel implements for it (valid_protocol asks this).
  template <class T>
  static constexpr bool supports = T::type == SOCK_STREAM || T::type == SOCK_DGRAM;
};

/// Writes the endpoint's text, as to_string().
template <class Traits>
std::basic_ostream<char, Traits>& operator<<(std::basic_ostream<char, Traits>& os,
                                             const inet6_endpoint& e) {
  return detail::print(os, e);
}

}  // namespace berth

namespace std {
template <>
struct hash<berth::inet6_endpoint> {
  std::size_t operator()(const berth::inet6_endpoint& e) const noexcept {
    return berth::detail::hash_mix(std::hash<berth::ipv6_address>{}(e.address()) ^
                                   ((std::uint64_t{e.scope_id()} << 16) | e.port()));
  }
};
}  // namespace std

#endif  // BERTH_INET6_HPP
