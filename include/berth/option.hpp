#ifndef BERTH_OPTION_HPP
#define BERTH_OPTION_HPP

#include <berth/address.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/byte_order.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/socket_type.hpp>

#include <net/if.h>  // IFNAMSIZ
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>  // SOL_UDP, UDP_SEGMENT, UDP_GRO
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <cerrno>
#include <climits>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace berth {
namespace detail {

// Which concrete families a family tag can stand for, as bits: inet, inet6, local. A tag
// with one domain stands for that one; a tag whose family is chosen at run time (berth::ip:
// inet or inet6) specializes family_kinds to say so.
inline constexpr unsigned kind_inet = 1, kind_inet6 = 2, kind_local = 4;

/// The kind of a socket of `domain` (AF_INET, AF_INET6, AF_UNIX); 0 for any other.
constexpr unsigned kind_of_domain(int domain) noexcept {
  return domain == AF_INET    ? kind_inet
         : domain == AF_INET6 ? kind_inet6
         : domain == AF_UNIX  ? kind_local
                              : 0u;
}

template <class F>
struct family_kinds {
  static constexpr unsigned value = kind_of_domain(F::domain);
};

/// Whether every family F can stand for is among `allowed` (and F stands for one at least).
template <class F>
constexpr bool families_within(unsigned allowed) noexcept {
  constexpr unsigned kinds = family_kinds<F>::value;
  return kinds != 0 && (kinds & ~allowed) == 0;
}

// Where an option means something: for every family the socket's tag can stand for. An
// option that the kernel would accept and silently ignore (TCP_NODELAY on a unix socket,
// SO_BROADCAST on TCP) is rejected at compile time.
struct on_any {
  template <class F, class T>
  static constexpr bool value = true;
};
struct on_ip {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet | kind_inet6);
};
struct on_ip_stream {
  template <class F, class T>
  static constexpr bool value = on_ip::value<F, T> && T::type == SOCK_STREAM;
};
struct on_inet_datagram {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet) && T::type == SOCK_DGRAM;
};
struct on_inet6 {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet6);
};
struct on_local {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_local);
};

// How an option's value crosses setsockopt/getsockopt. encode returns an errno value
// (0: fine) so a value the kernel would clamp or misread is refused before the call.

template <int Level, int Name, class Where>
struct bool_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = int;
  template <class O>
  static constexpr int encode(const O& o, int& n) noexcept {
    n = o.value ? 1 : 0;
    return 0;
  }
  template <class O>
  static constexpr O decode(const int& n) noexcept {
    return O{n != 0};
  }
};

template <int Level, int Name, class Where>
struct size_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = int;
  template <class O>
  static constexpr int encode(const O& o, int& n) noexcept {
    if (o.value < 0) return EINVAL;  // the kernel would read it as a huge unsigned size
    n = o.value;
    return 0;
  }
  template <class O>
  static constexpr O decode(const int& n) noexcept {
    return O{n};
  }
};

template <int Level, int Name, class Where>
struct timeout_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = timeval;
  template <class O>
  static constexpr int encode(const O& o, timeval& n) noexcept {
    const auto us = o.value.count();
    if (us < 0) return EINVAL;  // the kernel would take it as 0: no timeout at all
    n.tv_sec = static_cast<time_t>(us / 1000000);
    n.tv_usec = static_cast<suseconds_t>(us % 1000000);
    return 0;
  }
  template <class O>
  static constexpr O decode(const timeval& n) noexcept {
    return O{std::chrono::microseconds(std::chrono::microseconds::rep{n.tv_sec} * 1000000 +
                                       n.tv_usec)};
  }
};

}  // namespace detail

/// A socket option that applies to socket<F, T>; others are rejected at compile time.
template <class O, class F, class T>
concept option_for = address_family<F> && socket_type<T> && requires {
  typename O::traits;
  typename O::traits::where;
} && O::traits::where::template value<F, T>;

/// An option that can be set (peer_credentials and error can only be read).
template <class O>
concept settable_option = requires(const O& o, typename O::traits::native_type& n) {
  { O::traits::encode(o, n) } -> std::same_as<int>;
};

