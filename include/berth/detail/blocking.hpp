#ifndef BERTH_DETAIL_BLOCKING_HPP
#define BERTH_DETAIL_BLOCKING_HPP

// The blocking policy over the single calls of detail/sys.hpp: EINTR retried, time limits
// that hold across signals, read/write until done, connect completion. Each operation's
// usual path is its one system call and a test; everything after an interruption or a
// short transfer is out of line.
//
// Time limits after a signal. A blocking call bounded by SO_RCVTIMEO or SO_SNDTIMEO that
// a signal interrupts is not simply made again (the kernel would start its full limit
// over, so a signal every millisecond held a 200 ms read for seconds). From the first
// interruption on, the call runs against a deadline: that limit, counted from the moment
// of the interruption, is waited for with poll and the call is made with MSG_DONTWAIT.
// When the limit has passed the call fails as the kernel's own timer would fail it
// (EAGAIN, or EINPROGRESS for a TCP connect). The time before the first interruption is
// not known without reading a clock on every call, which the usual path does not do: a
// call ends at most one limit after its first interruption (under a storm of signals,
// one limit after it began). Nothing here allocates.
//
// Compile time. Every function here that reads a clock, converts a duration or passes a
// lambda on is a template (`template <class = void>`, called as a plain function): the
// std::chrono and lambda templates it uses are then instantiated only in a translation
// unit that calls it, not in every one that includes a socket. Each is still `inline`,
// so that the compiler's inlining decisions are those it made for the plain functions.

#include <berth/buffer.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/msghdr.hpp>
#include <berth/detail/sys.hpp>
#include <berth/error.hpp>

#include <fcntl.h>  // O_NONBLOCK
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <signal.h>
#include <sys/sendfile.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace berth::detail {

using clock = std::chrono::steady_clock;

/// An io_result from a single call's result: the bytes, or 0 and the error.
[[gnu::always_inline]] inline io_result to_io(sys::result r) noexcept {
  if (r.err == 0) return {static_cast<std::size_t>(r.value), 0};
  return {0, r.err};
}

// ---- time limits --------------------------------------------------------------------
// The helpers of the slow paths are kept out of line (gnu::noinline): each is a system call
// or a clock read anyway, and inlined into every caller they would only use up the
// compiler's inlining budget that the usual paths need.

/// What poll_timeout returns for a duration that is not a number: the callers report
/// std::errc::invalid_argument.
inline constexpr int invalid_timeout = INT_MIN;

/// A duration as poll's timeout: milliseconds rounded up; 0 for zero or less (and -inf);
/// -1 (wait forever) from INT_MAX milliseconds (24.8 days) on, +inf included;
/// invalid_timeout for NaN.
template <class Rep, class Period>
constexpr int poll_timeout(std::chrono::duration<Rep, Period> timeout) noexcept {
  if constexpr (std::is_floating_point_v<Rep>) {
    if (timeout.count() != timeout.count()) return invalid_timeout;
  }
  if (timeout <= timeout.zero()) return 0;
  if (timeout >= std::chrono::duration<double, std::milli>(INT_MAX)) return -1;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(timeout).count());
}

/// Milliseconds from now until `deadline`, rounded up, for poll (0 once it has passed).
template <class = void>
[[gnu::noinline]] inline int milliseconds_until(clock::time_point deadline) noexcept {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
  if (left.count() <= 0) return 0;
  return left.count() < INT_MAX ? static_cast<int>(left.count()) : INT_MAX;
}

/// The limit SO_RCVTIMEO or SO_SNDTIMEO (`name`) puts on fd's blocking calls; zero for
/// none, or when it cannot be read.
template <class = void>
[[gnu::noinline]] inline clock::duration kernel_time_limit(int fd, int name) noexcept {
  timeval t{};
  socklen_t size = sizeof t;
  if (sys::getsockopt(fd, SOL_SOCKET, name, &t, &size).err != 0) return {};
  return std::chrono::duration_cast<clock::duration>(std::chrono::seconds(t.tv_sec) +
                                                     std::chrono::microseconds(t.tv_usec));
}

/// Whether O_NONBLOCK is set on fd (false when it cannot be read).
[[gnu::noinline]] inline bool is_nonblocking(int fd) noexcept {
  const sys::result r = sys::get_status_flags(fd);
  return r.err == 0 && (r.value & O_NONBLOCK) != 0;
}

