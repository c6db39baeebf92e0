#ifndef BERTH_SOCKET_TYPE_HPP
#define BERTH_SOCKET_TYPE_HPP

#include <sys/socket.h>

namespace berth {

/// A reliable, ordered byte stream with connections (SOCK_STREAM; TCP for inet and inet6).
struct stream {
  static constexpr int type = SOCK_STREAM;
  static constexpr bool connection_oriented = true;
};

/// Connectionless messages of bounded size (SOCK_DGRAM; UDP for inet and inet6).
struct datagram {
  static constexpr int type = SOCK_DGRAM;
  static constexpr bool connection_oriented = false;
};

/// Reliable, ordered messages with connections and boundaries kept (SOCK_SEQPACKET;
/// local sockets only here).
struct seqpacket {
  static constexpr int type = SOCK_SEQPACKET;
  static constexpr bool connection_oriented = true;
};

}  // namespace berth

#endif  // BERTH_SOCKET_TYPE_HPP
