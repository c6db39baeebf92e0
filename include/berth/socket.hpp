#ifndef BERTH_SOCKET_HPP
#define BERTH_SOCKET_HPP

#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/syscall.hpp>
#include <berth/error.hpp>
#include <berth/option.hpp>
#include <berth/socket_type.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <concepts>
#include <cstddef>
#include <system_error>

namespace berth {

/// What `shutdown` stops: SHUT_WR, SHUT_RD or SHUT_RDWR.
enum class shutdown_type : int {
  receive = SHUT_RD,  ///< no more receiving
  send = SHUT_WR,     ///< no more sending: the peer reads end of stream
  both = SHUT_RDWR,   ///< neither
};

/// A socket of family F (inet, inet6, local) and type T (stream, datagram, seqpacket).
/// Owns one descriptor (sizeof(socket) == sizeof(int)), always close-on-exec, closed by
/// the destructor; move-only. Members exist only where they mean something: read/write
/// on streams, send/receive on messages, send_to/receive_from on datagrams, shutdown on
/// connections. Every fallible call has a throwing form and an `std::error_code&` noexcept
/// form; neither allocates.
template <address_family F, socket_type T>
  requires valid_protocol<F, T>
class socket : public detail::socket_base<F, T> {
  using base = detail::socket_base<F, T>;
  using base::fd_;
  static constexpr bool is_local = F::domain == AF_UNIX;
  // Sends on connections pass MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE.
  static constexpr int send_flags = T::connection_oriented ? MSG_NOSIGNAL : 0;

 public:
  using typename base::endpoint;
  using typename base::endpoint_type;

  /// Holds no descriptor.
  socket() noexcept = default;
  /// Takes the other's descriptor; the other holds none.
  socket(socket&&) noexcept = default;
  /// Closes the descriptor held, then takes the other's; the other holds none.
  socket& operator=(socket&&) noexcept = default;

