#ifndef BERTH_DETAIL_LOCAL_OPS_HPP
#define BERTH_DETAIL_LOCAL_OPS_HPP

// What only a local (unix-domain) socket can send beside its bytes: open descriptors
// (SCM_RIGHTS) and credentials (SCM_CREDENTIALS). A base of socket<local, T> for every T;
// on inet and inet6 these members do not exist.

#include <berth/ancillary.hpp>
#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/descriptor.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/msghdr.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/sys.hpp>
#include <berth/error.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <type_traits>

namespace berth::detail {

/// SCM_PIDFD (Linux 6.5), which glibc 2.36 does not name: a pidfd the kernel installs when
/// the receiver set SO_PASSPIDFD. berth never asks for one; one that comes is closed.
inline constexpr int scm_pidfd = 4;

/// How many elements a range has when its type says so (C array, std::array, std::span of
/// static extent), else std::dynamic_extent.
template <class R>
struct fixed_count {
  static constexpr std::size_t value = std::dynamic_extent;
};
template <class T, std::size_t N>
struct fixed_count<T[N]> {
  static constexpr std::size_t value = N;
};
template <class T, std::size_t N>
struct fixed_count<std::array<T, N>> {
  static constexpr std::size_t value = N;
};
template <class T, std::size_t N>
struct fixed_count<std::span<T, N>> {
  static constexpr std::size_t value = N;
};

/// A contiguous range of `Element` (cv-qualified as `Element` is) whose size its type
/// fixes, at most 253 (SCM_MAX_FD): a control buffer exactly its size goes on the stack.
template <class R, class Element>
concept fixed_list_of = fixed_count<std::remove_cvref_t<R>>::value != std::dynamic_extent &&
                        fixed_count<std::remove_cvref_t<R>>::value <= max_descriptors &&
                        requires(R& r) {
                          { std::data(r) } -> std::convertible_to<Element*>;
                        };

/// What may be sent beside descriptors or credentials: a byte_buffer or a gather list.
template <class B>
concept sendable = byte_buffer<B> || buffer_sequence<B>;
/// What may receive beside them: a mutable byte_buffer or a scatter list.
template <class B>
concept receivable = mutable_byte_buffer<B> || mutable_buffer_sequence<B>;

/// The iovecs of a byte_buffer (in `one`) or of a list.
template <class B>
[[gnu::always_inline]] inline iov_list iov_of_any(B& data, ::iovec& one) noexcept {
  if constexpr (buffer_sequence<B>) {
    return iov_of(data);
  } else if constexpr (mutable_byte_buffer<B>) {
    const mutable_bytes b = writable_bytes_of(data);
    one = {b.data, b.size};
    return {&one, 1};
  } else {
    const const_bytes b = bytes_of(data);
    one = {const_cast<void*>(b.data), b.size};
    return {&one, 1};
  }
}

// The three below are templates (`template <class = void>`), as the blocking.hpp calls they
// make are (see there): compiled only where a socket passes descriptors or credentials.

/// One sendmsg of `list` with one control message (level SOL_SOCKET, `type`, `size` bytes
/// of `payload`; none when size is 0) built in `control`; EINTR retried. No data is
/// EINVAL, a list of more than max_iov buffers E2BIG, both without a call.
template <class = void>
inline io_result send_with_control(const int& fd, iov_list list, int type, const void* payload, std::size_t size,
                                   unsigned char* control, int flags) noexcept {
  if (list.count > max_iov) return {0, E2BIG};
  if (total_size(list.data, list.count) == 0) return {0, EINVAL};
  msghdr m = message_header(list.data, list.count);
  if (size > 0) {
    m.msg_control = control;
    m.msg_controllen = put_control_message(control, SOL_SOCKET, type, payload, size);
  }
  return to_io(send_header(fd, m, flags));
}

/// send_descriptors: `count` descriptors in one SCM_RIGHTS message.
template <class = void>
inline io_result send_descriptors_in(const int& fd, iov_list list, const int* fds, std::size_t count,
                                     unsigned char* control, int flags) noexcept {
  if (count > max_descriptors) return {0, E2BIG};
  return send_with_control(fd, list, SCM_RIGHTS, fds, count * sizeof(int), control, flags);
}

/// What a receive with control messages got: bytes, descriptors kept, an internal code.
struct control_outcome {
  std::size_t bytes;
  std::size_t descriptors;
  int err;
};

/// One recvmsg (MSG_CMSG_CLOEXEC, so every descriptor installed is close-on-exec) into
/// `list`, with `control_size` bytes of `control`. The descriptors of SCM_RIGHTS go to
/// out[0, room) in order (each element assigned: what it held is closed); any beyond
/// `room` are closed at once, as is an SCM_PIDFD; credentials go to `*from` when asked.
/// MSG_CTRUNC, or descriptors beyond `room`, is error::descriptors_truncated; else a
/// message longer than the list (`flags` with MSG_TRUNC: datagram, seqpacket) is
/// error::truncated. Asked for credentials and none came: EINVAL (pass_credentials off).
/// EINTR retried.
template <class = void>
inline control_outcome receive_with_control(const int& fd, iov_list list, descriptor* out, std::size_t room,
                                            credentials* from, unsigned char* control, std::size_t control_size,
                                            int flags) noexcept {
  if (list.count > max_iov) return {0, 0, E2BIG};
  msghdr m = message_header(list.data, list.count);
  m.msg_control = control;
  m.msg_controllen = control_size;
  const sys::result r = receive_header(fd, m, flags | MSG_CMSG_CLOEXEC);
  if (r.err != 0) return {0, 0, r.err};
  std::size_t kept = 0;
  bool lost = (m.msg_flags & MSG_CTRUNC) != 0;
  bool vouched = false;
  for_each_control_message(m, [&](int level, int type, const unsigned char* payload, std::size_t size) {
    if (level != SOL_SOCKET) return;
    if (type == SCM_RIGHTS || type == scm_pidfd) {
      for (std::size_t at = 0; at + sizeof(int) <= size; at += sizeof(int)) {
        int received_fd = -1;
        std::memcpy(&received_fd, payload + at, sizeof received_fd);
        if (type == SCM_RIGHTS && kept < room) {
          out[kept++] = descriptor(received_fd);
        } else {
          sys::close_quietly(received_fd);
          if (type == SCM_RIGHTS) lost = true;
        }
      }
    } else if (type == SCM_CREDENTIALS && from != nullptr && size >= sizeof(ucred)) {
      ucred c;
      std::memcpy(&c, payload, sizeof c);
      *from = credentials{c.pid, c.uid, c.gid};
      vouched = true;
    }
  });
  const std::size_t capacity = total_size(list.data, list.count);
  const auto length = static_cast<std::size_t>(r.value);
  const std::size_t bytes = length < capacity ? length : capacity;
  if (lost) return {bytes, kept, code_of(error::descriptors_truncated)};
  if (length > capacity) return {bytes, kept, code_of(error::truncated)};
  if (from != nullptr && !vouched) return {bytes, kept, EINVAL};
  return {bytes, kept, 0};
}

/// The control room receive_descriptors gives: SCM_CREDENTIALS (which comes first, when
/// pass_credentials is on, and must not crowd the descriptors out), then exactly `n`
/// descriptors (CMSG_LEN, not CMSG_SPACE: the padding of CMSG_SPACE would let the kernel
/// install one more than `out` holds).
constexpr std::size_t descriptor_room(std::size_t n) noexcept {
  return cmsg_space(sizeof(ucred)) + cmsg_len(n * sizeof(int));
}

/// The local-socket members of socket<local, T>; `Socket` is that socket.
template <class Socket, class T>
class local_ops {
  // As message_ops: MSG_NOSIGNAL on connections.
  static constexpr int send_flags = T::connection_oriented ? MSG_NOSIGNAL : 0;
  // Datagram and seqpacket: a message longer than the buffer is told (MSG_TRUNC).
  static constexpr int receive_flags = T::type == SOCK_STREAM ? 0 : MSG_TRUNC;