/// poll for `events` on one descriptor, `timeout_ms` as poll takes it (-1: forever).
/// `ready` is false on timeout. A signal does not cut the wait short: poll is called
/// again with the time that is left. A descriptor that is not open is EBADF (poll itself
/// would ignore a negative one and just sleep); invalid_timeout is EINVAL.
template <class = void>
[[gnu::noinline]] inline int wait_for(int fd, short events, int timeout_ms, bool& ready) noexcept {
  ready = false;
  if (timeout_ms == invalid_timeout) return EINVAL;
  if (fd < 0) return EBADF;
  const clock::time_point deadline =
      timeout_ms > 0 ? clock::now() + std::chrono::milliseconds(timeout_ms) : clock::time_point{};
  pollfd p{fd, events, 0};
  for (;;) {
    const sys::result r = sys::poll(&p, 1, timeout_ms);
    if (r.value > 0) {
      if (p.revents & POLLNVAL) return EBADF;
      ready = true;
      return 0;
    }
    if (r.value == 0) return 0;
    if (r.err != EINTR) return r.err;
    if (timeout_ms > 0) timeout_ms = milliseconds_until(deadline);
  }
}

/// As wait_for, until `deadline`.
template <class = void>
inline int wait_until(int fd, short events, clock::time_point deadline, bool& ready) noexcept {
  return wait_for(fd, events, milliseconds_until(deadline), ready);
}

// ---- one call, EINTR retried -----------------------------------------------------------

/// What a single call does once a signal interrupted it (the kernel had started nothing
/// that goes on). `call(flags)` makes the call again with `flags` added. Without a kernel
/// time limit on the socket it is simply made again; with one, it runs against a deadline
/// counted from now (see the top of this file): poll for `events` with the time left,
/// then the call with MSG_DONTWAIT; expiry is EAGAIN, as the kernel's timer reports it.
template <class Call>
[[gnu::cold, gnu::noinline]] sys::result retry_interrupted(const int& fd, short events,
                                                           int limit_name, Call call) noexcept {
  const clock::duration limit = kernel_time_limit(fd, limit_name);
  if (limit == clock::duration::zero()) {
    for (;;) {
      const sys::result r = call(0);
      if (r.err != EINTR) return r;
    }
  }
  const clock::time_point deadline = clock::now() + limit;
  for (;;) {
    bool ready = false;
    if (const int err = wait_until(fd, events, deadline, ready)) return {-1, err};
    if (!ready) return {-1, EAGAIN};
    const sys::result r = call(MSG_DONTWAIT);
    if (r.err != EAGAIN && r.err != EINTR) return r;
  }
}

// Each call below is its system call and a test. After EINTR it goes on in a function of
// its own (out of line, its arguments passed as they are), so that the code inlined where
// the call is made stays that small.

/// recv after EINTR (see retry_interrupted).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result recv_interrupted(const int& fd, void* data,
                                                                 std::size_t size, int flags) noexcept {
  return retry_interrupted(fd, POLLIN, SO_RCVTIMEO, [&fd, data, size, flags](int more) {
    return sys::recv(fd, data, size, flags | more);
  });
}

/// send after EINTR (see retry_interrupted).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result send_interrupted(const int& fd, const void* data,
                                                                 std::size_t size, int flags) noexcept {
  return retry_interrupted(fd, POLLOUT, SO_SNDTIMEO, [&fd, data, size, flags](int more) {
    return sys::send(fd, data, size, flags | more);
  });
}

/// recvfrom after EINTR (see retry_interrupted).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result recvfrom_interrupted(const int& fd, void* data,
                                                                     std::size_t size, int flags,
                                                                     sockaddr* from,
                                                                     socklen_t* from_size) noexcept {
  return retry_interrupted(fd, POLLIN, SO_RCVTIMEO, [&fd, data, size, flags, from, from_size](int more) {
    return sys::recvfrom(fd, data, size, flags | more, from, from_size);
  });
}

/// sendto after EINTR (see retry_interrupted).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result sendto_interrupted(const int& fd, const void* data,
                                                                   std::size_t size, int flags,
                                                                   const sockaddr* to,
                                                                   socklen_t to_size) noexcept {
  return retry_interrupted(fd, POLLOUT, SO_SNDTIMEO, [&fd, data, size, flags, to, to_size](int more) {
    return sys::sendto(fd, data, size, flags | more, to, to_size);
  });
}

