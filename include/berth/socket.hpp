#ifndef BERTH_SOCKET_HPP
#define BERTH_SOCKET_HPP

#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/connection_ops.hpp>
#include <berth/detail/datagram_ops.hpp>
#include <berth/detail/message_ops.hpp>
#include <berth/detail/open.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/stream_ops.hpp>
#include <berth/detail/sys.hpp>
#include <berth/error.hpp>
#include <berth/option.hpp>
#include <berth/socket_type.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <concepts>
#include <cstddef>
#include <system_error>
#include <type_traits>

namespace berth {

template <address_family F, socket_type T>
  requires valid_protocol<F, T>
class socket;

namespace detail {
/// Stands for a capability a socket type lacks: an empty base, one distinct type per slot.
template <int Slot>
struct no_capability {};

/// The capability bases of socket<F, T>: each present only where it means something, so
/// that a member a socket lacks is not there at all (`s.send_to(...)` on TCP: "has no
/// member named 'send_to'"), and a requires-expression sees it missing.
template <class F, class T>
struct capabilities_of {
  using S = socket<F, T>;
  using connection = std::conditional_t<T::connection_oriented, connection_ops<S>, no_capability<0>>;
  using stream = std::conditional_t<std::same_as<T, berth::stream>, stream_ops<S>, no_capability<1>>;
  using message = std::conditional_t<!std::same_as<T, berth::stream>, message_ops<S, T>, no_capability<2>>;
  using datagram = std::conditional_t<std::same_as<T, berth::datagram>,
                                      datagram_ops<S, typename F::endpoint>, no_capability<3>>;
};
}  // namespace detail

/// A socket of family F (inet, inet6, local) and type T (stream, datagram, seqpacket).
/// Owns one descriptor (sizeof(socket) == sizeof(int)), always close-on-exec, closed by
/// the destructor; move-only. Members exist only where they mean something, each from the
/// capability base named for it: read/write on streams (detail/stream_ops.hpp),
/// send/receive on messages (message_ops.hpp), send_to/receive_from on datagrams
/// (datagram_ops.hpp), shutdown on connections (connection_ops.hpp); options, waiting and
/// the local address on every socket (socket_base.hpp). Every fallible call throws
/// std::system_error, or, given an `std::error_code&` last, is noexcept and reports there;
/// neither allocates.
template <address_family F, socket_type T>
  requires valid_protocol<F, T>
class socket : public detail::socket_base<F, T>,
               public detail::capabilities_of<F, T>::connection,
               public detail::capabilities_of<F, T>::stream,
               public detail::capabilities_of<F, T>::message,
               public detail::capabilities_of<F, T>::datagram {
  using base = detail::socket_base<F, T>;
  using base::fd_;
  friend struct detail::socket_access;

 public:
  using typename base::endpoint;
  using typename base::endpoint_type;

  /// Holds no descriptor.
  socket() noexcept = default;
  /// Takes the other's descriptor; the other holds none.
  socket(socket&&) noexcept = default;
  /// Closes the descriptor held, then takes the other's; the other holds none.
  socket& operator=(socket&&) noexcept = default;

  /// A new unbound socket: socket(F::domain, T::type | SOCK_CLOEXEC, 0). Reporting
  /// through `ec`, holds none on error.
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] static socket open(S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    const detail::sys::result r = detail::open_socket<F, T>();
    detail::report_outcome(r.value < 0, r.err, on_error, "berth::socket::open");
    return socket(static_cast<int>(r.value));
  }
  /// Takes ownership of `fd`, unchecked and without a system call.
  [[nodiscard]] static socket adopt(int fd) noexcept { return socket(fd); }
  /// Takes ownership of `fd` after checking with getsockopt that it is a socket of this
  /// family (else std::errc::address_family_not_supported) and type (else
  /// std::errc::wrong_protocol_type). On error the descriptor stays the caller's.
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] static socket adopt_checked(int fd, S&& on_error = {}) noexcept(
      detail::reports_to_code<S>) {
    const int err = check_kind(fd);
    detail::report(err, on_error, "berth::socket::adopt_checked");
    return err == 0 ? socket(fd) : socket();
  }
  /// As adopt_checked(fd, ec) (the name 0.1 gave it).
  [[nodiscard]] static socket adopt(int fd, std::error_code& ec) noexcept {
    return adopt_checked(fd, ec);
  }

  /// bind(2) to `ep`; port 0 lets the kernel choose (see local_endpoint()).
  template <detail::error_sink S = detail::throws>
  void bind(const endpoint_type& ep, S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    detail::report(detail::sys::bind(fd_, ep.data(), ep.size()).err, on_error,
                   "berth::socket::bind", ep);
  }

  /// connect(2) to `ep`. A TCP connect interrupted by a signal is completed by waiting
  /// (poll, then SO_ERROR); a unix one is made again. On a non-blocking socket a
  /// connection still in progress is std::errc::operation_in_progress.
  template <detail::error_sink S = detail::throws>
  void connect(const endpoint_type& ep, S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    detail::report(detail::connect<detail::is_local_family<F>>(fd_, ep.data(), ep.size()),
                   on_error, "berth::socket::connect", ep);
  }

  /// The address of the peer (getpeername). Reporting through `ec`, returns the default
  /// endpoint on error.
  template <detail::error_sink S = detail::throws>
  [[nodiscard]] endpoint_type remote_endpoint(S&& on_error = {}) const noexcept(
      detail::reports_to_code<S>) {
    endpoint_type ep;
    const int err = detail::get_name(fd_, ep, detail::peername_call{});
    detail::report(err, on_error, "berth::socket::remote_endpoint");
    return err == 0 ? ep : endpoint_type{};
  }

  /// Waits with poll(POLLOUT) until a write would not block: true, or false when `timeout`
  /// passed first. A signal does not shorten the wait; durations as wait_readable takes them.
  template <class Rep, class Period, detail::error_sink S = detail::throws>
  [[nodiscard]] bool wait_writable(std::chrono::duration<Rep, Period> timeout,
                                   S&& on_error = {}) const noexcept(detail::reports_to_code<S>) {
    bool ready = false;
    const int err = detail::wait_for(fd_, POLLOUT, detail::poll_timeout(timeout), ready);
    detail::report(err, on_error, "berth::socket::wait_writable");
    return ready;
  }

 private:
  explicit socket(int fd) noexcept : base(fd) {}

  static int check_kind(int fd) noexcept {
    int domain = 0, type = 0;
    socklen_t size = sizeof domain;
    if (const auto r = detail::sys::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size); r.err != 0)
      return r.err;
    if (domain != F::domain) return EAFNOSUPPORT;
    size = sizeof type;
    if (const auto r = detail::sys::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size); r.err != 0)
      return r.err;
    return type == T::type ? 0 : EPROTOTYPE;
  }
};

