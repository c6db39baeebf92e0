#ifndef BERTH_DETAIL_DATAGRAM_OPS_HPP
#define BERTH_DETAIL_DATAGRAM_OPS_HPP

// What a datagram socket can do with addressed messages: send_to and receive_from (of one
// buffer or a gather/scatter list), the batches send_many and receive_many, and, on UDP,
// learning the segment size of a datagram that GRO coalesced. A base of socket<F, datagram>
// only.

#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/msghdr.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/sys.hpp>
#include <berth/message.hpp>
#include <berth/option.hpp>

#include <sys/socket.h>

#include <cstddef>
#include <span>

namespace berth::detail {

/// The addressed-message members of socket<F, datagram>; `Socket` is that socket, `E` its
/// endpoint type.
template <class Socket, class E>
class datagram_ops {
 public:
  /// Sends `buffer` as one datagram to `to` (one sendto). EINTR retried. Reporting through
  /// `ec`, returns 0 on error.
  template <byte_buffer B, error_sink S = throws>
  [[gnu::always_inline]] std::size_t send_to(B&& buffer, const E& to, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const const_bytes b = bytes_of(buffer);
    return report(send_message(fd(), b.data, b.size, 0, to.data(), to.size()), on_error,
                  "berth::socket::send_to");
  }

  /// Receives one datagram (one recvfrom with MSG_TRUNC), fills `from` with its sender
  /// and returns its size. Longer than `buffer` is berth::error::truncated. EINTR retried.
  /// Reporting through `ec`, a truncated datagram returns the buffer's size and fills
  /// `from`; other errors return 0.
  template <mutable_byte_buffer B, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t receive_from(B&& buffer, E& from, S&& on_error = {}) noexcept(
      reports_to_code<S>) {
    return report(receive_from_endpoint(buffer, from), on_error, "berth::socket::receive_from");
  }

  // ---- gather and scatter (Revision 2) ----------------------------------------------------

  /// Sends the bytes of `list` together as one datagram to `to` (one sendmsg). More than
  /// 1024 buffers is std::errc::argument_list_too_long, nothing sent. EINTR retried.
  /// Reporting through `ec`, returns 0 on error.
  template <buffer_sequence L, error_sink S = throws>
  [[gnu::always_inline]] std::size_t send_to(L&& list, const E& to, S&& on_error = {}) noexcept(
      reports_to_code<S>) {
    return report(send_list_message(fd(), iov_of(list), 0, to.data(), to.size()), on_error,
                  "berth::socket::send_to");
  }

  /// Receives one datagram into the buffers of `list`, in order (one recvmsg with
  /// MSG_TRUNC), fills `from` and returns its size. Longer than all of them together is
  /// berth::error::truncated (the ec form fills `from` and returns their total size). More
  /// than 1024 buffers is std::errc::argument_list_too_long. EINTR retried.
  template <mutable_buffer_sequence L, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t receive_from(L&& list, E& from, S&& on_error = {}) noexcept(
      reports_to_code<S>) {
    socklen_t size = E::capacity();
    const io_result got = receive_list_message(fd(), iov_of(list), from.data(), &size);
    return report(with_sender(got, from, size), on_error, "berth::socket::receive_from");
  }

  // ---- UDP GRO: learning the segment size --------------------------------------------------

  /// As receive_from(buffer, from), also telling the segment size (one recvmsg with room
  /// for a UDP_GRO control message): with option::udp_gro on, a datagram may be several
  /// that the kernel coalesced, each but the last `segment_size` bytes long; otherwise, or
  /// when it coalesced none, `segment_size` is the datagram's size. inet and inet6 only.
  template <mutable_byte_buffer B, error_sink S = throws>
    requires(families_within<typename E::family>(kind_inet | kind_inet6))
  [[nodiscard, gnu::always_inline]] std::size_t receive_from(B&& buffer, E& from, std::size_t& segment_size,
                                                             S&& on_error = {}) noexcept(reports_to_code<S>) {
    const mutable_bytes b = writable_bytes_of(buffer);
    ::iovec iov{b.data, b.size};
    return report(receive_segmented(iov_list{&iov, 1}, from, segment_size), on_error, "berth::socket::receive_from");
  }
  /// As receive_from(list, from), also telling the segment size (see above).
  template <mutable_buffer_sequence L, error_sink S = throws>
    requires(families_within<typename E::family>(kind_inet | kind_inet6))
  [[nodiscard, gnu::always_inline]] std::size_t receive_from(L&& list, E& from, std::size_t& segment_size,
                                                             S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(receive_segmented(iov_of(list), from, segment_size), on_error, "berth::socket::receive_from");
  }

  /// A buffer a receive_from cannot fill, or a send_to cannot send: does not compile, and
  /// the compiler's first line says which (not_a_buffer_to_fill<B>, not_a_buffer_to_send<B>).
  template <class B, class... Rest>
    requires(!buffer_to_send<B>)
  not_a_buffer_to_send<B> send_to(B&&, Rest&&...) = delete;
  template <class B, class... Rest>
    requires(!buffer_to_fill<B>)
  not_a_buffer_to_fill<B> receive_from(B&&, Rest&&...) = delete;