/// accept4 after EINTR (see retry_interrupted; accept4 has no MSG_DONTWAIT, so after poll
/// another thread may take the connection first and the call then waits again).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result accept_interrupted(const int& fd, sockaddr* peer,
                                                                   socklen_t* peer_size) noexcept {
  return retry_interrupted(fd, POLLIN, SO_RCVTIMEO, [&fd, peer, peer_size](int) {
    return sys::accept4(fd, peer, peer_size, SOCK_CLOEXEC);
  });
}

/// One recv; EINTR retried; 0 bytes at end of stream.
template <class = void>
[[gnu::always_inline]] inline io_result receive_some(const int& fd, void* data, std::size_t size, int flags) noexcept {
  const sys::result r = sys::recv(fd, data, size, flags);
  if (r.err == EINTR) [[unlikely]] return to_io(recv_interrupted(fd, data, size, flags));
  return to_io(r);
}

/// One send; EINTR retried.
template <class = void>
[[gnu::always_inline]] inline io_result send_some(const int& fd, const void* data, std::size_t size, int flags) noexcept {
  const sys::result r = sys::send(fd, data, size, flags);
  if (r.err == EINTR) [[unlikely]] return to_io(send_interrupted(fd, data, size, flags));
  return to_io(r);
}

/// What a truncated message reports; out of line, so that the usual path is not merged
/// with it into conditional moves.
[[gnu::cold, gnu::noinline]] inline io_result truncated_message(std::size_t size) noexcept {
  return {size, code_of(error::truncated)};
}

/// The outcome of one recvfrom/recvmsg with MSG_TRUNC into `size` bytes: the message's
/// length, or error::truncated (the buffer full) when it was longer.
[[gnu::always_inline]] inline io_result message_received(sys::result r, std::size_t size) noexcept {
  if (r.err != 0) return {0, r.err};
  if (static_cast<std::size_t>(r.value) > size) return truncated_message(size);
  return {static_cast<std::size_t>(r.value), 0};
}

/// One recvfrom of one message with MSG_TRUNC, so a message longer than the buffer is
/// reported (error::truncated, the buffer full) instead of cut silently. EINTR retried.
template <class = void>
[[gnu::always_inline]] inline io_result receive_message(const int& fd, void* data, std::size_t size, sockaddr* from,
                                 socklen_t* from_size) noexcept {
  const sys::result r = sys::recvfrom(fd, data, size, MSG_TRUNC, from, from_size);
  if (r.err == EINTR) [[unlikely]]
    return message_received(recvfrom_interrupted(fd, data, size, MSG_TRUNC, from, from_size), size);
  return message_received(r, size);
}

/// One sendto of one message; EINTR retried.
template <class = void>
[[gnu::always_inline]] inline io_result send_message(const int& fd, const void* data, std::size_t size, int flags,
                              const sockaddr* to, socklen_t to_size) noexcept {
  const sys::result r = sys::sendto(fd, data, size, flags, to, to_size);
  if (r.err == EINTR) [[unlikely]] return to_io(sendto_interrupted(fd, data, size, flags, to, to_size));
  return to_io(r);
}

/// accept4 with SOCK_CLOEXEC; EINTR retried. The new descriptor, or the error.
template <class = void>
[[gnu::always_inline]] inline sys::result accept(const int& fd, sockaddr* peer, socklen_t* peer_size) noexcept {
  const sys::result r = sys::accept4(fd, peer, peer_size, SOCK_CLOEXEC);
  if (r.err == EINTR) [[unlikely]] return accept_interrupted(fd, peer, peer_size);
  return r;
}

// ---- until done ------------------------------------------------------------------------

