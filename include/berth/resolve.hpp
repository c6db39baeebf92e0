#ifndef BERTH_RESOLVE_HPP
#define BERTH_RESOLVE_HPP

// Names: resolve (getaddrinfo, with the numeric fast paths) and connect by name (RFC 8305,
// Happy Eyeballs), over berth::ip, the family chosen at run time (<berth/ip.hpp>).

#include <berth/acceptor.hpp>
#include <berth/address.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/happy_eyeballs.hpp>
#include <berth/detail/open.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/resolver.hpp>
#include <berth/error.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/ip.hpp>
#include <berth/socket.hpp>
#include <berth/socket_type.hpp>
#include <berth/to_chars.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace berth {
namespace detail {

/// The families resolve returns: ip (both), inet, inet6.
template <class F>
concept resolvable_family = std::same_as<F, ip> || std::same_as<F, inet> || std::same_as<F, inet6>;

// Compile time: what is here is templates, each over a type its callers give (the endpoint
// type, always ip_endpoint or the family's), and their bodies use that type, so that the
// vector, span and string code they need is compiled only in a translation unit that
// resolves or connects by name, not in every one that includes this header. (A body that
// named ip_endpoint and std::vector directly would be checked, and much of it
// instantiated, where the template is defined.)

/// A host and service as an error message names them: "host:service", "[::1]:service".
struct name_and_service {
  std::string_view host, service;
  template <class String = std::string>
  String to_string() const {
    const bool brackets = host.find(':') != std::string_view::npos;
    String text;
    text.reserve(host.size() + service.size() + 3);
    if (brackets) text += '[';
    text += host;
    if (brackets) text += ']';
    text += ':';
    text += service;
    return text;
  }
};

/// A port written out in decimal, as a service.
class port_text {
 public:
  explicit port_text(std::uint16_t port) noexcept
      : size_(static_cast<std::size_t>(write_decimal(text_, port) - text_)) {}
  std::string_view view() const noexcept { return {text_, size_}; }

