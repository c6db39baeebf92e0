#include <berth/option.hpp>

#include <berth/acceptor.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
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
using namespace berth_test::types;
using berth_test::owns_one_descriptor;
namespace opt = berth::option;

namespace {


// ---- where each option compiles ----------------------------------------------------------

template <class S, class O>
concept can_set = requires(S& s, const O& o, std::error_code& ec) {
  s.set(o);
  s.set(o, ec);
};
template <class S, class O>
concept can_set_either = requires(S& s, const O& o) { s.set(o); } ||
                         requires(S& s, const O& o, std::error_code& ec) { s.set(o, ec); };
template <class S, class O>
concept can_get = requires(const S& s, std::error_code& ec) {
  { s.template get<O>() } -> std::same_as<O>;
  { s.template get<O>(ec) } -> std::same_as<O>;
};
template <class S, class O>
concept can_get_either = requires(const S& s) { s.template get<O>(); } ||
                         requires(const S& s, std::error_code& ec) { s.template get<O>(ec); };

// Set and get on every S.
template <class O, class... S>
constexpr bool applies_to = ((can_set<S, O> && can_get<S, O>)&&...);
// Get only, on every S.
template <class O, class... S>
constexpr bool readable_on = ((!can_set_either<S, O> && can_get<S, O>)&&...);
// Neither set nor get on any S.
template <class O, class... S>
constexpr bool absent_on = ((!can_set_either<S, O> && !can_get_either<S, O>)&&...);

static_assert(applies_to<opt::reuse_address, tcp, udp, tcp6, udp6, tcp_acceptor, tcp6_acceptor>);
static_assert(absent_on<opt::reuse_address, unix_stream, unix_datagram, unix_seqpacket, unix_acceptor, seqpacket_acceptor>);

static_assert(applies_to<opt::reuse_port, tcp, udp, tcp6, udp6, tcp_acceptor, tcp6_acceptor>);
static_assert(absent_on<opt::reuse_port, unix_stream, unix_datagram, unix_seqpacket, unix_acceptor>);

static_assert(applies_to<opt::keep_alive, tcp, tcp6, tcp_acceptor, tcp6_acceptor>);
static_assert(absent_on<opt::keep_alive, udp, udp6, unix_stream, unix_datagram, unix_seqpacket, unix_acceptor>);

static_assert(applies_to<opt::broadcast, udp>);
static_assert(absent_on<opt::broadcast, tcp, tcp6, udp6, unix_stream, unix_datagram, unix_seqpacket, tcp_acceptor>);

static_assert(applies_to<opt::no_delay, tcp, tcp6, tcp_acceptor, tcp6_acceptor>);
static_assert(absent_on<opt::no_delay, udp, udp6, unix_stream, unix_datagram, unix_seqpacket, unix_acceptor, seqpacket_acceptor>);

static_assert(applies_to<opt::v6_only, tcp6, udp6, tcp6_acceptor>);
static_assert(absent_on<opt::v6_only, tcp, udp, unix_stream, unix_datagram, unix_seqpacket, tcp_acceptor, unix_acceptor>);

static_assert(applies_to<opt::receive_buffer_size, tcp, udp, tcp6, udp6, unix_stream, unix_datagram, unix_seqpacket,
                         tcp_acceptor, unix_acceptor, seqpacket_acceptor>);
static_assert(applies_to<opt::send_buffer_size, tcp, udp, tcp6, udp6, unix_stream, unix_datagram, unix_seqpacket,
                         tcp6_acceptor, unix_acceptor>);
static_assert(applies_to<opt::receive_timeout, tcp, udp, tcp6, udp6, unix_stream, unix_datagram, unix_seqpacket,
                         tcp_acceptor, seqpacket_acceptor>);
static_assert(applies_to<opt::send_timeout, tcp, udp, tcp6, udp6, unix_stream, unix_datagram, unix_seqpacket,
                         tcp_acceptor, unix_acceptor>);

static_assert(applies_to<opt::linger, tcp, tcp6, tcp_acceptor>);
static_assert(absent_on<opt::linger, udp, udp6, unix_stream, unix_datagram, unix_seqpacket, unix_acceptor>);

static_assert(readable_on<opt::peer_credentials, unix_stream, unix_datagram, unix_seqpacket, unix_acceptor, seqpacket_acceptor>);
static_assert(absent_on<opt::peer_credentials, tcp, udp, tcp6, udp6, tcp_acceptor, tcp6_acceptor>);

static_assert(readable_on<opt::error, tcp, udp, tcp6, udp6, unix_stream, unix_datagram, unix_seqpacket, tcp_acceptor,
                          unix_acceptor, seqpacket_acceptor>);

// The concepts themselves.
static_assert(berth::option_for<opt::no_delay, inet, stream> && berth::option_for<opt::no_delay, inet6, stream>);
static_assert(!berth::option_for<opt::no_delay, local, stream> && !berth::option_for<opt::no_delay, inet, datagram>);
static_assert(berth::option_for<opt::broadcast, inet, datagram> && !berth::option_for<opt::broadcast, inet6, datagram>);
static_assert(berth::option_for<opt::peer_credentials, local, seqpacket> && !berth::option_for<opt::peer_credentials, inet, stream>);
static_assert(!berth::option_for<int, inet, stream> && !berth::option_for<opt::error, int, stream>);
static_assert(berth::settable_option<opt::no_delay> && berth::settable_option<opt::linger>);
static_assert(berth::settable_option<opt::receive_timeout> && berth::settable_option<opt::send_buffer_size>);
static_assert(!berth::settable_option<opt::peer_credentials> && !berth::settable_option<opt::error>);

// Values: single-valued options hold `value`; defaults are off / zero.
static_assert(std::is_same_v<decltype(opt::no_delay{}.value), bool>);
static_assert(std::is_same_v<decltype(opt::receive_buffer_size{}.value), int>);
static_assert(std::is_same_v<decltype(opt::send_timeout{}.value), std::chrono::microseconds>);
static_assert(std::is_same_v<decltype(opt::linger{}.enabled), bool>);
static_assert(std::is_same_v<decltype(opt::linger{}.timeout), std::chrono::seconds>);
static_assert(std::is_same_v<decltype(opt::error{}.value), int>);
static_assert(std::is_same_v<decltype(opt::peer_credentials{}.pid), pid_t>);
static_assert(std::is_same_v<decltype(opt::peer_credentials{}.uid), uid_t>);
static_assert(std::is_same_v<decltype(opt::peer_credentials{}.gid), gid_t>);
static_assert(!opt::keep_alive{}.value && opt::receive_timeout{}.value == 0us);
static_assert(opt::receive_timeout{2s}.value == 2'000'000us);  // seconds convert implicitly

static_assert(noexcept(std::declval<tcp&>().set(opt::no_delay{}, std::declval<std::error_code&>())));
static_assert(noexcept(std::declval<const tcp&>().get<opt::no_delay>(std::declval<std::error_code&>())));

// ---- helpers --------------------------------------------------------------------------------

template <class O, class S>
void check_bool_round_trip(S& s) {
  s.set(O{true});
  CHECK(s.template get<O>().value);
  s.set(O{false});
  CHECK_FALSE(s.template get<O>().value);
  std::error_code ec = std::make_error_code(std::errc::io_error);
  s.set(O{true}, ec);
  CHECK_FALSE(ec);
  ec = std::make_error_code(std::errc::io_error);
  CHECK(s.template get<O>(ec).value);
  CHECK_FALSE(ec);
}

template <class S>
void check_buffer_sizes(S& s) {
  // Linux doubles what is set (for its bookkeeping) and reports the doubled size.
  s.set(opt::receive_buffer_size{65536});
  CHECK(s.template get<opt::receive_buffer_size>().value >= 65536);
  s.set(opt::send_buffer_size{32768});
  CHECK(s.template get<opt::send_buffer_size>().value >= 32768);
  std::error_code ec;
  s.set(opt::receive_buffer_size{131072}, ec);
  CHECK_FALSE(ec);
  CHECK(s.template get<opt::receive_buffer_size>(ec).value >= 131072);
  CHECK_FALSE(ec);
}

template <class S>
void check_timeouts(S& s) {
  // The kernel keeps timeouts in jiffies, rounding up: whole seconds round-trip exactly
  // for every HZ, fractions come back at most one jiffy (10 ms at HZ=100) longer.
  s.set(opt::receive_timeout{2s});
  CHECK(s.template get<opt::receive_timeout>().value == 2'000'000us);
  s.set(opt::send_timeout{3'000'000us});
  CHECK(s.template get<opt::send_timeout>().value == 3s);
  s.set(opt::receive_timeout{1'500'000us});
  const auto fraction = s.template get<opt::receive_timeout>().value;
  CHECK(fraction >= 1'500'000us);
  CHECK(fraction <= 1'510'000us);
  s.set(opt::receive_timeout{0us});  // zero: no timeout
  CHECK(s.template get<opt::receive_timeout>().value == 0us);
  std::error_code ec;
  s.set(opt::send_timeout{1s}, ec);
  CHECK_FALSE(ec);
  CHECK(s.template get<opt::send_timeout>(ec).value == 1'000'000us);
  CHECK_FALSE(ec);
}

template <class S>
void check_shared_options(S& s) {
  check_buffer_sizes(s);
  check_timeouts(s);
  CHECK(s.template get<opt::error>().value == 0);
}

}  // namespace