/// The rest of a transfer whose first call came back short or interrupted. `call(p, n,
/// flags)` moves up to n bytes at offset p; `events` is what poll waits for and
/// `limit_name` the kernel limit that bounds it. `done` bytes already moved.
template <class Call>
[[gnu::cold, gnu::noinline]] io_result transfer_rest(const int& fd, std::size_t size,
                                                     std::size_t done, short events,
                                                     int limit_name, bool zero_is_eof,
                                                     Call call) noexcept {
  const clock::duration limit = kernel_time_limit(fd, limit_name);
  const bool timed = limit != clock::duration::zero() && !is_nonblocking(fd);
  const clock::time_point deadline = timed ? clock::now() + limit : clock::time_point{};
  while (done < size) {
    if (timed) {
      bool ready = false;
      if (const int err = wait_until(fd, events, deadline, ready)) return {done, err};
      if (!ready) return {done, EAGAIN};
    }
    const sys::result r = call(done, size - done, timed ? MSG_DONTWAIT : 0);
    if (r.err == 0) {
      if (r.value == 0 && zero_is_eof) return {done, code_of(error::eof)};
      done += static_cast<std::size_t>(r.value);
    } else if (r.err != EINTR && !(timed && r.err == EAGAIN)) {
      return {done, r.err};
    }
  }
  return {size, 0};
}

/// recv with MSG_WAITALL until `size` bytes arrived; end of stream first is error::eof.
/// A signal or a kernel time limit may end a MSG_WAITALL recv early: the rest is then
/// read against a deadline (see the top of this file). No system call for size 0.
template <class = void>
[[gnu::always_inline]] inline io_result receive_all(const int& fd, void* data, std::size_t size) noexcept {
  if (size == 0) return {0, 0};
  const sys::result r = sys::recv(fd, data, size, MSG_WAITALL);
  if (static_cast<std::size_t>(r.value) == size) [[likely]] return {size, 0};
  if (r.err != 0 && r.err != EINTR) return {0, r.err};
  if (r.value == 0) return {0, code_of(error::eof)};
  auto* const p = static_cast<char*>(data);
  return transfer_rest(fd, size, r.err == 0 ? static_cast<std::size_t>(r.value) : 0, POLLIN,
                       SO_RCVTIMEO, true, [&fd, p](std::size_t at, std::size_t n, int more) {
                         return sys::recv(fd, p + at, n, more != 0 ? more : MSG_WAITALL);
                       });
}

/// send until all of `size` bytes went out; a signal or a kernel time limit may end a send
/// early: the rest is sent against a deadline. No system call for size 0.
template <class = void>
[[gnu::always_inline]] inline io_result send_all(const int& fd, const void* data, std::size_t size, int flags) noexcept {
  if (size == 0) return {0, 0};
  const sys::result r = sys::send(fd, data, size, flags);
  if (static_cast<std::size_t>(r.value) == size) [[likely]] return {size, 0};
  if (r.err != 0 && r.err != EINTR) return {0, r.err};
  const auto* const p = static_cast<const char*>(data);
  return transfer_rest(fd, size, r.err == 0 ? static_cast<std::size_t>(r.value) : 0, POLLOUT,
                       SO_SNDTIMEO, false, [&fd, p, flags](std::size_t at, std::size_t n, int more) {
                         return sys::send(fd, p + at, n, flags | more);
                       });
}

// ---- connect ---------------------------------------------------------------------------

/// The outcome of a connection attempt that went on in the kernel (SO_ERROR).
[[gnu::noinline]] inline int pending_error(int fd) noexcept {
  int value = 0;
  socklen_t size = sizeof value;
  if (const sys::result r = sys::getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &size); r.err != 0)
    return r.err;
  return value;
}

/// Sets SO_SNDTIMEO to `limit`, zero for none.
template <class = void>
[[gnu::noinline]] inline int set_send_limit(int fd, clock::duration limit) noexcept {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(limit).count();
  const timeval t{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  return sys::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t).err;
}

/// A unix-domain connect made until it ends otherwise than by a signal, within
/// `deadline`: a unix connect waits only for room in the listener's backlog, and that
/// wait honours SO_SNDTIMEO, so each attempt gets the time that is left (at least a
/// microsecond: zero would mean forever); `restore` is put back afterwards. The first
/// attempt is always made. Expiry is ETIMEDOUT.
template <class = void>
[[gnu::cold, gnu::noinline]] inline int connect_local_until(int fd, const sockaddr* to,
                                                            socklen_t size,
                                                            clock::time_point deadline,
                                                            clock::duration restore) noexcept {
  int err = 0;
  for (;;) {
    const clock::duration left = deadline - clock::now();
    if ((err = set_send_limit(fd, left > std::chrono::microseconds(1) ? left
                                                                     : std::chrono::microseconds(1))) != 0)
      return err;
    const sys::result r = sys::connect(fd, to, size);
    if (r.err != EINTR) {
      err = r.err == EAGAIN ? ETIMEDOUT : r.err;
      break;
    }
    if (clock::now() >= deadline) {
      err = ETIMEDOUT;
      break;
    }
  }
  if (const int reset = set_send_limit(fd, restore); err == 0) err = reset;
  return err;
}

