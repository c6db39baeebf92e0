#ifndef BERTH_ACCEPTOR_HPP
#define BERTH_ACCEPTOR_HPP

#include <berth/concepts.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/syscall.hpp>
#include <berth/error.hpp>
#include <berth/socket.hpp>
#include <berth/socket_type.hpp>

#include <sys/socket.h>

#include <system_error>
#include <utility>

namespace berth {

/// A listening socket of family F and connection-oriented type T (stream by default).
/// Owns one descriptor (sizeof(acceptor) == sizeof(int)), close-on-exec, closed by the
/// destructor; move-only. Make one with `berth::listen(ep)`.
template <address_family F, connection_oriented T = stream>
  requires valid_protocol<F, T>
class acceptor : public detail::socket_base<F, T> {
  using base = detail::socket_base<F, T>;
  using base::fd_;

 public:
  using typename base::endpoint;
  using typename base::endpoint_type;

  /// Holds no descriptor.
  acceptor() noexcept = default;
  /// Takes the other's descriptor; the other holds none.
  acceptor(acceptor&&) noexcept = default;
  /// Closes the descriptor held, then takes the other's; the other holds none.
  acceptor& operator=(acceptor&&) noexcept = default;

  /// Listens on `ep`: socket (SOCK_CLOEXEC), setsockopt(SO_REUSEADDR) for inet and inet6,
  /// bind, listen. Port 0 lets the kernel choose (see local_endpoint()). A local path must
  /// not exist yet (std::errc::address_in_use); remove it when done.
  explicit acceptor(const endpoint_type& ep, int backlog = SOMAXCONN) {
    if (const int err = open(ep, backlog)) detail::throw_error(err, "berth::acceptor");
  }
  /// As acceptor(ep), reporting through `ec`; on error holds none.
  acceptor(const endpoint_type& ep, std::error_code& ec) noexcept {
    detail::assign(ec, open(ep, SOMAXCONN));
  }
  /// As acceptor(ep, backlog), reporting through `ec`; on error holds none.
  acceptor(const endpoint_type& ep, int backlog, std::error_code& ec) noexcept {
    detail::assign(ec, open(ep, backlog));
  }

  /// Listens on a socket already bound (options such as reuse_port or v6_only set before
  /// the bind): one listen(2), after which the acceptor owns the descriptor.
  explicit acceptor(socket<F, T>&& bound, int backlog = SOMAXCONN) {
    if (::listen(bound.native_handle(), backlog) != 0) detail::throw_error(errno, "berth::acceptor");
    fd_ = bound.release();
  }
  /// As acceptor(bound, backlog), reporting through `ec`; on error `bound` keeps its descriptor.
  acceptor(socket<F, T>&& bound, int backlog, std::error_code& ec) noexcept {
    const bool ok = ::listen(bound.native_handle(), backlog) == 0;
    detail::assign(ec, ok ? 0 : errno);
    if (ok) fd_ = bound.release();
  }

  /// Takes ownership of a listening descriptor, unchecked and without a system call.
  static acceptor adopt(int fd) noexcept {
    acceptor a;
    a.fd_ = fd;
    return a;
  }

  /// The next connection: one accept4 with SOCK_CLOEXEC, EINTR retried. Blocks unless
  /// the acceptor is non-blocking (then std::errc::resource_unavailable_try_again).
  socket<F, T> accept() {
    const int fd = detail::accept_fd(fd_, nullptr, nullptr);
    if (fd < 0) detail::throw_error(errno, "berth::acceptor::accept");
    return socket<F, T>::adopt(fd);
  }
  /// As accept(), reporting through `ec`; on error returns a socket that holds none.
  socket<F, T> accept(std::error_code& ec) noexcept {
    const int fd = detail::accept_fd(fd_, nullptr, nullptr);
    detail::assign(ec, fd < 0 ? errno : 0);
    return socket<F, T>::adopt(fd);
  }
  /// As accept(), also filling `peer` with the address of the connecting socket.
  socket<F, T> accept(endpoint_type& peer) {
    int err = 0;
    socket<F, T> s = accept_into(peer, err);
    if (err != 0) detail::throw_error(err, "berth::acceptor::accept");
    return s;
  }
  /// As accept(peer), reporting through `ec`; on error returns a socket that holds none.
  socket<F, T> accept(endpoint_type& peer, std::error_code& ec) noexcept {
    int err = 0;
    socket<F, T> s = accept_into(peer, err);
    detail::assign(ec, err);
    return s;
  }

 private:
  socket<F, T> accept_into(endpoint_type& peer, int& err) noexcept {
    socklen_t size = endpoint_type::capacity();
    socket<F, T> s = socket<F, T>::adopt(detail::accept_fd(fd_, peer.data(), &size));
    err = s.is_open() ? detail::endpoint_access::set_size(peer, size) : errno;
    if (err != 0) s = {};  // a peer address the kernel cannot have written: no leak
    return s;
  }

  int open(const endpoint_type& ep, int backlog) noexcept {
    int fd = ::socket(F::domain, T::type | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int err = 0;
    if constexpr (F::domain == AF_INET || F::domain == AF_INET6) {
      const int on = 1;
      if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) err = errno;
    }
    if (err == 0 && ::bind(fd, ep.data(), ep.size()) != 0) err = errno;
    if (err == 0 && ::listen(fd, backlog) != 0) err = errno;
    if (err != 0) {
      detail::close_fd(fd);
      return err;
    }
    fd_ = fd;
    return 0;
  }
};

/// An acceptor listening on `ep` (see acceptor's constructor); the family comes from the
/// endpoint, the type is stream unless given: `auto a = berth::listen(ep);`,
/// `berth::listen<berth::seqpacket>(path)`.
template <connection_oriented T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
acceptor<typename E::family, T> listen(const E& ep, int backlog = SOMAXCONN) {
  return acceptor<typename E::family, T>(ep, backlog);
}
/// An acceptor listening on a socket already bound: `berth::listen(std::move(s))` (see the
/// acceptor constructor taking a socket).
template <address_family F, connection_oriented T>
  requires valid_protocol<F, T>
acceptor<F, T> listen(socket<F, T>&& bound, int backlog = SOMAXCONN) {
  return acceptor<F, T>(std::move(bound), backlog);
}
/// As listen(std::move(bound), backlog), reporting through `ec`; on error `bound` keeps
/// its descriptor and the acceptor returned holds none.
template <address_family F, connection_oriented T>
  requires valid_protocol<F, T>
acceptor<F, T> listen(socket<F, T>&& bound, int backlog, std::error_code& ec) noexcept {
  return acceptor<F, T>(std::move(bound), backlog, ec);
}

/// As listen(ep), reporting through `ec`; on error returns an acceptor that holds none.
template <connection_oriented T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
acceptor<typename E::family, T> listen(const E& ep, std::error_code& ec) noexcept {
  return acceptor<typename E::family, T>(ep, SOMAXCONN, ec);
}
/// As listen(ep, backlog), reporting through `ec`; on error returns an acceptor that holds none.
template <connection_oriented T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
acceptor<typename E::family, T> listen(const E& ep, int backlog, std::error_code& ec) noexcept {
  return acceptor<typename E::family, T>(ep, backlog, ec);
}

}  // namespace berth

#endif  // BERTH_ACCEPTOR_HPP
