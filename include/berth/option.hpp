#ifndef BERTH_OPTION_HPP
#define BERTH_OPTION_HPP

#include <berth/concepts.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/socket_type.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <cerrno>
#include <climits>

namespace berth {
namespace detail {

// Which concrete families a family tag can stand for, as bits: inet, inet6, local. A tag
// with one domain stands for that one; a tag whose family is chosen at run time (berth::ip:
// inet or inet6) specializes family_kinds to say so.
inline constexpr unsigned kind_inet = 1, kind_inet6 = 2, kind_local = 4;

/// The kind of a socket of `domain` (AF_INET, AF_INET6, AF_UNIX); 0 for any other.
constexpr unsigned kind_of_domain(int domain) noexcept {
  return domain == AF_INET    ? kind_inet
         : domain == AF_INET6 ? kind_inet6
         : domain == AF_UNIX  ? kind_local
                              : 0u;
}

template <class F>
struct family_kinds {
  static constexpr unsigned value = kind_of_domain(F::domain);
};

/// Whether every family F can stand for is among `allowed` (and F stands for one at least).
template <class F>
constexpr bool families_within(unsigned allowed) noexcept {
  constexpr unsigned kinds = family_kinds<F>::value;
  return kinds != 0 && (kinds & ~allowed) == 0;
}

// Where an option means something: for every family the socket's tag can stand for. An
// option that the kernel would accept and silently ignore (TCP_NODELAY on a unix socket,
// SO_BROADCAST on TCP) is rejected at compile time.
struct on_any {
  template <class F, class T>
  static constexpr bool value = true;
};
struct on_ip {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet | kind_inet6);
};
struct on_ip_stream {
  template <class F, class T>
  static constexpr bool value = on_ip::value<F, T> && T::type == SOCK_STREAM;
};
struct on_inet_datagram {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet) && T::type == SOCK_DGRAM;
};
struct on_inet6 {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet6);
};
struct on_local {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_local);
};

// How an option's value crosses setsockopt/getsockopt. encode returns an errno value
// (0: fine) so a value the kernel would clamp or misread is refused before the call.

template <int Level, int Name, class Where>
struct bool_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = int;
  template <class O>
  static constexpr int encode(const O& o, int& n) noexcept {
    n = o.value ? 1 : 0;
    return 0;
  }
  template <class O>
  static constexpr O decode(const int& n) noexcept {
    return O{n != 0};
  }
};

template <int Level, int Name, class Where>
struct size_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = int;
  template <class O>
  static constexpr int encode(const O& o, int& n) noexcept {
    if (o.value < 0) return EINVAL;  // the kernel would read it as a huge unsigned size
    n = o.value;
    return 0;
  }
  template <class O>
  static constexpr O decode(const int& n) noexcept {
    return O{n};
  }
};

template <int Level, int Name, class Where>
struct timeout_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = timeval;
  template <class O>
  static constexpr int encode(const O& o, timeval& n) noexcept {
    const auto us = o.value.count();
    if (us < 0) return EINVAL;  // the kernel would take it as 0: no timeout at all
    n.tv_sec = static_cast<time_t>(us / 1000000);
    n.tv_usec = static_cast<suseconds_t>(us % 1000000);
    return 0;
  }
  template <class O>
  static constexpr O decode(const timeval& n) noexcept {
    return O{std::chrono::microseconds(std::chrono::microseconds::rep{n.tv_sec} * 1000000 +
                                       n.tv_usec)};
  }
};

}  // namespace detail

/// A socket option that applies to socket<F, T>; others are rejected at compile time.
template <class O, class F, class T>
concept option_for = address_family<F> && socket_type<T> && requires {
  typename O::traits;
  typename O::traits::where;
} && O::traits::where::template value<F, T>;

/// An option that can be set (peer_credentials and error can only be read).
template <class O>
concept settable_option = requires(const O& o, typename O::traits::native_type& n) {
  { O::traits::encode(o, n) } -> std::same_as<int>;
};