/// What connect does once connect(2) failed; out of line, so that a connect that succeeds
/// is the few instructions of hand-written code wherever it is inlined. Only a signal
/// needs more: a TCP handshake goes on in the kernel, so it is completed by waiting (poll,
/// then SO_ERROR) for no longer than the SO_SNDTIMEO that bounds a blocking connect
/// (expiry is EINPROGRESS, as the kernel reports it); a unix connect has nothing in flight
/// and is made again.
template <bool Local>
[[gnu::cold, gnu::noinline]] int connect_failed(int fd, const sockaddr* to, socklen_t size,
                                                int err) noexcept {
  if (err != EINTR) return err;
  const clock::duration limit = kernel_time_limit(fd, SO_SNDTIMEO);
  if constexpr (Local) {
    if (limit == clock::duration::zero()) {
      for (;;) {
        const sys::result r = sys::connect(fd, to, size);
        if (r.err != EINTR) return r.err;
      }
    }
    const int result = connect_local_until(fd, to, size, clock::now() + limit, limit);
    return result == ETIMEDOUT ? EAGAIN : result;  // as the kernel's own limit reports it
  } else {
    bool ready = false;
    const int timeout_ms =
        limit == clock::duration::zero() ? -1 : milliseconds_until(clock::now() + limit);
    if (const int e = wait_for(fd, POLLOUT, timeout_ms, ready)) return e;
    if (!ready) return EINPROGRESS;
    return pending_error(fd);
  }
}

/// connect(2), completed as connect_failed says when a signal interrupts it.
template <bool Local>
[[gnu::always_inline]] inline int connect(const int& fd, const sockaddr* to, socklen_t size) noexcept {
  const sys::result r = sys::connect(fd, to, size);
  if (r.err == 0) [[likely]] return 0;
  return connect_failed<Local>(fd, to, size, r.err);
}

/// connect with a time limit on a socket made for it. TCP: the socket is non-blocking
/// (SOCK_NONBLOCK); connect, poll, SO_ERROR, then FIONBIO back to blocking. Unix: set
/// SO_SNDTIMEO, connect, clear it (see connect_local_until). Expiry is ETIMEDOUT; a
/// timeout of -1 waits as long as a plain connect would.
template <bool Local>
int connect_within(int fd, const sockaddr* to, socklen_t size, int timeout_ms) noexcept {
  if constexpr (Local) {
    if (timeout_ms < 0) return connect<true>(fd, to, size);
    return connect_local_until(fd, to, size, clock::now() + std::chrono::milliseconds(timeout_ms),
                               clock::duration::zero());
  } else {
    if (const sys::result r = sys::connect(fd, to, size); r.err != 0) {
      if (r.err != EINPROGRESS) return r.err;
      bool ready = false;
      if (const int err = wait_for(fd, POLLOUT, timeout_ms, ready)) return err;
      if (!ready) return ETIMEDOUT;
      if (const int err = pending_error(fd)) return err;
    }
    return sys::set_nonblocking(fd, false).err;
  }
}

// ---- gather and scatter (Revision 2: vectored I/O, descriptors, batches, files) ----------
// The same policy for sendmsg and recvmsg over a list of buffers: one call and a test on
// the usual path; EINTR, time limits and the rest of a partial transfer out of line, with
// plain scalar arguments.

/// sendmsg after EINTR (see retry_interrupted).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result sendmsg_interrupted(const int& fd, const msghdr* message,
                                                                    int flags) noexcept {
  return retry_interrupted(fd, POLLOUT, SO_SNDTIMEO, [&fd, message, flags](int more) {
    return sys::sendmsg(fd, message, flags | more);
  });
}

/// recvmsg after EINTR (see retry_interrupted). A recvmsg that fails writes nothing back
/// into its msghdr (name and control lengths stay as they were), so it is made again as is.
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result recvmsg_interrupted(const int& fd, msghdr* message,
                                                                    int flags) noexcept {
  return retry_interrupted(fd, POLLIN, SO_RCVTIMEO, [&fd, message, flags](int more) {
    return sys::recvmsg(fd, message, flags | more);
  });
}