 private:
  char text_[5];  // "65535"
  std::size_t size_;
};

/// What a service text is, for resolve.
enum class service_kind : unsigned char {
  port,     ///< a port number: decimal digits only, 0 to 65535 (none: port 0)
  name,     ///< a name for getaddrinfo to look up ("http")
  refused,  ///< a number out of range, or what strtoul reads as a number besides digits
};

/// Reads `service`: a port number into `port`, a name, or refused. getaddrinfo reads any
/// text strtoul takes whole as a number and truncates it to 16 bits ("65536" is port 0,
/// "70000" port 4464, "-1" port 65535), so what is not plain digits within 0-65535 and
/// would be read as a number there (a number too large; leading white space or a sign) is
/// refused here, never handed over. Leading zeros are read, as getaddrinfo reads them.
constexpr service_kind classify_service(std::string_view service, std::uint32_t& port) noexcept {
  std::uint32_t value = 0;
  std::size_t i = 0;
  for (; i < service.size(); ++i) {
    const unsigned digit = static_cast<unsigned>(static_cast<unsigned char>(service[i])) - '0';
    if (digit > 9) break;
    if (value <= 65535) value = value * 10 + digit;  // once too large, it stays so: no wrap
  }
  port = 0;
  if (i != service.size()) {  // not all digits: a name ("80x", "http"), or what strtoul reads
    const char first = service[0];
    return first == '+' || first == '-' || first == ' ' || (first >= '\t' && first <= '\r') ? service_kind::refused
                                                                                            : service_kind::name;
  }
  if (value > 65535) return service_kind::refused;
  port = value;
  return service_kind::port;  // "" too: port 0
}

/// Reads a host that is an address written out: IPv4 exactly as inet_pton reads it, or IPv6
/// as inet_pton reads it with an optional "%zone" (an interface index or name). Such a
/// host is never looked up. (E: ip_endpoint.)
template <class E>
inline bool parse_numeric_host(std::string_view host, std::uint16_t port, E& out) noexcept {
  std::uint32_t v4 = 0;
  if (parse_ipv4(host, v4)) {
    out = E(ipv4_address(v4), port);
    return true;
  }
  // The parts are cut without string_view::substr, whose bounds check would take it out
  // of line in a translation unit with many callers.
  const std::size_t percent = host.find('%');
  const std::size_t address_size = percent == std::string_view::npos ? host.size() : percent;
  ipv6_address::bytes_type bytes{};
  if (!parse_ipv6(std::string_view(host.data(), address_size), bytes)) return false;
  std::uint32_t scope = 0;
  if (percent != std::string_view::npos &&
      !parse_zone(std::string_view(host.data() + percent + 1, host.size() - percent - 1), scope))
    return false;
  out = E(ipv6_address(bytes), port, scope);
  return true;
}

/// Appends `e` to `out`, as an E, when it is of E's family and not there already (getaddrinfo
/// repeats an address listed twice, in /etc/hosts say). Whether it was of E's family.
template <class E>
bool keep_endpoint(std::vector<E>& out, const ip_endpoint& e) {
  if constexpr (std::same_as<E, inet_endpoint>) {
    if (!e.is_v4()) return false;
  } else if constexpr (std::same_as<E, inet6_endpoint>) {
    if (!e.is_v6()) return false;
  }
  E typed;
  if constexpr (std::same_as<E, inet_endpoint>)
    typed = e.to_inet();
  else if constexpr (std::same_as<E, inet6_endpoint>)
    typed = e.to_inet6();
  else
    typed = e;
  for (const E& seen : out)
    if (seen == typed) return true;
  out.push_back(typed);
  return true;
}

/// The list getaddrinfo returned, freed however the scope is left.
struct addrinfo_list {
  addrinfo* head = nullptr;
  addrinfo_list() = default;
  addrinfo_list(const addrinfo_list&) = delete;
  addrinfo_list& operator=(const addrinfo_list&) = delete;
  ~addrinfo_list() {
    if (head != nullptr) resolver::freeaddrinfo(head);
  }
};

/// resolve's slow path: one getaddrinfo (AF_UNSPEC, `socket_type`; AI_NUMERICHOST or
/// AI_NUMERICSERV when that part is known to be numeric), every address of E's family
/// kept in order, once. The family is filtered here rather than asked of getaddrinfo, so
/// that a name with addresses of the other family only is no_address, not host_not_found
/// (which glibc reports for AF_INET6 and /etc/hosts), and an IPv6 loopback entry is not
/// turned into 127.0.0.1 (which glibc does for AF_INET).
template <class E>
int resolve_by_getaddrinfo(std::string_view host, std::string_view service, bool numeric_host,
                           bool numeric_service, int socket_type, std::vector<E>& out) {
  if (host.find('\0') != std::string_view::npos) return code_of(resolve_error::host_not_found);
  if (service.find('\0') != std::string_view::npos) return code_of(resolve_error::service_not_found);
  const std::string host_text(host), service_text(service);  // NUL-terminated copies
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socket_type;
  hints.ai_flags = (numeric_host ? AI_NUMERICHOST : 0) | (numeric_service ? AI_NUMERICSERV : 0);
  addrinfo_list list;
  errno = 0;
  if (const int eai = resolver::getaddrinfo(host_text.c_str(), service.empty() ? nullptr : service_text.c_str(),
                                            &hints, &list.head);
      eai != 0) {
    const int saved_errno = errno;
    list.head = nullptr;  // nothing to free
    return resolve_failure(eai, saved_errno);
  }
  std::size_t count = 0;
  for (const addrinfo* p = list.head; p != nullptr; p = p->ai_next) ++count;
  out.reserve(count);
  for (const addrinfo* p = list.head; p != nullptr; p = p->ai_next) {
    if (p->ai_socktype != 0 && p->ai_socktype != socket_type) continue;
    std::error_code ignored;
    const ip_endpoint e = ip_endpoint::from_sockaddr(p->ai_addr, p->ai_addrlen, ignored);
    if (!ignored) keep_endpoint(out, e);  // another family (none that getaddrinfo gives) is skipped
  }
  return out.empty() ? code_of(resolve_error::no_address) : 0;
}

/// Resolves `host` and `service` into `out` (empty on entry), addresses of E's family for
/// sockets of `socket_type`: 0, or the internal code of the failure (then `out` is empty).
/// A numeric host (parse_numeric_host) with a numeric service (a decimal port, or none:
/// port 0) is read here, without getaddrinfo; a service classify_service refuses is
/// service_not_found, without getaddrinfo. Allocation failure is ENOMEM.
template <class E>
int resolve_into(std::string_view host, std::string_view service, int socket_type, std::vector<E>& out) noexcept {
#if defined(__cpp_exceptions)
  try {
#endif
    if (host.empty()) return code_of(resolve_error::host_not_found);  // as getaddrinfo says of ""
    std::uint32_t port = 0;
    const service_kind kind = classify_service(service, port);
    if (kind == service_kind::refused) return code_of(resolve_error::service_not_found);
    const bool numeric_service = kind == service_kind::port;
    ip_endpoint e;
    const bool numeric_host = parse_numeric_host(host, static_cast<std::uint16_t>(port), e);
    if (numeric_host && numeric_service)
      return keep_endpoint(out, e) ? 0 : code_of(resolve_error::no_address);
    const int err = resolve_by_getaddrinfo(host, service, numeric_host, numeric_service && !service.empty(),
                                           socket_type, out);
    if (err != 0) out.clear();
    return err;
#if defined(__cpp_exceptions)
  } catch (const std::bad_alloc&) {
    out.clear();
    return ENOMEM;
  }
#endif
}

/// Connects a socket of type T to `host` and `service`: resolved (resolve_into), then for
/// stream Happy Eyeballs over the addresses (race_connect), for datagram a connect to the
/// first. `timeout_ms` as poll_timeout gives it (-1: none) counts from the start, the
/// resolution included. The descriptor, or -1 with `err`.
template <class T, class E = ip_endpoint>
int connect_by_name(std::string_view host, std::string_view service, int timeout_ms, int& err) noexcept {
  if (timeout_ms == invalid_timeout) {
    err = EINVAL;
    return -1;
  }
  const clock::time_point deadline =
      timeout_ms < 0 ? clock::time_point::max() : clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<E> addresses;
  if ((err = resolve_into(host, service, T::type, addresses)) != 0) return -1;
  if (timeout_ms >= 0 && clock::now() >= deadline) {  // getaddrinfo took all the time there was
    err = ETIMEDOUT;
    return -1;
  }
  if constexpr (std::same_as<T, stream>) {
    return race_connect(std::span<const E>(addresses), deadline, err);
  } else {
    const E& first = addresses.front();
    return open_connected<ip, T>(first.data(), first.size(), err);
  }
}

/// connect_by_name, reported to `on_error` (a thrown error names the host and service).
template <class T, class S>
socket<ip, T> connect_named(std::string_view host, std::string_view service, int timeout_ms,
                            S& on_error) noexcept(reports_to_code<S&>) {
  int err = 0;
  const int fd = connect_by_name<T>(host, service, timeout_ms, err);
  report_outcome(fd < 0, err, on_error, "berth::connect", name_and_service{host, service});
  return socket<ip, T>::adopt(fd);
}

/// Addresses (a span of E) as an error message lists them: "[::1]:80, 127.0.0.1:80".
template <class E>
struct endpoint_list {
  const E* first;
  std::size_t count;
  std::string to_string() const {
    std::string text;
    for (std::size_t k = 0; k < count; ++k) {
      if (!text.empty()) text += ", ";
      text += first[k].to_string();
    }
    return text.empty() ? "(no address)" : text;
  }
};

/// race_connect over `addresses` (a span of E), reported to `on_error`.
template <class E, class S>
socket<ip, stream> connect_any(std::span<const E> addresses, int timeout_ms, S& on_error) noexcept(
    reports_to_code<S&>) {
  int err = EINVAL;
  int fd = -1;
  if (timeout_ms != invalid_timeout)
    fd = race_connect(addresses,
                      timeout_ms < 0 ? clock::time_point::max() : clock::now() + std::chrono::milliseconds(timeout_ms),
                      err);
  report_outcome(fd < 0, err, on_error, "berth::connect", endpoint_list<E>{addresses.data(), addresses.size()});
  return socket<ip, stream>::adopt(fd);
}

}  // namespace detail

