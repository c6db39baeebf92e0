// The options servers use (Revision 2), each set and read back or its effect shown, and
// each refused at compile time where it does not apply: keep_alive_idle,
// keep_alive_interval, keep_alive_count, user_timeout, fast_open, quick_ack, ttl,
// hop_limit, multicast_ttl, multicast_loop, multicast_hops, join_group, leave_group,
// udp_segment, udp_gro, bind_to_device, mark, pass_credentials. (udp_segment and udp_gro
// are shown working in message.test.cpp, pass_credentials in ancillary.test.cpp.)
#include <berth/option.hpp>

#include <berth/acceptor.hpp>
#include <berth/address.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <net/if.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>
#include <type_traits>

using namespace std::chrono_literals;
using berth::datagram;
using berth::inet;
using berth::inet6;
using berth::local;
using berth::seqpacket;
using berth::stream;
namespace bt = berth_test;
namespace option = berth::option;
using namespace berth_test::types;

namespace {

template <class S, class O>
concept can_set = requires(S& s, const O& o) { s.set(o); };
template <class S, class O>
concept can_get = requires(const S& s) { s.template get<O>(); };
template <class S, class O>
concept settable_and_readable = can_set<S, O> && can_get<S, O>;

using join4 = option::join_group<berth::ipv4_address>;
using join6 = option::join_group<berth::ipv6_address>;
using leave4 = option::leave_group<berth::ipv4_address>;
using leave6 = option::leave_group<berth::ipv6_address>;

// TCP: inet and inet6 stream only (acceptors too: fast_open is for listeners).
template <class O>
constexpr bool on_tcp_only = settable_and_readable<tcp, O> && settable_and_readable<tcp6, O> &&
                             settable_and_readable<tcp_acceptor, O> && !can_set<udp, O> && !can_set<udp6, O> &&
                             !can_set<unix_stream, O> && !can_set<unix_seqpacket, O> && !can_get<udp, O>;
static_assert(on_tcp_only<option::keep_alive_idle> && on_tcp_only<option::keep_alive_interval>);
static_assert(on_tcp_only<option::keep_alive_count> && on_tcp_only<option::user_timeout>);
static_assert(on_tcp_only<option::fast_open> && on_tcp_only<option::quick_ack>);
// ttl on inet, hop_limit on inet6, stream and datagram.
static_assert(settable_and_readable<tcp, option::ttl> && settable_and_readable<udp, option::ttl>);
static_assert(!can_set<tcp6, option::ttl> && !can_set<udp6, option::ttl> && !can_set<unix_datagram, option::ttl>);
static_assert(settable_and_readable<tcp6, option::hop_limit> && settable_and_readable<udp6, option::hop_limit>);
static_assert(!can_set<tcp, option::hop_limit> && !can_set<udp, option::hop_limit> && !can_get<unix_stream, option::hop_limit>);
// Multicast: datagram only; multicast_ttl inet, multicast_loop and multicast_hops inet6.
static_assert(settable_and_readable<udp, option::multicast_ttl>);
static_assert(!can_set<udp6, option::multicast_ttl> && !can_set<tcp, option::multicast_ttl>);
static_assert(settable_and_readable<udp6, option::multicast_loop> && settable_and_readable<udp6, option::multicast_hops>);
static_assert(!can_set<udp, option::multicast_loop> && !can_set<tcp6, option::multicast_loop>);
static_assert(!can_set<udp, option::multicast_hops> && !can_set<tcp6, option::multicast_hops>);
// join_group and leave_group: the address type says the family; set only.
static_assert(can_set<udp, join4> && can_set<udp, leave4> && can_set<udp6, join6> && can_set<udp6, leave6>);
static_assert(!can_set<udp, join6> && !can_set<udp6, join4> && !can_set<tcp, join4> && !can_set<tcp6, join6>);
static_assert(!can_set<unix_datagram, join4> && !can_get<udp, join4> && !can_get<udp6, leave6>);
static_assert(!berth::readable_option<join4> && berth::settable_option<join4>);
static_assert(std::is_same_v<decltype(option::join_group{berth::ipv4_address(), berth::ipv4_address()}), join4>);
static_assert(std::is_same_v<decltype(option::join_group{berth::ipv4_address()}), join4>);
static_assert(std::is_same_v<decltype(option::join_group{berth::ipv6_address(), 1}), join6>);
static_assert(std::is_same_v<decltype(option::leave_group{berth::ipv6_address(), 1u}), leave6>);
static_assert(std::is_same_v<decltype(option::leave_group{berth::ipv4_address(), berth::ipv4_address()}), leave4>);
// UDP GSO and GRO: inet and inet6 datagram.
static_assert(settable_and_readable<udp, option::udp_segment> && settable_and_readable<udp6, option::udp_gro>);
static_assert(!can_set<tcp, option::udp_segment> && !can_set<tcp6, option::udp_gro>);
static_assert(!can_set<unix_datagram, option::udp_segment> && !can_set<unix_datagram, option::udp_gro>);
// bind_to_device and mark: inet and inet6, any type.
static_assert(settable_and_readable<tcp, option::bind_to_device> && settable_and_readable<udp6, option::bind_to_device>);
static_assert(settable_and_readable<udp, option::mark> && settable_and_readable<tcp6_acceptor, option::mark>);
static_assert(!can_set<unix_stream, option::bind_to_device> && !can_set<unix_datagram, option::mark>);
// pass_credentials: local, any type.
static_assert(settable_and_readable<unix_stream, option::pass_credentials>);
static_assert(settable_and_readable<unix_datagram, option::pass_credentials>);
static_assert(settable_and_readable<unix_seqpacket, option::pass_credentials>);
static_assert(!can_set<tcp, option::pass_credentials> && !can_set<udp6, option::pass_credentials>);

// The value types the contract names.
static_assert(std::is_same_v<decltype(option::keep_alive_idle::value), std::chrono::seconds>);
static_assert(std::is_same_v<decltype(option::keep_alive_interval::value), std::chrono::seconds>);
static_assert(std::is_same_v<decltype(option::keep_alive_count::value), int>);
static_assert(std::is_same_v<decltype(option::user_timeout::value), std::chrono::milliseconds>);
static_assert(std::is_same_v<decltype(option::fast_open::value), int>);
static_assert(std::is_same_v<decltype(option::quick_ack::value), bool>);
static_assert(std::is_same_v<decltype(option::ttl::value), int> && std::is_same_v<decltype(option::hop_limit::value), int>);
static_assert(std::is_same_v<decltype(option::udp_segment::value), std::uint16_t>);
static_assert(std::is_same_v<decltype(option::udp_gro::value), bool>);
static_assert(std::is_same_v<decltype(option::mark::value), std::uint32_t>);
static_assert(std::is_same_v<decltype(option::pass_credentials::value), bool>);

}  // namespace