 public:
  /// Sends the open descriptors `fds` with the bytes of `data` (a byte_buffer or a gather
  /// list): one sendmsg with one SCM_RIGHTS control message (MSG_NOSIGNAL on stream and
  /// seqpacket), its buffer on the stack (room for 253). The peer gets its own copies
  /// (ours stay open and ours). Returns the bytes sent: on a stream, as write_some, perhaps
  /// fewer than all (the descriptors went with the first of them). At least one byte of
  /// data, else std::errc::invalid_argument; more than 253 descriptors (SCM_MAX_FD) is
  /// std::errc::argument_list_too_long; a descriptor that is not open is
  /// std::errc::bad_file_descriptor; none of these sends anything. EINTR retried.
  /// Reporting through `ec`, returns 0 on error.
  template <class B, error_sink S = throws>
    requires sendable<B>
  std::size_t send_descriptors(B&& data, std::span<const int> fds, S&& on_error = {}) noexcept(
      reports_to_code<S>) {
    control_buffer<cmsg_space(max_descriptors * sizeof(int))> control;
    ::iovec one;
    return report(send_descriptors_in(fd(), iov_of_any(data, one), fds.data(), fds.size(), control.bytes, send_flags),
                  on_error, "berth::socket::send_descriptors");
  }
  /// As above, for descriptors in a range whose size its type fixes (`int fds[2]`,
  /// std::array<int, N>, std::span<const int, N>): the control buffer is exactly their size.
  template <class B, class Fds, error_sink S = throws>
    requires sendable<B> && fixed_list_of<Fds, const int>
  std::size_t send_descriptors(B&& data, Fds&& fds, S&& on_error = {}) noexcept(reports_to_code<S>) {
    constexpr std::size_t n = fixed_count<std::remove_cvref_t<Fds>>::value;
    control_buffer<cmsg_space(n * sizeof(int))> control;
    ::iovec one;
    return report(send_descriptors_in(fd(), iov_of_any(data, one), std::data(fds), n, control.bytes, send_flags),
                  on_error, "berth::socket::send_descriptors");
  }

