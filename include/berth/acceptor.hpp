#ifndef BERTH_ACCEPTOR_HPP
#define BERTH_ACCEPTOR_HPP

#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/open.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/sys.hpp>
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
  /// Closes the descriptor held (once, its outcome ignored), if any.
  [[gnu::always_inline]] ~acceptor() = default;
  /// Takes the descriptor of an acceptor of a family this one stands for (acceptor<ip, T>
  /// from acceptor<inet, T> or acceptor<inet6, T>); the other holds none.
  template <address_family G>
    requires(!std::same_as<G, F>) && valid_protocol<G, T> &&
            (detail::families_within<G>(detail::family_kinds<F>::value))
  acceptor(acceptor<G, T>&& other) noexcept {
    fd_ = other.release();
  }

  /// Listens on `ep`: socket (SOCK_CLOEXEC), setsockopt(SO_REUSEADDR) for inet and inet6,
  /// bind, listen. Port 0 lets the kernel choose (see local_endpoint()). A local path must
  /// not exist yet (std::errc::address_in_use); remove it when done. A thrown error names
  /// the endpoint.
  [[gnu::always_inline]] explicit acceptor(const endpoint_type& ep, int backlog = SOMAXCONN) {
    int err = 0;
    fd_ = detail::open_listening<F, T>(ep.data(), ep.size(), backlog, err);
    detail::throws sink;
    detail::report_outcome(fd_ < 0, err, sink, "berth::listen", ep);
  }
  /// As acceptor(ep), reporting through `ec`; on error holds none.
  acceptor(const endpoint_type& ep, std::error_code& ec) noexcept : acceptor(ep, SOMAXCONN, ec) {}
  /// As acceptor(ep, backlog), reporting through `ec`; on error holds none.
  acceptor(const endpoint_type& ep, int backlog, std::error_code& ec) noexcept {
    int err = 0;
    fd_ = detail::open_listening<F, T>(ep.data(), ep.size(), backlog, err);
    detail::assign(ec, err);
  }

  /// Listens on a socket already bound (options such as reuse_port or v6_only set before
  /// the bind): one listen(2), after which the acceptor owns the descriptor.
  explicit acceptor(socket<F, T>&& bound, int backlog = SOMAXCONN) {
    detail::throws sink;
    detail::report(detail::sys::listen(bound.native_handle(), backlog).err, sink, "berth::listen");
    fd_ = bound.release();
  }
  /// As acceptor(bound, backlog), reporting through `ec`; on error `bound` keeps its descriptor.
  acceptor(socket<F, T>&& bound, int backlog, std::error_code& ec) noexcept {
    const int err = detail::sys::listen(bound.native_handle(), backlog).err;
    detail::assign(ec, err);
    if (err == 0) fd_ = bound.release();
  }

  /// Takes ownership of a listening descriptor, unchecked and without a system call.
  [[nodiscard]] static acceptor adopt(int fd) noexcept {
    acceptor a;
    a.fd_ = fd;
    return a;
  }

  /// The next connection: one accept4 with SOCK_CLOEXEC, EINTR retried (a receive_timeout
  /// still holds). Blocks unless the acceptor is non-blocking (then
  /// std::errc::resource_unavailable_try_again). Reporting through `ec`, returns a socket
  /// that holds none on error.
  template <detail::error_sink S = detail::throws>
  [[nodiscard, gnu::always_inline]] socket<F, T> accept(S&& on_error = {}) noexcept(
      detail::reports_to_code<S>) {
    const detail::sys::result r = detail::sys::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (r.value < 0) [[unlikely]]
      return socket<F, T>::adopt(accept_failed(r.err, nullptr, nullptr, on_error));
    detail::report_outcome(false, 0, on_error, "berth::acceptor::accept");
    return socket<F, T>::adopt(static_cast<int>(r.value));
  }
  /// As accept(), also filling `peer` with the address of the connecting socket (a unix
  /// peer bound to a full 108-byte path included). A peer address the kernel cannot have
  /// written closes the connection (std::errc::invalid_argument; nothing leaks).
  template <detail::error_sink S = detail::throws>
  [[nodiscard, gnu::always_inline]] socket<F, T> accept(endpoint_type& peer, S&& on_error = {}) noexcept(
      detail::reports_to_code<S>) {
    socklen_t size = endpoint_type::capacity();
    const detail::sys::result r = detail::sys::accept4(fd_, peer.data(), &size, SOCK_CLOEXEC);
    if (r.value < 0) [[unlikely]]
      return socket<F, T>::adopt(accept_failed(r.err, &peer, &size, on_error));
    if (const int err = detail::endpoint_access::set_size(peer, size)) [[unlikely]]
      return socket<F, T>::adopt(refuse_peer(static_cast<int>(r.value), err, on_error));
    detail::report_outcome(false, 0, on_error, "berth::acceptor::accept");
    return socket<F, T>::adopt(static_cast<int>(r.value));
  }

 private:
  // The cold paths below return a descriptor (or -1), not a socket: the socket is made
  // where accept is inlined, so that it never has to live in memory for them.

  // A connection whose peer address the kernel cannot have written (`err`): closed, the
  // error reported; returns -1.
  template <class S>
  [[gnu::cold, gnu::noinline]] static int refuse_peer(int fd, int err, S& on_error) noexcept(
      detail::reports_to_code<S&>) {
    detail::sys::close_quietly(fd);
    detail::report_outcome(true, err, on_error, "berth::acceptor::accept");
    return -1;
  }

  // After accept4 failed with `err`: EINTR is retried (see detail::accept), anything else
  // reported. Out of line, so that an accept that succeeds is what hand-written code is.
  // The new descriptor, or -1.
  template <class S>
  [[gnu::cold, gnu::noinline]] int accept_failed(int err, endpoint_type* peer, socklen_t* size,
                                                 S& on_error) noexcept(detail::reports_to_code<S&>) {
    detail::sys::result r{-1, err};
    if (err == EINTR) r = detail::accept(fd_, peer ? peer->data() : nullptr, size);
    if (r.value >= 0 && peer != nullptr) {
      if (const int bad = detail::endpoint_access::set_size(*peer, *size))
        return refuse_peer(static_cast<int>(r.value), bad, on_error);
    }
    detail::report_outcome(r.value < 0, r.err, on_error, "berth::acceptor::accept");
    return static_cast<int>(r.value);
  }
};

