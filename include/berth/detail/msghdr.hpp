#ifndef BERTH_DETAIL_MSGHDR_HPP
#define BERTH_DETAIL_MSGHDR_HPP

// The kernel's message headers, built without allocating: a msghdr over a gather or scatter
// list, control messages (SCM_RIGHTS, SCM_CREDENTIALS, UDP_GRO) in buffers on the stack
// whose size is known at compile time, and the window a transfer over a list resumes from
// after a partial call. Nothing here makes a system call.

#include <berth/buffer.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstring>

namespace berth::detail {

// ---- headers ------------------------------------------------------------------------------

/// A msghdr over `count` iovecs, to `name` (or from it, for recvmsg) when given; no control.
[[gnu::always_inline]] inline msghdr message_header(::iovec* iov, std::size_t count, const sockaddr* name = nullptr,
                                                    socklen_t name_size = 0) noexcept {
  msghdr m{};
  m.msg_name = const_cast<sockaddr*>(name);
  m.msg_namelen = name_size;
  m.msg_iov = iov;
  m.msg_iovlen = count;
  return m;
}

/// How many iovecs the window of a resumed transfer copies when it starts inside a buffer.
inline constexpr std::size_t window_size = 64;

/// Where a transfer over a list stands, for the calls after a partial one: the buffer that
/// byte `at` falls in (at only grows). from(at) gives the msghdr for the rest: the caller's
/// own iovecs from that buffer on when `at` is at its start (up to max_iov of them), or,
/// inside it, a copy of up to window_size of them in `window`, the first one shortened.
/// The caller's iovecs are never changed.
class list_cursor {
 public:
  list_cursor(const ::iovec* iov, std::size_t count) noexcept : iov_(iov), count_(count) {}

  msghdr from(std::size_t at, ::iovec (&window)[window_size]) noexcept {
    while (index_ < count_ && start_ + iov_[index_].iov_len <= at) start_ += iov_[index_++].iov_len;
    const std::size_t left = count_ - index_;
    const std::size_t skip = at - start_;
    if (skip == 0) return message_header(const_cast<::iovec*>(iov_ + index_), left < max_iov ? left : max_iov);
    const std::size_t n = left < window_size ? left : window_size;
    for (std::size_t k = 0; k < n; ++k) window[k] = iov_[index_ + k];
    window[0].iov_base = static_cast<char*>(window[0].iov_base) + skip;
    window[0].iov_len -= skip;
    return message_header(window, n);
  }

 private:
  const ::iovec* iov_;
  std::size_t count_;
  std::size_t index_ = 0;  // the buffer byte `at` is in
  std::size_t start_ = 0;  // the bytes of the buffers before it
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_MSGHDR_HPP