/// One sendmsg; EINTR retried.
template <class = void>
[[gnu::always_inline]] inline sys::result send_header(const int& fd, const msghdr& message, int flags) noexcept {
  const sys::result r = sys::sendmsg(fd, &message, flags);
  if (r.err == EINTR) [[unlikely]] return sendmsg_interrupted(fd, &message, flags);
  return r;
}

/// One recvmsg; EINTR retried.
template <class = void>
[[gnu::always_inline]] inline sys::result receive_header(const int& fd, msghdr& message, int flags) noexcept {
  const sys::result r = sys::recvmsg(fd, &message, flags);
  if (r.err == EINTR) [[unlikely]] return recvmsg_interrupted(fd, &message, flags);
  return r;
}

/// At most max_iov of a list's buffers: what one call of a stream's *_some takes.
[[gnu::always_inline]] inline std::size_t first_call_count(std::size_t count) noexcept {
  return count < max_iov ? count : max_iov;
}

/// One sendmsg of a list (its first max_iov buffers); EINTR retried.
template <class = void>
[[gnu::always_inline]] inline io_result send_list_some(const int& fd, iov_list list, int flags) noexcept {
  const msghdr m = message_header(list.data, first_call_count(list.count));
  return to_io(send_header(fd, m, flags));
}

/// One recvmsg into a list (its first max_iov buffers); EINTR retried; 0 at end of stream.
template <class = void>
[[gnu::always_inline]] inline io_result receive_list_some(const int& fd, iov_list list) noexcept {
  msghdr m = message_header(list.data, first_call_count(list.count));
  return to_io(receive_header(fd, m, 0));
}

/// The rest of a sendmsg over a list that came back short (`done` of `size` bytes sent) or
/// interrupted: transfer_rest's policy, each call resuming where the last one stopped
/// (list_cursor), so a list longer than max_iov is sent in several calls.
template <class = void>
[[gnu::cold, gnu::noinline]] inline io_result send_list_rest(const int& fd, const ::iovec* iov, std::size_t count,
                                                             std::size_t size, std::size_t done,
                                                             int flags) noexcept {
  list_cursor cursor(iov, count);
  return transfer_rest(fd, size, done, POLLOUT, SO_SNDTIMEO, false,
                       [&fd, &cursor, flags](std::size_t at, std::size_t, int more) {
                         ::iovec window[window_size];
                         const msghdr m = cursor.from(at, window);
                         return sys::sendmsg(fd, &m, flags | more);
                       });
}

/// The rest of a recvmsg (MSG_WAITALL) into a list, as send_list_rest; end of stream
/// first is error::eof.
template <class = void>
[[gnu::cold, gnu::noinline]] inline io_result receive_list_rest(const int& fd, const ::iovec* iov,
                                                                std::size_t count, std::size_t size,
                                                                std::size_t done) noexcept {
  list_cursor cursor(iov, count);
  return transfer_rest(fd, size, done, POLLIN, SO_RCVTIMEO, true,
                       [&fd, &cursor](std::size_t at, std::size_t, int more) {
                         ::iovec window[window_size];
                         msghdr m = cursor.from(at, window);
                         return sys::recvmsg(fd, &m, more != 0 ? more : MSG_WAITALL);
                       });
}

/// sendmsg until every byte of the list went out (write of a gather list). One call when
/// the kernel takes it all, as it does on a blocking socket unless a signal or a time
/// limit comes; after that, or for a list of more than max_iov buffers, the rest resumes
/// mid-list. No system call for a list of no bytes.
template <class = void>
[[gnu::always_inline]] inline io_result send_list_all(const int& fd, iov_list list, int flags) noexcept {
  const std::size_t size = total_size(list.data, list.count);
  if (size == 0) return {0, 0};
  const msghdr m = message_header(list.data, first_call_count(list.count));
  const sys::result r = sys::sendmsg(fd, &m, flags);
  if (static_cast<std::size_t>(r.value) == size) [[likely]] return {size, 0};
  if (r.err != 0 && r.err != EINTR) return {0, r.err};
  return send_list_rest(fd, list.data, list.count, size, r.err == 0 ? static_cast<std::size_t>(r.value) : 0,
                        flags);
}