  /// A new unbound socket: socket(F::domain, T::type | SOCK_CLOEXEC, 0).
  static socket open() {
    socket s(::socket(F::domain, T::type | SOCK_CLOEXEC, 0));
    if (!s.is_open()) detail::throw_error(errno, "berth::socket::open");
    return s;
  }
  /// As open(), reporting through `ec`; on error holds none.
  static socket open(std::error_code& ec) noexcept {
    socket s(::socket(F::domain, T::type | SOCK_CLOEXEC, 0));
    detail::assign(ec, s.is_open() ? 0 : errno);
    return s;
  }
  /// Takes ownership of `fd`, unchecked and without a system call.
  static socket adopt(int fd) noexcept { return socket(fd); }
  /// Takes ownership of `fd` after checking with getsockopt that it is a socket of this
  /// family (else std::errc::address_family_not_supported) and type (else
  /// std::errc::wrong_protocol_type). On error the descriptor stays the caller's.
  static socket adopt(int fd, std::error_code& ec) noexcept {
    int domain = 0, type = 0;
    socklen_t size = sizeof domain;
    int err = 0;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) != 0)
      err = errno;
    else if (domain != F::domain)
      err = EAFNOSUPPORT;
    else if (size = sizeof type; ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0)
      err = errno;
    else if (type != T::type)
      err = EPROTOTYPE;
    detail::assign(ec, err);
    return err == 0 ? socket(fd) : socket();
  }

  /// bind(2) to `ep`; port 0 lets the kernel choose (see local_endpoint()).
  void bind(const endpoint_type& ep) {
    if (::bind(fd_, ep.data(), ep.size()) != 0) detail::throw_error(errno, "berth::socket::bind");
  }
  /// As bind(ep), reporting through `ec`.
  void bind(const endpoint_type& ep, std::error_code& ec) noexcept {
    detail::assign(ec, ::bind(fd_, ep.data(), ep.size()) == 0 ? 0 : errno);
  }

  /// connect(2) to `ep`. A TCP connect interrupted by a signal is completed by waiting
  /// (poll, then SO_ERROR); a unix one is made again. On a non-blocking socket a
  /// connection still in progress is std::errc::operation_in_progress.
  void connect(const endpoint_type& ep) {
    if (const int err = detail::connect_fd(fd_, ep.data(), ep.size(), is_local))
      detail::throw_error(err, "berth::socket::connect");
  }
  /// As connect(ep), reporting through `ec`.
  void connect(const endpoint_type& ep, std::error_code& ec) noexcept {
    detail::assign(ec, detail::connect_fd(fd_, ep.data(), ep.size(), is_local));
  }

  /// The address of the peer (getpeername).
  endpoint_type remote_endpoint() const {
    endpoint_type ep;
    if (const int err = detail::get_name(fd_, ep, ::getpeername))
      detail::throw_error(err, "berth::socket::remote_endpoint");
    return ep;
  }
  /// As remote_endpoint(), reporting through `ec`.
  endpoint_type remote_endpoint(std::error_code& ec) const noexcept {
    endpoint_type ep;
    const int err = detail::get_name(fd_, ep, ::getpeername);
    detail::assign(ec, err);
    return err == 0 ? ep : endpoint_type{};
  }

  /// Waits with poll(POLLOUT) until a write would not block: true, or false when `timeout`
  /// passed first. A signal does not shorten the wait.
  template <class Rep, class Period>
  bool wait_writable(std::chrono::duration<Rep, Period> timeout) const {
    return this->wait(POLLOUT, detail::poll_timeout(timeout), "berth: poll(POLLOUT)");
  }
  /// As wait_writable(timeout), reporting through `ec` (and returning false on error).
  template <class Rep, class Period>
  bool wait_writable(std::chrono::duration<Rep, Period> timeout, std::error_code& ec) const noexcept {
    return this->wait(POLLOUT, detail::poll_timeout(timeout), ec);
  }

  /// shutdown(2): `send` makes the peer read end of stream while this side still reads.
  void shutdown(shutdown_type how)
    requires connection_oriented<T>
  {
    if (::shutdown(fd_, static_cast<int>(how)) != 0)
      detail::throw_error(errno, "berth::socket::shutdown");
  }
  /// As shutdown(how), reporting through `ec`.
  void shutdown(shutdown_type how, std::error_code& ec) noexcept
    requires connection_oriented<T>
  {
    detail::assign(ec, ::shutdown(fd_, static_cast<int>(how)) == 0 ? 0 : errno);
  }

  // ---- stream ---------------------------------------------------------------------

  /// One recv into `buffer`: the bytes that were there, at least one, waiting for them if
  /// need be; 0 at end of stream. EINTR retried.
  template <class B>
    requires std::same_as<T, stream> && mutable_byte_buffer<B>
  std::size_t read_some(B&& buffer) {
    const auto b = detail::writable_bytes_of(buffer);
    return detail::bytes_or_throw(detail::receive_some(fd_, b.data, b.size, 0),
                                  "berth::socket::read_some");
  }
  /// As read_some(buffer), reporting through `ec`; returns 0 on error.
  template <class B>
    requires std::same_as<T, stream> && mutable_byte_buffer<B>
  std::size_t read_some(B&& buffer, std::error_code& ec) noexcept {
    const auto b = detail::writable_bytes_of(buffer);
    return detail::bytes_or_assign(detail::receive_some(fd_, b.data, b.size, 0), ec);
  }

  /// One send (MSG_NOSIGNAL) of as much of `buffer` as fits now; returns how much.
  /// A closed peer is std::errc::broken_pipe, never SIGPIPE. EINTR retried.
  template <class B>
    requires std::same_as<T, stream> && byte_buffer<B>
  std::size_t write_some(B&& buffer) {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_throw(detail::send_some(fd_, b.data, b.size, send_flags),
                                  "berth::socket::write_some");
  }
  /// As write_some(buffer), reporting through `ec`; returns 0 on error.
  template <class B>
    requires std::same_as<T, stream> && byte_buffer<B>
  std::size_t write_some(B&& buffer, std::error_code& ec) noexcept {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_assign(detail::send_some(fd_, b.data, b.size, send_flags), ec);
  }

  /// Fills all of `buffer` (recv with MSG_WAITALL, again until full) and returns its size.
  /// End of stream first is berth::error::eof. EINTR retried.
  template <class B>
    requires std::same_as<T, stream> && mutable_byte_buffer<B>
  std::size_t read(B&& buffer) {
    const auto b = detail::writable_bytes_of(buffer);
    return detail::bytes_or_throw(detail::receive_all(fd_, b.data, b.size), "berth::socket::read");
  }
  /// As read(buffer), reporting through `ec`; returns the bytes read before an error
  /// (before end of stream, for berth::error::eof).
  template <class B>
    requires std::same_as<T, stream> && mutable_byte_buffer<B>
  std::size_t read(B&& buffer, std::error_code& ec) noexcept {
    const auto b = detail::writable_bytes_of(buffer);
    return detail::bytes_or_assign(detail::receive_all(fd_, b.data, b.size), ec);
  }

  /// Sends all of `buffer` (send with MSG_NOSIGNAL, again until done) and returns its
  /// size. EINTR retried; on a non-blocking socket a full buffer is an error.
  template <class B>
    requires std::same_as<T, stream> && byte_buffer<B>
  std::size_t write(B&& buffer) {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_throw(detail::send_all(fd_, b.data, b.size, send_flags),
                                  "berth::socket::write");
  }
  /// As write(buffer), reporting through `ec`; returns the bytes sent before an error.
  template <class B>
    requires std::same_as<T, stream> && byte_buffer<B>
  std::size_t write(B&& buffer, std::error_code& ec) noexcept {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_assign(detail::send_all(fd_, b.data, b.size, send_flags), ec);
  }

  // ---- messages: datagram and seqpacket ---------------------------------------------

  /// Sends `buffer` as one message to the connected peer (one send; MSG_NOSIGNAL on
  /// seqpacket). EINTR retried.
  template <class B>
    requires(!std::same_as<T, stream>) && byte_buffer<B>
  std::size_t send(B&& buffer) {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_throw(detail::send_some(fd_, b.data, b.size, send_flags),
                                  "berth::socket::send");
  }
  /// As send(buffer), reporting through `ec`; returns 0 on error.
  template <class B>
    requires(!std::same_as<T, stream>) && byte_buffer<B>
  std::size_t send(B&& buffer, std::error_code& ec) noexcept {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_assign(detail::send_some(fd_, b.data, b.size, send_flags), ec);
  }

  /// Receives one message (one recv with MSG_TRUNC) and returns its size. A message longer
  /// than `buffer` is berth::error::truncated, never cut silently. On seqpacket, 0 is end
  /// of stream (or an empty message). EINTR retried.
  template <class B>
    requires(!std::same_as<T, stream>) && mutable_byte_buffer<B>
  std::size_t receive(B&& buffer) {
    const auto b = detail::writable_bytes_of(buffer);
    return detail::bytes_or_throw(detail::receive_message(fd_, b.data, b.size, nullptr, nullptr),
                                  "berth::socket::receive");
  }
  /// As receive(buffer), reporting through `ec`; a truncated message returns the
  /// buffer's size (its first bytes are there), other errors 0.
  template <class B>
    requires(!std::same_as<T, stream>) && mutable_byte_buffer<B>
  std::size_t receive(B&& buffer, std::error_code& ec) noexcept {
    const auto b = detail::writable_bytes_of(buffer);
    return detail::bytes_or_assign(
        detail::receive_message(fd_, b.data, b.size, nullptr, nullptr), ec);
  }

  // ---- datagram ---------------------------------------------------------------------

  /// Sends `buffer` as one datagram to `to` (one sendto). EINTR retried.
  template <class B>
    requires std::same_as<T, datagram> && byte_buffer<B>
  std::size_t send_to(B&& buffer, const endpoint_type& to) {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_throw(
        detail::send_message(fd_, b.data, b.size, 0, to.data(), to.size()), "berth::socket::send_to");
  }
  /// As send_to(buffer, to), reporting through `ec`; returns 0 on error.
  template <class B>
    requires std::same_as<T, datagram> && byte_buffer<B>
  std::size_t send_to(B&& buffer, const endpoint_type& to, std::error_code& ec) noexcept {
    const auto b = detail::bytes_of(buffer);
    return detail::bytes_or_assign(
        detail::send_message(fd_, b.data, b.size, 0, to.data(), to.size()), ec);
  }

  /// Receives one datagram (one recvfrom with MSG_TRUNC), fills `from` with its sender
  /// and returns its size. Longer than `buffer` is berth::error::truncated. EINTR retried.
  template <class B>
    requires std::same_as<T, datagram> && mutable_byte_buffer<B>
  std::size_t receive_from(B&& buffer, endpoint_type& from) {
    return detail::bytes_or_throw(receive_from_endpoint(buffer, from),
                                  "berth::socket::receive_from");
  }
  /// As receive_from(buffer, from), reporting through `ec`; a truncated datagram returns
  /// the buffer's size and fills `from`, other errors return 0.
  template <class B>
    requires std::same_as<T, datagram> && mutable_byte_buffer<B>
  std::size_t receive_from(B&& buffer, endpoint_type& from, std::error_code& ec) noexcept {
    return detail::bytes_or_assign(receive_from_endpoint(buffer, from), ec);
  }

 private:
  explicit socket(int fd) noexcept : base(fd) {}

  // Inlined into both forms, so that their one error check absorbs the checks here
  // (clang otherwise merges them into conditional moves and tests the result again).
  template <class B>
  [[gnu::always_inline]] detail::io_result receive_from_endpoint(B& buffer,
                                                                 endpoint_type& from) noexcept {
    const auto b = detail::writable_bytes_of(buffer);
    socklen_t size = endpoint_type::capacity();
    const detail::io_result r = detail::receive_message(fd_, b.data, b.size, from.data(), &size);
    if (r.err == 0) [[likely]] {  // its own path: not merged with a truncated message's
      if (const int err = detail::endpoint_access::set_size(from, size)) return {0, err};
      return {r.bytes, 0};
    }
    if (r.err > 0) return {0, r.err};
    if (const int err = detail::endpoint_access::set_size(from, size)) return {0, err};
    return r;  // truncated, `from` filled
  }
};