/// An option that can be read (join_group and leave_group can only be set).
template <class O>
concept readable_option = requires(const typename O::traits::native_type& n) {
  { O::traits::template decode<O>(n) } -> std::same_as<O>;
};

/// Socket options, set with `s.set(option::no_delay{true})` and read with
/// `s.get<option::no_delay>().value`. Each is one setsockopt or getsockopt.
namespace option {

/// SO_REUSEADDR: bind a port still in TIME_WAIT (inet, inet6). Acceptors set it already.
struct reuse_address {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_REUSEADDR, detail::on_ip>;
};

/// SO_REUSEPORT: several sockets bound to one port share its load (inet, inet6).
struct reuse_port {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_REUSEPORT, detail::on_ip>;
};

/// SO_KEEPALIVE: probe an idle TCP connection (inet and inet6 stream).
struct keep_alive {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_KEEPALIVE, detail::on_ip_stream>;
};

/// SO_BROADCAST: allow sending to a broadcast address (inet datagram).
struct broadcast {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_BROADCAST, detail::on_inet_datagram>;
};

/// TCP_NODELAY: send small segments at once, without Nagle's delay (inet and inet6 stream).
struct no_delay {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<IPPROTO_TCP, TCP_NODELAY, detail::on_ip_stream>;
};

/// IPV6_V6ONLY: an inet6 socket does not also take IPv4-mapped traffic (inet6).
struct v6_only {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<IPPROTO_IPV6, IPV6_V6ONLY, detail::on_inet6>;
};

/// SO_RCVBUF in bytes. Linux doubles what is set and reports the doubled size; a negative
/// size is std::errc::invalid_argument.
struct receive_buffer_size {
  /// The size in bytes.
  int value = 0;
  using traits = detail::size_traits<SOL_SOCKET, SO_RCVBUF, detail::on_any>;
};

/// SO_SNDBUF in bytes. Linux doubles what is set and reports the doubled size; a negative
/// size is std::errc::invalid_argument.
struct send_buffer_size {
  /// The size in bytes.
  int value = 0;
  using traits = detail::size_traits<SOL_SOCKET, SO_SNDBUF, detail::on_any>;
};

/// SO_RCVTIMEO: a blocking receive gives up after this long with
/// std::errc::resource_unavailable_try_again; zero waits forever; negative is
/// std::errc::invalid_argument. The kernel rounds it up to its clock tick (get shows that).
struct receive_timeout {
  /// The time limit; zero for none.
  std::chrono::microseconds value{0};
  using traits = detail::timeout_traits<SOL_SOCKET, SO_RCVTIMEO, detail::on_any>;
};

/// SO_SNDTIMEO: a blocking send gives up after this long with
/// std::errc::resource_unavailable_try_again, a blocking TCP connect with
/// std::errc::operation_in_progress; zero waits forever; negative is
/// std::errc::invalid_argument. The kernel rounds it up to its clock tick (get shows that).
struct send_timeout {
  /// The time limit; zero for none.
  std::chrono::microseconds value{0};
  using traits = detail::timeout_traits<SOL_SOCKET, SO_SNDTIMEO, detail::on_any>;
};

/// SO_LINGER: when enabled, close waits up to `timeout` for unsent data, and a zero
/// timeout resets the connection (inet and inet6 stream). A timeout below zero or above
/// INT_MAX seconds is std::errc::invalid_argument. Disabling keeps the kernel's previous
/// timeout, which get then reports beside `enabled == false`.
struct linger {
  /// Whether close lingers.
  bool enabled = false;
  /// How long close lingers at most.
  std::chrono::seconds timeout{0};
  struct traits {
    static constexpr int level = SOL_SOCKET, name = SO_LINGER;
    using where = detail::on_ip_stream;
    using native_type = ::linger;
    template <class O>
    static constexpr int encode(const O& o, ::linger& n) noexcept {
      if (o.timeout.count() < 0 || o.timeout.count() > INT_MAX) return EINVAL;
      n.l_onoff = o.enabled ? 1 : 0;
      n.l_linger = static_cast<int>(o.timeout.count());
      return 0;
    }
    template <class O>
    static constexpr O decode(const ::linger& n) noexcept {
      return O{n.l_onoff != 0, std::chrono::seconds(n.l_linger)};
    }
  };
};

/// SO_PEERCRED: who is at the other end of a local socket, as of connect or socket_pair
/// (local; read only).
struct peer_credentials {
  /// The peer's process id.
  pid_t pid = 0;
  /// The peer's effective user id.
  uid_t uid = 0;
  /// The peer's effective group id.
  gid_t gid = 0;
  struct traits {
    static constexpr int level = SOL_SOCKET, name = SO_PEERCRED;
    using where = detail::on_local;
    using native_type = ::ucred;
    template <class O>
    static constexpr O decode(const ::ucred& n) noexcept {
      return O{n.pid, n.uid, n.gid};
    }
  };
};

/// SO_ERROR: the pending error as an errno value (0: none), cleared by reading it (read only).
struct error {
  /// An errno value, 0 for none.
  int value = 0;
  struct traits {
    static constexpr int level = SOL_SOCKET, name = SO_ERROR;
    using where = detail::on_any;
    using native_type = int;
    template <class O>
    static constexpr O decode(const int& n) noexcept {
      return O{n};
    }
  };
};

}  // namespace option