/// An acceptor listening on `ep` (see acceptor's constructor); the family comes from the
/// endpoint, the type is stream unless given: `auto a = berth::listen(ep);`,
/// `berth::listen<berth::seqpacket>(path)`.
template <connection_oriented T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
[[nodiscard, gnu::always_inline]] inline acceptor<typename E::family, T> listen(const E& ep,
                                                                         int backlog = SOMAXCONN) {
  return acceptor<typename E::family, T>(ep, backlog);
}
namespace detail {
/// What listen<datagram> reports (see option_does_not_apply_to_this_socket).
template <class T>
struct only_connection_oriented_sockets_listen {};
}  // namespace detail

/// listen<T> for a type without connections (datagram): does not compile.
template <socket_type T, endpoint E, class... Rest>
  requires(!connection_oriented<T>)
detail::only_connection_oriented_sockets_listen<T> listen(const E&, Rest&&...) = delete;

/// As listen(ep), reporting through `ec`; on error returns an acceptor that holds none.
template <connection_oriented T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
[[nodiscard]] acceptor<typename E::family, T> listen(const E& ep, std::error_code& ec) noexcept {
  return acceptor<typename E::family, T>(ep, SOMAXCONN, ec);
}
/// As listen(ep, backlog), reporting through `ec`; on error returns an acceptor that holds none.
template <connection_oriented T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
[[nodiscard]] acceptor<typename E::family, T> listen(const E& ep, int backlog,
                                                     std::error_code& ec) noexcept {
  return acceptor<typename E::family, T>(ep, backlog, ec);
}
/// An acceptor listening on a socket already bound: `berth::listen(std::move(s))` (see the
/// acceptor constructor taking a socket).
template <address_family F, connection_oriented T>
  requires valid_protocol<F, T>
[[nodiscard]] acceptor<F, T> listen(socket<F, T>&& bound, int backlog = SOMAXCONN) {
  return acceptor<F, T>(std::move(bound), backlog);
}
/// As listen(std::move(bound), backlog), reporting through `ec`; on error `bound` keeps
/// its descriptor and the acceptor returned holds none.
template <address_family F, connection_oriented T>
  requires valid_protocol<F, T>
[[nodiscard]] acceptor<F, T> listen(socket<F, T>&& bound, int backlog, std::error_code& ec) noexcept {
  return acceptor<F, T>(std::move(bound), backlog, ec);
}

}  // namespace berth

#endif  // BERTH_ACCEPTOR_HPP
