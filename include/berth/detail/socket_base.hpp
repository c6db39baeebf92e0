#ifndef BERTH_DETAIL_SOCKET_BASE_HPP
#define BERTH_DETAIL_SOCKET_BASE_HPP

// What sockets and acceptors share: one owned descriptor (berth::descriptor), options,
// non-blocking mode, waiting until readable, and the local address.

#include <berth/concepts.hpp>
#include <berth/descriptor.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/sys.hpp>
#include <berth/error.hpp>
#include <berth/option.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <system_error>

namespace berth::detail {

/// Lets socket calls check the length the kernel wrote into an endpoint (what its resize
/// does) as an errno value, without an std::error_code on the success path.
struct endpoint_access {
  template <class E>
  [[gnu::always_inline]] static int set_size(E& ep, socklen_t size) noexcept {
    return ep.set_size(size);
  }
};

/// Lets the capability bases of a socket (stream_ops, message_ops, ...) read the
/// descriptor it owns, by reference: read at each call, as hand-written code reads it
/// from its struct (taken by value, it is held in a register across the call).
struct socket_access {
  template <class S>
  static const int& fd(const S& s) noexcept {
    return s.fd_;
  }
};

/// A received message's outcome with its sender's address, `size` bytes as the kernel
/// reported them, checked (length and family) as the endpoint's resize checks it: errors
/// other than error::truncated leave `from` as the kernel left it. Shared by receive_from
/// and the async receives.
template <class E>
[[gnu::always_inline]] inline io_result with_sender(io_result got, E& from, socklen_t size) noexcept {
  if (got.err != 0 && got.err != code_of(error::truncated)) [[unlikely]] return {0, got.err};
  if (const int bad = endpoint_access::set_size(from, size)) [[unlikely]] return {0, bad};
  return got;
}

/// Which name get_name reads: the socket's own (getsockname) or its peer's (getpeername).
enum class name_of { self, peer };

/// getsockname or getpeername into an endpoint, checked as its resize checks it.
template <name_of Which, class E>
int get_name(int fd, E& ep) noexcept {
  socklen_t size = E::capacity();
  const sys::result r = Which == name_of::self ? sys::getsockname(fd, ep.data(), &size)
                                               : sys::getpeername(fd, ep.data(), &size);
  if (r.err != 0) return r.err;
  return endpoint_access::set_size(ep, size);
}

/// setsockopt of a berth::option, its value checked first.
template <class O>
int set_option(int fd, const O& o) noexcept {
  typename O::traits::native_type native{};
  if (const int err = O::traits::encode(o, native)) return err;
  return sys::setsockopt(fd, O::traits::level, O::traits::name, &native, sizeof native).err;
}

/// getsockopt of a berth::option.
template <class O>
int get_option(int fd, O& o) noexcept {
  typename O::traits::native_type native{};
  socklen_t size = sizeof native;
  if (const sys::result r = sys::getsockopt(fd, O::traits::level, O::traits::name, &native, &size);
      r.err != 0)
    return r.err;
  o = O::traits::template decode<O>(native);
  return 0;
}

// What a misuse reports. Each is the return type of a deleted overload that a misused call
// selects, so that the first line of the compiler's error names the reason ("use of
// deleted function 'option_does_not_apply_to_this_socket<no_delay, local, stream> set(...)'")
// instead of a list of candidates whose constraints failed. A requires-expression still
// sees the call as invalid.
template <class O, class F, class T>
struct option_does_not_apply_to_this_socket {};
template <class O>
struct option_can_only_be_read {};

/// What sockets and acceptors of family F and type T share, over the descriptor they own.
template <class F, class T>
class socket_base : protected descriptor {
 public:
  /// The address family tag.
  using family = F;
  /// The socket type tag.
  using protocol = T;
  /// The family's endpoint type (inet_endpoint, inet6_endpoint, local_endpoint).
  using endpoint_type = typename F::endpoint;
  /// Also the family's endpoint type (the name the member was first given).
  using endpoint = typename F::endpoint;