// ---- round trips ---------------------------------------------------------------------------------

TEST_CASE("bool options round trip where they apply") {
  auto t4 = tcp::open();
  auto t6 = tcp6::open();
  auto u4 = udp::open();
  auto u6 = udp6::open();
  check_bool_round_trip<opt::reuse_address>(t4);
  check_bool_round_trip<opt::reuse_address>(t6);
  check_bool_round_trip<opt::reuse_address>(u4);
  check_bool_round_trip<opt::reuse_address>(u6);
  check_bool_round_trip<opt::reuse_port>(t4);
  check_bool_round_trip<opt::reuse_port>(t6);
  check_bool_round_trip<opt::reuse_port>(u4);
  check_bool_round_trip<opt::reuse_port>(u6);
  check_bool_round_trip<opt::keep_alive>(t4);
  check_bool_round_trip<opt::keep_alive>(t6);
  check_bool_round_trip<opt::no_delay>(t4);
  check_bool_round_trip<opt::no_delay>(t6);
  check_bool_round_trip<opt::broadcast>(u4);
  check_bool_round_trip<opt::v6_only>(t6);
  check_bool_round_trip<opt::v6_only>(u6);
  auto a = berth::listen(bt::loopback6());
  check_bool_round_trip<opt::keep_alive>(a);
}

