// The same operations written with berth, as its documentation shows them: the throwing
// forms for sockets, the std::error_code forms for parsing (text from outside is expected
// to be wrong sometimes, as inet_pton's return value is checked).
#ifndef BERTH_BENCH_BERTH_IMPL_HPP
#define BERTH_BENCH_BERTH_IMPL_HPP

#include "common.hpp"

#include <berth/berth.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace berth_bench {

struct berth_impl {
  static constexpr std::string_view name = "berth";

  [[noreturn, gnu::cold, gnu::noinline]] static void fail(std::error_code ec, const char* what) {
    throw std::system_error(ec, what);
  }

  // ---- streams -------------------------------------------------------------------------

  template <transport T>
  using family = std::conditional_t<
      T == transport::tcp4, berth::inet,
      std::conditional_t<T == transport::tcp6, berth::inet6, berth::local>>;

  template <transport T>
  [[gnu::always_inline]] static typename family<T>::endpoint any_port() {
    if constexpr (T == transport::tcp4)
      return berth::inet_endpoint(berth::ipv4_address::loopback(), 0);
    else
      return berth::inet6_endpoint(berth::ipv6_address::loopback(), 0);
  }

  /// A listener and the address it listens on.
  template <transport T>
  struct listener {
    berth::acceptor<family<T>> acceptor;
    typename family<T>::endpoint ep;
    unlink_on_exit file{""};
  };

  template <transport T>
  [[gnu::always_inline]] static listener<T> listen() {
    if constexpr (T == transport::unix_stream) {
      std::string path = unix_socket_path();
      berth::local_endpoint ep(path);
      return {berth::listen(ep), ep, unlink_on_exit(std::move(path))};
    } else {
      auto a = berth::listen(any_port<T>());
      auto ep = a.local_endpoint();
      return {std::move(a), ep, unlink_on_exit("")};
    }
  }

  template <transport T>
  struct stream_pair {
    berth::stream_socket<family<T>> a, b;
  };

  template <transport T>
  [[gnu::always_inline]] static stream_pair<T> open_stream() {
    if constexpr (T == transport::socketpair) {
      auto [a, b] = berth::socket_pair();
      return {std::move(a), std::move(b)};
    } else {
      listener<T> l = listen<T>();
      stream_pair<T> p{berth::connect(l.ep), {}};
      p.b = l.acceptor.accept();
      if constexpr (T != transport::unix_stream) {
        p.a.set(berth::option::no_delay{true});
        p.b.set(berth::option::no_delay{true});
      }
      return p;
    }
  }

  template <class S>
  [[gnu::always_inline]] static void write(S& s, std::span<const char> data) {
    s.write(data);
  }
  template <class S>
  [[gnu::always_inline]] static void read(S& s, std::span<char> data) {
    s.read(data);
  }
  template <class S>
  [[gnu::always_inline]] static std::size_t read_some(S& s, std::span<char> data) {
    return s.read_some(data);
  }
  template <class S>
  [[gnu::always_inline]] static void shutdown_send(S& s) {
    s.shutdown(berth::shutdown_type::send);
  }

  /// One connection made and taken down.
  template <transport T>
  [[gnu::always_inline]] static void connect_accept_close(listener<T>& l) {
    const auto client = berth::connect(l.ep);
    const auto server = l.acceptor.accept();
  }

  /// As connect_accept_close, asking for the peer's address (which berth checks).
  template <transport T>
  [[gnu::always_inline]] static void connect_accept_peer_close(listener<T>& l) {
    const auto client = berth::connect(l.ep);
    berth::inet_endpoint peer;
    const auto server = l.acceptor.accept(peer);
    keep(peer);
  }

  [[gnu::always_inline]] static void listen_close() {
    const auto a = berth::listen(berth::inet_endpoint(berth::ipv4_address::loopback(), 0));
  }

  [[gnu::always_inline]] static void socket_pair_close() { const auto pair = berth::socket_pair(); }

  // ---- single calls, for the syscall audit ------------------------------------------------

  static constexpr bool audits_single_calls = true;