/// The addresses of `host` for `service`, in getaddrinfo's order (RFC 6724's), each once:
/// `berth::resolve("example.com", "https")`. F picks the family: ip (the default) both,
/// inet or inet6 only that one's, as typed endpoints. T (stream by default, or datagram)
/// is the socket type they are for, which decides what a service name means.
///  - A numeric host ("192.0.2.1", "2001:db8::1", "fe80::1%eth0", exactly what inet_pton
///    reads, zone aside) with a numeric service (a decimal port 0 to 65535, or "" for port
///    0) is read without the resolver: no getaddrinfo, no file read, nothing but the
///    returned vector's allocation.
///  - Anything else is one getaddrinfo (AF_UNSPEC; AI_NUMERICHOST or AI_NUMERICSERV for a
///    part that is numeric), its list freed on every path. Other texts getaddrinfo takes
///    for addresses ("127.1") it reads as they are, without a lookup.
/// Errors are berth::resolve_error (`ec == berth::resolve_error::host_not_found`):
/// host_not_found (also an empty host), try_again, service_not_found, no_address (the name
/// has addresses, none of the family asked), failure; EAI_SYSTEM is its errno and
/// EAI_MEMORY ENOMEM, in the system category. Throws std::system_error naming host and
/// service; reporting through `ec`, returns an empty vector on error.
template <class F = ip, socket_type T = stream, detail::error_sink S = detail::throws>
  requires detail::resolvable_family<F> && valid_protocol<F, T>