TEST_CASE("keep-alive tuning: idle, interval and count set and read back") {
  auto c = bt::connect_pair<inet>();
  c.client.set(option::keep_alive{true});
  c.client.set(option::keep_alive_idle{30s});
  c.client.set(option::keep_alive_interval{5s});
  c.client.set(option::keep_alive_count{3});
  CHECK(c.client.get<option::keep_alive_idle>().value == 30s);
  CHECK(c.client.get<option::keep_alive_interval>().value == 5s);
  CHECK(c.client.get<option::keep_alive_count>().value == 3);
  auto s6 = tcp6::open();
  s6.set(option::keep_alive_idle{std::chrono::seconds(7200)});
  CHECK(s6.get<option::keep_alive_idle>().value == 2h);
}

TEST_CASE("keep-alive tuning: values out of range are invalid_argument, before the call or by the kernel") {
  auto s = tcp::open();
  std::error_code ec;
  s.set(option::keep_alive_idle{-1s}, ec);
  CHECK(ec == std::errc::invalid_argument);
  s.set(option::keep_alive_idle{std::chrono::seconds((std::int64_t{1} << 32) + 10)}, ec);  // not taken as 10
  CHECK(ec == std::errc::invalid_argument);
  s.set(option::keep_alive_idle{0s}, ec);  // the kernel's range is 1 to 32767
  CHECK(ec == std::errc::invalid_argument);
  s.set(option::keep_alive_count{0}, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(option::keep_alive_interval{40000s}); }) == std::errc::invalid_argument);
}

