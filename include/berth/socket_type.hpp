#ifndef BERTH_SOCKET_TYPE_HPP
#define BERTH_SOCKET_TYPE_HPP

#include <sys/socket.h>

namespace berth {

/// A reliable, ordered byte stream with connections (SOCK_STREAM; TCP for inet and inet6).
struct stream {
  /// SOCK_STREAM, the second argument of socket(2).
  static constexpr int type = SOCK_STREAM;
  /// Connections: shutdown, accept.
  static constexpr bool connection_oriented = true;
};

/// Connectionless messages of bounded size (SOCK_DGRAM; UDP for inet and inet6).
struct datagram {
  /// SOCK_DGRAM, the second argument of socket(2).
  static constexpr int type = SOCK_DGRAM;
  /// No connections: send_to, receive_from.
  static constexpr bool connection_oriented = false;
};

/// Reliable, ordered messages with connections and boundaries kept (SOCK_SEQPACKET;
/// local sockets only here).
struct seqpacket {
  /// SOCK_SEQPACKET, the second argument of socket(2).
  static constexpr int type = SOCK_SEQPACKET;
  /// Connections: shutdown, accept.
  static constexpr bool connection_oriented = true;
};

}  // namespace berth

#endif  // BERTH_SOCKET_TYPE_HPP