namespace detail {
/// socket(2) (close-on-exec), then connect: the descriptor, or -1 with `err` set and
/// nothing left open. Plain descriptors and no object with a destructor, so that the free
/// connect() inlines to what hand-written code is.
template <class F, class T>
inline int open_connected(const sockaddr* to, socklen_t to_size, int& err) noexcept {
  const int fd = ::socket(F::domain, T::type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  err = connect_fd(fd, to, to_size, F::domain == AF_UNIX);
  if (err == 0) return fd;
  ::close(fd);
  return -1;
}

/// socket(2) (close-on-exec), then bind: as open_connected.
template <class F, class T>
inline int open_bound(const sockaddr* at, socklen_t at_size, int& err) noexcept {
  const int fd = ::socket(F::domain, T::type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  if (::bind(fd, at, at_size) == 0) return fd;
  err = errno;
  ::close(fd);
  return -1;
}
}  // namespace detail

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
template <socket_type T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
inline socket<typename E::family, T> connect(const E& ep) {
  int err = 0;
  const int fd = detail::open_connected<typename E::family, T>(ep.data(), ep.size(), err);
  if (fd < 0) detail::throw_error(err, "berth::connect");
  return socket<typename E::family, T>::adopt(fd);
}
/// As connect(ep), reporting through `ec`; on error returns a socket that holds none.
template <socket_type T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
inline socket<typename E::family, T> connect(const E& ep, std::error_code& ec) noexcept {
  int err = 0;
  const int fd = detail::open_connected<typename E::family, T>(ep.data(), ep.size(), err);
  detail::assign(ec, err);
  return socket<typename E::family, T>::adopt(fd);
}

namespace detail {
template <class T, class E>
socket<typename E::family, T> connect_within(const E& ep, int timeout_ms, int& err) noexcept {
  using family = typename E::family;
  constexpr bool is_local = family::domain == AF_UNIX;
  const int fd = ::socket(family::domain, T::type | SOCK_CLOEXEC | (is_local ? 0 : SOCK_NONBLOCK), 0);
  if (fd < 0) {
    err = errno;
    return {};
  }
  auto s = socket<family, T>::adopt(fd);
  err = connect_fd_within(fd, ep.data(), ep.size(), is_local, timeout_ms);
  if (err != 0) s = {};
  return s;
}
}  // namespace detail

/// A socket connected to `ep` within `timeout` (a std::chrono duration), else
/// std::errc::timed_out; the socket returned is blocking. inet, inet6: socket with
/// SOCK_NONBLOCK, connect, poll, SO_ERROR, ioctl(FIONBIO). local: a unix connect waits
/// only for room in the listener's backlog, bounded with SO_SNDTIMEO (set, connect, reset).
template <socket_type T = stream, endpoint E, class Rep, class Period>
  requires valid_protocol<typename E::family, T>
socket<typename E::family, T> connect(const E& ep, std::chrono::duration<Rep, Period> timeout) {
  int err = 0;
  auto s = detail::connect_within<T>(ep, detail::poll_timeout(timeout), err);
  if (err != 0) detail::throw_error(err, "berth::connect");
  return s;
}
/// As connect(ep, timeout), reporting through `ec`; on error returns a socket that holds none.
template <socket_type T = stream, endpoint E, class Rep, class Period>
  requires valid_protocol<typename E::family, T>
socket<typename E::family, T> connect(const E& ep, std::chrono::duration<Rep, Period> timeout,
                                      std::error_code& ec) noexcept {
  int err = 0;
  auto s = detail::connect_within<T>(ep, detail::poll_timeout(timeout), err);
  detail::assign(ec, err);
  return s;
}

/// A socket of type T (stream by default) bound to `ep`: socket, then bind. A UDP server
/// is `auto s = berth::bind<berth::datagram>(ep);`.
template <socket_type T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
inline socket<typename E::family, T> bind(const E& ep) {
  int err = 0;
  const int fd = detail::open_bound<typename E::family, T>(ep.data(), ep.size(), err);
  if (fd < 0) detail::throw_error(err, "berth::bind");
  return socket<typename E::family, T>::adopt(fd);
}
/// As bind<T>(ep), reporting through `ec`; on error returns a socket that holds none.
template <socket_type T = stream, endpoint E>
  requires valid_protocol<typename E::family, T>
inline socket<typename E::family, T> bind(const E& ep, std::error_code& ec) noexcept {
  int err = 0;
  const int fd = detail::open_bound<typename E::family, T>(ep.data(), ep.size(), err);
  detail::assign(ec, err);
  return socket<typename E::family, T>::adopt(fd);
}

}  // namespace berth

#endif  // BERTH_SOCKET_HPP
