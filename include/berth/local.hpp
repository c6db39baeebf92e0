#ifndef BERTH_LOCAL_HPP
#define BERTH_LOCAL_HPP

#include <berth/address.hpp>  // detail::hash_mix
#include <berth/detail/report.hpp>
#include <berth/error.hpp>
#include <berth/to_chars.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>

namespace berth {
namespace detail {
struct endpoint_access;
}

struct local;

/// A unix-domain socket address: a filesystem path, a Linux abstract name, or unnamed.
/// Holds one sockaddr_un and its length. Default-constructed it is unnamed.
class local_endpoint {
  static constexpr socklen_t path_offset = offsetof(sockaddr_un, sun_path);

 public:
  /// The address family tag, berth::local.
  using family = local;
  /// The longest path: sun_path less its terminating NUL (107 bytes on Linux).
  static constexpr std::size_t max_path_size = sizeof(sockaddr_un::sun_path) - 1;
  /// The longest abstract name: sun_path less its leading NUL (107 bytes on Linux).
  static constexpr std::size_t max_name_size = sizeof(sockaddr_un::sun_path) - 1;
  /// Length of the longest text: an abstract name with its "@".
  static constexpr std::size_t max_text_size = max_name_size + 1;

  /// Unnamed: the address of a socket that was never bound.
  local_endpoint() noexcept : addr_{}, size_(path_offset) { addr_.sun_family = AF_UNIX; }

  /// A filesystem path. Throws std::system_error: std::errc::filename_too_long when it
  /// does not fit sun_path with its NUL (never truncated), std::errc::invalid_argument
  /// when it is empty or contains a NUL.
  explicit local_endpoint(std::string_view path) : local_endpoint() {
    if (const int err = assign_path(path)) detail::throw_error(err, "berth::local_endpoint", std::string(path));
  }
  /// As local_endpoint(path); on error sets `ec` and the endpoint is unnamed.
  local_endpoint(std::string_view path, std::error_code& ec) noexcept : local_endpoint() {
    detail::assign(ec, assign_path(path));
  }

  /// A name in Linux's abstract namespace (no file; gone with the last socket). Any bytes,
  /// NUL included, 1 to 107 of them. Throws std::system_error: std::errc::filename_too_long,
  /// std::errc::invalid_argument for an empty name.
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] static local_endpoint abstract(std::string_view name, S&& on_error = {}) noexcept(
      detail::reports_to_code<S>) {
    local_endpoint e;
    detail::report(e.assign_abstract(name), on_error, "berth::local_endpoint::abstract");
    return e;
  }