// ==== Revision 2: the options servers use ======================================================
// keep_alive_idle, keep_alive_interval, keep_alive_count, user_timeout, fast_open, quick_ack
// (TCP); ttl, hop_limit; multicast_ttl, multicast_loop, multicast_hops, join_group,
// leave_group, udp_segment, udp_gro (UDP); bind_to_device, mark (inet, inet6);
// pass_credentials (local). Where each applies is said as the families a socket's tag can
// stand for, so that on a tag chosen at run time (inet or inet6) an option compiles only
// when both families take it.

namespace detail {

struct on_inet {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet);
};
struct on_ip_datagram {
  template <class F, class T>
  static constexpr bool value = on_ip::value<F, T> && T::type == SOCK_DGRAM;
};
struct on_inet6_datagram {
  template <class F, class T>
  static constexpr bool value = families_within<F>(kind_inet6) && T::type == SOCK_DGRAM;
};

/// A plain int the kernel checks itself (a value out of its range is its EINVAL).
template <int Level, int Name, class Where>
struct int_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = int;
  template <class O>
  static constexpr int encode(const O& o, int& n) noexcept {
    n = o.value;
    return 0;
  }
  template <class O>
  static constexpr O decode(const int& n) noexcept {
    return O{n};
  }
};

/// A whole number of Duration's unit (seconds, milliseconds) that the kernel takes as an
/// int: a count below 0 or above INT_MAX is EINVAL before the call (cut to an int it could
/// pass as another value).
template <int Level, int Name, class Where, class Duration>
struct duration_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = int;
  template <class O>
  static constexpr int encode(const O& o, int& n) noexcept {
    const auto count = o.value.count();
    if (count < 0 || count > INT_MAX) return EINVAL;
    n = static_cast<int>(count);
    return 0;
  }
  template <class O>
  static constexpr O decode(const int& n) noexcept {
    return O{Duration(n)};
  }
};

/// An unsigned value of type V that the kernel takes as an int (or a u32): no value of V is
/// out of reach.
template <int Level, int Name, class Where, class V>
struct unsigned_traits {
  static constexpr int level = Level, name = Name;
  using where = Where;
  using native_type = std::conditional_t<(sizeof(V) < sizeof(int)), int, V>;
  template <class O>
  static constexpr int encode(const O& o, native_type& n) noexcept {
    n = static_cast<native_type>(o.value);
    return 0;
  }
  template <class O>
  static constexpr O decode(const native_type& n) noexcept {
    return O{static_cast<V>(n)};
  }
};

