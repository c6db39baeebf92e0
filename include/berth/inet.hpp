#ifndef BERTH_INET_HPP
#define BERTH_INET_HPP

#include <berth/address.hpp>
#include <berth/detail/byte_order.hpp>
#include <berth/detail/fixed_sockaddr.hpp>
#include <berth/error.hpp>
#include <berth/to_chars.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>

namespace berth {
struct inet;
class ip_endpoint;

/// An IPv4 address and port; holds exactly one sockaddr_in (port and address in network
/// order inside, host order at the interface). A constexpr value type; default-constructed
/// it is 0.0.0.0:0.
class inet_endpoint
    : public detail::fixed_sockaddr<inet_endpoint, sockaddr_in, &sockaddr_in::sin_family, AF_INET> {
 public:
  /// The address family tag, berth::inet.
  using family = inet;
  /// Length of the longest text, "255.255.255.255:65535".
  static constexpr std::size_t max_text_size = ipv4_address::max_text_size + 6;

  /// 0.0.0.0:0: the sockaddr_in's family set, every other byte zero (the zeros written
  /// once, not again for the port and address).
  constexpr inet_endpoint() noexcept = default;
  /// `port` in host order: inet_endpoint(ipv4_address::loopback(), 8080).
  constexpr inet_endpoint(ipv4_address address, std::uint16_t port) noexcept {
    addr_.sin_port = detail::host_to_net16(port);
    addr_.sin_addr.s_addr = detail::host_to_net32(address.to_uint());
  }

  /// The IPv4 address.
  constexpr ipv4_address address() const noexcept {
    return ipv4_address(detail::net_to_host32(addr_.sin_addr.s_addr));
  }
  /// The port in host order.
  constexpr std::uint16_t port() const noexcept { return detail::net_to_host16(addr_.sin_port); }

  /// Reads "a.b.c.d:port": the address as ipv4_address::parse, the port decimal 0 to 65535
  /// without sign or leading zeros. Throws std::system_error(std::errc::invalid_argument).
  [[nodiscard]] static constexpr inet_endpoint parse(std::string_view text) {
    inet_endpoint e;
    if (!parse_into(text, e))
      detail::throw_parse_error("berth: not an IPv4 endpoint:", text.data(), text.size());
    return e;
  }
  /// As parse(text); on malformed text sets `ec` to std::errc::invalid_argument and
  /// returns 0.0.0.0:0.
  [[nodiscard]] static inet_endpoint parse(std::string_view text, std::error_code& ec) noexcept {
    inet_endpoint e;
    const bool ok = parse_into(text, e);
    detail::assign(ec, ok ? 0 : EINVAL);
    return ok ? e : inet_endpoint{};
  }

  /// Writes "a.b.c.d:port" into [first, last) without allocating (see to_chars_result).
  constexpr to_chars_result to_chars(char* first, char* last) const noexcept {
    char text[max_text_size]{};
    char* end = address().to_chars(text, text + sizeof text).ptr;
    *end++ = ':';
    end = detail::write_decimal(end, port());
    return detail::copy_text(text, static_cast<std::size_t>(end - text), first, last);
  }
  /// "a.b.c.d:port", the form parse reads.
  std::string to_string() const {
    char text[max_text_size];
    return detail::string_of(text, to_chars(text, text + sizeof text).ptr);
  }

  /// Equal when address and port are.
  friend constexpr bool operator==(const inet_endpoint& a, const inet_endpoint& b) noexcept {
    return a.address() == b.address() && a.port() == b.port();
  }
  /// Orders by address, then port.
  friend constexpr std::strong_ordering operator<=>(const inet_endpoint& a,
                                                    const inet_endpoint& b) noexcept {
    if (auto c = a.address() <=> b.address(); std::is_neq(c)) return c;
    return a.port() <=> b.port();
  }

 private:
  friend class ip_endpoint;  // reads either text form with the parsers of both families

  static constexpr bool parse_into(std::string_view text, inet_endpoint& e) noexcept {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::uint32_t address = 0, port = 0;
    if (!detail::parse_ipv4(text.substr(0, colon), address)) return false;
    if (!detail::parse_decimal(text.substr(colon + 1), 65535, 5, port)) return false;
    e = inet_endpoint(ipv4_address(address), static_cast<std::uint16_t>(port));
    return true;
  }

};

/// IPv4 (AF_INET): `socket<inet, stream>` is TCP, `socket<inet, datagram>` UDP.
struct inet {
  /// AF_INET, the first argument of socket(2).
  static constexpr int domain = AF_INET;
  /// Its endpoint type.
  using endpoint = inet_endpoint;
  /// The socket types the kernel implements for it (valid_protocol asks this).
  template <class T>
  static constexpr bool supports = T::type == SOCK_STREAM || T::type == SOCK_DGRAM;
};

/// Writes the endpoint's text, as to_string().
template <class Traits>
std::basic_ostream<char, Traits>& operator<<(std::basic_ostream<char, Traits>& os,
                                             const inet_endpoint& e) {
  return detail::print(os, e);
}

}  // namespace berth

namespace std {
template <>
struct hash<berth::inet_endpoint> {
  std::size_t operator()(const berth::inet_endpoint& e) const noexcept {
    return berth::detail::hash_mix((std::uint64_t{e.address().to_uint()} << 16) | e.port());
  }
};
}  // namespace std

#endif  // BERTH_INET_HPP
