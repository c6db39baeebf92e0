#ifndef BERTH_DETAIL_CONNECTION_OPS_HPP
#define BERTH_DETAIL_CONNECTION_OPS_HPP

// What a connection-oriented socket (stream, seqpacket) can do with its connection:
// shutdown. A base of socket<F, stream> and socket<F, seqpacket>.

#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/sys.hpp>

#include <sys/socket.h>

namespace berth {

/// What `shutdown` stops: SHUT_WR, SHUT_RD or SHUT_RDWR.
enum class shutdown_type : int {
  receive = SHUT_RD,  ///< no more receiving
  send = SHUT_WR,     ///< no more sending: the peer reads end of stream
  both = SHUT_RDWR,   ///< neither
};

namespace detail {

/// The connection members of socket<F, T> for connection-oriented T; `Socket` is that socket.
template <class Socket>
class connection_ops {
 public:
  /// shutdown(2): `send` makes the peer read end of stream while this side still reads.
  template <error_sink S = throws>
  void shutdown(shutdown_type how, S&& on_error = {}) noexcept(reports_to_code<S>) {
    report(sys::shutdown(fd(), static_cast<int>(how)).err, on_error, "berth::socket::shutdown");
  }

 private:
  const int& fd() const noexcept { return socket_access::fd(static_cast<const Socket&>(*this)); }
};

}  // namespace detail
}  // namespace berth

#endif  // BERTH_DETAIL_CONNECTION_OPS_HPP