  template <class S>
  [[gnu::always_inline]] static void toggle_nonblocking(S& s) {
    s.set_nonblocking();
    s.set_nonblocking(false);
  }
  template <class S>
  [[gnu::always_inline]] static void set_get_option(S& s) {
    s.set(berth::option::no_delay{true});
    if (!s.template get<berth::option::no_delay>().value)
      fail(std::make_error_code(std::errc::invalid_argument), "no_delay");
  }
  template <class S>
  [[gnu::always_inline]] static void both_endpoints(S& s) {
    const auto here = s.local_endpoint();
    const auto there = s.remote_endpoint();
    keep(here);
    keep(there);
  }
  template <class S>
  [[gnu::always_inline]] static bool wait_readable(S& s) {
    return s.wait_readable(std::chrono::seconds(1));
  }
  template <transport T>
  [[gnu::always_inline]] static void connect_within_accept_close(listener<T>& l) {
    const auto client = berth::connect(l.ep, std::chrono::seconds(1));
    const auto server = l.acceptor.accept();
  }
  /// By name (numeric or not, berth knows), with Happy Eyeballs.
  template <transport T>
  [[gnu::always_inline]] static void connect_name_accept_close(listener<T>& l, const char* host, bool) {
    const auto client = berth::connect(host, l.ep.port());
    const auto server = l.acceptor.accept();
  }
  template <transport T>
  [[gnu::always_inline]] static void connect_two_accept_close(listener<T>& l, std::uint16_t closed) {
    const berth::ip_endpoint addresses[] = {berth::inet_endpoint(berth::ipv4_address::loopback(), closed), l.ep};
    const auto client = berth::connect(addresses);
    const auto server = l.acceptor.accept();
  }

  // ---- UDP -----------------------------------------------------------------------------

  using udp_endpoint = berth::inet_endpoint;

  [[gnu::always_inline]] static berth::datagram_socket<berth::inet> open_udp() {
    return berth::bind<berth::datagram>(berth::inet_endpoint(berth::ipv4_address::loopback(), 0));
  }
  [[gnu::always_inline]] static udp_endpoint local_endpoint(const berth::datagram_socket<berth::inet>& s) {
    return s.local_endpoint();
  }
  [[gnu::always_inline]] static void send_to(berth::datagram_socket<berth::inet>& s, std::span<const char> data,
                      const udp_endpoint& to) {
    s.send_to(data, to);
  }
  [[gnu::always_inline]] static std::size_t receive_from(berth::datagram_socket<berth::inet>& s, std::span<char> data,
                                  udp_endpoint& from) {
    return s.receive_from(data, from);
  }

  // ---- Revision 2: gather writes, batches, GSO, files -------------------------------------

  template <class S>
  [[gnu::always_inline]] static void write_gather(S& s, std::span<const char> a, std::span<const char> b) {
    s.write(berth::buffers(a, b));
  }

  static constexpr bool batches_datagrams = true;

  // The Revision 2 members are templates, all of them, so that none is compiled where they
  // are not used: the operations of 0.1 (impl_berth.cpp) must compile as they did before
  // these existed (see operations.hpp).

  /// A batch: its datagrams' bytes and a berth::message over each.
  template <class E>
  struct batch_of {
    std::array<message, batch_size> data;
    std::array<berth::message<E>, batch_size> messages;
  };
  using udp_batch = batch_of<udp_endpoint>;

  /// Set-up: every datagram the 64-byte message, to `to`.
  template <class Batch>
  static void address_batch(Batch& b, const udp_endpoint& to) {
    for (std::size_t k = 0; k < batch_size; ++k) {
      b.data[k] = make_message();
      b.messages[k] = {std::as_writable_bytes(std::span<char>(b.data[k])), to, message_size, false, 0};
    }
  }

  /// Each datagram to its endpoint, as long as it is (`size`): send_many.
  template <batching, class Batch>
  [[gnu::always_inline]] static void send_batch(berth::datagram_socket<berth::inet>& s, Batch& b) {
    for (std::size_t k = 0; k < batch_size; ++k)
      b.messages[k].data = std::as_writable_bytes(std::span<char>(b.data[k])).first(b.messages[k].size);
    for (std::size_t done = 0; done < batch_size;) done += s.send_many(std::span(b.messages).subspan(done));
  }

