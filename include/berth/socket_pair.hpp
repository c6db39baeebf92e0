#ifndef BERTH_SOCKET_PAIR_HPP
#define BERTH_SOCKET_PAIR_HPP

#include <berth/concepts.hpp>
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
template <socket_type T = stream>
  requires valid_protocol<local, T>
std::pair<socket<local, T>, socket<local, T>> socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, T::type | SOCK_CLOEXEC, 0, fds) != 0)
    detail::throw_error(errno, "berth::socket_pair");
  return {socket<local, T>::adopt(fds[0]), socket<local, T>::adopt(fds[1])};
}

/// As socket_pair<T>(), reporting through `ec`; on error both hold none.
template <socket_type T = stream>
  requires valid_protocol<local, T>
std::pair<socket<local, T>, socket<local, T>> socket_pair(std::error_code& ec) noexcept {
  int fds[2] = {-1, -1};
  detail::assign(ec, ::socketpair(AF_UNIX, T::type | SOCK_CLOEXEC, 0, fds) == 0 ? 0 : errno);
  return {socket<local, T>::adopt(fds[0]), socket<local, T>::adopt(fds[1])};
}

}  // namespace berth

#endif  // BERTH_SOCKET_PAIR_HPP