TEST_CASE("bool options read what the kernel has, set through the options' native names") {
  auto t = tcp::open();
  const int on = 1;
  REQUIRE(::setsockopt(t.native_handle(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0);
  CHECK(t.get<opt::no_delay>().value);
  t.set(opt::keep_alive{true});
  int value = 0;
  socklen_t size = sizeof value;
  REQUIRE(::getsockopt(t.native_handle(), SOL_SOCKET, SO_KEEPALIVE, &value, &size) == 0);
  CHECK(value == 1);
  auto u = udp6::open();
  u.set(opt::v6_only{true});
  REQUIRE(::getsockopt(u.native_handle(), IPPROTO_IPV6, IPV6_V6ONLY, &value, &size) == 0);
  CHECK(value == 1);
}

TEST_CASE("buffer sizes and timeouts apply to every family and type") {
  SECTION("inet stream") { auto s = tcp::open(); check_shared_options(s); }
  SECTION("inet datagram") { auto s = udp::open(); check_shared_options(s); }
  SECTION("inet6 stream") { auto s = tcp6::open(); check_shared_options(s); }
  SECTION("inet6 datagram") { auto s = udp6::open(); check_shared_options(s); }
  SECTION("local stream") { auto s = unix_stream::open(); check_shared_options(s); }
  SECTION("local datagram") { auto s = unix_datagram::open(); check_shared_options(s); }
  SECTION("local seqpacket") { auto s = unix_seqpacket::open(); check_shared_options(s); }
  SECTION("local acceptor") {
    auto a = berth::listen(berth::local_endpoint::abstract(bt::unique_abstract_name()));
    check_shared_options(a);
  }
}

TEST_CASE("linger round trips on TCP") {
  auto s = tcp::open();
  CHECK_FALSE(s.get<opt::linger>().enabled);
  s.set(opt::linger{true, 7s});
  auto l = s.get<opt::linger>();
  CHECK(l.enabled);
  CHECK(l.timeout == 7s);
  s.set(opt::linger{false, 0s});  // off: Linux keeps the old timeout, unused
  l = s.get<opt::linger>();
  CHECK_FALSE(l.enabled);

  auto s6 = tcp6::open();
  std::error_code ec;
  s6.set(opt::linger{true, 0s}, ec);
  CHECK_FALSE(ec);
  l = s6.get<opt::linger>(ec);
  CHECK_FALSE(ec);
  CHECK(l.enabled);
  CHECK(l.timeout == 0s);
  s6.set(opt::linger{true, std::chrono::seconds(INT_MAX)}, ec);  // the largest accepted
  CHECK_FALSE(ec);
}

TEST_CASE("linger with a zero timeout resets the connection on close") {
  auto c = bt::connect_pair<inet>();
  c.client.set(opt::linger{true, 0s});
  c.client.close();
  char buffer[4];
  std::error_code ec;
  (void)c.server.read_some(buffer, ec);
  CHECK(ec == std::errc::connection_reset);
}

// ---- values the kernel would misread --------------------------------------------------------------

TEST_CASE("a negative buffer size is invalid_argument, and the kernel value is unchanged") {
  auto s = unix_stream::open();
  const int receive_before = s.get<opt::receive_buffer_size>().value;
  const int send_before = s.get<opt::send_buffer_size>().value;
  std::error_code ec;
  s.set(opt::receive_buffer_size{-1}, ec);
  CHECK(ec == std::errc::invalid_argument);
  s.set(opt::send_buffer_size{-4096}, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(opt::receive_buffer_size{INT_MIN}); }) == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(opt::send_buffer_size{-1}); }) == std::errc::invalid_argument);
  CHECK(s.get<opt::receive_buffer_size>().value == receive_before);
  CHECK(s.get<opt::send_buffer_size>().value == send_before);

  // Control: passed to the kernel, -1 would have changed it (read as a huge size).
  const int minus_one = -1;
  REQUIRE(::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVBUF, &minus_one, sizeof minus_one) == 0);
  CHECK(s.get<opt::receive_buffer_size>().value != receive_before);
}

