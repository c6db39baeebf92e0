#ifndef BERTH_BUFFER_HPP
#define BERTH_BUFFER_HPP

#include <berth/concepts.hpp>

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

#endif  // BERTH_BUFFER_HPP