  /// Datagrams into the batch from slot `from` on: receive_many; a truncated one is an error.
  template <batching, class Batch>
  [[gnu::always_inline]] static std::size_t receive_batch(berth::datagram_socket<berth::inet>& s, Batch& b,
                                                          std::size_t from) {
    for (std::size_t k = from; k < batch_size; ++k)
      b.messages[k].data = std::as_writable_bytes(std::span<char>(b.data[k]));
    const std::size_t got = s.receive_many(std::span(b.messages).subspan(from));
    for (std::size_t k = from; k < from + got; ++k)
      if (b.messages[k].truncated) fail(std::make_error_code(std::errc::message_size), "receive_many: truncated");
    return got;
  }

  static constexpr bool segments_datagrams = true;

  /// Set-up: udp_segment on the sender, udp_gro on the receiver.
  template <segmenting>
  static void prepare_segments(berth::datagram_socket<berth::inet>& sender,
                               berth::datagram_socket<berth::inet>& receiver) {
    sender.set(berth::option::udp_segment{static_cast<std::uint16_t>(gso_segment)});
    receiver.set(berth::option::udp_gro{true});
  }

  template <segmenting>
  [[gnu::always_inline]] static void send_segments(berth::datagram_socket<berth::inet>& s,
                                                   std::span<const char> payload, const udp_endpoint& to) {
    s.send_to(payload, to);
  }

  /// What arrives, with its segment size checked.
  template <segmenting>
  [[gnu::always_inline]] static std::size_t receive_segments(berth::datagram_socket<berth::inet>& s,
                                                             std::span<char> into) {
    udp_endpoint from;
    std::size_t segment = 0;
    const std::size_t n = s.receive_from(into, from, segment);
    if (segment != gso_segment && n > gso_segment)
      fail(std::make_error_code(std::errc::message_size), "receive_from: segment size");
    return n;
  }

  static constexpr bool sends_files = true;

  template <file_copy, class S>
  [[gnu::always_inline]] static void send_file(S& s, int file, std::size_t size) {
    if (s.send_file(file, 0, size) != size) fail(std::make_error_code(std::errc::io_error), "send_file: end of file");
  }

  // ---- text ------------------------------------------------------------------------------

  template <class V>
  [[gnu::always_inline]] static V parse(std::string_view text) {
    std::error_code ec;
    const V value = V::parse(text, ec);
    if (ec) fail(ec, "parse");
    return value;
  }
  [[gnu::always_inline]] static berth::ipv4_address parse_ipv4(std::string_view t) { return parse<berth::ipv4_address>(t); }
  [[gnu::always_inline]] static berth::ipv6_address parse_ipv6(std::string_view t) { return parse<berth::ipv6_address>(t); }
  [[gnu::always_inline]] static berth::inet_endpoint parse_inet(std::string_view t) { return parse<berth::inet_endpoint>(t); }
  [[gnu::always_inline]] static berth::inet6_endpoint parse_inet6(std::string_view t) {
    return parse<berth::inet6_endpoint>(t);
  }

  // ---- names ----------------------------------------------------------------------------

  template <bool>
  [[gnu::always_inline]] static std::vector<berth::ip_endpoint> resolve_numeric(std::string_view host,
                                                                               std::string_view port) {
    std::error_code ec;
    std::vector<berth::ip_endpoint> endpoints = berth::resolve(host, port, ec);
    if (ec) fail(ec, "resolve");
    return endpoints;
  }

  template <class V>
  [[gnu::always_inline]] static char* to_chars(const V& value, char* first, char* last) {
    const berth::to_chars_result r = value.to_chars(first, last);
    if (r.ec != std::errc{}) fail(std::make_error_code(r.ec), "to_chars");
    return r.ptr;
  }
  template <class V>
  [[gnu::always_inline]] static std::string to_string(const V& value) {
    return value.to_string();
  }
};

}  // namespace berth_bench

#endif  // BERTH_BENCH_BERTH_IMPL_HPP
