#ifndef BERTH_DETAIL_DATAGRAM_OPS_HPP
#define BERTH_DETAIL_DATAGRAM_OPS_HPP

// What a datagram socket can do with addressed messages: send_to and receive_from, of one
// buffer or a gather/scatter list. A base of socket<F, datagram> only.

#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/msghdr.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/sys.hpp>

#include <sys/socket.h>

#include <cstddef>

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

 private:
  const int& fd() const noexcept { return socket_access::fd(static_cast<const Socket&>(*this)); }

  // A received message's outcome with its sender's address checked (length and family):
  // only errors other than error::truncated leave `from` as the kernel left it.
  [[gnu::always_inline]] static io_result with_sender(io_result got, E& from, socklen_t size) noexcept {
    if (got.err != 0 && got.err != code_of(error::truncated)) [[unlikely]] return {0, got.err};
    if (const int bad = endpoint_access::set_size(from, size)) [[unlikely]] return {0, bad};
    return got;
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
    return receive_from_rest(b, from, size, r.value, r.err);
  }

  // After a recvfrom that failed (EINTR retried) or found a datagram longer than the
  // buffer (error::truncated, `from` filled).
  [[gnu::cold, gnu::noinline]] io_result receive_from_rest(mutable_bytes b, E& from, socklen_t size,
                                                           long value, int err) noexcept {
    sys::result r{value, err};
    if (r.err == EINTR) {
      size = E::capacity();
      r = recvfrom_interrupted(fd(), b.data, b.size, MSG_TRUNC, from.data(), &size);
    }
    const io_result got = message_received(r, b.size);
    if (got.err != 0 && got.err != code_of(error::truncated)) return {0, got.err};
    if (const int bad = endpoint_access::set_size(from, size)) return {0, bad};
    return got;
  }
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_DATAGRAM_OPS_HPP
