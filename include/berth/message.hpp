#ifndef BERTH_MESSAGE_HPP
#define BERTH_MESSAGE_HPP

// One datagram of a batch: what send_many (sendmmsg) sends and receive_many (recvmmsg)
// fills, on socket<F, datagram>.

#include <berth/concepts.hpp>

#include <cstddef>
#include <span>

namespace berth {

/// One datagram of a batch, for `s.send_many(batch)` and `s.receive_many(batch)` on a
/// datagram socket whose endpoint type is E. An aggregate: `berth::message<E>{bytes, to}`.
/// The bytes are the caller's (a view), and must live until the call returns.
template <class E>
struct message {
  /// The bytes: sent from (send_many) or received into (receive_many).
  std::span<std::byte> data;
  /// send_many: where the datagram goes; left default-constructed (port 0, or unnamed:
  /// no destination), to the connected peer. receive_many: who sent it.
  E endpoint{};
  /// send_many: the bytes sent. receive_many: the datagram's length, which is more than
  /// data.size() when it did not fit.
  std::size_t size = 0;
  /// receive_many: the datagram was longer than `data`, which holds its first bytes.
  bool truncated = false;
  /// receive_many(batch, berth::learn_segment_size) on a socket with option::udp_gro on:
  /// the size of the segments the kernel coalesced into this datagram (each one but the
  /// last has this size), or `size` when it coalesced none. Otherwise left as it was.
  std::size_t segment_size = 0;
};

/// The type of berth::learn_segment_size.
struct learn_segment_size_t {
  explicit constexpr learn_segment_size_t() = default;
};
/// Asks receive_many to fill each message's segment_size (a UDP_GRO control message per
/// datagram: a little more work per datagram, so it is asked for, not always done).
inline constexpr learn_segment_size_t learn_segment_size{};

}  // namespace berth

#endif  // BERTH_MESSAGE_HPP
