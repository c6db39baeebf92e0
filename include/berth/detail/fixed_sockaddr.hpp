#ifndef BERTH_DETAIL_FIXED_SOCKADDR_HPP
#define BERTH_DETAIL_FIXED_SOCKADDR_HPP

#include <berth/detail/report.hpp>
#include <berth/error.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace berth::detail {

static_assert(offsetof(sockaddr_in, sin_family) == 0 && offsetof(sockaddr_in6, sin6_family) == 0 &&
                  sizeof(sa_family_t) == 2,
              "fixed_sockaddr::unspecified() writes the family as the first two bytes");

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
  /// std::errc::invalid_argument. Reporting through `ec`, returns the default endpoint on
  /// error.
  template <error_sink S = throws>
  [[nodiscard]] static Derived from_sockaddr(const sockaddr* address, socklen_t length,
                                             S&& on_error = {}) noexcept(reports_to_code<S>) {
    Derived e;
    int err = EINVAL;
    if (address != nullptr) {
      // Copied byte-wise (a sockaddr* need not be aligned for Sockaddr), then checked as
      // what the kernel writes is checked.
      std::memcpy(e.data(), address, length < sizeof(Sockaddr) ? length : sizeof(Sockaddr));
      err = static_cast<fixed_sockaddr&>(e).set_size(length);
    }
    report(err, on_error, "berth::endpoint::from_sockaddr");
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
  /// (std::errc::invalid_argument). On error the endpoint becomes the default one.
  template <error_sink S = throws>
  void resize(socklen_t length, S&& on_error = {}) noexcept(reports_to_code<S>) {
    report(set_size(length), on_error, "berth::endpoint::resize");
  }

 protected:
  constexpr fixed_sockaddr() noexcept : addr_(unspecified()) {}

  /// The sockaddr of the unspecified address and port 0: its family, all else zero. Made
  /// whole and then stored, so that the compiler writes it as one constant (two stores for
  /// a sockaddr_in) rather than zeros and then the family over them.
  static constexpr Sockaddr unspecified() noexcept {
    if constexpr (std::is_same_v<Sockaddr, sockaddr_in>) {
      // Two 64-bit words, the family in the first two bytes (bit_cast is constant for
      // sockaddr_in, which has no union; sockaddr_in6's in6_addr has one).
      const std::uint64_t first = std::endian::native == std::endian::little
                                      ? std::uint64_t{Family}
                                      : std::uint64_t{Family} << 48;
      return std::bit_cast<sockaddr_in>(std::array<std::uint64_t, 2>{first, 0});
    } else {
      Sockaddr a{};
      a.*family_field = static_cast<sa_family_t>(Family);
      return a;
    }
  }

  Sockaddr addr_;

 private:
  friend struct endpoint_access;

  [[gnu::always_inline]] int set_size(socklen_t length) noexcept {
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
