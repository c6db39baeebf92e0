// The interposed libc functions of the fault seam (see fault.hpp). Each forwards to the
// real function unless an injection armed on this thread says that this call fails.
#include "fault.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstddef>

namespace berth_test::fault {
namespace {

struct armed {
  bool active = false;
  int err = 0, times = 0, skip = 0;
  mode when = mode::before;
  int seen = 0, failed = 0;
};

thread_local armed table[static_cast<int>(call::count_)];

armed& entry(call c) noexcept { return table[static_cast<int>(c)]; }

/// Counts a call of `c` and says whether it is to fail (and how).
bool should_fail(call c, mode& when) noexcept {
  armed& e = entry(c);
  if (!e.active) return false;
  const int n = e.seen++;
  if (n < e.skip || n >= e.skip + e.times) return false;
  ++e.failed;
  when = e.when;
  return true;
}

}  // namespace

/// The call `c`: `go()` (libc's function), or its failure: -1 with errno set, after
/// calling `go()` too in mode::after.
template <class R, class Go>
R intercept(call c, Go go) noexcept {
  mode when{};
  if (!should_fail(c, when)) return go();
  if (when == mode::after) (void)go();
  errno = entry(c).err;
  return static_cast<R>(-1);
}

injection::injection(call c, int err, int times, int skip, mode m) noexcept : call_(c) {
  entry(c) = armed{true, err, times, skip, m, 0, 0};
}
injection::~injection() { entry(call_).active = false; }
int injection::calls() const noexcept { return entry(call_).seen; }
int injection::failed() const noexcept { return entry(call_).failed; }

}  // namespace berth_test::fault

using berth_test::fault::call;
using berth_test::fault::intercept;

// Each definition has the signature (and exception specification) of glibc's declaration.
extern "C" {

int socket(int domain, int type, int protocol) noexcept {
  static const auto next = reinterpret_cast<decltype(&::socket)>(::dlsym(RTLD_NEXT, "socket"));
  return intercept<int>(call::socket, [&] { return next(domain, type, protocol); });
}

int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  static const auto next = reinterpret_cast<decltype(&::socketpair)>(::dlsym(RTLD_NEXT, "socketpair"));
  return intercept<int>(call::socketpair, [&] { return next(domain, type, protocol, fds); });
}

int close(int fd) {
  static const auto next = reinterpret_cast<decltype(&::close)>(::dlsym(RTLD_NEXT, "close"));
  return intercept<int>(call::close, [&] { return next(fd); });
}

int bind(int fd, const sockaddr* at, socklen_t size) noexcept {
  static const auto next = reinterpret_cast<decltype(&::bind)>(::dlsym(RTLD_NEXT, "bind"));
  return intercept<int>(call::bind, [&] { return next(fd, at, size); });
}

int connect(int fd, const sockaddr* to, socklen_t size) {
  static const auto next = reinterpret_cast<decltype(&::connect)>(::dlsym(RTLD_NEXT, "connect"));
  return intercept<int>(call::connect, [&] { return next(fd, to, size); });
}

int listen(int fd, int backlog) noexcept {
  static const auto next = reinterpret_cast<decltype(&::listen)>(::dlsym(RTLD_NEXT, "listen"));
  return intercept<int>(call::listen, [&] { return next(fd, backlog); });
}

int accept4(int fd, sockaddr* peer, socklen_t* size, int flags) {
  static const auto next = reinterpret_cast<decltype(&::accept4)>(::dlsym(RTLD_NEXT, "accept4"));
  return intercept<int>(call::accept4, [&] { return next(fd, peer, size, flags); });
}

int shutdown(int fd, int how) noexcept {
  static const auto next = reinterpret_cast<decltype(&::shutdown)>(::dlsym(RTLD_NEXT, "shutdown"));
  return intercept<int>(call::shutdown, [&] { return next(fd, how); });
}

ssize_t recv(int fd, void* data, size_t size, int flags) {
  static const auto next = reinterpret_cast<decltype(&::recv)>(::dlsym(RTLD_NEXT, "recv"));
  return intercept<ssize_t>(call::recv, [&] { return next(fd, data, size, flags); });
}

ssize_t send(int fd, const void* data, size_t size, int flags) {
  static const auto next = reinterpret_cast<decltype(&::send)>(::dlsym(RTLD_NEXT, "send"));
  return intercept<ssize_t>(call::send, [&] { return next(fd, data, size, flags); });
}