/// recvmsg with MSG_WAITALL until the list is full (read of a scatter list); end of stream
/// first is error::eof. No system call for a list of no bytes.
template <class = void>
[[gnu::always_inline]] inline io_result receive_list_all(const int& fd, iov_list list) noexcept {
  const std::size_t size = total_size(list.data, list.count);
  if (size == 0) return {0, 0};
  msghdr m = message_header(list.data, first_call_count(list.count));
  const sys::result r = sys::recvmsg(fd, &m, MSG_WAITALL);
  if (static_cast<std::size_t>(r.value) == size) [[likely]] return {size, 0};
  if (r.err != 0 && r.err != EINTR) return {0, r.err};
  if (r.value == 0) return {0, code_of(error::eof)};
  return receive_list_rest(fd, list.data, list.count, size, r.err == 0 ? static_cast<std::size_t>(r.value) : 0);
}

/// One sendmsg of a whole list as one message, to `to` when given: more than max_iov buffers
/// is E2BIG with no call (a message cannot be split over calls); EINTR retried.
template <class = void>
[[gnu::always_inline]] inline io_result send_list_message(const int& fd, iov_list list, int flags,
                                                          const sockaddr* to, socklen_t to_size) noexcept {
  if (list.count > max_iov) [[unlikely]] return {0, E2BIG};
  const msghdr m = message_header(list.data, list.count, to, to_size);
  return to_io(send_header(fd, m, flags));
}

/// One recvmsg with MSG_TRUNC of one message into a whole list (from `*from`, of
/// `*from_size` bytes, updated, when given): its length, or error::truncated (every buffer
/// full) when it was longer. More than max_iov buffers is E2BIG with no call.
template <class = void>
[[gnu::always_inline]] inline io_result receive_list_message(const int& fd, iov_list list, sockaddr* from,
                                                             socklen_t* from_size) noexcept {
  if (list.count > max_iov) [[unlikely]] return {0, E2BIG};
  msghdr m = message_header(list.data, list.count, from, from_size != nullptr ? *from_size : 0);
  const sys::result r = receive_header(fd, m, MSG_TRUNC);
  if (from_size != nullptr) *from_size = m.msg_namelen;
  return message_received(r, total_size(list.data, list.count));
}

// ---- batches --------------------------------------------------------------------------------

/// sendmmsg after EINTR (nothing was sent; see retry_interrupted).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result sendmmsg_interrupted(const int& fd, mmsghdr* messages,
                                                                     unsigned count, int flags) noexcept {
  return retry_interrupted(fd, POLLOUT, SO_SNDTIMEO, [&fd, messages, count, flags](int more) {
    return sys::sendmmsg(fd, messages, count, flags | more);
  });
}

/// recvmmsg after EINTR (nothing was received; see retry_interrupted).
template <class = void>
[[gnu::cold, gnu::noinline]] inline sys::result recvmmsg_interrupted(const int& fd, mmsghdr* messages,
                                                                     unsigned count, int flags) noexcept {
  return retry_interrupted(fd, POLLIN, SO_RCVTIMEO, [&fd, messages, count, flags](int more) {
    return sys::recvmmsg(fd, messages, count, flags | more);
  });
}

// ---- send_file ------------------------------------------------------------------------------
// sendfile(2) has no MSG_NOSIGNAL, and to a stream whose peer has gone it raises SIGPIPE,
// which by default ends the process. send_file blocks SIGPIPE in the calling thread for the
// call: pthread_sigmask before and after sendfile, two rt_sigprocmask system calls. A
// SIGPIPE the call raised is then pending for this thread only; it is taken with a zero
// sigtimedwait (a third call, on EPIPE only) before the mask is restored, so it is never
// delivered. A thread that already blocks SIGPIPE keeps its mask: the mask is not restored
// (that call is saved), sigpending tells beforehand whether a SIGPIPE of its own is pending,
// and only one that the call raised is taken.

/// What send_file did to the calling thread's signal mask, to undo it.
struct sigpipe_guard {
  sigset_t pipe;
  sigset_t old;
  bool was_blocked;
  bool was_pending;  // only known (and read) when was_blocked
};

/// Blocks SIGPIPE in this thread: rt_sigprocmask, and sigpending when it was blocked already.
[[gnu::always_inline]] inline void block_sigpipe(sigpipe_guard& g) noexcept {
  sigemptyset(&g.pipe);
  sigaddset(&g.pipe, SIGPIPE);
  (void)sys::thread_sigmask(SIG_BLOCK, &g.pipe, &g.old);  // fails only for a bad `how`
  g.was_blocked = sigismember(&g.old, SIGPIPE) == 1;
  g.was_pending = false;
  if (g.was_blocked) [[unlikely]] {
    sigset_t pending;
    g.was_pending = sys::sigpending(&pending).err == 0 && sigismember(&pending, SIGPIPE) == 1;
  }
}