  using descriptor::close;
  using descriptor::is_open;
  using descriptor::native_handle;
  using descriptor::release;

  /// Sets an option with one setsockopt. Options that do not apply to this family and
  /// type do not compile; a value the kernel would misread is std::errc::invalid_argument.
  template <class O, error_sink S = throws>
    requires option_for<O, F, T> && settable_option<O>
  void set(const O& option, S&& on_error = {}) noexcept(reports_to_code<S>) {
    report(set_option(fd_, option), on_error, "berth::socket::set");
  }

  /// Not an option for this family and type (no_delay on a unix socket, broadcast on TCP):
  /// does not compile.
  template <class O, class... Rest>
    requires(!option_for<O, F, T>)
  option_does_not_apply_to_this_socket<O, F, T> set(const O&, Rest&&...) = delete;
  /// An option that can only be read (error, peer_credentials): does not compile.
  template <class O, class... Rest>
    requires option_for<O, F, T> && (!settable_option<O>)
  option_can_only_be_read<O> set(const O&, Rest&&...) = delete;

  /// Reads an option with one getsockopt: `s.get<option::no_delay>().value`. Reporting
  /// through `ec`, returns a value-initialized O on error.
  template <class O, error_sink S = throws>
    requires option_for<O, F, T> && readable_option<O>
  [[nodiscard]] O get(S&& on_error = {}) const noexcept(reports_to_code<S>) {
    O option{};
    const int err = get_option(fd_, option);
    report(err, on_error, "berth::socket::get");
    return err == 0 ? option : O{};
  }

  /// Not an option for this family and type: does not compile.
  template <class O, class... Rest>
    requires(!option_for<O, F, T>)
  option_does_not_apply_to_this_socket<O, F, T> get(Rest&&...) const = delete;

  /// Non-blocking mode on or off with one ioctl(FIONBIO). Calls that would block then
  /// fail with std::errc::resource_unavailable_try_again (operation_would_block).
  template <error_sink S = throws>
  void set_nonblocking(bool on = true, S&& on_error = {}) noexcept(reports_to_code<S>) {
    report(sys::set_nonblocking(fd_, on).err, on_error, "berth::socket::set_nonblocking");
  }
  /// As set_nonblocking(true), reporting through `ec`.
  void set_nonblocking(std::error_code& ec) noexcept { set_nonblocking(true, ec); }

  /// Waits with poll(POLLIN) until a read (or accept) would not block: true, or false when
  /// `timeout` passed first. Also true on end of stream or a pending error, which the next
  /// call then reports. A signal does not shorten the wait. A timeout of 24.8 days or more
  /// (or +infinity) waits forever; zero or less polls once; NaN is
  /// std::errc::invalid_argument. Reporting through `ec`, returns false on error.
  template <class Rep, class Period, error_sink S = throws>
  [[nodiscard]] bool wait_readable(std::chrono::duration<Rep, Period> timeout,
                                   S&& on_error = {}) const noexcept(reports_to_code<S>) {
    bool ready = false;
    const int err = wait_for(fd_, POLLIN, poll_timeout(timeout), ready);
    report(err, on_error, "berth::socket::wait_readable");
    return ready;
  }

  /// The address this socket is bound to (getsockname); port 0 binds show the chosen port.
  /// Reporting through `ec`, returns the default endpoint on error.
  template <error_sink S = throws>
  [[nodiscard]] endpoint_type local_endpoint(S&& on_error = {}) const noexcept(reports_to_code<S>) {
    endpoint_type ep;
    const int err = get_name<name_of::self>(fd_, ep);
    report(err, on_error, "berth::socket::local_endpoint");
    return err == 0 ? ep : endpoint_type{};
  }

 protected:
  socket_base() noexcept = default;
  explicit socket_base(int fd) noexcept : descriptor(fd) {}
  socket_base(socket_base&&) noexcept = default;
  socket_base& operator=(socket_base&&) noexcept = default;
  [[gnu::always_inline]] ~socket_base() = default;
};

}  // namespace berth::detail

#endif  // BERTH_DETAIL_SOCKET_BASE_HPP