/// Socket options, set with `s.set(option::no_delay{true})` and read with
/// `s.get<option::no_delay>().value`. Each is one setsockopt or getsockopt.
namespace option {

/// SO_REUSEADDR: bind a port still in TIME_WAIT (inet, inet6). Acceptors set it already.
struct reuse_address {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_REUSEADDR, detail::on_ip>;
};

/// SO_REUSEPORT: several sockets bound to one port share its load (inet, inet6).
struct reuse_port {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_REUSEPORT, detail::on_ip>;
};

/// SO_KEEPALIVE: probe an idle TCP connection (inet and inet6 stream).
struct keep_alive {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_KEEPALIVE, detail::on_ip_stream>;
};

/// SO_BROADCAST: allow sending to a broadcast address (inet datagram).
struct broadcast {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_BROADCAST, detail::on_inet_datagram>;
};

/// TCP_NODELAY: send small segments at once, without Nagle's delay (inet and inet6 stream).
struct no_delay {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<IPPROTO_TCP, TCP_NODELAY, detail::on_ip_stream>;
};

/// IPV6_V6ONLY: an inet6 socket does not also take IPv4-mapped traffic (inet6).
struct v6_only {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<IPPROTO_IPV6, IPV6_V6ONLY, detail::on_inet6>;
};

/// SO_RCVBUF in bytes. Linux doubles what is set and reports the doubled size; a negative
/// size is std::errc::invalid_argument.
struct receive_buffer_size {
  /// The size in bytes.
  int value = 0;
  using traits = detail::size_traits<SOL_SOCKET, SO_RCVBUF, detail::on_any>;
};

/// SO_SNDBUF in bytes. Linux doubles what is set and reports the doubled size; a negative
/// size is std::errc::invalid_argument.
struct send_buffer_size {
  /// The size in bytes.
  int value = 0;
  using traits = detail::size_traits<SOL_SOCKET, SO_SNDBUF, detail::on_any>;
};

/// SO_RCVTIMEO: a blocking receive gives up after this long with
/// std::errc::resource_unavailable_try_again; zero waits forever; negative is
/// std::errc::invalid_argument. The kernel rounds it up to its clock tick (get shows that).
struct receive_timeout {
  /// The time limit; zero for none.
  std::chrono::microseconds value{0};
  using traits = detail::timeout_traits<SOL_SOCKET, SO_RCVTIMEO, detail::on_any>;
};

/// SO_SNDTIMEO: a blocking send gives up after this long with
/// std::errc::resource_unavailable_try_again, a blocking TCP connect with
/// std::errc::operation_in_progress; zero waits forever; negative is
/// std::errc::invalid_argument. The kernel rounds it up to its clock tick (get shows that).
struct send_timeout {
  /// The time limit; zero for none.
  std::chrono::microseconds value{0};
  using traits = detail::timeout_traits<SOL_SOCKET, SO_SNDTIMEO, detail::on_any>;
};

/// SO_LINGER: when enabled, close waits up to `timeout` for unsent data, and a zero
/// timeout resets the connection (inet and inet6 stream). A timeout below zero or above
/// INT_MAX seconds is std::errc::invalid_argument. Disabling keeps the kernel's previous
/// timeout, which get then reports beside `enabled == false`.
struct linger {
  /// Whether close lingers.
  bool enabled = false;
  /// How long close lingers at most.
  std::chrono::seconds timeout{0};
  struct traits {
    static constexpr int level = SOL_SOCKET, name = SO_LINGER;
    using where = detail::on_ip_stream;
    using native_type = ::linger;
    template <class O>
    static constexpr int encode(const O& o, ::linger& n) noexcept {
      if (o.timeout.count() < 0 || o.timeout.count() > INT_MAX) return EINVAL;
      n.l_onoff = o.enabled ? 1 : 0;
      n.l_linger = static_cast<int>(o.timeout.count());
      return 0;
    }
    template <class O>
    static constexpr O decode(const ::linger& n) noexcept {
      return O{n.l_onoff != 0, std::chrono::seconds(n.l_linger)};
    }
  };
};

/// SO_PEERCRED: who is at the other end of a local socket, as of connect or socket_pair
/// (local; read only).
struct peer_credentials {
  /// The peer's process id.
  pid_t pid = 0;
  /// The peer's effective user id.
  uid_t uid = 0;
  /// The peer's effective group id.
  gid_t gid = 0;
  struct traits {
    static constexpr int level = SOL_SOCKET, name = SO_PEERCRED;
    using where = detail::on_local;
    using native_type = ::ucred;
    template <class O>
    static constexpr O decode(const ::ucred& n) noexcept {
      return O{n.pid, n.uid, n.gid};
    }
  };
};

/// SO_ERROR: the pending error as an errno value (0: none), cleared by reading it (read only).
struct error {
  /// An errno value, 0 for none.
  int value = 0;
  struct traits {
    static constexpr int level = SOL_SOCKET, name = SO_ERROR;
    using where = detail::on_any;
    using native_type = int;
    template <class O>
    static constexpr O decode(const int& n) noexcept {
      return O{n};
    }
  };
};

}  // namespace option
}  // namespace berth

#endif  // BERTH_OPTION_HPP
