// Misuse is rejected by constraints, so a requires-expression detects it: every snippet of
// this directory again, as static_assert(!requires ...) next to its valid counterpart
// (which proves each detector can say yes). Compiled as a control: it must compile.
#include <berth/berth.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using berth::datagram;
using berth::inet;
using berth::inet6;
using berth::local;
using berth::seqpacket;
using berth::stream;
namespace option = berth::option;

// ---- detectors --------------------------------------------------------------------------

template <class F, class T>
concept socket_formable = requires { typename berth::socket<F, T>; };
template <class F, class T>
concept acceptor_formable = requires { typename berth::acceptor<F, T>; };

template <class S, class O>
concept can_set = requires(S& s, const O& o) { s.set(o); };
template <class S, class O>
concept can_get = requires(const S& s) { s.template get<O>(); };

template <class S, class B>
concept can_read = requires(S& s, B&& b) { s.read(std::forward<B>(b)); };
template <class S, class B>
concept can_read_some = requires(S& s, B&& b) { s.read_some(std::forward<B>(b)); };
template <class S, class B>
concept can_write = requires(S& s, B&& b) { s.write(std::forward<B>(b)); };
template <class S, class B>
concept can_write_some = requires(S& s, B&& b) { s.write_some(std::forward<B>(b)); };
template <class S, class B>
concept can_send = requires(S& s, B&& b) { s.send(std::forward<B>(b)); };
template <class S, class B>
concept can_receive = requires(S& s, B&& b) { s.receive(std::forward<B>(b)); };
template <class S, class B>
concept can_send_to = requires(S& s, B&& b, const typename S::endpoint_type& to) {
  s.send_to(std::forward<B>(b), to);
};
template <class S, class B>
concept can_receive_from = requires(S& s, B&& b, typename S::endpoint_type& from) {
  s.receive_from(std::forward<B>(b), from);
};
template <class S, class E>
concept can_send_to_endpoint = requires(S& s, const E& to) { s.send_to(std::string_view("x"), to); };
template <class S>
concept can_shutdown = requires(S& s) { s.shutdown(berth::shutdown_type::both); };
template <class S, class E>
concept can_connect = requires(S& s, const E& ep) { s.connect(ep); };
template <class S, class E>
concept can_bind = requires(S& s, const E& ep) { s.bind(ep); };

template <class T, class E>
concept can_listen = requires(const E& ep) { berth::listen<T>(ep); };
template <class T, class E>
concept can_connect_to = requires(const E& ep) { berth::connect<T>(ep); };
template <class T, class E>
concept can_bind_to = requires(const E& ep) { berth::bind<T>(ep); };
template <class T>
concept can_socket_pair = requires { berth::socket_pair<T>(); };

// A call that is a constant expression (a throw in constexpr parse is not).
template <class F>
concept constant_evaluable = requires { typename std::bool_constant<(F{}(), true)>; };

using tcp = berth::socket<inet, stream>;
using tcp6 = berth::socket<inet6, stream>;
using udp = berth::socket<inet, datagram>;
using udp6 = berth::socket<inet6, datagram>;
using unix_stream = berth::socket<local, stream>;
using unix_datagram = berth::socket<local, datagram>;
using unix_seqpacket = berth::socket<local, seqpacket>;

// ---- socket<F, T>: only the combinations the kernel implements --------------------------

static_assert(socket_formable<inet, stream> && socket_formable<inet, datagram>);
static_assert(socket_formable<inet6, stream> && socket_formable<inet6, datagram>);
static_assert(socket_formable<local, stream> && socket_formable<local, datagram> &&
              socket_formable<local, seqpacket>);
static_assert(!socket_formable<inet, seqpacket>);
static_assert(!socket_formable<inet6, seqpacket>);
static_assert(!socket_formable<inet, int>);
static_assert(!socket_formable<int, stream>);
static_assert(!socket_formable<stream, inet>);

static_assert(acceptor_formable<inet, stream> && acceptor_formable<local, seqpacket>);
static_assert(!acceptor_formable<inet, datagram>);
static_assert(!acceptor_formable<local, datagram>);
static_assert(!acceptor_formable<inet, seqpacket>);

static_assert(!berth::valid_protocol<inet, seqpacket>);
static_assert(berth::valid_protocol<local, seqpacket>);
static_assert(berth::connection_oriented<stream> && berth::connection_oriented<seqpacket>);
static_assert(!berth::connection_oriented<datagram>);
static_assert(berth::endpoint<berth::inet_endpoint> && berth::endpoint<berth::local_endpoint>);
static_assert(!berth::endpoint<berth::ipv4_address> && !berth::endpoint<int>);

// ---- ownership: move-only, one int -------------------------------------------------------

