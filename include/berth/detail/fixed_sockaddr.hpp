#ifndef BERTH_DETAIL_FIXED_SOCKADDR_HPP
#define BERTH_DETAIL_FIXED_SOCKADDR_HPP

#include <berth/error.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace berth::detail {

struct endpoint_access;

/// What inet_endpoint and inet6_endpoint share: exactly one sockaddr of a fixed type (no
/// other member, so sizeof(endpoint) == sizeof(Sockaddr)), handed to the kernel as it is
/// and checked when the kernel or a caller fills it. `Family` is AF_INET or AF_INET6,
/// `family_field` its member (&sockaddr_in::sin_family, ...).
template <class Derived, class Sockaddr, auto family_field, int Family>
class fixed_sockaddr {
 public:
  /// A copy of a sockaddr of this family, checked: another family is
  /// std::errc::address_family_not_supported, then a length other than sizeof(Sockaddr)
  /// std::errc::invalid_argument.
  static Derived from_sockaddr(const sockaddr* address, socklen_t length) {
    std::error_code ec;
    Derived e = from_sockaddr(address, length, ec);
    if (ec) throw_error(ec.value(), "berth: endpoint from_sockaddr");
    return e;
  }
  /// As from_sockaddr(address, length); on error sets `ec` and returns the default endpoint.
  static Derived from_sockaddr(const sockaddr* address, socklen_t length,
                               std::error_code& ec) noexcept {
    Derived e;
    if (address == nullptr) {
      assign(ec, EINVAL);
      return e;
    }
    // Copied byte-wise (a sockaddr* need not be aligned for Sockaddr), then checked as
    // what the kernel writes is checked.
    std::memcpy(e.data(), address, length < sizeof(Sockaddr) ? length : sizeof(Sockaddr));
    assign(ec, static_cast<fixed_sockaddr&>(e).set_size(length));
    return e;
  }

  /// The sockaddr, for the kernel to read.
  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&addr_); }
  /// The sockaddr, for the kernel to fill (then call resize with the length it reports).
  sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&addr_); }
  /// sizeof(Sockaddr).
  constexpr socklen_t size() const noexcept { return sizeof(Sockaddr); }
  /// sizeof(Sockaddr).
  static constexpr socklen_t capacity() noexcept { return sizeof(Sockaddr); }
  /// Accepts what the kernel wrote through data(): the family must be this one
  /// (std::errc::address_family_not_supported), the length sizeof(Sockaddr)
  /// (std::errc::invalid_argument).
  void resize(socklen_t length) {
    if (const int err = set_size(length)) throw_error(err, "berth: endpoint resize");
  }
  /// As resize(length), reporting through `ec`; on error the endpoint becomes the default one.
  void resize(socklen_t length, std::error_code& ec) noexcept { assign(ec, set_size(length)); }

 protected:
  constexpr fixed_sockaddr() noexcept : addr_{} {
    addr_.*family_field = static_cast<sa_family_t>(Family);
  }

  Sockaddr addr_;

 private:
  friend struct endpoint_access;

  int set_size(socklen_t length) noexcept {
    if (length == sizeof(Sockaddr) && addr_.*family_field == Family) return 0;
    return reject(length);
  }
  /// Why the address is not one of this family (in set_size's order); the endpoint becomes
  /// the default one. Out of line: the usual path is the test in set_size.
  [[gnu::cold, gnu::noinline]] int reject(socklen_t length) noexcept {
    int err = EINVAL;
    if (length >= sizeof(sa_family_t) && addr_.*family_field != Family) err = EAFNOSUPPORT;
    static_cast<Derived&>(*this) = Derived{};
    return err;
  }
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_FIXED_SOCKADDR_HPP
