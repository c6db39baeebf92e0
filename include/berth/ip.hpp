#ifndef BERTH_IP_HPP
#define BERTH_IP_HPP

// berth::ip, the family "IPv4 or IPv6, chosen at run time", and its endpoint: for addresses
// that come from a name or a command line, whose family is not known when the code is
// compiled. Name resolution itself is in <berth/resolve.hpp>.

#include <berth/address.hpp>
#include <berth/detail/byte_order.hpp>
#include <berth/detail/report.hpp>
#include <berth/error.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/option.hpp>
#include <berth/to_chars.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>

namespace berth {
struct ip;

namespace detail {
struct endpoint_access;

// ip_endpoint keeps an IPv4 address in a sockaddr_in6, laid out as the sockaddr_in it
// stands for: the family and port where both have them, the address where sockaddr_in6 has
// its flow information, zeros after. The first sizeof(sockaddr_in) bytes are then exactly
// the sockaddr_in the kernel reads and writes, and every member stays readable in a
// constant expression (a union's inactive member would not be).
static_assert(offsetof(sockaddr_in, sin_family) == offsetof(sockaddr_in6, sin6_family) &&
                  offsetof(sockaddr_in, sin_port) == offsetof(sockaddr_in6, sin6_port) &&
                  offsetof(sockaddr_in, sin_addr) == offsetof(sockaddr_in6, sin6_flowinfo) &&
                  sizeof(in_addr) == sizeof(std::uint32_t) && sizeof(sockaddr_in) <= sizeof(sockaddr_in6),
              "ip_endpoint keeps a sockaddr_in in the first bytes of a sockaddr_in6");
}  // namespace detail

/// An IPv4 or an IPv6 endpoint, which of the two decided at run time: what resolve returns
/// and socket<ip, T> takes. Holds one sockaddr_in or one sockaddr_in6 (sizeof is that of a
/// sockaddr_in6); its family says which. Made implicitly from an inet_endpoint or an
/// inet6_endpoint. A constexpr value type; default-constructed it is 0.0.0.0:0.
class ip_endpoint {
 public:
  /// The address family tag, berth::ip.
  using family = ip;
  /// Length of the longest text, that of an inet6_endpoint.
  static constexpr std::size_t max_text_size = inet6_endpoint::max_text_size;

  /// 0.0.0.0:0, as inet_endpoint{}.
  constexpr ip_endpoint() noexcept : ip_endpoint(ipv4_address{}, 0) {}
  /// The same IPv4 endpoint.
  constexpr ip_endpoint(const inet_endpoint& e) noexcept : ip_endpoint(e.address(), e.port()) {}
  /// The same IPv6 endpoint (address, port, scope id).
  constexpr ip_endpoint(const inet6_endpoint& e) noexcept
      : ip_endpoint(e.address(), e.port(), e.scope_id()) {}
  /// An IPv4 endpoint; `port` in host order.
  constexpr ip_endpoint(ipv4_address address, std::uint16_t port) noexcept : addr_{} {
    addr_.sin6_family = AF_INET;
    addr_.sin6_port = detail::host_to_net16(port);
    addr_.sin6_flowinfo = detail::host_to_net32(address.to_uint());  // sin_addr's place
  }
  /// An IPv6 endpoint; `port` in host order, `scope_id` an interface index (0: none).
  constexpr ip_endpoint(ipv6_address address, std::uint16_t port, std::uint32_t scope_id = 0) noexcept
      : addr_{} {
    addr_.sin6_family = AF_INET6;
    addr_.sin6_port = detail::host_to_net16(port);
    for (std::size_t k = 0; k < 16; ++k) addr_.sin6_addr.s6_addr[k] = address.bytes()[k];
    addr_.sin6_scope_id = scope_id;
  }

  /// Whether it is an IPv4 endpoint (AF_INET).
  constexpr bool is_v4() const noexcept { return addr_.sin6_family == AF_INET; }
  /// Whether it is an IPv6 endpoint (AF_INET6).
  constexpr bool is_v6() const noexcept { return addr_.sin6_family == AF_INET6; }
  /// The port in host order.
  constexpr std::uint16_t port() const noexcept { return detail::net_to_host16(addr_.sin6_port); }

