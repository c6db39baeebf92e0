#ifndef BERTH_DETAIL_SYS_HPP
#define BERTH_DETAIL_SYS_HPP

// The kernel seam: every system call berth makes, exactly one call per function, no loops,
// no policy, one result convention. EINTR, time limits and connect completion live one
// layer up (detail/blocking.hpp); the event loops call these same functions with
// MSG_DONTWAIT or on non-blocking descriptors and add only their readiness or completion
// machinery.
//
// Tests make any of these calls fail with a chosen errno by interposing the libc symbol at
// link time (tests/support/fault.cpp): nothing here changes for it, and no macro is needed.

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace berth::detail::sys {

/// What every call here returns: on success `value` is the call's result (a count, a
/// descriptor, 0) and `err` is 0; on failure `value` is -1 and `err` the errno value (> 0).
struct result {
  long value;
  int err;
};

/// The result of a call that returned `r`: errno is read only when it failed. POSIX makes
/// it positive then; saying so (a zero would become EIO) lets the compiler know that a
/// failure is always reported, so callers' `if (err != 0)` on a failure path folds away.
[[gnu::always_inline]] inline result of(long r) noexcept {
  if (r >= 0) return {r, 0};
  const int err = errno;
  return {-1, err > 0 ? err : EIO};
}

/// The failure of the call just made (-1 and errno), for a slow path that is handed over
/// before anything else could change errno.
[[gnu::always_inline]] inline result last_error() noexcept { return of(-1); }

// Every function here is always inlined: each is one call and a test, and out of line it
// would be pure overhead (the compiler's inlining budget for a large translation unit can
// run out before it gets to them).
//
// The descriptor is taken by reference in the calls that move data and read at the call,
// as hand-written code reads it from its struct: taken by value, it is held in a register
// across the call for a retry after EINTR, and the caller's loop state is spilled for it.

/// socket(2). `type` carries SOCK_CLOEXEC (and SOCK_NONBLOCK) from the caller.
[[gnu::always_inline]] inline result socket(int domain, int type, int protocol) noexcept {
  return of(::socket(domain, type, protocol));
}
/// socketpair(2) into `fds`.
[[gnu::always_inline]] inline result socketpair(int domain, int type, int protocol, int (&fds)[2]) noexcept {
  return of(::socketpair(domain, type, protocol, fds));
}
/// The close(2) every berth close goes through: libc's, until an epoll event loop opens
/// anywhere in the process; then one that also tells the loop running on the calling
/// thread to forget what it knew of the number (its registration went with the file), so
/// that a socket made later with that number, by any call, is taken for the new file it
/// is. A call through a pointer costs what the direct call through the PLT does: no test
/// on the path. Read and written with relaxed atomics (loops open on any thread).
inline int (*close_call)(int) = &::close;

/// close(2), once.
[[gnu::always_inline]] inline result close(int fd) noexcept {
  return of(__atomic_load_n(&close_call, __ATOMIC_RELAXED)(fd));
}
/// close(2), once, its outcome not wanted (a destructor's: there is nobody to tell), so
/// errno is not even read.
[[gnu::always_inline]] inline void close_quietly(int fd) noexcept {
  (void)__atomic_load_n(&close_call, __ATOMIC_RELAXED)(fd);
}

/// bind(2).
[[gnu::always_inline]] inline result bind(int fd, const sockaddr* at, socklen_t size) noexcept {
  return of(::bind(fd, at, size));
}
/// connect(2).
[[gnu::always_inline]] inline result connect(int fd, const sockaddr* to, socklen_t size) noexcept {
  return of(::connect(fd, to, size));
}
/// listen(2).
[[gnu::always_inline]] inline result listen(int fd, int backlog) noexcept { return of(::listen(fd, backlog)); }
/// accept4(2): the new descriptor.
[[gnu::always_inline]] inline result accept4(const int& fd, sockaddr* peer, socklen_t* peer_size, int flags) noexcept {
  return of(::accept4(fd, peer, peer_size, flags));
}
/// shutdown(2).
[[gnu::always_inline]] inline result shutdown(int fd, int how) noexcept { return of(::shutdown(fd, how)); }

/// recv(2): the bytes received, 0 at end of stream.
[[gnu::always_inline]] inline result recv(const int& fd, void* data, std::size_t size, int flags) noexcept {
  return of(::recv(fd, data, size, flags));
}
/// send(2): the bytes sent.
[[gnu::always_inline]] inline result send(const int& fd, const void* data, std::size_t size, int flags) noexcept {
  return of(::send(fd, data, size, flags));
}
/// recvfrom(2): the message's length (its full length with MSG_TRUNC).
[[gnu::always_inline]] inline result recvfrom(const int& fd, void* data, std::size_t size, int flags, sockaddr* from,
                       socklen_t* from_size) noexcept {
  return of(::recvfrom(fd, data, size, flags, from, from_size));
}
/// sendto(2).
[[gnu::always_inline]] inline result sendto(const int& fd, const void* data, std::size_t size, int flags,
                     const sockaddr* to, socklen_t to_size) noexcept {
  return of(::sendto(fd, data, size, flags, to, to_size));
}
/// recvmsg(2).
[[gnu::always_inline]] inline result recvmsg(const int& fd, msghdr* message, int flags) noexcept {
  return of(::recvmsg(fd, message, flags));
}
/// sendmsg(2).
[[gnu::always_inline]] inline result sendmsg(const int& fd, const msghdr* message, int flags) noexcept {
  return of(::sendmsg(fd, message, flags));
}
/// recvmmsg(2): how many messages arrived.
[[gnu::always_inline]] inline result recvmmsg(const int& fd, mmsghdr* messages, unsigned count, int flags) noexcept {
  return of(::recvmmsg(fd, messages, count, flags, nullptr));
}
/// sendmmsg(2): how many messages went.
[[gnu::always_inline]] inline result sendmmsg(const int& fd, mmsghdr* messages, unsigned count, int flags) noexcept {
  return of(::sendmmsg(fd, messages, count, flags));
}
/// sendfile(2) from `file` at `*offset` (advanced by what was sent).
[[gnu::always_inline]] inline result sendfile(const int& fd, int file, off_t* offset, std::size_t count) noexcept {
  return of(::sendfile(fd, file, offset, count));
}

/// getsockopt(2) into `value` of `*size` bytes (updated to what the kernel wrote).
[[gnu::always_inline]] inline result getsockopt(int fd, int level, int name, void* value, socklen_t* size) noexcept {
  return of(::getsockopt(fd, level, name, value, size));
}
/// setsockopt(2).
[[gnu::always_inline]] inline result setsockopt(int fd, int level, int name, const void* value, socklen_t size) noexcept {
  return of(::setsockopt(fd, level, name, value, size));
}
/// getsockname(2).
[[gnu::always_inline]] inline result getsockname(int fd, sockaddr* name, socklen_t* size) noexcept {
  return of(::getsockname(fd, name, size));
}
/// getpeername(2).
[[gnu::always_inline]] inline result getpeername(int fd, sockaddr* name, socklen_t* size) noexcept {
  return of(::getpeername(fd, name, size));
}
/// ioctl(2) FIONBIO: non-blocking mode on or off in one call (fcntl would take two).
[[gnu::always_inline]] inline result set_nonblocking(int fd, bool on) noexcept {
  int value = on ? 1 : 0;
  return of(::ioctl(fd, FIONBIO, &value));
}
/// fcntl(2) F_GETFL: the file status flags (O_NONBLOCK...).
[[gnu::always_inline]] inline result get_status_flags(int fd) noexcept { return of(::fcntl(fd, F_GETFL)); }
/// poll(2): how many descriptors are ready, 0 on timeout.
[[gnu::always_inline]] inline result poll(pollfd* fds, nfds_t count, int timeout_ms) noexcept {
  return of(::poll(fds, count, timeout_ms));
}

// ---- signals, for send_file (Revision 2: vectored I/O, descriptors, batches, files) ------
// sendfile(2) has no MSG_NOSIGNAL: send_file keeps SIGPIPE away by blocking it in the
// calling thread around the call (detail/blocking.hpp, send_file_all).

/// pthread_sigmask(2) (rt_sigprocmask): this thread's signal mask. It returns its error
/// rather than setting errno; here it is reported as every other call.
[[gnu::always_inline]] inline result thread_sigmask(int how, const sigset_t* set, sigset_t* old) noexcept {
  const int err = ::pthread_sigmask(how, set, old);
  return err == 0 ? result{0, 0} : result{-1, err};
}
/// sigpending(2): the signals pending for this thread (or the process) while blocked.
[[gnu::always_inline]] inline result sigpending(sigset_t* set) noexcept { return of(::sigpending(set)); }
/// sigtimedwait(2): takes one pending signal of `set` (its number), waiting up to `timeout`
/// (zero: not at all; then EAGAIN when none is pending).
[[gnu::always_inline]] inline result sigtimedwait(const sigset_t* set, const timespec* timeout) noexcept {
  return of(::sigtimedwait(set, nullptr, timeout));
}

}  // namespace berth::detail::sys

#endif  // BERTH_DETAIL_SYS_HPP