/// A stream socket of family F: TCP for inet and inet6.
template <address_family F>
using stream_socket = socket<F, stream>;
/// A datagram socket of family F: UDP for inet and inet6.
template <address_family F>
using datagram_socket = socket<F, datagram>;
/// A seqpacket socket of family F (local only).
template <address_family F>
using seqpacket_socket = socket<F, seqpacket>;

/// A socket of type T (stream by default) connected to `ep`: socket, then connect (see
/// socket::connect for EINTR). Family from the endpoint: `auto s = berth::connect(ep);`.
/// Reporting through `ec`, returns a socket that holds none on error; a thrown error
/// names the endpoint.
template <socket_type T = stream, endpoint E, detail::error_sink S = detail::throws>
  requires valid_protocol<typename E::family, T>
[[nodiscard]] inline socket<typename E::family, T> connect(const E& ep, S&& on_error = {}) noexcept(
    detail::reports_to_code<S>) {
  int err = 0;
  const int fd = detail::open_connected<typename E::family, T>(ep.data(), ep.size(), err);
  detail::report_outcome(fd < 0, err, on_error, "berth::connect", ep);
  return socket<typename E::family, T>::adopt(fd);
}

/// A socket connected to `ep` within `timeout` (a std::chrono duration), else
/// std::errc::timed_out; the socket returned is blocking. inet, inet6: socket with
/// SOCK_NONBLOCK, connect, poll, SO_ERROR, ioctl(FIONBIO). local: a unix connect waits
/// only for room in the listener's backlog, bounded with SO_SNDTIMEO (set, connect,
/// reset). A NaN timeout is std::errc::invalid_argument; 24.8 days or more waits as a
/// plain connect does.
template <socket_type T = stream, endpoint E, class Rep, class Period,
          detail::error_sink S = detail::throws>
  requires valid_protocol<typename E::family, T>
[[nodiscard]] inline socket<typename E::family, T> connect(const E& ep,
                                                    std::chrono::duration<Rep, Period> timeout,
                                                    S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
  int err = 0;
  const int fd = detail::open_connected_within<typename E::family, T>(
      ep.data(), ep.size(), detail::poll_timeout(timeout), err);
  detail::report_outcome(fd < 0, err, on_error, "berth::connect", ep);
  return socket<typename E::family, T>::adopt(fd);
}

/// A socket of type T (stream by default) bound to `ep`: socket, then bind. A UDP server
/// is `auto s = berth::bind<berth::datagram>(ep);`. Reporting through `ec`, returns a
/// socket that holds none on error.
template <socket_type T = stream, endpoint E, detail::error_sink S = detail::throws>
  requires valid_protocol<typename E::family, T>
[[nodiscard]] inline socket<typename E::family, T> bind(const E& ep, S&& on_error = {}) noexcept(
    detail::reports_to_code<S>) {
  int err = 0;
  const int fd = detail::open_bound<typename E::family, T>(ep.data(), ep.size(), err);
  detail::report_outcome(fd < 0, err, on_error, "berth::bind", ep);
  return socket<typename E::family, T>::adopt(fd);
}

}  // namespace berth

#endif  // BERTH_SOCKET_HPP