TEST_CASE("user_timeout set and read back; negative is invalid_argument") {
  auto c = bt::connect_pair<inet6>();
  CHECK(c.client.get<option::user_timeout>().value == 0ms);
  c.client.set(option::user_timeout{1500ms});
  CHECK(c.client.get<option::user_timeout>().value == 1500ms);
  std::error_code ec;
  c.client.set(option::user_timeout{-1ms}, ec);
  CHECK(ec == std::errc::invalid_argument);
  c.client.set(option::user_timeout{std::chrono::milliseconds(std::int64_t{1} << 33)}, ec);
  CHECK(ec == std::errc::invalid_argument);
}

TEST_CASE("fast_open on a listener: its queue length set and read back") {
  auto a = berth::listen(bt::loopback4());
  a.set(option::fast_open{16});
  CHECK(a.get<option::fast_open>().value == 16);
  auto s = tcp::open();  // before listen, as well
  s.set(option::fast_open{5});
  CHECK(s.get<option::fast_open>().value == 5);
}

TEST_CASE("quick_ack on a connection: on and off, read back") {
  auto c = bt::connect_pair<inet>();
  c.server.set(option::quick_ack{false});
  CHECK_FALSE(c.server.get<option::quick_ack>().value);
  c.server.set(option::quick_ack{true});
  CHECK(c.server.get<option::quick_ack>().value);
}

TEST_CASE("ttl on inet and hop_limit on inet6: set and read back, -1 the default") {
  auto u = berth::bind<datagram>(bt::loopback4());
  u.set(option::ttl{17});
  CHECK(u.get<option::ttl>().value == 17);
  u.set(option::ttl{-1});
  CHECK(u.get<option::ttl>().value > 0);  // the system's default (net.ipv4.ip_default_ttl)
  auto t = tcp::open();
  t.set(option::ttl{200});
  CHECK(t.get<option::ttl>().value == 200);
  std::error_code ec;
  t.set(option::ttl{256}, ec);
  CHECK(ec == std::errc::invalid_argument);
  auto u6 = berth::bind<datagram>(bt::loopback6());
  u6.set(option::hop_limit{9});
  CHECK(u6.get<option::hop_limit>().value == 9);
  auto t6 = tcp6::open();
  t6.set(option::hop_limit{-1});
  CHECK(t6.get<option::hop_limit>().value > 0);
}

TEST_CASE("multicast_ttl, multicast_loop and multicast_hops: set and read back") {
  auto u = berth::bind<datagram>(bt::loopback4());
  CHECK(u.get<option::multicast_ttl>().value == 1);  // the default: the local network only
  u.set(option::multicast_ttl{3});
  CHECK(u.get<option::multicast_ttl>().value == 3);
  auto u6 = udp6::open();
  CHECK(u6.get<option::multicast_loop>().value);
  u6.set(option::multicast_loop{false});
  CHECK_FALSE(u6.get<option::multicast_loop>().value);
  u6.set(option::multicast_hops{4});
  CHECK(u6.get<option::multicast_hops>().value == 4);
}