/// Takes a SIGPIPE the call raised (after EPIPE), so that it is never delivered.
[[gnu::cold, gnu::noinline]] inline void take_sigpipe(const sigpipe_guard& g) noexcept {
  if (g.was_pending) return;  // the thread's own, merged with ours: left to it
  const timespec zero{0, 0};
  (void)sys::sigtimedwait(&g.pipe, &zero);
}

/// Undoes block_sigpipe: the SIGPIPE an EPIPE raised taken first, then the mask restored
/// unless the thread blocked SIGPIPE itself.
[[gnu::always_inline]] inline void restore_sigpipe(const sigpipe_guard& g, int err) noexcept {
  if (err == EPIPE) [[unlikely]] take_sigpipe(g);
  if (!g.was_blocked) [[likely]] (void)sys::thread_sigmask(SIG_SETMASK, &g.old, nullptr);
}

/// The rest of a send_file whose first sendfile came back short or interrupted (`done`
/// bytes sent, `at` the next file offset). sendfile has no MSG_DONTWAIT, so a time limit
/// is kept as connect_local_until keeps one: each call gets SO_SNDTIMEO set to the time
/// that is left of the limit (from the first interruption on), and the limit is put back
/// at the end. Ends at `count` bytes, at the end of the file (sendfile returns 0), or on
/// an error other than EINTR (expiry of the limit is EAGAIN, as the kernel's timer says).
template <class = void>
[[gnu::cold, gnu::noinline]] inline io_result send_file_rest(const int& fd, int file, off_t at, std::size_t count,
                                                             std::size_t done, int err) noexcept {
  const clock::duration limit = kernel_time_limit(fd, SO_SNDTIMEO);
  const bool timed = limit != clock::duration::zero() && !is_nonblocking(fd);
  const clock::time_point deadline = clock::now() + limit;
  io_result result{done, 0};
  for (;;) {
    if (err != 0 && err != EINTR) {
      result.err = err;
      break;
    }
    if (result.bytes == count) break;
    if (timed) {
      const clock::duration left = deadline - clock::now();
      if (left <= clock::duration::zero()) {
        result.err = EAGAIN;
        break;
      }
      if (const int e = set_send_limit(fd, left > std::chrono::microseconds(1) ? left : std::chrono::microseconds(1))) {
        result.err = e;
        break;
      }
    }
    const sys::result r = sys::sendfile(fd, file, &at, count - result.bytes);
    err = r.err;
    if (r.err == 0) {
      if (r.value == 0) break;  // the end of the file
      result.bytes += static_cast<std::size_t>(r.value);
    }
  }
  if (timed) {
    if (const int e = set_send_limit(fd, limit); result.err == 0) result.err = e;
  }
  return result;
}

/// sendfile from `file` at `offset` until `count` bytes went or the file ended, SIGPIPE
/// kept away (see above): the bytes sent, fewer than `count` only at the end of the file
/// or with an error. An offset past what off_t holds is EINVAL; no system call for 0 bytes.
template <class = void>
[[gnu::always_inline]] inline io_result send_file_all(const int& fd, int file, std::uint64_t offset,
                                                      std::size_t count) noexcept {
  if (count == 0) return {0, 0};
  if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return {0, EINVAL};
  sigpipe_guard guard;
  block_sigpipe(guard);
  off_t at = static_cast<off_t>(offset);
  const sys::result r = sys::sendfile(fd, file, &at, count);
  io_result result{count, 0};
  // (r.err first: a failure's -1 is SIZE_MAX as a size, which a count may be.)
  if (r.err != 0 || static_cast<std::size_t>(r.value) != count) [[unlikely]] {
    if (r.value == 0)
      result = {0, 0};  // the file ends at `offset`
    else
      result = send_file_rest(fd, file, at, count, r.err == 0 ? static_cast<std::size_t>(r.value) : 0, r.err);
  }
  restore_sigpipe(guard, result.err);
  return result;
}

}  // namespace berth::detail

#endif  // BERTH_DETAIL_BLOCKING_HPP