TEST_CASE("a negative timeout is invalid_argument, and the kernel value is unchanged") {
  auto s = udp6::open();
  s.set(opt::receive_timeout{2s});
  s.set(opt::send_timeout{3s});
  std::error_code ec;
  s.set(opt::receive_timeout{-1us}, ec);
  CHECK(ec == std::errc::invalid_argument);
  s.set(opt::send_timeout{-1s}, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(opt::receive_timeout{-2s}); }) == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(opt::send_timeout{-1us}); }) == std::errc::invalid_argument);
  CHECK(s.get<opt::receive_timeout>().value == 2s);
  CHECK(s.get<opt::send_timeout>().value == 3s);

  // Control: passed to the kernel, a negative timeval means no timeout at all.
  const timeval negative{-1, 0};
  REQUIRE(::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &negative, sizeof negative) == 0);
  CHECK(s.get<opt::receive_timeout>().value == 0us);
}

TEST_CASE("a linger timeout below zero or above INT_MAX seconds is invalid_argument, unchanged") {
  auto s = tcp::open();
  s.set(opt::linger{true, 7s});
  std::error_code ec;
  s.set(opt::linger{true, -1s}, ec);
  CHECK(ec == std::errc::invalid_argument);
  s.set(opt::linger{false, -1s}, ec);
  CHECK(ec == std::errc::invalid_argument);
  s.set(opt::linger{true, std::chrono::seconds(std::int64_t{INT_MAX} + 1)}, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(opt::linger{true, -5s}); }) == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(opt::linger{true, std::chrono::hours(1'000'000)}); }) ==
        std::errc::invalid_argument);
  const auto l = s.get<opt::linger>();
  CHECK(l.enabled);
  CHECK(l.timeout == 7s);
}

