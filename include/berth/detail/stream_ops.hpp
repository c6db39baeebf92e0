#ifndef BERTH_DETAIL_STREAM_OPS_HPP
#define BERTH_DETAIL_STREAM_OPS_HPP

// What a stream socket can do with bytes: read_some, write_some, read, write, each also
// over a gather or scatter list, and send_file. A base of socket<F, stream> only
// (socket.hpp).

#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <utility>

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

  // ---- gather and scatter (Revision 2) ----------------------------------------------------
  // A list is a buffer_sequence: berth::buffers(a, b, ...), or a contiguous range of
  // const_buffer / mutable_buffer. Reads need a mutable_buffer_sequence. One call takes at
  // most 1024 buffers (IOV_MAX): read_some and write_some move what the first 1024 hold;
  // read and write go on over the rest in further calls.

  /// One recvmsg into `list`, filling its buffers in order: the bytes that were there, at
  /// least one, waiting for them if need be; 0 at end of stream. EINTR retried (a
  /// receive_timeout still holds). Reporting through `ec`, returns 0 on error.
  template <mutable_buffer_sequence L, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t read_some(L&& list, S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(receive_list_some(fd(), iov_of(list)), on_error, "berth::socket::read_some");
  }

  /// One sendmsg (MSG_NOSIGNAL, never writev, which can raise SIGPIPE) of as much of
  /// `list` as fits now; returns how much. EINTR retried. Reporting through `ec`, returns 0
  /// on error.
  template <buffer_sequence L, error_sink S = throws>
  [[nodiscard, gnu::always_inline]] std::size_t write_some(L&& list, S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(send_list_some(fd(), iov_of(list), MSG_NOSIGNAL), on_error, "berth::socket::write_some");
  }

  /// Fills every buffer of `list` in order (recvmsg with MSG_WAITALL, again from where it
  /// stopped until full) and returns their total size. End of stream first is
  /// berth::error::eof. EINTR retried; a receive_timeout bounds the whole call once a signal
  /// came. No system call when the list holds no bytes. Reporting through `ec`, returns the
  /// bytes read before the error.
  template <mutable_buffer_sequence L, error_sink S = throws>
  [[gnu::always_inline]] std::size_t read(L&& list, S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(receive_list_all(fd(), iov_of(list)), on_error, "berth::socket::read");
  }

  /// Sends every byte of `list` (`s.write(berth::buffers(head, body))`): one sendmsg with
  /// MSG_NOSIGNAL when the kernel takes it all, as a blocking socket does; after a partial
  /// send (a signal, a send_timeout, a non-blocking socket) it goes on mid-list until done.
  /// Returns the total size. No system call when the list holds no bytes. Reporting through
  /// `ec`, returns the bytes sent before the error.
  template <buffer_sequence L, error_sink S = throws>
  [[gnu::always_inline]] std::size_t write(L&& list, S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(send_list_all(fd(), iov_of(list), MSG_NOSIGNAL), on_error, "berth::socket::write");
  }

  /// A buffer a read cannot fill, or a write cannot send: does not compile, and the
  /// compiler's first line says which (not_a_buffer_to_fill<B>, not_a_buffer_to_send<B>).
  template <class B, class... Rest>
    requires(!buffer_to_fill<B>)
  not_a_buffer_to_fill<B> read_some(B&&, Rest&&...) = delete;
  template <class B, class... Rest>
    requires(!buffer_to_fill<B>)
  not_a_buffer_to_fill<B> read(B&&, Rest&&...) = delete;
  template <class B, class... Rest>
    requires(!buffer_to_send<B>)
  not_a_buffer_to_send<B> write_some(B&&, Rest&&...) = delete;
  template <class B, class... Rest>
    requires(!buffer_to_send<B>)
  not_a_buffer_to_send<B> write(B&&, Rest&&...) = delete;

  // ---- files ---------------------------------------------------------------------------------

  /// Sends `count` bytes of the open file `file` from `offset` (sendfile(2): the kernel
  /// copies them, nothing passes through user space; the file's own offset is not used or
  /// moved). Offsets past 2 GiB are fine. Goes on after a partial call (a signal, a
  /// send_timeout, which holds across signals) until `count` bytes went or the file ended:
  /// returns the bytes sent, fewer than `count` only at the end of the file. No SIGPIPE:
  /// sendfile has no MSG_NOSIGNAL, so SIGPIPE is blocked in the calling thread for the
  /// call (two rt_sigprocmask calls more than sendfile itself; a SIGPIPE raised is taken
  /// with sigtimedwait, never delivered), and a closed peer is std::errc::broken_pipe. An
  /// offset past what off_t holds is std::errc::invalid_argument; `count` 0 makes no call.
  /// Reporting through `ec`, returns the bytes sent before the error.
  template <error_sink S = throws>
  [[gnu::always_inline]] std::size_t send_file(int file, std::uint64_t offset, std::size_t count,
                                               S&& on_error = {}) noexcept(reports_to_code<S>) {
    return report(send_file_all(fd(), file, offset, count), on_error, "berth::socket::send_file");
  }
  /// As send_file(file.native_handle(), offset, count).
  template <error_sink S = throws>
  [[gnu::always_inline]] std::size_t send_file(const descriptor& file, std::uint64_t offset, std::size_t count,
                                               S&& on_error = {}) noexcept(reports_to_code<S>) {
    return send_file(file.native_handle(), offset, count, std::forward<S>(on_error));
  }

 private:
  const int& fd() const noexcept { return socket_access::fd(static_cast<const Socket&>(*this)); }
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_STREAM_OPS_HPP