/// IP_ADD_MEMBERSHIP or IP_DROP_MEMBERSHIP (`Name`): an ip_mreq, the group and the address
/// of the interface (0.0.0.0: the kernel picks one by the route to the group). Set only.
template <int Name>
struct membership4_traits {
  static constexpr int level = IPPROTO_IP, name = Name;
  using where = on_inet_datagram;
  using native_type = ::ip_mreq;
  template <class O>
  static constexpr int encode(const O& o, ::ip_mreq& n) noexcept {
    n.imr_multiaddr.s_addr = host_to_net32(o.group.to_uint());
    n.imr_interface.s_addr = host_to_net32(o.interface.to_uint());
    return 0;
  }
};

/// IPV6_ADD_MEMBERSHIP or IPV6_DROP_MEMBERSHIP (`Name`): an ipv6_mreq, the group and an
/// interface index (0: the kernel picks one). Set only.
template <int Name>
struct membership6_traits {
  static constexpr int level = IPPROTO_IPV6, name = Name;
  using where = on_inet6_datagram;
  using native_type = ::ipv6_mreq;
  template <class O>
  static constexpr int encode(const O& o, ::ipv6_mreq& n) noexcept {
    for (std::size_t k = 0; k < 16; ++k) n.ipv6mr_multiaddr.s6_addr[k] = o.group.bytes()[k];
    n.ipv6mr_interface = o.interface;
    return 0;
  }
};

/// A group and the interface to join it on, as join_group and leave_group hold them.
template <class Address>
struct membership;
template <>
struct membership<ipv4_address> {
  /// The multicast group (224.0.0.0/4).
  ipv4_address group{};
  /// The address of the interface; 0.0.0.0: the one the route to the group uses.
  ipv4_address interface{};
  constexpr membership() noexcept = default;
  constexpr membership(ipv4_address g, ipv4_address i = {}) noexcept : group(g), interface(i) {}
};
template <>
struct membership<ipv6_address> {
  /// The multicast group (ff00::/8).
  ipv6_address group{};
  /// The interface index (if_nametoindex); 0: the one the route to the group uses.
  std::uint32_t interface = 0;
  constexpr membership() noexcept = default;
  constexpr membership(ipv6_address g) noexcept : group(g) {}
  template <std::integral I>
  constexpr membership(ipv6_address g, I i) noexcept : group(g), interface(static_cast<std::uint32_t>(i)) {}
};

/// SO_BINDTODEVICE's value: an interface name and its NUL, IFNAMSIZ bytes.
struct device_name {
  char text[IFNAMSIZ];
};

}  // namespace detail

