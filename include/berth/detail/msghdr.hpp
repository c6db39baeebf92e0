#ifndef BERTH_DETAIL_MSGHDR_HPP
#define BERTH_DETAIL_MSGHDR_HPP

// The kernel's message headers, built without allocating: a msghdr over a gather or scatter
// list, control messages (SCM_RIGHTS, SCM_CREDENTIALS, UDP_GRO) in buffers on the stack
// whose size is known at compile time, and the window a transfer over a list resumes from
// after a partial call. Nothing here makes a system call.

#include <berth/buffer.hpp>

#include <netinet/udp.h>  // SOL_UDP, UDP_GRO
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <new>

namespace berth::detail {

// ---- control messages ---------------------------------------------------------------------

/// CMSG_ALIGN, CMSG_SPACE and CMSG_LEN as constant expressions in std::size_t (glibc's
/// macros mix int and size_t, which -Wsign-conversion reports in the caller's code).
constexpr std::size_t cmsg_align(std::size_t n) noexcept {
  return (n + sizeof(std::size_t) - 1) & ~(sizeof(std::size_t) - 1);
}
/// The room one control message with `n` bytes of payload takes, padding included.
constexpr std::size_t cmsg_space(std::size_t n) noexcept { return cmsg_align(sizeof(cmsghdr)) + cmsg_align(n); }
/// The cmsg_len of a control message with `n` bytes of payload.
constexpr std::size_t cmsg_len(std::size_t n) noexcept { return cmsg_align(sizeof(cmsghdr)) + n; }
static_assert(cmsg_space(sizeof(int)) == CMSG_SPACE(sizeof(int)) && cmsg_len(sizeof(int)) == CMSG_LEN(sizeof(int)),
              "berth's control-message arithmetic is glibc's");

/// The most descriptors one SCM_RIGHTS message carries (the kernel's SCM_MAX_FD).
inline constexpr std::size_t max_descriptors = 253;

/// `Size` bytes for control messages, aligned as a cmsghdr must be; on the stack.
template <std::size_t Size>
struct control_buffer {
  alignas(cmsghdr) unsigned char bytes[Size > 0 ? Size : 1];
};

/// Writes one control message (level, type, `size` bytes of `payload`) at the start of
/// `control`, which has room for it; returns its cmsg_len.
inline std::size_t put_control_message(unsigned char* control, int level, int type, const void* payload,
                                       std::size_t size) noexcept {
  cmsghdr header{};
  header.cmsg_len = cmsg_len(size);
  header.cmsg_level = level;
  header.cmsg_type = type;
  std::memcpy(control, &header, sizeof header);
  if (size > 0) std::memcpy(control + cmsg_align(sizeof(cmsghdr)), payload, size);
  return cmsg_len(size);
}

/// Calls `visit(level, type, payload, size)` for each control message the kernel wrote
/// into a received msghdr, in order, stopping at one that does not fit (as CMSG_NXTHDR).
template <class Visit>
void for_each_control_message(const msghdr& m, Visit visit) noexcept {
  const auto* p = static_cast<const unsigned char*>(m.msg_control);
  std::size_t left = m.msg_control == nullptr ? 0 : m.msg_controllen;
  while (left >= sizeof(cmsghdr)) {
    cmsghdr header;
    std::memcpy(&header, p, sizeof header);
    if (header.cmsg_len < cmsg_len(0) || header.cmsg_len > left) return;
    visit(header.cmsg_level, header.cmsg_type, p + cmsg_align(sizeof(cmsghdr)), header.cmsg_len - cmsg_len(0));
    const std::size_t step = cmsg_align(header.cmsg_len);
    if (step >= left) return;
    p += step;
    left -= step;
  }
}

/// The control buffer of one datagram received with UDP_GRO: one int, the segment size.
using gro_control = control_buffer<cmsg_space(sizeof(int))>;

/// The size of the segments the kernel coalesced into a datagram of `length` bytes, from
/// its UDP_GRO control message; `length` itself when there is none (nothing coalesced).
/// The control buffer (a gro_control) has room for that one message only, so only the first
/// is looked at.
[[gnu::always_inline]] inline std::size_t gro_segment_size(const msghdr& m, std::size_t length) noexcept {
  if (m.msg_controllen < cmsg_len(sizeof(int))) return length;  // nothing coalesced
  cmsghdr header;
  std::memcpy(&header, m.msg_control, sizeof header);
  if (header.cmsg_level != SOL_UDP || header.cmsg_type != UDP_GRO || header.cmsg_len < cmsg_len(sizeof(int)))
    return length;
  int value = 0;
  std::memcpy(&value, static_cast<const unsigned char*>(m.msg_control) + cmsg_align(sizeof(cmsghdr)), sizeof value);
  return value > 0 ? static_cast<std::size_t>(value) : length;
}

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

// ---- batches --------------------------------------------------------------------------------

/// The most messages whose headers send_many/receive_many build on the stack (80 bytes
/// each, 104 with a UDP_GRO control buffer); a larger batch builds them in the thread's
/// batch_room.
inline constexpr std::size_t batch_chunk = 64;
/// The most messages one sendmmsg or recvmmsg takes (the kernel's UIO_MAXIOV: it takes no
/// more of a longer batch): send_many/receive_many make one call of at most this many.
inline constexpr std::size_t max_batch = 1024;

/// Room for the headers of a batch of more than batch_chunk messages: the calling thread's,
/// grown once to the largest batch it has met (at most max_batch: about 104 KiB) and kept
/// for the next, so a steady stream of large batches allocates nothing; freed when the
/// thread ends.
class batch_room {
 public:
  static constexpr std::size_t per_message = sizeof(mmsghdr) + sizeof(::iovec) + sizeof(gro_control);
  static_assert(sizeof(mmsghdr) % alignof(::iovec) == 0 && sizeof(::iovec) % alignof(gro_control) == 0);

