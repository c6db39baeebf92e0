// The same operations with Asio's synchronous API (standalone Asio, Debian's libasio-dev),
// as its documentation shows them. Asio has no non-allocating formatting, so the to_chars
// rows have no Asio column.
#ifndef BERTH_BENCH_ASIO_IMPL_HPP
#define BERTH_BENCH_ASIO_IMPL_HPP

#include "common.hpp"

#include <asio.hpp>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace berth_bench {

struct asio_impl {
  static constexpr std::string_view name = "asio";

  [[noreturn, gnu::cold, gnu::noinline]] static void fail(int err, const char* what) {
    throw std::system_error(err, std::system_category(), what);
  }

  /// Every Asio socket belongs to an I/O context; one for the process.
  [[gnu::always_inline]] static asio::io_context& context() {
    static asio::io_context instance;
    return instance;
  }

  // ---- streams -------------------------------------------------------------------------

  template <transport T>
  using protocol = std::conditional_t<T == transport::tcp4 || T == transport::tcp6, asio::ip::tcp,
                                      asio::local::stream_protocol>;

  template <transport T>
  struct listener {
    typename protocol<T>::acceptor acceptor;
    typename protocol<T>::endpoint ep;
    unlink_on_exit file{""};
  };

  template <transport T>
  [[gnu::always_inline]] static listener<T> listen() {
    if constexpr (T == transport::unix_stream) {
      std::string path = unix_socket_path();
      const asio::local::stream_protocol::endpoint ep(path);
      return {asio::local::stream_protocol::acceptor(context(), ep), ep,
              unlink_on_exit(std::move(path))};
    } else {
      const asio::ip::address loopback =
          T == transport::tcp4 ? asio::ip::address(asio::ip::address_v4::loopback())
                               : asio::ip::address(asio::ip::address_v6::loopback());
      asio::ip::tcp::acceptor a(context(), asio::ip::tcp::endpoint(loopback, 0));
      const asio::ip::tcp::endpoint ep = a.local_endpoint();
      return {std::move(a), ep, unlink_on_exit("")};
    }
  }

  template <transport T>
  struct stream_pair {
    typename protocol<T>::socket a, b;
  };

  template <transport T>
  [[gnu::always_inline]] static stream_pair<T> open_stream() {
    stream_pair<T> p{typename protocol<T>::socket(context()),
                     typename protocol<T>::socket(context())};
    if constexpr (T == transport::socketpair) {
      asio::local::connect_pair(p.a, p.b);
    } else {
      listener<T> l = listen<T>();
      p.a.connect(l.ep);
      p.b = l.acceptor.accept();
      if constexpr (T != transport::unix_stream) {
        p.a.set_option(asio::ip::tcp::no_delay(true));
        p.b.set_option(asio::ip::tcp::no_delay(true));
      }
    }
    return p;
  }

  template <class S>
  [[gnu::always_inline]] static void write(S& s, std::span<const char> data) {
    asio::write(s, asio::buffer(data.data(), data.size()));
  }
  template <class S>
  [[gnu::always_inline]] static void read(S& s, std::span<char> data) {
    asio::read(s, asio::buffer(data.data(), data.size()));
  }
  /// One read_some; end of stream (asio::error::eof) is 0, as for the others.
  template <class S>
  [[gnu::always_inline]] static std::size_t read_some(S& s, std::span<char> data) {
    std::error_code ec;
    const std::size_t n = s.read_some(asio::buffer(data.data(), data.size()), ec);
    if (ec == asio::error::eof) return 0;
    if (ec) throw std::system_error(ec, "read_some");
    return n;
  }
  template <class S>
  [[gnu::always_inline]] static void shutdown_send(S& s) {
    s.shutdown(asio::socket_base::shutdown_send);
  }

  template <transport T>
  [[gnu::always_inline]] static void connect_accept_close(listener<T>& l) {
    typename protocol<T>::socket client(context());
    client.connect(l.ep);
    const typename protocol<T>::socket server = l.acceptor.accept();
  }

  template <transport T>
  [[gnu::always_inline]] static void connect_accept_peer_close(listener<T>& l) {
    typename protocol<T>::socket client(context());
    client.connect(l.ep);
    typename protocol<T>::endpoint peer;
    const typename protocol<T>::socket server = l.acceptor.accept(peer);
    keep(peer);
  }

