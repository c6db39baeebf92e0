#ifndef BERTH_DETAIL_SYSCALL_HPP
#define BERTH_DETAIL_SYSCALL_HPP

// The system calls behind every socket operation, each with its EINTR policy, reporting
// an internal code (0, errno, or a negated berth::error). Nothing here allocates.

#include <berth/detail/chrono.hpp>
#include <berth/error.hpp>

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <utility>

namespace berth::detail {

/// errno after a call that failed. POSIX makes it positive, and the compiler is told so:
/// a caller's `if (err != 0)` on a failure path is then known to be taken, and its success
/// path compiles to what hand-written code with a noreturn error handler compiles to.
inline int failure() noexcept {
  const int err = errno;
  if (err <= 0) __builtin_unreachable();
  return err;
}

// The descriptor is taken by reference and read at each call, as hand-written code reads
// it from its struct: taken by value, it is held in a register across the call for a
// retry after EINTR, and the caller's own loop state is spilled to make room.

/// One recv; EINTR retried; 0 bytes at end of stream.
inline io_result receive_some(const int& fd, void* data, std::size_t size, int flags) noexcept {
  for (;;) {
    const ssize_t n = ::recv(fd, data, size, flags);
    if (n >= 0) return {static_cast<std::size_t>(n), 0};
    if (errno != EINTR) return {0, failure()};
  }
}

/// One send; EINTR retried.
inline io_result send_some(const int& fd, const void* data, std::size_t size, int flags) noexcept {
  for (;;) {
    const ssize_t n = ::send(fd, data, size, flags);
    if (n >= 0) return {static_cast<std::size_t>(n), 0};
    if (errno != EINTR) return {0, failure()};
  }
}

/// recv with MSG_WAITALL until `size` bytes arrived; end of stream first is error::eof.
/// A pointer and a count left, as careful C code has it: the success path is then the
/// same instructions as hand-written code, and callers' error checks fold away.
inline io_result receive_all(const int& fd, void* data, std::size_t size) noexcept {
  auto* p = static_cast<char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::recv(fd, p, left, MSG_WAITALL);
    if (n <= 0) {
      if (n == 0) return {size - left, code_of(error::eof)};
      if (errno == EINTR) continue;
      return {size - left, failure()};
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return {size, 0};
}

/// send until all of `size` bytes went out.
inline io_result send_all(const int& fd, const void* data, std::size_t size, int flags) noexcept {
  const auto* p = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::send(fd, p, left, flags);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {size - left, failure()};
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return {size, 0};
}

/// What a truncated message reports; out of line, so that the usual path is not merged
/// with it into conditional moves.
[[gnu::cold, gnu::noinline]] inline io_result truncated_message(std::size_t size) noexcept {
  return {size, code_of(error::truncated)};
}

/// One recvfrom of one message with MSG_TRUNC, so a message longer than the buffer is
/// reported (error::truncated, the buffer full) instead of cut silently. EINTR retried.
inline io_result receive_message(const int& fd, void* data, std::size_t size, sockaddr* from,
                                 socklen_t* from_size) noexcept {
  for (;;) {
    const ssize_t n = ::recvfrom(fd, data, size, MSG_TRUNC, from, from_size);
    if (n >= 0) {
      if (static_cast<std::size_t>(n) > size) return truncated_message(size);
      return {static_cast<std::size_t>(n), 0};
    }
    if (errno != EINTR) return {0, failure()};
  }
}

/// One sendto of one message; EINTR retried.
inline io_result send_message(const int& fd, const void* data, std::size_t size, int flags,
                              const sockaddr* to, socklen_t to_size) noexcept {
  for (;;) {
    const ssize_t n = ::sendto(fd, data, size, flags, to, to_size);
    if (n >= 0) return {static_cast<std::size_t>(n), 0};
    if (errno != EINTR) return {0, failure()};
  }
}

/// accept4 with SOCK_CLOEXEC; EINTR retried. Returns the descriptor or -1 with errno set.
inline int accept_fd(int fd, sockaddr* peer, socklen_t* peer_size) noexcept {
  for (;;) {
    const int client = ::accept4(fd, peer, peer_size, SOCK_CLOEXEC);
    if (client >= 0 || errno != EINTR) return client;
  }
}

/// Closes once, never retried: on Linux the descriptor is released even when close
/// reports EINTR, and a retry could close a descriptor another thread just opened.
/// EINTR is therefore not reported.
inline int close_fd(int& fd) noexcept {
  const int old = std::exchange(fd, -1);
  if (old < 0 || ::close(old) == 0 || errno == EINTR) return 0;
  return errno;
}

/// FIONBIO: one system call, where fcntl would need F_GETFL and F_SETFL.
inline int set_nonblocking(int fd, bool on) noexcept {
  int value = on ? 1 : 0;
  return ::ioctl(fd, FIONBIO, &value) == 0 ? 0 : errno;
}

/// A duration as poll's timeout: milliseconds rounded up, 0 for none or less, -1 (wait
/// forever) from INT_MAX milliseconds (24.8 days) on.
template <class Rep, class Period>
constexpr int poll_timeout(std::chrono::duration<Rep, Period> timeout) noexcept {
  if (timeout <= timeout.zero()) return 0;
  if (timeout >= std::chrono::duration<double, std::milli>(INT_MAX)) return -1;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(timeout).count());
}

/// poll for `events` on one descriptor. `ready` is false on timeout. A signal does not
/// cut the wait short: poll is called again with the time that is left.
inline int wait_for(int fd, short events, int timeout_ms, bool& ready) noexcept {
  ready = false;
  if (fd < 0) return EBADF;  // poll ignores negative descriptors: it would just sleep
  using clock = std::chrono::steady_clock;
  const clock::time_point deadline =
      timeout_ms > 0 ? clock::now() + std::chrono::milliseconds(timeout_ms) : clock::time_point{};
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) {
      if (p.revents & POLLNVAL) return EBADF;
      ready = true;
      return 0;
    }
    if (n == 0) return 0;
    if (errno != EINTR) return errno;
    if (timeout_ms > 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
      timeout_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
  }
}