ssize_t recvfrom(int fd, void* data, size_t size, int flags, sockaddr* from, socklen_t* from_size) {
  static const auto next = reinterpret_cast<decltype(&::recvfrom)>(::dlsym(RTLD_NEXT, "recvfrom"));
  return intercept<ssize_t>(call::recvfrom, [&] { return next(fd, data, size, flags, from, from_size); });
}

ssize_t sendto(int fd, const void* data, size_t size, int flags, const sockaddr* to, socklen_t to_size) {
  static const auto next = reinterpret_cast<decltype(&::sendto)>(::dlsym(RTLD_NEXT, "sendto"));
  return intercept<ssize_t>(call::sendto, [&] { return next(fd, data, size, flags, to, to_size); });
}

ssize_t recvmsg(int fd, msghdr* message, int flags) {
  static const auto next = reinterpret_cast<decltype(&::recvmsg)>(::dlsym(RTLD_NEXT, "recvmsg"));
  return intercept<ssize_t>(call::recvmsg, [&] { return next(fd, message, flags); });
}

ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  static const auto next = reinterpret_cast<decltype(&::sendmsg)>(::dlsym(RTLD_NEXT, "sendmsg"));
  return intercept<ssize_t>(call::sendmsg, [&] { return next(fd, message, flags); });
}

int recvmmsg(int fd, mmsghdr* messages, unsigned int count, int flags, timespec* timeout) {
  static const auto next = reinterpret_cast<decltype(&::recvmmsg)>(::dlsym(RTLD_NEXT, "recvmmsg"));
  return intercept<int>(call::recvmmsg, [&] { return next(fd, messages, count, flags, timeout); });
}

int sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  static const auto next = reinterpret_cast<decltype(&::sendmmsg)>(::dlsym(RTLD_NEXT, "sendmmsg"));
  return intercept<int>(call::sendmmsg, [&] { return next(fd, messages, count, flags); });
}

ssize_t sendfile(int fd, int file, off_t* offset, size_t count) noexcept {
  static const auto next = reinterpret_cast<decltype(&::sendfile)>(::dlsym(RTLD_NEXT, "sendfile"));
  return intercept<ssize_t>(call::sendfile, [&] { return next(fd, file, offset, count); });
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* size) noexcept {
  static const auto next = reinterpret_cast<decltype(&::getsockopt)>(::dlsym(RTLD_NEXT, "getsockopt"));
  return intercept<int>(call::getsockopt, [&] { return next(fd, level, name, value, size); });
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t size) noexcept {
  static const auto next = reinterpret_cast<decltype(&::setsockopt)>(::dlsym(RTLD_NEXT, "setsockopt"));
  return intercept<int>(call::setsockopt, [&] { return next(fd, level, name, value, size); });
}

int getsockname(int fd, sockaddr* name, socklen_t* size) noexcept {
  static const auto next = reinterpret_cast<decltype(&::getsockname)>(::dlsym(RTLD_NEXT, "getsockname"));
  return intercept<int>(call::getsockname, [&] { return next(fd, name, size); });
}

int getpeername(int fd, sockaddr* name, socklen_t* size) noexcept {
  static const auto next = reinterpret_cast<decltype(&::getpeername)>(::dlsym(RTLD_NEXT, "getpeername"));
  return intercept<int>(call::getpeername, [&] { return next(fd, name, size); });
}

int poll(pollfd* fds, nfds_t count, int timeout) {
  static const auto next = reinterpret_cast<decltype(&::poll)>(::dlsym(RTLD_NEXT, "poll"));
  return intercept<int>(call::poll, [&] { return next(fds, count, timeout); });
}

// ioctl and fcntl are variadic: the one argument berth passes (a pointer for FIONBIO, none
// or an int for fcntl) is forwarded as a word.
int ioctl(int fd, unsigned long request, ...) noexcept {
  va_list ap;
  va_start(ap, request);
  void* const argument = va_arg(ap, void*);
  va_end(ap);
  static const auto next = reinterpret_cast<int (*)(int, unsigned long, ...)>(::dlsym(RTLD_NEXT, "ioctl"));
  return intercept<int>(call::ioctl, [&] { return next(fd, request, argument); });
}

int fcntl(int fd, int command, ...) {
  va_list ap;
  va_start(ap, command);
  const unsigned long argument = va_arg(ap, unsigned long);
  va_end(ap);
  static const auto next = reinterpret_cast<int (*)(int, int, ...)>(::dlsym(RTLD_NEXT, "fcntl"));
  return intercept<int>(call::fcntl, [&] { return next(fd, command, argument); });
}
}  // extern "C"
