#ifndef BERTH_DETAIL_SOCKET_BASE_HPP
#define BERTH_DETAIL_SOCKET_BASE_HPP

#include <berth/concepts.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/syscall.hpp>
#include <berth/error.hpp>
#include <berth/option.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <system_error>
#include <utility>

namespace berth::detail {

/// What sockets and acceptors share: one owned descriptor and the calls that do not
/// depend on whether it listens.
template <class F, class T>
class socket_base {
 public:
  using family = F;
  using protocol = T;
  /// The family's endpoint type (inet_endpoint, inet6_endpoint, local_endpoint).
  using endpoint = typename F::endpoint;
  using endpoint_type = typename F::endpoint;

  /// The descriptor, still owned; -1 when none.
  int native_handle() const noexcept { return fd_; }
  /// Gives up ownership: returns the descriptor (or -1) and holds none.
  int release() noexcept { return std::exchange(fd_, -1); }
  /// Whether a descriptor is held.
  bool is_open() const noexcept { return fd_ >= 0; }

  /// close(2), once: never retried, and EINTR is not reported (Linux has released the
  /// descriptor by then). Holds none afterwards, whatever the outcome. No-op when none.
  void close() {
    if (const int err = close_fd(fd_)) throw_error(err, "berth: close");
  }
  /// As close(), reporting through `ec`.
  void close(std::error_code& ec) noexcept { assign(ec, close_fd(fd_)); }

  /// Sets an option with one setsockopt. Options that do not apply to this family and
  /// type do not compile; a value the kernel would misread is std::errc::invalid_argument.
  template <class O>
    requires option_for<O, F, T> && settable_option<O>
  void set(const O& option) {
    if (const int err = set_option(fd_, option)) throw_error(err, "berth: setsockopt");
  }
  /// As set(option), reporting through `ec`.
  template <class O>
    requires option_for<O, F, T> && settable_option<O>
  void set(const O& option, std::error_code& ec) noexcept {
    assign(ec, set_option(fd_, option));
  }

  /// Reads an option with one getsockopt: `s.get<option::no_delay>().value`.
  template <class O>
    requires option_for<O, F, T>
  O get() const {
    O option{};
    if (const int err = get_option(fd_, option)) throw_error(err, "berth: getsockopt");
    return option;
  }
  /// As get<O>(), reporting through `ec`; on error returns a value-initialized O.
  template <class O>
    requires option_for<O, F, T>
  O get(std::error_code& ec) const noexcept {
    O option{};
    const int err = get_option(fd_, option);
    assign(ec, err);
    return err == 0 ? option : O{};
  }

  /// Non-blocking mode on or off with one ioctl(FIONBIO). Calls that would block then
  /// fail with std::errc::resource_unavailable_try_again (operation_would_block).
  void set_nonblocking(bool on = true) {
    if (const int err = detail::set_nonblocking(fd_, on)) throw_error(err, "berth: ioctl(FIONBIO)");
  }
  /// As set_nonblocking(on), reporting through `ec`.
  void set_nonblocking(bool on, std::error_code& ec) noexcept {
    assign(ec, detail::set_nonblocking(fd_, on));
  }
  /// As set_nonblocking(true), reporting through `ec`.
  void set_nonblocking(std::error_code& ec) noexcept { set_nonblocking(true, ec); }

  /// Waits with poll(POLLIN) until a read (or accept) would not block: true, or false when
  /// `timeout` passed first. Also true on end of stream or a pending error, which the next
  /// call then reports. A signal does not shorten the wait. A timeout of 24.8 days or
  /// more waits forever.
  template <class Rep, class Period>
  bool wait_readable(std::chrono::duration<Rep, Period> timeout) const {
    return wait(POLLIN, poll_timeout(timeout), "berth: poll(POLLIN)");
  }
  /// As wait_readable(timeout), reporting through `ec` (and returning false on error).
  template <class Rep, class Period>
  bool wait_readable(std::chrono::duration<Rep, Period> timeout, std::error_code& ec) const noexcept {
    return wait(POLLIN, poll_timeout(timeout), ec);
  }

  /// The address this socket is bound to (getsockname); port 0 binds show the chosen port.
  endpoint_type local_endpoint() const {
    endpoint_type ep;
    if (const int err = get_name(fd_, ep, ::getsockname)) throw_error(err, "berth: getsockname");
    return ep;
  }
  /// As local_endpoint(), reporting through `ec`.
  endpoint_type local_endpoint(std::error_code& ec) const noexcept {
    endpoint_type ep;
    const int err = get_name(fd_, ep, ::getsockname);
    assign(ec, err);
    return err == 0 ? ep : endpoint_type{};
  }

 protected:
  socket_base() noexcept = default;
  explicit socket_base(int fd) noexcept : fd_(fd) {}
  socket_base(socket_base&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  socket_base& operator=(socket_base&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);  // once, its outcome ignored, as in the destructor
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  // One close, never retried, its outcome ignored (there is nobody to tell): small enough
  // to be inlined everywhere, and nothing at all for a moved-from socket.
  ~socket_base() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool wait(short events, int timeout_ms, const char* what) const {
    bool ready = false;
    if (const int err = wait_for(fd_, events, timeout_ms, ready)) throw_error(err, what);
    return ready;
  }
  bool wait(short events, int timeout_ms, std::error_code& ec) const noexcept {
    bool ready = false;
    const int err = wait_for(fd_, events, timeout_ms, ready);
    assign(ec, err);
    return err == 0 && ready;
  }

  int fd_ = -1;
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_SOCKET_BASE_HPP