namespace option {

/// TCP_KEEPIDLE: how long a connection is idle before keep-alive probes start (with
/// keep_alive on); whole seconds, 1 to 32767 (the kernel's range; outside it, or beyond an
/// int, std::errc::invalid_argument). inet and inet6 stream.
struct keep_alive_idle {
  /// The idle time.
  std::chrono::seconds value{0};
  using traits = detail::duration_traits<IPPROTO_TCP, TCP_KEEPIDLE, detail::on_ip_stream, std::chrono::seconds>;
};

/// TCP_KEEPINTVL: the time between keep-alive probes; whole seconds, 1 to 32767. inet and
/// inet6 stream.
struct keep_alive_interval {
  /// The time between probes.
  std::chrono::seconds value{0};
  using traits = detail::duration_traits<IPPROTO_TCP, TCP_KEEPINTVL, detail::on_ip_stream, std::chrono::seconds>;
};

/// TCP_KEEPCNT: how many unanswered probes end the connection; 1 to 127. inet and inet6
/// stream.
struct keep_alive_count {
  /// The number of probes.
  int value = 0;
  using traits = detail::int_traits<IPPROTO_TCP, TCP_KEEPCNT, detail::on_ip_stream>;
};

/// TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the connection is
/// dropped (std::errc::timed_out); zero: the system's default. Negative or beyond INT_MAX
/// milliseconds is std::errc::invalid_argument. inet and inet6 stream.
struct user_timeout {
  /// The limit; zero for the default.
  std::chrono::milliseconds value{0};
  using traits =
      detail::duration_traits<IPPROTO_TCP, TCP_USER_TIMEOUT, detail::on_ip_stream, std::chrono::milliseconds>;
};

/// TCP_FASTOPEN: on a listener (set before or after listen), the length of the queue of
/// TCP Fast Open connections not yet accepted; 0 turns it off (server side of
/// net.ipv4.tcp_fastopen must be on for it to be used). inet and inet6 stream.
struct fast_open {
  /// The queue length.
  int value = 0;
  using traits = detail::int_traits<IPPROTO_TCP, TCP_FASTOPEN, detail::on_ip_stream>;
};

/// TCP_QUICKACK: acknowledge at once rather than delay; the kernel may turn it off again
/// by itself, so it is set again when wanted (get: whether it is on now). inet and inet6
/// stream.
struct quick_ack {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<IPPROTO_TCP, TCP_QUICKACK, detail::on_ip_stream>;
};

/// IP_TTL: the time to live of unicast IPv4 packets sent, 1 to 255; -1: the system's
/// default (get then reports it). inet, stream and datagram.
struct ttl {
  /// The time to live.
  int value = 0;
  using traits = detail::int_traits<IPPROTO_IP, IP_TTL, detail::on_inet>;
};

/// IPV6_UNICAST_HOPS: the hop limit of unicast IPv6 packets sent, 0 to 255; -1: the route's
/// default (get then reports it). inet6, stream and datagram.
struct hop_limit {
  /// The hop limit.
  int value = 0;
  using traits = detail::int_traits<IPPROTO_IPV6, IPV6_UNICAST_HOPS, detail::on_inet6>;
};

/// IP_MULTICAST_TTL: the time to live of multicast packets sent, 0 to 255 (1 by default:
/// the local network only). inet datagram.
struct multicast_ttl {
  /// The time to live.
  int value = 0;
  using traits = detail::int_traits<IPPROTO_IP, IP_MULTICAST_TTL, detail::on_inet_datagram>;
};

/// IPV6_MULTICAST_LOOP: multicast packets sent are also delivered to this host's own
/// members of the group (on by default). inet6 datagram.
struct multicast_loop {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<IPPROTO_IPV6, IPV6_MULTICAST_LOOP, detail::on_inet6_datagram>;
};

/// IPV6_MULTICAST_HOPS: the hop limit of multicast packets sent, 0 to 255; -1: the
/// default, 1. inet6 datagram.
struct multicast_hops {
  /// The hop limit.
  int value = 0;
  using traits = detail::int_traits<IPPROTO_IPV6, IPV6_MULTICAST_HOPS, detail::on_inet6_datagram>;
};

/// Joins a multicast group: `s.set(option::join_group{group, interface})`. inet datagram:
/// both ipv4_address (the interface by its address; 0.0.0.0 or left out: by the route),
/// IP_ADD_MEMBERSHIP. inet6 datagram: an ipv6_address and an interface index (0 or left
/// out: by the route), IPV6_ADD_MEMBERSHIP. Set only. Joining twice is
/// std::errc::address_in_use; a group that is not multicast std::errc::invalid_argument.
template <class Address>
struct join_group;
template <>
struct join_group<ipv4_address> : detail::membership<ipv4_address> {
  using membership::membership;
  using traits = detail::membership4_traits<IP_ADD_MEMBERSHIP>;
};
template <>
struct join_group<ipv6_address> : detail::membership<ipv6_address> {
  using membership::membership;
  using traits = detail::membership6_traits<IPV6_ADD_MEMBERSHIP>;
};
join_group(ipv4_address) -> join_group<ipv4_address>;
join_group(ipv4_address, ipv4_address) -> join_group<ipv4_address>;
join_group(ipv6_address) -> join_group<ipv6_address>;
template <std::integral I>
join_group(ipv6_address, I) -> join_group<ipv6_address>;

/// Leaves a multicast group joined with join_group (IP_DROP_MEMBERSHIP,
/// IPV6_DROP_MEMBERSHIP), spelled as join_group. Set only. A group not joined is
/// std::errc::address_not_available.
template <class Address>
struct leave_group;
template <>
struct leave_group<ipv4_address> : detail::membership<ipv4_address> {
  using membership::membership;
  using traits = detail::membership4_traits<IP_DROP_MEMBERSHIP>;
};
template <>
struct leave_group<ipv6_address> : detail::membership<ipv6_address> {
  using membership::membership;
  using traits = detail::membership6_traits<IPV6_DROP_MEMBERSHIP>;
};
leave_group(ipv4_address) -> leave_group<ipv4_address>;
leave_group(ipv4_address, ipv4_address) -> leave_group<ipv4_address>;
leave_group(ipv6_address) -> leave_group<ipv6_address>;
template <std::integral I>
leave_group(ipv6_address, I) -> leave_group<ipv6_address>;

/// UDP_SEGMENT (UDP GSO): each send of more than `value` bytes leaves as datagrams of
/// `value` bytes each (the last one shorter), segmented by the kernel or the network card:
/// one system call for as many as the kernel's UDP_MAX_SEGMENTS (64 in older kernels, 128
/// in newer). 0 turns it off. A send of more segments than that, or of segments that do
/// not fit the path MTU, is std::errc::invalid_argument or std::errc::message_size. inet
/// and inet6 datagram.
struct udp_segment {
  /// The segment size in bytes; 0: off.
  std::uint16_t value = 0;
  using traits = detail::unsigned_traits<SOL_UDP, UDP_SEGMENT, detail::on_ip_datagram, std::uint16_t>;
};

/// UDP_GRO: the kernel may coalesce datagrams of one flow that arrive together into one
/// larger datagram (and segments a GSO send that reaches this socket over loopback not at
/// all); receive_from(buffer, from, segment_size) and receive_many(batch,
/// berth::learn_segment_size) tell where the segments end. inet and inet6 datagram.
struct udp_gro {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_UDP, UDP_GRO, detail::on_ip_datagram>;
};

/// SO_BINDTODEVICE: the socket sends and receives only through the interface of this name
/// ("lo", "eth0"); empty: any (unbinding needs CAP_NET_RAW). A name longer than 15 bytes
/// (IFNAMSIZ - 1, which the kernel would cut short) or holding a NUL is
/// std::errc::invalid_argument; one that names no interface std::errc::no_such_device.
/// get reads the name back (empty when not bound); it fits std::string's own storage, so
/// nothing is allocated. inet and inet6.
struct bind_to_device {
  /// The interface name; empty: none.
  std::string value;
  bind_to_device() = default;
  /// The interface named `name`.
  bind_to_device(std::string_view name) : value(name) {}  // NOLINT: implicit, as a value