// ---- what options do -----------------------------------------------------------------------------

TEST_CASE("option::error reports and clears the outcome of a failed non-blocking connect") {
  const auto ep = bt::closed_port4();
  auto s = tcp::open();
  s.set_nonblocking();
  std::error_code ec;
  s.connect(ep, ec);
  REQUIRE(ec == std::errc::operation_in_progress);
  REQUIRE(s.wait_writable(5s));  // done, one way or the other
  CHECK(s.get<opt::error>().value == ECONNREFUSED);
  CHECK(s.get<opt::error>(ec).value == 0);  // reading it cleared it
  CHECK_FALSE(ec);
}

TEST_CASE("reuse_port lets two sockets bind one port, set before bind") {
  auto first = udp::open();
  first.set(opt::reuse_port{true});
  first.bind(bt::loopback4());
  const auto ep = first.local_endpoint();

  auto without = udp::open();
  std::error_code ec;
  without.bind(ep, ec);
  CHECK(ec == std::errc::address_in_use);

  auto second = udp::open();
  second.set(opt::reuse_port{true});
  second.bind(ep, ec);
  CHECK_FALSE(ec);
  CHECK(second.local_endpoint() == ep);

  // For listeners: open, set, bind, then berth::listen(std::move(socket)).
  auto t1 = tcp6::open();
  t1.set(opt::reuse_port{true});
  t1.bind(bt::loopback6());
  const auto tep = t1.local_endpoint();
  auto t2 = tcp6::open();
  t2.set(opt::reuse_port{true});
  t2.bind(tep, ec);
  CHECK_FALSE(ec);
  auto a1 = berth::listen(std::move(t1));
  auto a2 = berth::listen(std::move(t2));
  CHECK(a1.local_endpoint() == a2.local_endpoint());
  CHECK(a1.get<opt::reuse_port>().value);
}

TEST_CASE("v6_only decides whether an inet6 socket takes IPv4 traffic") {
  const bool only = GENERATE(values({0, 1})) == 1;
  CAPTURE(only);
  auto s = tcp6::open();
  s.set(opt::v6_only{only});
  s.bind(berth::inet6_endpoint(berth::ipv6_address::any(), 0));
  auto a = berth::listen(std::move(s));
  CHECK(a.get<opt::v6_only>().value == only);
  const berth::inet_endpoint v4(berth::ipv4_address::loopback(), a.local_endpoint().port());
  std::error_code ec;
  auto c = berth::connect(v4, ec);
  if (only) {
    CHECK(ec == std::errc::connection_refused);
  } else {
    REQUIRE_FALSE(ec);
    berth::inet6_endpoint peer;
    auto accepted = a.accept(peer);
    CHECK(peer.address() == berth::ipv6_address::v4_mapped(berth::ipv4_address::loopback()));
  }
}

TEST_CASE("broadcast allows sending to a broadcast address (the loopback one)") {
  // 127.255.255.255 is lo's broadcast address: the datagram stays on this host.
  const berth::ipv4_address lo_broadcast(0x7fffffffu);
  auto receiver = berth::bind<datagram>(berth::inet_endpoint(lo_broadcast, 0));
  const auto to = receiver.local_endpoint();
  auto sender = udp::open();
  std::error_code ec;
  sender.send_to("no", to, ec);
  CHECK(ec == std::errc::permission_denied);  // EACCES without SO_BROADCAST
  sender.set(opt::broadcast{true});
  CHECK(sender.send_to("yes", to, ec) == 3);
  CHECK_FALSE(ec);
  char buffer[4];
  receiver.set(opt::receive_timeout{5s});
  CHECK(receiver.receive(buffer) == 3);
}