  /// The IPv4 endpoint it holds; an IPv6 one is std::errc::address_family_not_supported
  /// (reporting through `ec`, returns 0.0.0.0:0 then).
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] constexpr inet_endpoint to_inet(S&& on_error = {}) const noexcept(detail::reports_to_code<S>) {
    detail::report(is_v4() ? 0 : EAFNOSUPPORT, on_error, "berth::ip_endpoint::to_inet");
    return is_v4() ? v4() : inet_endpoint{};
  }
  /// The IPv6 endpoint it holds; an IPv4 one is std::errc::address_family_not_supported
  /// (reporting through `ec`, returns [::]:0 then).
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] constexpr inet6_endpoint to_inet6(S&& on_error = {}) const noexcept(detail::reports_to_code<S>) {
    detail::report(is_v6() ? 0 : EAFNOSUPPORT, on_error, "berth::ip_endpoint::to_inet6");
    return is_v6() ? v6() : inet6_endpoint{};
  }

  /// The sockaddr_in or sockaddr_in6, for the kernel to read.
  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&addr_); }
  /// Room for either, for the kernel to fill (then call resize with the length it reports).
  sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&addr_); }
  /// sizeof(sockaddr_in) or sizeof(sockaddr_in6), as the family is.
  constexpr socklen_t size() const noexcept { return is_v4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6); }
  /// sizeof(sockaddr_in6): room for either.
  static constexpr socklen_t capacity() noexcept { return sizeof(sockaddr_in6); }
  /// Accepts what the kernel wrote through data(): AF_INET with sizeof(sockaddr_in) bytes or
  /// AF_INET6 with sizeof(sockaddr_in6); another family is
  /// std::errc::address_family_not_supported, another length std::errc::invalid_argument.
  /// On error the endpoint becomes the default one.
  template <detail::error_sink S = detail::throws>
  void resize(socklen_t length, S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    detail::report(set_size(length), on_error, "berth::ip_endpoint::resize");
  }
  /// A copy of a sockaddr_in or sockaddr_in6 of `length` bytes, checked as resize checks it.
  /// Reporting through `ec`, returns the default endpoint on error.
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] static ip_endpoint from_sockaddr(const sockaddr* address, socklen_t length,
                                                 S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    ip_endpoint e;
    int err = EINVAL;
    if (address != nullptr) {
      std::memcpy(&e.addr_, address, length < sizeof e.addr_ ? length : sizeof e.addr_);
      err = e.set_size(length);
    }
    detail::report(err, on_error, "berth::ip_endpoint::from_sockaddr");
    return e;
  }

  /// Reads either text form: "a.b.c.d:port" as inet_endpoint::parse reads it, or "[v6]:port"
  /// and "[v6%zone]:port" as inet6_endpoint::parse does (a text that starts with '[' is
  /// IPv6). Throws std::system_error(std::errc::invalid_argument).
  [[nodiscard]] static constexpr ip_endpoint parse(std::string_view text) {
    ip_endpoint e;
    if (!parse_into(text, e))
      detail::throw_parse_error("berth: not an IP endpoint:", text.data(), text.size());
    return e;
  }
  /// As parse(text); on malformed text sets `ec` to std::errc::invalid_argument and
  /// returns 0.0.0.0:0.
  [[nodiscard]] static ip_endpoint parse(std::string_view text, std::error_code& ec) noexcept {
    ip_endpoint e;
    const bool ok = parse_into(text, e);
    detail::assign(ec, ok ? 0 : EINVAL);
    return ok ? e : ip_endpoint{};
  }

  /// Writes "a.b.c.d:port", "[v6]:port" or "[v6%index]:port" into [first, last) without
  /// allocating (see to_chars_result).
  constexpr to_chars_result to_chars(char* first, char* last) const noexcept {
    return is_v4() ? v4().to_chars(first, last) : v6().to_chars(first, last);
  }
  /// The text of the endpoint held, in the form parse reads.
  std::string to_string() const { return is_v4() ? v4().to_string() : v6().to_string(); }

  /// Equal when both are of one family and equal as endpoints of it.
  friend constexpr bool operator==(const ip_endpoint& a, const ip_endpoint& b) noexcept {
    if (a.addr_.sin6_family != b.addr_.sin6_family) return false;
    return a.is_v4() ? a.v4() == b.v4() : a.v6() == b.v6();
  }
  /// Orders every IPv4 endpoint before every IPv6 one, then as inet_endpoint or
  /// inet6_endpoint order.
  friend constexpr std::strong_ordering operator<=>(const ip_endpoint& a, const ip_endpoint& b) noexcept {
    if (a.is_v4() != b.is_v4()) return a.is_v4() ? std::strong_ordering::less : std::strong_ordering::greater;
    return a.is_v4() ? a.v4() <=> b.v4() : a.v6() <=> b.v6();
  }

 private:
  friend struct detail::endpoint_access;
  friend struct std::hash<ip_endpoint>;

  // The endpoint as its own family's type, unchecked: for callers that know which it is.
  constexpr inet_endpoint v4() const noexcept {
    return {ipv4_address(detail::net_to_host32(addr_.sin6_flowinfo)), port()};
  }
  constexpr inet6_endpoint v6() const noexcept {
    ipv6_address::bytes_type b{};
    for (std::size_t k = 0; k < 16; ++k) b[k] = addr_.sin6_addr.s6_addr[k];
    return {ipv6_address(b), port(), addr_.sin6_scope_id};
  }

  static constexpr bool parse_into(std::string_view text, ip_endpoint& e) noexcept {
    if (!text.empty() && text[0] == '[') {
      inet6_endpoint v6;
      if (!inet6_endpoint::parse_into(text, v6)) return false;
      e = v6;
    } else {
      inet_endpoint v4;
      if (!inet_endpoint::parse_into(text, v4)) return false;
      e = v4;
    }
    return true;
  }

  int set_size(socklen_t length) noexcept {
    if ((length == sizeof(sockaddr_in) && addr_.sin6_family == AF_INET) ||
        (length == sizeof(sockaddr_in6) && addr_.sin6_family == AF_INET6))
      return 0;
    return reject(length);
  }
  /// Why the address is neither (in set_size's order); the endpoint becomes the default
  /// one. Out of line: the usual path is the test in set_size.
  [[gnu::cold, gnu::noinline]] int reject(socklen_t length) noexcept {
    int err = EINVAL;
    if (length >= sizeof(sa_family_t) && addr_.sin6_family != AF_INET && addr_.sin6_family != AF_INET6)
      err = EAFNOSUPPORT;
    *this = ip_endpoint{};
    return err;
  }

  sockaddr_in6 addr_;
};