static_assert(!std::is_copy_constructible_v<tcp> && !std::is_copy_assignable_v<tcp>);
static_assert(std::is_nothrow_move_constructible_v<tcp> && std::is_nothrow_move_assignable_v<tcp>);
static_assert(!std::is_copy_constructible_v<berth::acceptor<inet>>);
static_assert(!std::is_copy_assignable_v<berth::acceptor<inet>>);
static_assert(std::is_nothrow_move_constructible_v<berth::acceptor<local, seqpacket>>);
static_assert(sizeof(tcp) == sizeof(int) && sizeof(berth::acceptor<inet6>) == sizeof(int));

// ---- options: only where they mean something --------------------------------------------

static_assert(can_set<tcp, option::no_delay> && can_set<tcp6, option::no_delay>);
static_assert(!can_set<unix_stream, option::no_delay>);
static_assert(!can_set<udp, option::no_delay>);
static_assert(can_set<udp, option::broadcast>);
static_assert(!can_set<tcp, option::broadcast>);
static_assert(!can_set<udp6, option::broadcast>);
static_assert(!can_set<unix_datagram, option::broadcast>);
static_assert(can_set<tcp6, option::v6_only> && can_set<udp6, option::v6_only>);
static_assert(!can_set<tcp, option::v6_only>);
static_assert(can_set<tcp, option::keep_alive> && !can_set<udp, option::keep_alive>);
static_assert(!can_set<unix_stream, option::keep_alive>);
static_assert(can_set<tcp, option::linger> && !can_set<unix_stream, option::linger>);
static_assert(can_set<udp, option::reuse_address> && !can_set<unix_stream, option::reuse_address>);
static_assert(!can_set<unix_datagram, option::reuse_port>);
static_assert(can_set<unix_seqpacket, option::receive_buffer_size>);
static_assert(can_set<unix_seqpacket, option::send_timeout>);
static_assert(can_get<unix_stream, option::peer_credentials>);
static_assert(can_get<unix_seqpacket, option::peer_credentials>);
static_assert(!can_get<tcp, option::peer_credentials>);
static_assert(!can_get<udp6, option::peer_credentials>);
static_assert(!can_set<unix_stream, option::peer_credentials>);
static_assert(can_get<tcp, option::error> && can_get<unix_datagram, option::error>);
static_assert(!can_set<tcp, option::error>);
static_assert(!can_set<unix_stream, option::error>);
static_assert(!berth::settable_option<option::error>);
static_assert(!berth::settable_option<option::peer_credentials>);
static_assert(berth::settable_option<option::linger>);
static_assert(!can_set<tcp, int>);
static_assert(can_set<berth::acceptor<inet>, option::reuse_port>);
static_assert(!can_set<berth::acceptor<local>, option::no_delay>);

// ---- transfers: each on the socket types it means something for -------------------------

static_assert(can_read<tcp, char (&)[8]> && can_read_some<tcp, std::string&>);
static_assert(!can_read<udp, char (&)[8]> && !can_read_some<udp, std::string&>);
static_assert(!can_read<unix_seqpacket, char (&)[8]>);
static_assert(can_write<tcp, const char (&)[3]> && can_write_some<unix_stream, std::string_view>);
static_assert(!can_write<udp, std::string_view> && !can_write_some<unix_seqpacket, std::string_view>);
static_assert(can_send<udp, std::string_view> && can_send<unix_seqpacket, std::string_view>);
static_assert(!can_send<tcp, std::string_view>);
static_assert(can_receive<udp, std::span<std::byte>> && can_receive<unix_seqpacket, std::string&>);
static_assert(!can_receive<tcp, std::string&>);
static_assert(can_send_to<udp, std::string_view> && can_send_to<unix_datagram, std::string_view>);
static_assert(!can_send_to<tcp, std::string_view>);
static_assert(!can_send_to<unix_seqpacket, std::string_view>);
static_assert(can_receive_from<udp6, char (&)[8]>);
static_assert(!can_receive_from<tcp6, char (&)[8]>);
static_assert(!can_receive_from<unix_seqpacket, char (&)[8]>);
static_assert(can_shutdown<tcp> && can_shutdown<unix_seqpacket>);
static_assert(!can_shutdown<udp> && !can_shutdown<unix_datagram>);

// ---- buffers: contiguous ranges of bytes; a read needs writable ones ---------------------

