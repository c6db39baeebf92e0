#ifndef BERTH_SOCKET_PAIR_HPP
#define BERTH_SOCKET_PAIR_HPP

#include <berth/concepts.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/sys.hpp>
#include <berth/error.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>
#include <berth/socket_type.hpp>

#include <sys/socket.h>

#include <system_error>
#include <utility>

namespace berth {

/// Two connected local sockets of type T (stream by default): one socketpair(AF_UNIX,
/// T::type | SOCK_CLOEXEC). For a parent and a child across fork, or two threads.
/// Reporting through `ec`, both hold none on error.
template <socket_type T = stream, detail::error_sink S = detail::throws>
  requires valid_protocol<local, T>
[[nodiscard, gnu::always_inline]] inline std::pair<socket<local, T>, socket<local, T>> socket_pair(S&& on_error = {}) noexcept(
    detail::reports_to_code<S>) {
  int fds[2];
  const detail::sys::result r = detail::sys::socketpair(AF_UNIX, T::type | SOCK_CLOEXEC, 0, fds);
  detail::report_outcome(r.value < 0, r.err, on_error, "berth::socket_pair");
  if (r.value < 0) fds[0] = fds[1] = -1;  // reached only when reporting to an error_code
  return {socket<local, T>::adopt(fds[0]), socket<local, T>::adopt(fds[1])};
}

}  // namespace berth

#endif  // BERTH_SOCKET_PAIR_HPP