[[nodiscard]] inline std::vector<typename F::endpoint> resolve(std::string_view host, std::string_view service,
                                                               S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  std::vector<typename F::endpoint> result;
  const int err = detail::resolve_into(host, service, T::type, result);
  detail::report(err, on_error, "berth::resolve", detail::name_and_service{host, service});
  return result;
}

/// As resolve(host, service) with the service a port number: the host's addresses with `port`.
template <class F = ip, socket_type T = stream, detail::error_sink S = detail::throws>
  requires detail::resolvable_family<F> && valid_protocol<F, T>
[[nodiscard]] inline std::vector<typename F::endpoint> resolve(std::string_view host, std::uint16_t port,
                                                               S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  const detail::port_text service(port);
  return resolve<F, T>(host, service.view(), std::forward<S>(on_error));
}

/// A socket connected to `host` and `service`: `auto s = berth::connect("example.com", "http");`.
/// The name is resolved (see resolve), then, for stream, connected to as RFC 8305 (Happy
/// Eyeballs v2) says: the addresses interleaved by family, the first address's family
/// first; one attempt (a non-blocking socket and connect) started every 250 ms while the
/// earlier ones are still pending, or at once when one fails; all of them waited for with
/// one poll; the first to connect wins and every other is closed. No threads. All failing,
/// the error is that of the last attempt to end (std::errc::connection_refused, ...).
/// The socket returned is blocking. For datagram (`berth::connect<berth::datagram>(...)`)
/// it is connected to the first address. Errors of the name are resolve's; a thrown error
/// names host and service. Reporting through `ec`, returns a socket that holds none.
template <socket_type T = stream, detail::error_sink S = detail::throws>
  requires valid_protocol<ip, T>
[[nodiscard]] inline socket<ip, T> connect(std::string_view host, std::string_view service,
                                           S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  return detail::connect_named<T>(host, service, -1, on_error);
}

/// As connect(host, service) with the service a port number: `berth::connect("localhost", 8080)`.
template <socket_type T = stream, detail::error_sink S = detail::throws>
  requires valid_protocol<ip, T>
[[nodiscard]] inline socket<ip, T> connect(std::string_view host, std::uint16_t port,
                                           S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  const detail::port_text service(port);
  return detail::connect_named<T>(host, service.view(), -1, on_error);
}

/// As connect(host, service), within `timeout` (a std::chrono duration) from the call, the
/// resolution included (getaddrinfo itself cannot be interrupted: a lookup that takes all
/// the time is reported when it returns); expiry is std::errc::timed_out, every attempt
/// closed. A NaN timeout is std::errc::invalid_argument; 24.8 days or more waits as
/// connect(host, service) does. Stream only.
template <socket_type T = stream, class Rep, class Period, detail::error_sink S = detail::throws>
  requires std::same_as<T, stream>
[[nodiscard]] inline socket<ip, T> connect(std::string_view host, std::string_view service,
                                           std::chrono::duration<Rep, Period> timeout,
                                           S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  return detail::connect_named<T>(host, service, detail::poll_timeout(timeout), on_error);
}

/// As connect(host, service, timeout) with the service a port number.
template <socket_type T = stream, class Rep, class Period, detail::error_sink S = detail::throws>
  requires std::same_as<T, stream>
[[nodiscard]] inline socket<ip, T> connect(std::string_view host, std::uint16_t port,
                                           std::chrono::duration<Rep, Period> timeout,
                                           S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  const detail::port_text service(port);
  return detail::connect_named<T>(host, service.view(), detail::poll_timeout(timeout), on_error);
}

/// Happy Eyeballs over addresses already resolved (a vector resolve returned, say), as
/// connect(host, service) does after resolving: interleaved by family in the order given,
/// an attempt every 250 ms, the first to connect wins. No addresses is
/// std::errc::destination_address_required. A thrown error lists the addresses.
template <detail::error_sink S = detail::throws>
[[nodiscard]] inline socket<ip, stream> connect(std::span<const ip_endpoint> addresses,
                                                S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  return detail::connect_any(addresses, -1, on_error);
}

/// As connect(addresses), within `timeout` (expiry std::errc::timed_out).
template <class Rep, class Period, detail::error_sink S = detail::throws>
[[nodiscard]] inline socket<ip, stream> connect(std::span<const ip_endpoint> addresses,
                                                std::chrono::duration<Rep, Period> timeout,
                                                S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  return detail::connect_any(addresses, detail::poll_timeout(timeout), on_error);
}

}  // namespace berth

#endif  // BERTH_RESOLVE_HPP
