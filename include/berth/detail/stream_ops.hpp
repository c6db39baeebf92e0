#ifndef BERTH_DETAIL_STREAM_OPS_HPP
#define BERTH_DETAIL_STREAM_OPS_HPP

// What a stream socket can do with bytes: read_some, write_some, read, write. A base of
// socket<F, stream> only (socket.hpp).

#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>

#include <sys/socket.h>

#include <cstddef>

namespace berth::detail {

/// The byte-stream members of socket<F, stream>; `Socket` is that socket.
template <class Socket>
class stream_ops {
 public:
  /// One recv into `buffer`: the bytes that were there, at least one, waiting for them if
  /// need be; 0 at end of stream. EINTR retried (a receive_timeout still holds). Reporting
  /// through `ec`, returns 0 on error.
  template <mutable_byte_buffer B, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t read_some(B&& buffer, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const mutable_bytes b = writable_bytes_of(buffer);
    return report(receive_some(fd(), b.data, b.size, 0), on_error, "berth::socket::read_some");
  }

  /// One send (MSG_NOSIGNAL) of as much of `buffer` as fits now; returns how much.
  /// A closed peer is std::errc::broken_pipe, never SIGPIPE. EINTR retried. Reporting
  /// through `ec`, returns 0 on error.
  template <byte_buffer B, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t write_some(B&& buffer, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const const_bytes b = bytes_of(buffer);
    return report(send_some(fd(), b.data, b.size, MSG_NOSIGNAL), on_error,
                  "berth::socket::write_some");
  }

  /// Fills all of `buffer` (recv with MSG_WAITALL, again until full) and returns its size.
  /// End of stream first is berth::error::eof. EINTR retried; a receive_timeout bounds the
  /// whole call once a signal came. Reporting through `ec`, returns the bytes read before
  /// the error (before end of stream, for berth::error::eof).
  template <mutable_byte_buffer B, error_sink S = throws>
  [[gnu::always_inline]] std::size_t read(B&& buffer, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const mutable_bytes b = writable_bytes_of(buffer);
    return report(receive_all(fd(), b.data, b.size), on_error, "berth::socket::read");
  }

  /// Sends all of `buffer` (send with MSG_NOSIGNAL, again until done) and returns its
  /// size. EINTR retried; on a non-blocking socket a full buffer is an error. Reporting
  /// through `ec`, returns the bytes sent before the error.
  template <byte_buffer B, error_sink S = throws>
  [[gnu::always_inline]] std::size_t write(B&& buffer, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const const_bytes b = bytes_of(buffer);
    return report(send_all(fd(), b.data, b.size, MSG_NOSIGNAL), on_error, "berth::socket::write");
  }

 private:
  const int& fd() const noexcept { return socket_access::fd(static_cast<const Socket&>(*this)); }
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_STREAM_OPS_HPP