static_assert(can_read<tcp, std::string&> && can_read<tcp, std::vector<std::byte>&>);
static_assert(can_read<tcp, std::span<unsigned char>> && can_read<tcp, std::array<signed char, 4>&>);
static_assert(!can_read<tcp, std::string_view>);
static_assert(!can_read<tcp, const std::string&>);
static_assert(!can_read<tcp, const char (&)[8]>);
static_assert(!can_read<tcp, std::span<const std::byte>>);
static_assert(!can_receive<udp, std::string_view>);
static_assert(!can_receive_from<udp, const std::vector<char>&>);
static_assert(can_write<tcp, const std::string&> && can_write<tcp, std::span<const std::byte>>);
static_assert(!can_write<tcp, std::vector<int>&>);
static_assert(!can_write<tcp, std::vector<wchar_t>&>);
static_assert(!can_write<tcp, std::vector<bool>&>);
static_assert(!can_write<tcp, std::list<char>&>);
static_assert(!can_write<tcp, const char*>);
static_assert(!can_write<tcp, const char16_t (&)[3]>);
static_assert(!can_send<udp, std::vector<int>&>);
static_assert(!can_send_to<udp, const int (&)[2]>);
static_assert(berth::byte_buffer<std::string> && berth::byte_buffer<const char[4]>);
static_assert(!berth::byte_buffer<std::vector<int>> && !berth::byte_buffer<int>);
static_assert(berth::mutable_byte_buffer<std::array<std::byte, 2>>);
static_assert(!berth::mutable_byte_buffer<std::string_view>);
static_assert(!berth::mutable_byte_buffer<const std::string>);

// ---- endpoints of the socket's own family only -------------------------------------------

static_assert(can_connect<tcp, berth::inet_endpoint> && can_bind<unix_stream, berth::local_endpoint>);
static_assert(!can_connect<tcp, berth::inet6_endpoint>);
static_assert(!can_connect<tcp6, berth::inet_endpoint>);
static_assert(!can_bind<unix_stream, berth::inet_endpoint>);
static_assert(!can_connect<tcp, berth::any_endpoint>);
static_assert(!can_connect<tcp, berth::ipv4_address>);
static_assert(!can_connect<udp, berth::inet6_endpoint>);
static_assert(can_send_to_endpoint<udp6, berth::inet6_endpoint>);
static_assert(!can_send_to_endpoint<udp6, berth::inet_endpoint>);
static_assert(!can_send_to_endpoint<unix_datagram, berth::inet_endpoint>);

// ---- free functions -----------------------------------------------------------------------

static_assert(can_listen<stream, berth::inet_endpoint> && can_listen<seqpacket, berth::local_endpoint>);
static_assert(!can_listen<datagram, berth::inet_endpoint>);
static_assert(!can_listen<datagram, berth::local_endpoint>);
static_assert(!can_listen<seqpacket, berth::inet6_endpoint>);
static_assert(!can_listen<stream, berth::ipv4_address>);
static_assert(can_connect_to<datagram, berth::inet6_endpoint>);
static_assert(!can_connect_to<seqpacket, berth::inet_endpoint>);
static_assert(can_bind_to<datagram, berth::local_endpoint>);
static_assert(!can_bind_to<seqpacket, berth::inet6_endpoint>);
static_assert(can_socket_pair<stream> && can_socket_pair<datagram> && can_socket_pair<seqpacket>);
static_assert(!can_socket_pair<int>);
static_assert(!can_socket_pair<inet>);

// ---- parse in constant expressions: numbers yes, interface names and bad text no ---------

static_assert(constant_evaluable<decltype([] { return berth::ipv4_address::parse("1.2.3.4"); })>);
static_assert(!constant_evaluable<decltype([] { return berth::ipv4_address::parse("1.2.3.04"); })>);
static_assert(constant_evaluable<decltype([] { return berth::ipv6_address::parse("1::"); })>);
static_assert(!constant_evaluable<decltype([] { return berth::ipv6_address::parse("1:::"); })>);
static_assert(constant_evaluable<decltype([] { return berth::inet_endpoint::parse("1.2.3.4:0"); })>);
static_assert(!constant_evaluable<decltype([] { return berth::inet_endpoint::parse("1.2.3.4:"); })>);
static_assert(
    constant_evaluable<decltype([] { return berth::inet6_endpoint::parse("[fe80::1%1]:80"); })>);
static_assert(
    !constant_evaluable<decltype([] { return berth::inet6_endpoint::parse("[fe80::1%lo]:80"); })>);
static_assert(!constant_evaluable<decltype([] { return berth::ipv6_address().to_v4(); })>);
static_assert(constant_evaluable<decltype([] {
  return berth::ipv6_address::v4_mapped(berth::ipv4_address::loopback()).to_v4();
})>);

// ---- Revision 2: vectored I/O, descriptors, batches, files, the options servers use ------

using message4 = berth::message<berth::inet_endpoint>;
using mutable_list = decltype(berth::buffers(std::declval<std::string&>(), std::declval<char (&)[4]>()));
using const_list = decltype(berth::buffers(std::declval<std::string&>(), std::declval<std::string_view>()));

