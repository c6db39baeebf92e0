#ifndef BERTH_DESCRIPTOR_HPP
#define BERTH_DESCRIPTOR_HPP

#include <berth/detail/report.hpp>
#include <berth/detail/sys.hpp>
#include <berth/error.hpp>

#include <system_error>
#include <utility>

namespace berth {

/// Owns one file descriptor of any kind: a socket, a file, a pipe, one received with
/// receive_descriptors. Move-only; the destructor closes it. `sizeof(descriptor) ==
/// sizeof(int)`. Sockets and acceptors are built on it.
class descriptor {
 public:
  /// Holds none.
  constexpr descriptor() noexcept = default;
  /// Takes ownership of `fd` (-1: none), without a system call.
  constexpr explicit descriptor(int fd) noexcept : fd_(fd) {}
  /// Takes the other's descriptor; the other holds none.
  constexpr descriptor(descriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  /// Closes the descriptor held (once, its outcome ignored), then takes the other's.
  [[gnu::always_inline]] descriptor& operator=(descriptor&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) detail::sys::close_quietly(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;
  /// One close(2), never retried, its outcome ignored (there is nobody to tell); nothing
  /// for a descriptor that holds none.
  [[gnu::always_inline]] ~descriptor() {
    if (fd_ >= 0) detail::sys::close_quietly(fd_);
  }

  /// The descriptor, still owned; -1 when none.
  [[nodiscard]] constexpr int native_handle() const noexcept { return fd_; }
  /// Gives up ownership: returns the descriptor (or -1) and holds none.
  [[nodiscard]] constexpr int release() noexcept { return std::exchange(fd_, -1); }
  /// Whether a descriptor is held.
  [[nodiscard]] constexpr bool is_open() const noexcept { return fd_ >= 0; }

  /// close(2), once: never retried, and EINTR is not reported (Linux has released the
  /// descriptor by then, and a retry could close one another thread just opened). Holds
  /// none afterwards, whatever the outcome. No system call when none is held. Errors
  /// (EIO, EBADF...) throw std::system_error, or go to `ec`: `d.close(ec)`.
  template <detail::error_sink S = detail::throws>
  void close(S&& on_error = {}) noexcept(detail::reports_to_code<S>) {
    detail::report(close_once(), on_error, "berth::close");
  }

 protected:
  /// Closes the descriptor held: 0, or the errno of a failure other than EINTR.
  int close_once() noexcept {
    const int fd = std::exchange(fd_, -1);
    if (fd < 0) return 0;
    const detail::sys::result r = detail::sys::close(fd);
    return r.err == EINTR ? 0 : r.err;
  }

  int fd_ = -1;
};

}  // namespace berth

#endif  // BERTH_DESCRIPTOR_HPP