  /// A copy of a sockaddr_un of `length` bytes, checked as resize checks it (a length of
  /// sizeof(sockaddr_un) + 1, what Linux reports for a full 108-byte path, included).
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] static local_endpoint from_sockaddr(const sockaddr* address, socklen_t length,
                                                    S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    local_endpoint e;
    int err = EINVAL;
    if (address != nullptr) {
      std::memcpy(&e.addr_, address, length < sizeof(sockaddr_un) ? length : sizeof(sockaddr_un));
      err = e.set_size(length);
    }
    if (err != 0) e = local_endpoint{};
    detail::report(err, on_error, "berth::local_endpoint::from_sockaddr");
    return e;
  }

  /// The path; for an abstract endpoint its name (without the leading NUL); empty when unnamed.
  std::string_view path() const noexcept {
    if (size_ <= path_offset) return {};
    const std::size_t length = size_ - path_offset;
    if (addr_.sun_path[0] == '\0') return {addr_.sun_path + 1, length - 1};
    return {addr_.sun_path, ::strnlen(addr_.sun_path, length)};
  }
  /// A name in the abstract namespace.
  bool is_abstract() const noexcept { return size_ > path_offset && addr_.sun_path[0] == '\0'; }
  /// Neither a path nor a name.
  bool is_unnamed() const noexcept { return size_ <= path_offset; }

  /// The sockaddr_un, for the kernel to read.
  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&addr_); }
  /// The sockaddr_un, for the kernel to fill (then call resize with the length it reports).
  sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&addr_); }
  /// The length of the address: the path with its NUL, or the abstract name with its
  /// leading NUL, after the family.
  socklen_t size() const noexcept { return size_; }
  /// sizeof(sockaddr_un).
  static constexpr socklen_t capacity() noexcept { return sizeof(sockaddr_un); }
  /// Accepts what the kernel wrote through data(): 0 (an unnamed datagram sender) up to
  /// sizeof(sockaddr_un) bytes, or one more for a path that fills all of sun_path (Linux
  /// counts the NUL it adds past the end; the endpoint keeps sizeof(sockaddr_un)); else
  /// std::errc::invalid_argument. The family must be AF_UNIX (else
  /// std::errc::address_family_not_supported). On error the endpoint becomes unnamed.
  template <detail::error_sink S = detail::throws>
  void resize(socklen_t length, S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    detail::report(set_size(length), on_error, "berth::local_endpoint::resize");
  }

  /// Writes the path, "@name" for an abstract name, or nothing when unnamed, into
  /// [first, last) without allocating.
  to_chars_result to_chars(char* first, char* last) const noexcept {
    const std::string_view p = path();
    const std::size_t at = is_abstract() ? 1 : 0;
    const auto room = static_cast<std::size_t>(last - first);
    if (room < at || room - at < p.size()) return {last, std::errc::value_too_large};
    if (at != 0) *first++ = '@';
    if (!p.empty()) std::memcpy(first, p.data(), p.size());
    return {first + p.size(), std::errc{}};
  }
  /// The path, "@name" for an abstract name (the form parse_endpoint reads), "" when unnamed.
  std::string to_string() const {
    std::string text;
    if (is_abstract()) text += '@';
    text += path();
    return text;
  }

  /// Equal when both are unnamed, or the same path, or the same abstract name.
  friend bool operator==(const local_endpoint& a, const local_endpoint& b) noexcept {
    return a.is_abstract() == b.is_abstract() && a.path() == b.path();
  }

 private:
  friend struct detail::endpoint_access;
  int set_size(socklen_t length) noexcept {
    int err = 0;
    if (length == 0) {
      addr_.sun_family = AF_UNIX;  // recvfrom from an unnamed sender reports no address
      length = path_offset;
    } else if (length == sizeof(sockaddr_un) + 1 && fills_sun_path()) {
      length = sizeof(sockaddr_un);  // the kernel counted the NUL it keeps past sun_path
    }
    if (length < path_offset || length > sizeof(sockaddr_un))
      err = EINVAL;
    else if (addr_.sun_family != AF_UNIX)
      err = EAFNOSUPPORT;
    if (err != 0)
      *this = local_endpoint{};
    else
      size_ = length;
    return err;
  }
  /// Whether sun_path holds a path of all its bytes, without a NUL.
  bool fills_sun_path() const noexcept {
    return addr_.sun_path[0] != '\0' &&
           std::memchr(addr_.sun_path, '\0', sizeof addr_.sun_path) == nullptr;
  }

  int assign_path(std::string_view path) noexcept {
    if (path.empty() || path.find('\0') != std::string_view::npos) return EINVAL;
    if (path.size() > max_path_size) return ENAMETOOLONG;
    std::memcpy(addr_.sun_path, path.data(), path.size());
    addr_.sun_path[path.size()] = '\0';
    size_ = static_cast<socklen_t>(path_offset + path.size() + 1);
    return 0;
  }
  int assign_abstract(std::string_view name) noexcept {
    if (name.empty()) return EINVAL;
    if (name.size() > max_name_size) return ENAMETOOLONG;
    addr_.sun_path[0] = '\0';
    std::memcpy(addr_.sun_path + 1, name.data(), name.size());
    size_ = static_cast<socklen_t>(path_offset + 1 + name.size());
    return 0;
  }

  sockaddr_un addr_;
  socklen_t size_;
};

/// Unix-domain sockets (AF_UNIX, which POSIX also calls AF_LOCAL; `unix` is a macro in
/// GNU modes). Stream, datagram and seqpacket.
struct local {
  /// AF_UNIX, the first argument of socket(2).
  static constexpr int domain = AF_UNIX;
  /// Its endpoint type.
  using endpoint = local_endpoint;
  /// The socket types the kernel implements for it (valid_protocol asks this).
  template <class T>
  static constexpr bool supports = T::type == SOCK_STREAM || T::type == SOCK_DGRAM || T::type == SOCK_SEQPACKET;
};

/// Writes the endpoint's text, as to_string().
template <class Traits>
std::basic_ostream<char, Traits>& operator<<(std::basic_ostream<char, Traits>& os,
                                             const local_endpoint& e) {
  if (e.is_abstract()) os.put('@');
  const std::string_view p = e.path();
  return os << std::basic_string_view<char, Traits>(p.data(), p.size());
}

}  // namespace berth

namespace std {
template <>
struct hash<berth::local_endpoint> {
  std::size_t operator()(const berth::local_endpoint& e) const noexcept {
    std::uint64_t h = e.is_abstract() ? 0x9e3779b97f4a7c15ull : 0;  // FNV-1a over the bytes
    h ^= 0xcbf29ce484222325ull;
    for (char c : e.path()) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    return berth::detail::hash_mix(h);
  }
};
}  // namespace std

#endif  // BERTH_LOCAL_HPP