/// IPv4 or IPv6, which of the two decided at run time by each socket's endpoint: the family
/// of what a name or a command line gives. `socket<ip, stream>` is TCP and
/// `socket<ip, datagram>` UDP over either; a socket is opened with the domain of the endpoint
/// it is connected or bound to (see socket::open for one opened before). Options that one of
/// the two families lacks (v6_only, broadcast) do not compile on it.
struct ip {
  /// AF_UNSPEC: no one domain. Each socket gets that of the endpoint it is opened for.
  static constexpr int domain = AF_UNSPEC;
  /// Its endpoint type.
  using endpoint = ip_endpoint;
  /// The socket types both families implement (valid_protocol asks this).
  template <class T>
  static constexpr bool supports = inet::supports<T> && inet6::supports<T>;
};

namespace detail {
/// berth::ip stands for inet and inet6: an option applies to it when it applies to both.
template <>
struct family_kinds<ip> {
  static constexpr unsigned value = kind_inet | kind_inet6;
};
}  // namespace detail

/// Writes the endpoint's text, as to_string().
template <class Traits>
std::basic_ostream<char, Traits>& operator<<(std::basic_ostream<char, Traits>& os, const ip_endpoint& e) {
  return detail::print(os, e);
}

}  // namespace berth

namespace std {
/// The hash of the inet_endpoint or inet6_endpoint held.
template <>
struct hash<berth::ip_endpoint> {
  std::size_t operator()(const berth::ip_endpoint& e) const noexcept {
    return e.is_v4() ? std::hash<berth::inet_endpoint>{}(e.v4()) : std::hash<berth::inet6_endpoint>{}(e.v6());
  }
};
}  // namespace std

#endif  // BERTH_IP_HPP