template <class S>
concept can_send_descriptors = requires(S& s, std::span<const int> fds) { s.send_descriptors("x", fds); };
template <class S>
concept can_receive_descriptors = requires(S& s, char (&b)[4], std::span<berth::descriptor> out) {
  s.receive_descriptors(b, out);
};
template <class S>
concept can_pass_credentials = requires(S& s, char (&b)[4], berth::credentials& c) {
  s.send_credentials("x", c);
  s.receive_credentials(b, c);
};
template <class S, class M>
concept can_batch = requires(S& s, std::span<M> batch) {
  s.send_many(batch);
  s.receive_many(batch);
};
template <class S>
concept can_send_file = requires(S& s) { s.send_file(0, 0, 1); };
template <class S, class B>
concept can_learn_segment_size = requires(S& s, B&& b, typename S::endpoint_type& from, std::size_t& n) {
  s.receive_from(std::forward<B>(b), from, n);
};

// Lists: every stream and message operation takes them; reads need a mutable one.
static_assert(can_write<tcp, const_list> && can_write_some<unix_stream, std::vector<berth::const_buffer>&>);
static_assert(can_read<tcp, mutable_list> && can_read_some<tcp6, std::array<berth::mutable_buffer, 3>&>);
static_assert(!can_read<tcp, const_list> && !can_read_some<tcp, std::vector<berth::const_buffer>&>);
static_assert(can_send<udp, const_list> && can_receive<unix_seqpacket, mutable_list>);
static_assert(!can_receive<udp, const_list>);
static_assert(can_send_to<udp6, std::span<const berth::const_buffer>> && can_receive_from<unix_datagram, mutable_list>);
static_assert(!can_receive_from<udp, const_list>);
static_assert(!can_send<tcp, const_list> && !can_write<udp, const_list> && !can_send_to<tcp, const_list>);
static_assert(!can_write<tcp, std::vector<std::string>&>);  // a range of strings is no list

// Descriptors and credentials: local sockets of every type, nothing else.
static_assert(can_send_descriptors<unix_stream> && can_send_descriptors<unix_datagram> &&
              can_send_descriptors<unix_seqpacket>);
static_assert(can_receive_descriptors<unix_stream> && can_receive_descriptors<unix_seqpacket>);
static_assert(!can_send_descriptors<tcp> && !can_send_descriptors<udp6> && !can_receive_descriptors<tcp6>);
static_assert(!can_receive_descriptors<udp>);
static_assert(can_pass_credentials<unix_stream> && can_pass_credentials<unix_datagram>);
static_assert(!can_pass_credentials<tcp> && !can_pass_credentials<udp>);

// Batches on datagram sockets, of their own endpoint type; send_file on streams.
static_assert(can_batch<udp, message4> && can_batch<udp6, berth::message<berth::inet6_endpoint>>);
static_assert(can_batch<unix_datagram, berth::message<berth::local_endpoint>>);
static_assert(!can_batch<udp, berth::message<berth::inet6_endpoint>> && !can_batch<tcp, message4>);
static_assert(!can_batch<unix_seqpacket, berth::message<berth::local_endpoint>>);
static_assert(can_send_file<tcp> && can_send_file<unix_stream> && can_send_file<tcp6>);
static_assert(!can_send_file<udp> && !can_send_file<unix_seqpacket> && !can_send_file<unix_datagram>);
// The segment size of GRO: UDP only.
static_assert(can_learn_segment_size<udp, char (&)[8]> && can_learn_segment_size<udp6, mutable_list>);
static_assert(!can_learn_segment_size<unix_datagram, char (&)[8]>);

// The options servers use, each where it applies only.
static_assert(can_set<tcp, option::keep_alive_idle> && !can_set<udp, option::keep_alive_idle>);
static_assert(can_set<tcp6, option::user_timeout> && !can_set<unix_stream, option::user_timeout>);
static_assert(can_set<berth::acceptor<inet>, option::fast_open> && !can_set<udp6, option::fast_open>);
static_assert(can_set<tcp, option::ttl> && !can_set<tcp6, option::ttl>);
static_assert(can_set<udp6, option::hop_limit> && !can_set<udp, option::hop_limit>);
static_assert(can_set<udp, option::multicast_ttl> && !can_set<udp6, option::multicast_ttl>);
static_assert(can_set<udp6, option::multicast_loop> && !can_set<tcp6, option::multicast_hops>);
static_assert(can_set<udp, option::join_group<berth::ipv4_address>> &&
              !can_set<udp, option::join_group<berth::ipv6_address>>);
static_assert(!can_get<udp6, option::leave_group<berth::ipv6_address>>);
static_assert(can_set<udp6, option::udp_segment> && !can_set<tcp, option::udp_gro>);
static_assert(can_set<tcp, option::bind_to_device> && !can_set<unix_datagram, option::bind_to_device>);
static_assert(can_set<udp, option::mark> && !can_set<unix_stream, option::mark>);
static_assert(can_set<unix_seqpacket, option::pass_credentials> && !can_set<tcp6, option::pass_credentials>);

}  // namespace

int main() {}