/// The outcome of a connection attempt that went on in the kernel (SO_ERROR).
inline int pending_error(int fd) noexcept {
  int value = 0;
  socklen_t size = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &size) != 0) return errno;
  return value;
}

/// A timeval as poll's milliseconds, rounded up; -1 (forever) for zero, as SO_SNDTIMEO means it.
inline int timeval_ms(const timeval& t) noexcept {
  const long long ms = static_cast<long long>(t.tv_sec) * 1000 + (t.tv_usec + 999) / 1000;
  if (ms <= 0) return -1;
  return ms < INT_MAX ? static_cast<int>(ms) : -1;
}

/// What connect_fd does once connect(2) failed; out of line, so that a connect that
/// succeeds is the few instructions of hand-written code wherever it is inlined.
[[gnu::cold, gnu::noinline]] inline int connect_failed(int fd, const sockaddr* to,
                                                       socklen_t to_size, bool is_local) noexcept {
  if (errno != EINTR) return errno;
  if (is_local) {
    for (;;) {
      if (::connect(fd, to, to_size) == 0) return 0;
      if (errno != EINTR) return errno;
    }
  }
  timeval limit{};
  socklen_t size = sizeof limit;
  if (::getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, &size) != 0) return errno;
  bool ready = false;
  if (const int err = wait_for(fd, POLLOUT, timeval_ms(limit), ready)) return err;
  if (!ready) return EINPROGRESS;
  return pending_error(fd);
}

/// connect. Interrupted by a signal, a TCP handshake goes on in the kernel, so it is
/// completed by waiting (poll, then SO_ERROR), for no longer than the SO_SNDTIMEO that
/// bounds a blocking connect (read only on this path; expiry is EINPROGRESS, as the kernel
/// reports it). A unix-domain connect has nothing in flight and is simply made again.
inline int connect_fd(int fd, const sockaddr* to, socklen_t to_size, bool is_local) noexcept {
  if (::connect(fd, to, to_size) == 0) return 0;
  return connect_failed(fd, to, to_size, is_local);
}

/// connect with a time limit on a socket made for it. inet, inet6: the socket is
/// non-blocking (SOCK_NONBLOCK); connect, poll, SO_ERROR, then FIONBIO back to blocking.
/// local: a unix connect waits only for room in the listener's backlog, and that wait
/// honours SO_SNDTIMEO; set it, connect, clear it. Expiry is ETIMEDOUT.
inline int connect_fd_within(int fd, const sockaddr* to, socklen_t to_size, bool is_local,
                             int timeout_ms) noexcept {
  if (!is_local) {
    if (::connect(fd, to, to_size) != 0) {
      if (errno != EINPROGRESS) return errno;
      bool ready = false;
      if (const int err = wait_for(fd, POLLOUT, timeout_ms, ready)) return err;
      if (!ready) return ETIMEDOUT;
      if (const int err = pending_error(fd)) return err;
    }
    return set_nonblocking(fd, false);
  }
  if (timeout_ms < 0) return connect_fd(fd, to, to_size, true);
  using clock = std::chrono::steady_clock;
  const clock::time_point deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  int err = 0;
  for (;;) {
    timeval limit{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    if (timeout_ms == 0) limit.tv_usec = 1;  // SO_SNDTIMEO of zero would mean forever
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) != 0) return errno;
    if (::connect(fd, to, to_size) == 0) break;
    if (errno != EINTR) {
      err = (errno == EAGAIN) ? ETIMEDOUT : errno;
      break;
    }
    // A signal: connect again with the time that is left, so signals cannot stretch it.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      err = ETIMEDOUT;
      break;
    }
    timeout_ms = static_cast<int>(left.count());
  }
  if (err != 0) return err;
  const timeval forever{0, 0};
  return ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &forever, sizeof forever) == 0 ? 0 : errno;
}

/// Lets socket calls check the length the kernel wrote into an endpoint (what its resize
/// does) as an errno value, without an std::error_code on the success path.
struct endpoint_access {
  template <class E>
  static int set_size(E& ep, socklen_t size) noexcept {
    return ep.set_size(size);
  }
};

/// getsockname or getpeername into an endpoint, checked as its resize checks.
template <class E, class Call>
int get_name(int fd, E& ep, Call call) noexcept {
  socklen_t size = E::capacity();
  if (call(fd, ep.data(), &size) != 0) return errno;
  return endpoint_access::set_size(ep, size);
}

/// setsockopt of a berth::option, its value checked first.
template <class O>
int set_option(int fd, const O& o) noexcept {
  typename O::traits::native_type native{};
  if (const int err = O::traits::encode(o, native)) return err;
  return ::setsockopt(fd, O::traits::level, O::traits::name, &native, sizeof native) == 0 ? 0
                                                                                         : errno;
}

/// getsockopt of a berth::option.
template <class O>
int get_option(int fd, O& o) noexcept {
  typename O::traits::native_type native{};
  socklen_t size = sizeof native;
  if (::getsockopt(fd, O::traits::level, O::traits::name, &native, &size) != 0) return errno;
  o = O::traits::template decode<O>(native);
  return 0;
}

}  // namespace berth::detail

#endif  // BERTH_DETAIL_SYSCALL_HPP