  /// Receives bytes into `data` (a mutable byte_buffer or a scatter list) and the
  /// descriptors sent with them into `out`, in order: one recvmsg with MSG_CMSG_CLOEXEC,
  /// so every descriptor received is close-on-exec. Returns how many bytes and descriptors
  /// came; the first `descriptors` elements of `out` own them (whatever an element held
  /// before is closed as it is assigned). More descriptors than `out` holds is
  /// berth::error::descriptors_truncated: those that fit are in `out`, the others were
  /// closed (none leaks). On datagram and seqpacket, a message longer than `data` is
  /// berth::error::truncated (the descriptors are still in `out`). 0 bytes on a stream is
  /// end of stream. EINTR retried. Reporting through `ec`, returns what arrived.
  template <class B, error_sink S = throws>
    requires receivable<B>
  [[nodiscard]] received receive_descriptors(B&& data, std::span<descriptor> out, S&& on_error = {}) noexcept(
      reports_to_code<S>) {
    control_buffer<descriptor_room(max_descriptors)> control;
    const std::size_t room = out.size() < max_descriptors ? out.size() : max_descriptors;
    ::iovec one;
    const control_outcome got = receive_with_control(fd(), iov_of_any(data, one), out.data(), room, nullptr,
                                                     control.bytes, descriptor_room(room), receive_flags);
    report(got.err, on_error, "berth::socket::receive_descriptors");
    return {got.bytes, got.descriptors};
  }
  /// As above, into a range of descriptors whose size its type fixes (std::array<
  /// berth::descriptor, N>, berth::descriptor[N]): the control buffer is exactly its size.
  template <class B, class Out, error_sink S = throws>
    requires receivable<B> && fixed_list_of<Out, descriptor>
  [[nodiscard]] received receive_descriptors(B&& data, Out&& out, S&& on_error = {}) noexcept(reports_to_code<S>) {
    constexpr std::size_t n = fixed_count<std::remove_cvref_t<Out>>::value;
    control_buffer<descriptor_room(n)> control;
    ::iovec one;
    const control_outcome got = receive_with_control(fd(), iov_of_any(data, one), std::data(out), n, nullptr,
                                                     control.bytes, descriptor_room(n), receive_flags);
    report(got.err, on_error, "berth::socket::receive_descriptors");
    return {got.bytes, got.descriptors};
  }

  /// Sends the bytes of `data` with SCM_CREDENTIALS claiming `as` (one sendmsg). A process
  /// may claim its own pid, uid and gid; others are std::errc::operation_not_permitted
  /// unless it has CAP_SYS_ADMIN (pid), CAP_SETUID, CAP_SETGID. Only needed to claim other
  /// ids: a receiver with pass_credentials on learns the sender's own without it. At least
  /// one byte, else std::errc::invalid_argument. EINTR retried. Reporting through `ec`,
  /// returns 0 on error.
  template <class B, error_sink S = throws>
    requires sendable<B>
  std::size_t send_credentials(B&& data, const credentials& as, S&& on_error = {}) noexcept(reports_to_code<S>) {
    const ucred c{as.pid, as.uid, as.gid};
    control_buffer<cmsg_space(sizeof(ucred))> control;
    ::iovec one;
    return report(send_with_control(fd(), iov_of_any(data, one), SCM_CREDENTIALS, &c, sizeof c, control.bytes,
                                    send_flags),
                  on_error, "berth::socket::send_credentials");
  }

  /// Receives bytes into `data` and who sent them into `from`, as the kernel vouches for
  /// it (SCM_CREDENTIALS; one recvmsg). Needs option::pass_credentials on: without it no
  /// credentials come, which is std::errc::invalid_argument (`from` left as it was, the
  /// bytes still received). A message sent before the option was on carries pid 0 and the
  /// overflow ids (65534). Descriptors sent with it are closed, as
  /// berth::error::descriptors_truncated. EINTR retried. Reporting through `ec`, returns
  /// the bytes received.
  template <class B, error_sink S = throws>
    requires receivable<B>
  [[nodiscard]] std::size_t receive_credentials(B&& data, credentials& from, S&& on_error = {}) noexcept(
      reports_to_code<S>) {
    control_buffer<cmsg_space(sizeof(ucred))> control;
    ::iovec one;
    const control_outcome got = receive_with_control(fd(), iov_of_any(data, one), nullptr, 0, &from, control.bytes,
                                                     sizeof control.bytes, receive_flags);
    report(got.err, on_error, "berth::socket::receive_credentials");
    return got.bytes;
  }

 private:
  const int& fd() const noexcept { return socket_access::fd(static_cast<const Socket&>(*this)); }
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_LOCAL_OPS_HPP
