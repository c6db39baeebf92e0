// The fault seam: makes chosen system calls fail with a chosen errno, for the error paths
// the kernel will not produce on demand (a second EINTR, SO_TYPE failing after SO_DOMAIN
// worked, socket(2) out of descriptors in the middle of a listen...).
//
// How: support/fault.cpp, linked into a test executable, defines the libc functions
// berth's kernel seam calls (include/berth/detail/sys.hpp: recv, send, accept4, close,
// poll, ...). The executable's own definitions take precedence over libc's at link time,
// so berth's code reaches them unchanged; each forwards to the real function (found with
// dlsym(RTLD_NEXT)) unless an injection is armed for that call on the calling thread.
// Nothing in berth's headers knows about it: no macro, no indirection, no cost.
#ifndef BERTH_TESTS_SUPPORT_FAULT_HPP
#define BERTH_TESTS_SUPPORT_FAULT_HPP

namespace berth_test::fault {

/// The calls that can be made to fail.
enum class call {
  socket, socketpair, close, bind, connect, listen, accept4, shutdown,
  recv, send, recvfrom, sendto, recvmsg, sendmsg, recvmmsg, sendmmsg, sendfile,
  getsockopt, setsockopt, getsockname, getpeername, ioctl, fcntl, poll,
  count_
};

/// Whether a failing call still reaches libc: `before` fails it without calling libc (as
/// when the kernel refused it), `after` makes the call and then reports the failure
/// instead of its result (as close(2) reporting EINTR or EIO after releasing the
/// descriptor, or a connect whose wait a signal cut short).
enum class mode { before, after };

/// While it lives, the calls of `c` made by this thread numbered skip to skip + times - 1
/// (counting from 0 at construction) fail with `err` (errno set, -1 returned); the
/// others go to libc. One injection per call at a time.
class injection {
 public:
  injection(call c, int err, int times = 1, int skip = 0, mode m = mode::before) noexcept;
  ~injection();
  injection(const injection&) = delete;
  injection& operator=(const injection&) = delete;
  /// How many calls of `c` this thread made since construction.
  int calls() const noexcept;
  /// How many of them were made to fail.
  int failed() const noexcept;

 private:
  call call_;
};

}  // namespace berth_test::fault

#endif
