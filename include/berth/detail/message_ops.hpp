#ifndef BERTH_DETAIL_MESSAGE_OPS_HPP
#define BERTH_DETAIL_MESSAGE_OPS_HPP

// What a message socket (datagram, seqpacket) can do with whole messages: send and
// receive, each one system call, of one buffer or a gather/scatter list. A base of
// socket<F, datagram> and socket<F, seqpacket>.

#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>

#include <sys/socket.h>

#include <cstddef>

namespace berth::detail {

/// The message members of socket<F, T> for T datagram or seqpacket; `Socket` is that socket.
template <class Socket, class T>
class message_ops {
  // Sends on connections pass MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE.
  static constexpr int send_flags = T::connection_oriented ? MSG_NOSIGNAL : 0;

 public:
  /// Sends `buffer` as one message to the connected peer (one send; MSG_NOSIGNAL on
  /// seqpacket). EINTR retried. Reporting through `ec`, returns 0 on error.
  template <byte_buffer B, error_sink S = throws>
  [[gnu::always_inline]] std::size_t send(B&& buffer, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const const_bytes b = bytes_of(buffer);
    return report(send_some(fd(), b.data, b.size, send_flags), on_error, "berth::socket::send");
  }

  /// Receives one message (one recv with MSG_TRUNC) and returns its size. A message longer
  /// than `buffer` is berth::error::truncated, never cut silently. On seqpacket, 0 is end
  /// of stream (or an empty message). On a connected UDP socket, an ICMP port unreachable
  /// from the peer is std::errc::connection_refused. EINTR retried. Reporting through
  /// `ec`, a truncated message returns the buffer's size (its first bytes are there),
  /// other errors 0.
  template <mutable_byte_buffer B, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t receive(B&& buffer, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const mutable_bytes b = writable_bytes_of(buffer);
    return report(receive_message(fd(), b.data, b.size, nullptr, nullptr), on_error,
                  "berth::socket::receive");
  }

  // ---- gather and scatter (Revision 2) ----------------------------------------------------
  // A message is never split over calls: a list of more than 1024 buffers (IOV_MAX) is
  // std::errc::argument_list_too_long, and nothing is sent or received.

  /// Sends the bytes of `list` together as one message to the connected peer (one sendmsg;
  /// MSG_NOSIGNAL on seqpacket). EINTR retried. Reporting through `ec`, returns 0 on error.
  template <buffer_sequence L, error_sink S = throws>
  [[gnu::always_inline]] std::size_t send(L&& list, S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(send_list_message(fd(), iov_of(list), send_flags, nullptr, 0), on_error, "berth::socket::send");
  }

  /// Receives one message into the buffers of `list`, in order (one recvmsg with
  /// MSG_TRUNC), and returns its size. Longer than all of them together is
  /// berth::error::truncated (every buffer full; the ec form returns their total size).
  /// EINTR retried. Reporting through `ec`, other errors return 0.
  template <mutable_buffer_sequence L, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t receive(L&& list, S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(receive_list_message(fd(), iov_of(list), nullptr, nullptr), on_error, "berth::socket::receive");
  }

  /// A buffer a receive cannot fill, or a send cannot send: does not compile, and the
  /// compiler's first line says which (not_a_buffer_to_fill<B>, not_a_buffer_to_send<B>).
  template <class B, class... Rest>
    requires(!buffer_to_send<B>)
  not_a_buffer_to_send<B> send(B&&, Rest&&...) = delete;
  template <class B, class... Rest>
    requires(!buffer_to_fill<B>)
  not_a_buffer_to_fill<B> receive(B&&, Rest&&...) = delete;

 private:
  const int& fd() const noexcept { return socket_access::fd(static_cast<const Socket&>(*this)); }
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_MESSAGE_OPS_HPP
