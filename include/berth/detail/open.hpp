#ifndef BERTH_DETAIL_OPEN_HPP
#define BERTH_DETAIL_OPEN_HPP

// Making descriptors: the one socket(2) call behind every socket berth opens (always
// close-on-exec), and the steps after it (connect, bind, listen) done on a plain
// descriptor that is closed again when a step fails. Plain descriptors and no object with
// a destructor, so that the free connect() inlines to what hand-written code is.

#include <berth/detail/blocking.hpp>
#include <berth/detail/sys.hpp>

#include <sys/socket.h>

#include <cstddef>
#include <cstring>

namespace berth::detail {

/// Whether F is the unix-domain family.
template <class F>
inline constexpr bool is_local_family = F::domain == AF_UNIX;

/// Whether every socket of family F has the domain F::domain (inet, inet6, local). A family
/// chosen at run time (berth::ip, whose domain is AF_UNSPEC) has none: each socket gets the
/// domain of the endpoint it is opened for.
template <class F>
inline constexpr bool has_fixed_domain = F::domain != AF_UNSPEC;

/// socket(F::domain, T::type | SOCK_CLOEXEC | flags, 0).
template <class F, class T>
  requires has_fixed_domain<F>
[[gnu::always_inline]] inline sys::result open_socket(int flags = 0) noexcept {
  return sys::socket(F::domain, T::type | SOCK_CLOEXEC | flags, 0);
}

/// The domain of a socket of family F opened for `address`: F::domain, or for a family
/// chosen at run time the address's own (sa_family).
template <class F>
[[gnu::always_inline]] inline int domain_for(const sockaddr* address) noexcept {
  if constexpr (has_fixed_domain<F>) {
    return F::domain;
  } else {
    static_assert(offsetof(sockaddr, sa_family) == 0);
    sa_family_t family;
    std::memcpy(&family, address, sizeof family);  // the caller's sockaddr_in or sockaddr_in6
    return family;
  }
}

/// socket(domain_for<F>(address), T::type | SOCK_CLOEXEC | flags, 0): a socket to connect
/// or bind to `address`.
template <class F, class T>
[[gnu::always_inline]] inline sys::result open_socket_for(const sockaddr* address, int flags = 0) noexcept {
  return sys::socket(domain_for<F>(address), T::type | SOCK_CLOEXEC | flags, 0);
}

/// After a step on a new descriptor: the descriptor when the step succeeded, else -1 with
/// `err` set to the step's error and the descriptor closed.
[[gnu::always_inline]] inline int keep_or_close(int fd, int step_err, int& err) noexcept {
  err = step_err;
  if (step_err == 0) return fd;
  sys::close_quietly(fd);
  return -1;
}

/// socket, then connect (see blocking.hpp for EINTR): the descriptor, or -1 with `err`
/// set and nothing left open.
template <class F, class T>
[[gnu::always_inline]] inline int open_connected(const sockaddr* to, socklen_t to_size, int& err) noexcept {
  const sys::result s = open_socket_for<F, T>(to);
  if (s.err != 0) {
    err = s.err;
    return -1;
  }
  const int fd = static_cast<int>(s.value);
  return keep_or_close(fd, connect<is_local_family<F>>(fd, to, to_size), err);
}

/// socket (non-blocking for TCP), then connect within `timeout_ms` (see connect_within).
template <class F, class T>
inline int open_connected_within(const sockaddr* to, socklen_t to_size, int timeout_ms,
                                 int& err) noexcept {
  if (timeout_ms == invalid_timeout) {
    err = EINVAL;
    return -1;
  }
  constexpr bool local = is_local_family<F>;
  const sys::result s = open_socket_for<F, T>(to, local ? 0 : SOCK_NONBLOCK);
  if (s.err != 0) {
    err = s.err;
    return -1;
  }
  const int fd = static_cast<int>(s.value);
  return keep_or_close(fd, connect_within<local>(fd, to, to_size, timeout_ms), err);
}

/// socket, then bind: as open_connected.
template <class F, class T>
[[gnu::always_inline]] inline int open_bound(const sockaddr* at, socklen_t at_size, int& err) noexcept {
  const sys::result s = open_socket_for<F, T>(at);
  if (s.err != 0) {
    err = s.err;
    return -1;
  }
  const int fd = static_cast<int>(s.value);
  return keep_or_close(fd, sys::bind(fd, at, at_size).err, err);
}

/// socket, SO_REUSEADDR (inet and inet6: a restarted server can bind a port still in
/// TIME_WAIT), bind, listen: as open_connected.
template <class F, class T>
[[gnu::always_inline]] inline int open_listening(const sockaddr* at, socklen_t at_size, int backlog, int& err) noexcept {
  const sys::result s = open_socket_for<F, T>(at);
  if (s.err != 0) {
    err = s.err;
    return -1;
  }
  const int fd = static_cast<int>(s.value);
  int step = 0;
  if constexpr (!is_local_family<F>) {
    const int on = 1;
    step = sys::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on).err;
  }
  if (step == 0) step = sys::bind(fd, at, at_size).err;
  if (step == 0) step = sys::listen(fd, backlog).err;
  return keep_or_close(fd, step, err);
}

}  // namespace berth::detail

#endif  // BERTH_DETAIL_OPEN_HPP