  [[gnu::always_inline]] static void listen_close() {
    const asio::ip::tcp::acceptor a(
        context(), asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  }

  [[gnu::always_inline]] static void socket_pair_close() {
    asio::local::stream_protocol::socket a(context()), b(context());
    asio::local::connect_pair(a, b);
  }

  // ---- UDP -----------------------------------------------------------------------------

  using udp_endpoint = asio::ip::udp::endpoint;

  [[gnu::always_inline]] static asio::ip::udp::socket open_udp() {
    return asio::ip::udp::socket(context(), udp_endpoint(asio::ip::address_v4::loopback(), 0));
  }
  [[gnu::always_inline]] static udp_endpoint local_endpoint(const asio::ip::udp::socket& s) { return s.local_endpoint(); }
  [[gnu::always_inline]] static void send_to(asio::ip::udp::socket& s, std::span<const char> data, const udp_endpoint& to) {
    s.send_to(asio::buffer(data.data(), data.size()), to);
  }
  [[gnu::always_inline]] static std::size_t receive_from(asio::ip::udp::socket& s, std::span<char> data,
                                  udp_endpoint& from) {
    return s.receive_from(asio::buffer(data.data(), data.size()), from);
  }

  // ---- text ------------------------------------------------------------------------------
  // make_address_v4/v6 take NUL-terminated text (their string_view forms copy it into a
  // std::string first): the samples are NUL-terminated.

  [[gnu::always_inline]] static asio::ip::address_v4 parse_ipv4(std::string_view text) {
    std::error_code ec;
    const asio::ip::address_v4 a = asio::ip::make_address_v4(text.data(), ec);
    if (ec) fail(EINVAL, "make_address_v4");
    return a;
  }
  [[gnu::always_inline]] static asio::ip::address_v6 parse_ipv6(std::string_view text) {
    std::error_code ec;
    const asio::ip::address_v6 a = asio::ip::make_address_v6(text.data(), ec);
    if (ec) fail(EINVAL, "make_address_v6");
    return a;
  }

  /// Asio reads no endpoints: the address as make_address does, the port as the libc code.
  [[gnu::always_inline]] static std::uint16_t parse_port(std::string_view text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0'))
      fail(EINVAL, "port");
    const auto r = std::from_chars(text.data(), end, value);
    if (r.ec != std::errc{} || r.ptr != end || value > 65535) fail(EINVAL, "port");
    return static_cast<std::uint16_t>(value);
  }
  [[gnu::always_inline]] static asio::ip::tcp::endpoint parse_inet(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    char host[16];
    if (colon == std::string_view::npos || colon >= sizeof host) fail(EINVAL, "endpoint");
    std::memcpy(host, text.data(), colon);
    host[colon] = '\0';
    return {parse_ipv4(host), parse_port(text.substr(colon + 1))};
  }
  [[gnu::always_inline]] static asio::ip::tcp::endpoint parse_inet6(std::string_view text) {
    const std::size_t close = text.find(']');
    char host[46];
    if (text.empty() || text[0] != '[' || close == std::string_view::npos ||
        close - 1 >= sizeof host || close + 1 >= text.size() || text[close + 1] != ':')
      fail(EINVAL, "endpoint");
    std::memcpy(host, text.data() + 1, close - 1);
    host[close - 1] = '\0';
    return {parse_ipv6(host), parse_port(text.substr(close + 2))};
  }

  [[gnu::always_inline]] static std::string to_string(const asio::ip::address_v4& a) { return a.to_string(); }
  [[gnu::always_inline]] static std::string to_string(const asio::ip::address_v6& a) { return a.to_string(); }
  /// Asio's endpoints print only through operator<< (an ostringstream); this is quicker.
  [[gnu::always_inline]] static std::string to_string(const asio::ip::tcp::endpoint& ep) {
    std::string text;
    if (ep.address().is_v6()) {
      text = '[';
      text += ep.address().to_string();
      text += ']';
    } else {
      text = ep.address().to_string();
    }
    text += ':';
    text += std::to_string(ep.port());
    return text;
  }
};

}  // namespace berth_bench

#endif  // BERTH_BENCH_ASIO_IMPL_HPP