  // ---- batches --------------------------------------------------------------------------------
  // One sendmmsg or recvmmsg per call, of at most 1,024 messages (the kernel takes no more
  // in one call): the count returned says how many went, and a longer batch goes on from
  // there with the next call. The headers of up to 64 are built on the stack, of more in a
  // room the thread keeps (allocated once, at the largest batch it met). A batch of none
  // makes no call and returns 0.

  /// Sends each message's `data` as one datagram to its `endpoint` (to the connected peer
  /// when that names none: port 0, or unnamed, as a default-constructed endpoint) with one
  /// sendmmsg (of the first 1,024 at most), and returns how many were sent,
  /// setting `size` on each of those. EINTR retried. A failure after some were sent
  /// returns their count and reports nothing: the next call (with the rest) reports it.
  /// A failure of the first is reported (std::errc::message_size for one too long...);
  /// the ec form then returns 0.
  template <error_sink S = throws>
  std::size_t send_many(std::span<message<E>> messages, S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(send_batch(messages.data(), messages.size()), on_error, "berth::socket::send_many");
  }

  /// Receives up to messages.size() datagrams (at most 1,024) with one recvmmsg
  /// (MSG_WAITFORONE: waits for the first only, then takes what has arrived) and returns
  /// how many. For each: `size` is the datagram's length (MSG_TRUNC), `truncated` whether
  /// it did not fit in `data` (its first bytes are there), `endpoint` its sender. EINTR
  /// retried (a receive_timeout still holds). As send_many, a failure after some arrived
  /// returns their count and reports nothing: the kernel keeps it for the next call.
  template <error_sink S = throws>
  [[nodiscard]] std::size_t receive_many(std::span<message<E>> messages, S&& on_error = {}) noexcept(
      reports_to_code<S>) {
    return report(receive_batch<false>(messages.data(), messages.size()), on_error, "berth::socket::receive_many");
  }
  /// As receive_many(messages), also filling each message's `segment_size` (room for a
  /// UDP_GRO control message per datagram; see receive_from with a segment size). inet and
  /// inet6 only.
  template <error_sink S = throws>
    requires(families_within<typename E::family>(kind_inet | kind_inet6))
  [[nodiscard]] std::size_t receive_many(std::span<message<E>> messages, learn_segment_size_t,
                                         S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(receive_batch<true>(messages.data(), messages.size()), on_error, "berth::socket::receive_many");
  }

 private:
  const int& fd() const noexcept { return socket_access::fd(static_cast<const Socket&>(*this)); }

  // One recvmsg with MSG_TRUNC and room for a UDP_GRO control message.
  [[gnu::always_inline]] io_result receive_segmented(iov_list list, E& from, std::size_t& segment_size) noexcept {
    segment_size = 0;
    if (list.count > max_iov) [[unlikely]] return {0, E2BIG};
    gro_control control;
    msghdr m = message_header(list.data, list.count, from.data(), E::capacity());
    m.msg_control = control.bytes;
    m.msg_controllen = sizeof control.bytes;
    const sys::result r = receive_header(fd(), m, MSG_TRUNC);
    const io_result got = with_sender(message_received(r, total_size(list.data, list.count)), from, m.msg_namelen);
    if (got.err == 0 || got.err == code_of(error::truncated))
      segment_size = gro_segment_size(m, static_cast<std::size_t>(r.value));
    return got;
  }

  // send_many: one sendmmsg of at most max_batch messages, their headers on the stack (up
  // to batch_chunk) or in the thread's batch_room.
  [[gnu::always_inline]] io_result send_batch(message<E>* messages, std::size_t count) noexcept {
    if (count > batch_chunk) [[unlikely]]
      return send_large_batch(messages, count);
    if (count == 0) return {0, 0};
    mmsghdr headers[batch_chunk];
    ::iovec iov[batch_chunk];
    return send_batch_with(messages, count, headers, iov);
  }
  [[gnu::noinline]] io_result send_large_batch(message<E>* messages, std::size_t count) noexcept {
    const std::size_t n = count < max_batch ? count : max_batch;
    batch_room& room = this_thread_batch_room();
    if (!room.reserve(n)) return {0, ENOMEM};
    return send_batch_with(messages, n, room.headers(), room.iov());
  }
  [[gnu::always_inline]] io_result send_batch_with(message<E>* messages, std::size_t n, mmsghdr* headers,
                                                   ::iovec* iov) noexcept {
    for (std::size_t k = 0; k < n; ++k) {
      message<E>& m = messages[k];
      iov[k].iov_base = m.data.data();
      iov[k].iov_len = m.data.size();
      if (is_unaddressed(m.endpoint)) [[unlikely]]
        set_batch_header(headers[k].msg_hdr, &iov[k], nullptr, 0);
      else
        set_batch_header(headers[k].msg_hdr, &iov[k], m.endpoint.data(), m.endpoint.size());
    }
    sys::result r = sys::sendmmsg(fd(), headers, static_cast<unsigned>(n), 0);
    if (r.err == EINTR) [[unlikely]]
      r = sendmmsg_interrupted(fd(), headers, static_cast<unsigned>(n), 0);
    if (r.err != 0) return {0, r.err};
    const auto sent = static_cast<std::size_t>(r.value);
    for (std::size_t k = 0; k < sent; ++k) messages[k].size = headers[k].msg_len;
    return {sent, 0};
  }