  batch_room() noexcept = default;
  batch_room(const batch_room&) = delete;
  batch_room& operator=(const batch_room&) = delete;
  ~batch_room() { ::operator delete(block_); }

  /// Makes room for `n` messages: false when there is no memory for it.
  bool reserve(std::size_t n) noexcept {
    if (n <= capacity_) return true;
    void* block = ::operator new(n * per_message, std::nothrow);
    if (block == nullptr) return false;
    ::operator delete(block_);
    block_ = block;
    capacity_ = n;
    return true;
  }
  mmsghdr* headers() noexcept { return static_cast<mmsghdr*>(block_); }
  ::iovec* iov() noexcept { return reinterpret_cast<::iovec*>(static_cast<unsigned char*>(block_) + capacity_ * sizeof(mmsghdr)); }
  gro_control* control() noexcept {
    return reinterpret_cast<gro_control*>(static_cast<unsigned char*>(block_) +
                                          capacity_ * (sizeof(mmsghdr) + sizeof(::iovec)));
  }

 private:
  void* block_ = nullptr;
  std::size_t capacity_ = 0;
};

/// The calling thread's batch_room.
inline batch_room& this_thread_batch_room() noexcept {
  thread_local batch_room room;
  return room;
}

/// Whether a send_many message's endpoint names no destination: port 0 (inet, inet6; a UDP
/// datagram to port 0 is refused by the kernel anyway), or unnamed (local), as a
/// default-constructed endpoint is. It then goes to the connected peer, without an address.
template <class E>
[[gnu::always_inline]] inline bool is_unaddressed(const E& ep) noexcept {
  if constexpr (requires { ep.is_unnamed(); })
    return ep.is_unnamed();
  else
    return ep.port() == 0;
}

/// Fills one message header of a batch in place: one iovec, `name` (or none), no control.
[[gnu::always_inline]] inline void set_batch_header(msghdr& h, ::iovec* iov, void* name, socklen_t name_size) noexcept {
  h.msg_name = name;
  h.msg_namelen = name_size;
  h.msg_iov = iov;
  h.msg_iovlen = 1;
  h.msg_control = nullptr;
  h.msg_controllen = 0;
  h.msg_flags = 0;
}

}  // namespace berth::detail

#endif  // BERTH_DETAIL_MSGHDR_HPP