TEST_CASE("no_delay and keep_alive on a connected TCP socket") {
  auto c = bt::connect_pair<inet6>();
  c.client.set(opt::no_delay{true});
  c.client.set(opt::keep_alive{true});
  CHECK(c.client.get<opt::no_delay>().value);
  CHECK(c.client.get<opt::keep_alive>().value);
  CHECK(c.client.write("still works") == 11);
  char buffer[11];
  CHECK(c.server.read(buffer) == 11);
}

// ---- credentials ---------------------------------------------------------------------------------

TEST_CASE("peer_credentials name this process on a socket pair and an accepted connection") {
  SECTION("socket_pair stream") {
    auto pair = berth::socket_pair();
    const auto cred = pair.first.get<opt::peer_credentials>();
    CHECK(cred.pid == ::getpid());
    CHECK(cred.uid == ::getuid());
    CHECK(cred.gid == ::getgid());
  }
  SECTION("socket_pair seqpacket and datagram") {
    auto seq = berth::socket_pair<seqpacket>();
    CHECK(seq.second.get<opt::peer_credentials>().pid == ::getpid());
    auto dgram = berth::socket_pair<datagram>();
    std::error_code ec;
    const auto cred = dgram.second.get<opt::peer_credentials>(ec);
    CHECK_FALSE(ec);
    CHECK(cred.pid == ::getpid());
    CHECK(cred.uid == ::getuid());
  }
  SECTION("accepted unix connection, both ends") {
    bt::temp_socket_path path;
    auto listener = berth::listen(berth::local_endpoint(path.str()));
    auto client = berth::connect(listener.local_endpoint());
    auto server = listener.accept();
    for (const auto& cred : {server.get<opt::peer_credentials>(), client.get<opt::peer_credentials>()}) {
      CHECK(cred.pid == ::getpid());
      CHECK(cred.uid == ::getuid());
      CHECK(cred.gid == ::getgid());
    }
  }
}

TEST_CASE("peer_credentials name another process that connected") {
  auto listener = berth::listen(berth::local_endpoint::abstract(bt::unique_abstract_name()));
  const auto ep = listener.local_endpoint();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::error_code ec;
    auto s = berth::connect(ep, ec);
    char byte[1];
    if (!ec) (void)s.read_some(byte, ec);  // wait until the parent is done
    ::_exit(ec ? 1 : 0);
  }
  auto server = listener.accept();
  const auto cred = server.get<opt::peer_credentials>();
  server.close();  // lets the child finish
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(cred.pid == child);
  CHECK(cred.uid == ::getuid());
  CHECK(WIFEXITED(status));
}

// ---- errors --------------------------------------------------------------------------------------

TEST_CASE("options on a socket that holds none report bad_file_descriptor in both forms") {
  tcp none;
  std::error_code ec;
  none.set(opt::no_delay{true}, ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(bt::thrown_code([&] { none.set(opt::no_delay{true}); }) == std::errc::bad_file_descriptor);

  const auto timeout = none.get<opt::receive_timeout>(ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(timeout.value == 0us);  // value-initialized on error
  const auto l = none.get<opt::linger>(ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK_FALSE(l.enabled);
  CHECK(bt::thrown_code([&] { (void)none.get<opt::no_delay>(); }) == std::errc::bad_file_descriptor);
  CHECK(bt::thrown_code([&] { (void)none.get<opt::error>(); }) == std::errc::bad_file_descriptor);

  unix_stream unix_none;
  const auto cred = unix_none.get<opt::peer_credentials>(ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(cred.pid == 0);
  CHECK(bt::thrown_code([&] { (void)unix_none.get<opt::peer_credentials>(); }) == std::errc::bad_file_descriptor);
}

TEST_CASE("an option the kernel refuses for this socket reports the kernel's error") {
  // IPV6_V6ONLY cannot change once the socket is bound: EINVAL from setsockopt itself.
  auto s = udp6::open();
  s.bind(bt::loopback6());
  std::error_code ec;
  s.set(opt::v6_only{false}, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { s.set(opt::v6_only{true}); }) == std::errc::invalid_argument);
}
