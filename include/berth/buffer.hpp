#ifndef BERTH_BUFFER_HPP
#define BERTH_BUFFER_HPP

#include <berth/concepts.hpp>

#include <limits.h>  // IOV_MAX
#include <sys/uio.h>  // iovec

#include <array>
#include <cstddef>
#include <type_traits>

namespace berth::detail {

struct const_bytes {
  const void* data;
  std::size_t size;
};

struct mutable_bytes {
  void* data;
  std::size_t size;
};

/// The bytes a buffer stands for. A `const char[N]` ending in NUL (a string literal) is
/// its first N-1 bytes, so `s.write("hi\n")` sends three bytes, not four; every other
/// range is all of its bytes.
template <class B>
  requires byte_buffer<B>
constexpr const_bytes bytes_of(B&& buffer) noexcept {
  using range = std::remove_reference_t<B>;
  if constexpr (std::is_array_v<range> && std::is_same_v<std::remove_extent_t<range>, const char>) {
    constexpr std::size_t n = std::extent_v<range>;
    return {buffer, buffer[n - 1] == '\0' ? n - 1 : n};
  } else {
    return {std::data(buffer), std::size(buffer)};
  }
}

/// The writable bytes of a buffer: all of them.
template <class B>
  requires mutable_byte_buffer<B>
constexpr mutable_bytes writable_bytes_of(B&& buffer) noexcept {
  return {std::data(buffer), std::size(buffer)};
}

}  // namespace berth::detail

// ---- gather and scatter lists (Revision 2) ------------------------------------------------

namespace berth {

namespace detail {
/// The most buffers one sendmsg or recvmsg takes (IOV_MAX, UIO_MAXIOV: 1024 on Linux).
inline constexpr std::size_t max_iov = 1024;
#ifdef IOV_MAX
static_assert(IOV_MAX == max_iov, "berth assumes Linux's IOV_MAX of 1024");
#endif
}  // namespace detail

/// A view of bytes to send: where they are and how many, laid out exactly as the kernel's
/// iovec, so that a range of them goes to sendmsg as it is (nothing copied). Made from any
/// byte_buffer (the bytes it stands for: a string literal without its final NUL), or from
/// a pointer and a size. It does not own the bytes: they must outlive every use of it.
/// Itself a byte_buffer (data() is a const std::byte*), so it is also sent on its own.
class const_buffer {
 public:
  /// No bytes.
  constexpr const_buffer() noexcept = default;
  /// `size` bytes at `data`.
  const_buffer(const void* data, std::size_t size) noexcept : iov_{const_cast<void*>(data), size} {}
  /// The bytes `buffer` stands for (see bytes_of: a string literal without its final NUL).
  template <byte_buffer B>
    requires(!std::is_same_v<std::remove_cvref_t<B>, const_buffer>)
  const_buffer(B&& buffer) noexcept  // NOLINT: implicit, so that lists read naturally
      : const_buffer(detail::bytes_of(buffer).data, detail::bytes_of(buffer).size) {}

  /// The first byte.
  const std::byte* data() const noexcept { return static_cast<const std::byte*>(iov_.iov_base); }
  /// How many bytes.
  std::size_t size() const noexcept { return iov_.iov_len; }

 private:
  ::iovec iov_{};
};

/// A view of bytes to fill: as const_buffer, made from any mutable byte_buffer (all of
/// its bytes). A const_buffer is made from it (it is a byte_buffer too); a
/// mutable_buffer_sequence of them is what reads and receives scatter into.
class mutable_buffer {
 public:
  /// No bytes.
  constexpr mutable_buffer() noexcept = default;
  /// `size` bytes at `data`.
  mutable_buffer(void* data, std::size_t size) noexcept : iov_{data, size} {}
  /// All the bytes of `buffer`.
  template <mutable_byte_buffer B>
    requires(!std::is_same_v<std::remove_cvref_t<B>, mutable_buffer>)
  mutable_buffer(B&& buffer) noexcept  // NOLINT: implicit, as const_buffer's
      : mutable_buffer(detail::writable_bytes_of(buffer).data, detail::writable_bytes_of(buffer).size) {}