  struct traits {
    static constexpr int level = SOL_SOCKET, name = SO_BINDTODEVICE;
    using where = detail::on_ip;
    using native_type = detail::device_name;
    template <class O>
    static int encode(const O& o, detail::device_name& n) noexcept {
      if (o.value.size() >= IFNAMSIZ || o.value.find('\0') != std::string::npos) return EINVAL;
      std::memcpy(n.text, o.value.data(), o.value.size());
      n.text[o.value.size()] = '\0';
      return 0;
    }
    template <class O>
    static O decode(const detail::device_name& n) noexcept {
      return O{std::string_view(n.text, ::strnlen(n.text, IFNAMSIZ))};
    }
  };
};

/// SO_MARK: a mark on every packet sent, for routing rules and filters (fwmark). Setting
/// it needs CAP_NET_ADMIN or CAP_NET_RAW (else std::errc::operation_not_permitted);
/// reading it does not. inet and inet6.
struct mark {
  /// The mark.
  std::uint32_t value = 0;
  using traits = detail::unsigned_traits<SOL_SOCKET, SO_MARK, detail::on_ip, std::uint32_t>;
};

/// SO_PASSCRED: every message received carries its sender's credentials, which
/// receive_credentials reads (and a socket that is not bound gets an abstract name of its
/// own, as with autobind). local.
struct pass_credentials {
  /// On or off.
  bool value = false;
  using traits = detail::bool_traits<SOL_SOCKET, SO_PASSCRED, detail::on_local>;
};

}  // namespace option
}  // namespace berth

#endif  // BERTH_OPTION_HPP