TEST_CASE("join_group and leave_group on inet: the kernel holds the membership, and multicast arrives") {
  const berth::ipv4_address group = berth::ipv4_address::parse("239.255.42.99");
  const berth::ipv4_address lo = berth::ipv4_address::loopback();
  auto member = berth::bind<datagram>(berth::inet_endpoint(berth::ipv4_address::any(), 0));
  member.set(option::join_group{group, lo});
  std::error_code ec;
  member.set(option::join_group{group, lo}, ec);  // joined already
  CHECK(ec == std::errc::address_in_use);
  {
    // Sent to the group over lo, it reaches the member (where lo takes multicast).
    auto sender = udp::open();
    sender.set(option::bind_to_device{"lo"}, ec);
    if (!ec) sender.send_to("to the group", berth::inet_endpoint(group, member.local_endpoint().port()), ec);
    if (ec) {
      WARN("multicast over lo is not possible here (" << ec.message() << "): delivery not shown");
    } else {
      REQUIRE(member.wait_readable(5s));
      char buffer[32];
      CHECK(member.receive(buffer) == 12);
    }
  }
  member.set(option::leave_group{group, lo});
  member.set(option::leave_group{group, lo}, ec);  // left already
  CHECK(ec == std::errc::address_not_available);
  member.set(option::join_group{berth::ipv4_address::parse("10.0.0.1"), lo}, ec);  // not multicast
  CHECK(ec == std::errc::invalid_argument);
}

TEST_CASE("join_group and leave_group on inet6: by interface index") {
  const berth::ipv6_address group = berth::ipv6_address::parse("ff12::b3:1");
  const unsigned lo = ::if_nametoindex("lo");
  REQUIRE(lo != 0);
  auto member = berth::bind<datagram>(berth::inet6_endpoint(berth::ipv6_address::any(), 0));
  member.set(option::join_group{group, lo});
  std::error_code ec;
  member.set(option::join_group{group, lo}, ec);
  CHECK(ec == std::errc::address_in_use);
  member.set(option::leave_group{group, lo});
  member.set(option::leave_group{group, lo}, ec);
  CHECK(ec == std::errc::address_not_available);
}

TEST_CASE("bind_to_device: an interface by name, read back; unknown, too long, or with a NUL refused") {
  auto u = udp::open();
  CHECK(u.get<option::bind_to_device>().value.empty());
  u.set(option::bind_to_device{"lo"});
  CHECK(u.get<option::bind_to_device>().value == "lo");
  // Bound to lo, it still talks to 127.0.0.1.
  auto peer = berth::bind<datagram>(bt::loopback4());
  u.send_to("via lo", peer.local_endpoint());
  char buffer[8];
  CHECK(peer.receive(buffer) == 6);
  auto t = tcp6::open();
  std::error_code ec;
  t.set(option::bind_to_device{"no-such-dev0"}, ec);
  CHECK(ec == std::errc::no_such_device);
  t.set(option::bind_to_device{std::string(16, 'x')}, ec);  // the kernel would cut it to 15
  CHECK(ec == std::errc::invalid_argument);
  t.set(option::bind_to_device{std::string("l\0o", 3)}, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(t.get<option::bind_to_device>().value.empty());
  bt::allocation_counter counter;
  const option::bind_to_device read = u.get<option::bind_to_device>();
  CHECK(counter.count() == 0);  // an interface name fits std::string's own storage
  CHECK(read.value == "lo");
}

TEST_CASE("mark: read by anyone, set with CAP_NET_ADMIN or CAP_NET_RAW") {
  auto u = udp6::open();
  CHECK(u.get<option::mark>().value == 0);
  std::error_code ec;
  u.set(option::mark{0xbe27u}, ec);
  if (ec) {
    CHECK(ec == std::errc::operation_not_permitted);
    CHECK(u.get<option::mark>().value == 0);
  } else {
    CHECK(u.get<option::mark>().value == 0xbe27u);
    auto t = tcp::open();
    t.set(option::mark{0xffffffffu});
    CHECK(t.get<option::mark>().value == 0xffffffffu);
  }
}