  /// The first byte.
  std::byte* data() const noexcept { return static_cast<std::byte*>(iov_.iov_base); }
  /// How many bytes.
  std::size_t size() const noexcept { return iov_.iov_len; }

 private:
  ::iovec iov_{};
};

namespace detail {

static_assert(sizeof(const_buffer) == sizeof(::iovec) && alignof(const_buffer) == alignof(::iovec) &&
                  std::is_standard_layout_v<const_buffer>,
              "a const_buffer is an iovec, so that a range of them is handed to the kernel as it is");
static_assert(sizeof(mutable_buffer) == sizeof(::iovec) && alignof(mutable_buffer) == alignof(::iovec) &&
                  std::is_standard_layout_v<mutable_buffer>,
              "a mutable_buffer is an iovec, as const_buffer");

/// What a buffer_sequence is to the kernel: its iovecs, and how many.
struct iov_list {
  ::iovec* data;
  std::size_t count;
};

/// The iovecs of a range of buffer views, from its first element (which may be null, for
/// an empty range): a view is pointer-interconvertible with its iovec, its only member, so
/// the cast needs no member access.
struct buffer_access {
  static ::iovec* iov(const const_buffer* b) noexcept {
    return reinterpret_cast<::iovec*>(const_cast<const_buffer*>(b));
  }
  static ::iovec* iov(const mutable_buffer* b) noexcept {
    return reinterpret_cast<::iovec*>(const_cast<mutable_buffer*>(b));
  }
};

/// The iovecs of a gather or scatter list, for msghdr::msg_iov (the kernel only reads
/// them: sendmsg and recvmsg leave a msghdr's iovecs as they were).
template <class L>
  requires buffer_sequence<L>
[[gnu::always_inline]] inline iov_list iov_of(L& list) noexcept {
  return {buffer_access::iov(std::data(list)), std::size(list)};
}

/// The bytes of `count` iovecs together.
[[gnu::always_inline]] inline std::size_t total_size(const ::iovec* iov, std::size_t count) noexcept {
  std::size_t size = 0;
  for (std::size_t k = 0; k < count; ++k) size += iov[k].iov_len;
  return size;
}

/// The list berth::buffers(...) makes: N buffer views held in place (on the caller's
/// stack), of `Element` const_buffer or mutable_buffer; a buffer_sequence.
template <class Element, std::size_t N>
class buffer_list {
 public:
  template <class... B>
  explicit buffer_list(B&&... buffers) noexcept : buffers_{Element(buffers)...} {}

  const Element* data() const noexcept { return buffers_.data(); }
  static constexpr std::size_t size() noexcept { return N; }
  const Element* begin() const noexcept { return buffers_.data(); }
  const Element* end() const noexcept { return buffers_.data() + N; }
  const Element& operator[](std::size_t k) const noexcept { return buffers_[k]; }

 private:
  std::array<Element, N> buffers_;
};

/// Whether every element of `each` is true. A fold (`(C<B> && ...)`, or a constrained
/// pack `template <C... B>`) over 1024 buffers would pass clang's expression nesting
/// limit of 256; an array of the results does not.
template <std::size_t N>
constexpr bool all_true(const bool (&each)[N]) noexcept {
  for (const bool b : each)
    if (!b) return false;
  return true;
}

}  // namespace detail

/// A gather list of two or more byte buffers, held on the stack:
/// `s.write(berth::buffers(head, body))` is one sendmsg of both, nothing copied. When every
/// buffer is mutable the list is a mutable_buffer_sequence, which reads fill in order:
/// `s.read(berth::buffers(header, payload))`. The buffers must outlive the list (a list
/// made in the call that uses it, as above, always does). At most 1024 buffers (IOV_MAX).
template <class... B>
  requires(sizeof...(B) >= 2 && sizeof...(B) <= detail::max_iov && detail::all_true({byte_buffer<B>..., true}))
[[nodiscard]] inline auto buffers(B&&... buffers) noexcept {
  using element =
      std::conditional_t<detail::all_true({mutable_byte_buffer<B>..., true}), mutable_buffer, const_buffer>;
  return detail::buffer_list<element, sizeof...(B)>(buffers...);
}

}  // namespace berth

#endif  // BERTH_BUFFER_HPP