  // receive_many: one recvmmsg (MSG_WAITFORONE) of at most max_batch messages, their
  // headers on the stack (up to batch_chunk) or in the thread's batch_room.
  template <bool Segments>
  [[gnu::always_inline]] io_result receive_batch(message<E>* messages, std::size_t count) noexcept {
    if (count > batch_chunk) [[unlikely]]
      return receive_large_batch<Segments>(messages, count);
    if (count == 0) return {0, 0};
    mmsghdr headers[batch_chunk];
    ::iovec iov[batch_chunk];
    [[maybe_unused]] gro_control control[Segments ? batch_chunk : 1];
    return receive_batch_with<Segments>(messages, count, headers, iov, control);
  }
  template <bool Segments>
  [[gnu::noinline]] io_result receive_large_batch(message<E>* messages, std::size_t count) noexcept {
    const std::size_t n = count < max_batch ? count : max_batch;
    batch_room& room = this_thread_batch_room();
    if (!room.reserve(n)) return {0, ENOMEM};
    return receive_batch_with<Segments>(messages, n, room.headers(), room.iov(), room.control());
  }
  template <bool Segments>
  [[gnu::always_inline]] io_result receive_batch_with(message<E>* messages, std::size_t n, mmsghdr* headers,
                                                      ::iovec* iov, [[maybe_unused]] gro_control* control) noexcept {
    for (std::size_t k = 0; k < n; ++k) {
      message<E>& m = messages[k];
      iov[k].iov_base = m.data.data();
      iov[k].iov_len = m.data.size();
      set_batch_header(headers[k].msg_hdr, &iov[k], m.endpoint.data(), E::capacity());
      if constexpr (Segments) {
        headers[k].msg_hdr.msg_control = control[k].bytes;
        headers[k].msg_hdr.msg_controllen = sizeof control[k].bytes;
      }
    }
    constexpr int flags = MSG_TRUNC | MSG_WAITFORONE;
    sys::result r = sys::recvmmsg(fd(), headers, static_cast<unsigned>(n), flags);
    if (r.err == EINTR) [[unlikely]]
      r = recvmmsg_interrupted(fd(), headers, static_cast<unsigned>(n), flags);
    if (r.err != 0) return {0, r.err};
    const auto got = static_cast<std::size_t>(r.value);
    for (std::size_t k = 0; k < got; ++k) {
      message<E>& m = messages[k];
      const msghdr& h = headers[k].msg_hdr;
      m.size = headers[k].msg_len;
      m.truncated = m.size > m.data.size();  // MSG_TRUNC: msg_len is the datagram's length
      (void)endpoint_access::set_size(m.endpoint, h.msg_namelen);  // a bad one: left default
      if constexpr (Segments) m.segment_size = gro_segment_size(h, m.size);
    }
    return {got, 0};
  }

  // Inlined into both forms: the usual path (a datagram that fit, from a sender whose
  // address checks out) is the recvfrom and its tests, as in hand-written code; anything
  // else goes on out of line.
  template <class B>
  [[gnu::always_inline]] io_result receive_from_endpoint(B& buffer, E& from) noexcept {
    const mutable_bytes b = writable_bytes_of(buffer);
    socklen_t size = E::capacity();
    const sys::result r = sys::recvfrom(fd(), b.data, b.size, MSG_TRUNC, from.data(), &size);
    if (r.value >= 0 && static_cast<std::size_t>(r.value) <= b.size) [[likely]] {
      if (const int err = endpoint_access::set_size(from, size)) return {0, err};
      return {static_cast<std::size_t>(r.value), 0};
    }
    return receive_from_rest(b, from, size, r.value);
  }

  // After a recvfrom that failed (`value` -1: its errno is still errno, nothing ran since;
  // EINTR is retried) or found a datagram longer than the buffer (error::truncated,
  // `from` filled). Few arguments, so that the usual path keeps its registers.
  [[gnu::cold, gnu::noinline]] io_result receive_from_rest(mutable_bytes b, E& from, socklen_t size,
                                                           long value) noexcept {
    sys::result r = value < 0 ? sys::last_error() : sys::result{value, 0};
    if (r.err == EINTR) {
      size = E::capacity();
      r = recvfrom_interrupted(fd(), b.data, b.size, MSG_TRUNC, from.data(), &size);
    }
    return with_sender(message_received(r, b.size), from, size);
  }
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_DATAGRAM_OPS_HPP
