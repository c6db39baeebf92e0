// Gather and scatter lists through the async operations, on both backends: the results and
// errors of the synchronous list forms (tests/vectored.test.cpp), every byte checked, lists
// past IOV_MAX, transfers resumed mid-list, and no descriptor left behind.
#include <berth/async/operations.hpp>

#include <berth/async.hpp>

#include "async_support.hpp"
#include "support.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using namespace berth_test::types;

namespace {

using unix_seqpacket_pair = std::pair<unix_seqpacket, unix_seqpacket>;

std::vector<char> pattern(std::size_t size, unsigned seed = 0) {
  std::vector<char> v(size);
  for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<char>(i * 7 + i / 251 + seed);
  return v;
}

/// `data` cut into consecutive buffers of 1 to `longest` bytes (sizes varying with `seed`;
/// seed 0: all `longest` bytes but the last), covering all of it, as views of type Buffer.
template <class Buffer, class Byte>
std::vector<Buffer> slices(std::span<Byte> data, std::size_t longest, std::size_t seed) {
  std::vector<Buffer> list;
  std::size_t at = 0;
  for (std::size_t k = 0; at < data.size(); ++k) {
    std::size_t n = seed == 0 ? longest : 1 + (k * seed + k / 3) % longest;
    if (n > data.size() - at) n = data.size() - at;
    list.emplace_back(data.data() + at, n);
    at += n;
  }
  return list;
}

/// Whether `s` has nothing to read right now.
template <class Socket>
bool nothing_waiting(const Socket& s) {
  return !s.wait_readable(0ms);
}

}  // namespace

// ---- constraints: exactly those of the synchronous members --------------------------------

template <class S, class L>
concept can_read_some = requires(S& s, L&& l) { berth::async_read_some(s, std::forward<L>(l)); };
template <class S, class L>
concept can_read = requires(S& s, L&& l) { berth::async_read(s, std::forward<L>(l)); };
template <class S, class L>
concept can_write = requires(S& s, L&& l) { berth::async_write(s, std::forward<L>(l)); };
template <class S, class L>
concept can_send = requires(S& s, L&& l) { berth::async_send(s, std::forward<L>(l)); };
template <class S, class L>
concept can_receive = requires(S& s, L&& l) { berth::async_receive(s, std::forward<L>(l)); };
template <class S, class L>
concept can_send_to = requires(S& s, L&& l, berth::inet_endpoint e) { berth::async_send_to(s, l, e); };
template <class S, class L>
concept can_receive_from = requires(S& s, L&& l, berth::inet_endpoint& e) { berth::async_receive_from(s, l, e); };

using mutable_list = decltype(berth::buffers(std::declval<std::string&>(), std::declval<std::string&>()));
using const_list = decltype(berth::buffers(std::declval<std::string&>(), std::declval<std::string_view>()));

static_assert(can_read_some<tcp, mutable_list>);
static_assert(can_read_some<unix_stream, std::vector<berth::mutable_buffer>&>);
static_assert(!can_read_some<tcp, const_list>);  // a read needs every buffer mutable
static_assert(!can_read<tcp, const_list>);
static_assert(!can_read<tcp, std::vector<berth::const_buffer>&>);
static_assert(can_read<tcp, std::span<berth::mutable_buffer>>);
static_assert(can_write<tcp, const_list>);
static_assert(can_write<tcp, mutable_list>);     // a scatter list is a gather list too
static_assert(can_write<tcp, const std::vector<berth::const_buffer>&>);
static_assert(!can_write<udp, const_list>);      // write on datagrams
static_assert(!can_write<tcp, std::vector<int>&>);
static_assert(can_send<unix_seqpacket, const_list>);
static_assert(can_send<udp, std::vector<berth::const_buffer>&>);
static_assert(!can_send<tcp, const_list>);
static_assert(can_receive<unix_seqpacket, mutable_list>);
static_assert(!can_receive<unix_seqpacket, const_list>);
static_assert(can_send_to<udp, const_list>);
static_assert(!can_send_to<tcp, const_list>);
static_assert(can_receive_from<udp, mutable_list>);
static_assert(!can_receive_from<udp, const_list>);
static_assert(!can_receive_from<tcp, mutable_list>);

// ---- streams ------------------------------------------------------------------------------

BERTH_ASYNC_TEST("async_write / async_write_some of a gather list: received intact") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair();
    loop->run([](unix_stream& x, unix_stream& y) -> berth::task<> {
      const std::string head = "HEAD:";
      const std::vector<char> body = pattern(300);
      const std::array<unsigned char, 3> tail{'e', 'n', 'd'};
      {
        const auto sent = co_await berth::async_write(x, berth::buffers(head, body, tail));
        CHECK(sent == 308);
      }
      {
        const auto sent = co_await berth::async_write_some(x, berth::buffers("ab", std::string_view("cd")));
        CHECK(sent == 4);  // a string literal without its NUL, as everywhere
      }
      std::error_code ec = std::make_error_code(std::errc::io_error);
      std::vector<berth::const_buffer> run_time{berth::const_buffer(head), berth::const_buffer(tail)};
      {
        const auto sent = co_await berth::async_write(x, run_time, ec);
        CHECK(sent == 8);
      }
      CHECK_FALSE(ec);
      std::vector<char> got(308 + 4 + 8);
      {
        const auto n = co_await berth::async_read(y, got);
        CHECK(n == got.size());
      }
      std::string expected = head + std::string(body.begin(), body.end()) + "end" + "abcd" + head + "end";
      CHECK(std::string(got.begin(), got.end()) == expected);
    }(a, b));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async_read_some / async_read of a scatter list: both buffers filled in order") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair();
    loop->run([](unix_stream& x, unix_stream& y) -> berth::task<> {
      x.write("0123456789");
      std::array<char, 4> first{};
      std::string second(16, '.');
      {
        const auto n = co_await berth::async_read_some(y, berth::buffers(first, second));
        CHECK(n == 10);  // what was there: short of the list, so the socket is drained
      }
      CHECK(std::string_view(first.data(), 4) == "0123");
      CHECK(second == "456789..........");
      // async_read waits for the rest: the peer writes it in pieces, later.
      bool written = false;
      co_await berth::spawn([](unix_stream& s, bool& done) -> berth::task<> {
        for (const std::string_view piece : {"ab", "cdefg", "hijklmnopqrs", "t"}) {
          co_await berth::sleep_for(2ms);
          co_await berth::async_write(s, piece);
        }
        done = true;
      }(x, written));
      std::array<char, 3> p{};
      std::string q(7, ' ');
      std::vector<char> r(10);
      std::vector<berth::mutable_buffer> list{p, q, r};
      {
        const auto n = co_await berth::async_read(y, list);
        CHECK(n == 20);
      }
      CHECK(std::string_view(p.data(), 3) == "abc");
      CHECK(q == "defghij");
      CHECK(std::string_view(r.data(), r.size()) == "klmnopqrst");
      while (!written) co_await berth::sleep_for(1ms);
      // End of stream before the list is full: error::eof, with the bytes read before.
      x.write("xy");
      x.shutdown(berth::shutdown_type::send);
      std::error_code ec;
      {
        const auto n = co_await berth::async_read(y, berth::buffers(p, q), ec);
        CHECK(n == 2);
      }
      CHECK(ec == berth::error::eof);
      CHECK(std::string_view(p.data(), 2) == "xy");
    }(a, b));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async_write of more than 1024 buffers to a peer reading a scatter list concurrently") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair();
    std::vector<char> sent = pattern(900 * 1000, 3);
    std::vector<char> received(sent.size());
    const auto out = slices<berth::const_buffer>(std::span<const char>(sent), 500, 37);
    auto in = slices<berth::mutable_buffer>(std::span<char>(received), 700, 11);
    REQUIRE(out.size() > 3 * 1024);
    REQUIRE(in.size() > 2 * 1024);
    loop->run([](unix_stream& x, unix_stream& y, const std::vector<berth::const_buffer>& o,
                 std::vector<berth::mutable_buffer>& i, std::size_t total) -> berth::task<> {
      bool read_all = false;
      co_await berth::spawn([](unix_stream& s, std::vector<berth::mutable_buffer>& list, std::size_t size,
                               bool& done) -> berth::task<> {
        const auto n = co_await berth::async_read(s, list);
        CHECK(n == size);
        done = true;
      }(y, i, total, read_all));
      {
        const auto n = co_await berth::async_write(x, o);
        CHECK(n == total);
      }
      while (!read_all) co_await berth::sleep_for(1ms);
    }(a, b, out, in, sent.size()));
    const bool same = received == sent;  // every byte, in order (a bool: no 900 kB printed)
    CHECK(same);
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async_write: a partial send resumed mid-list while the peer reads slowly") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair();
    a.set(berth::option::send_buffer_size{4096});
    b.set(berth::option::receive_buffer_size{4096});
    std::vector<char> sent = pattern(64 * 4099, 5);
    std::vector<char> received(sent.size());
    // 64 buffers of 4099 bytes: the socket's room never ends on a buffer's boundary.
    const auto out = slices<berth::const_buffer>(std::span<const char>(sent), 4099, 0);
    REQUIRE(out.size() > 60);
    loop->run([](unix_stream& x, unix_stream& y, const std::vector<berth::const_buffer>& o,
                 std::vector<char>& in) -> berth::task<> {
      bool read_all = false;
      co_await berth::spawn([](unix_stream& s, std::vector<char>& into, bool& done) -> berth::task<> {
        std::size_t got = 0;
        while (got < into.size()) {
          co_await berth::sleep_for(1ms);
          const std::size_t want = into.size() - got < 3001 ? into.size() - got : 3001;
          const auto n = co_await berth::async_read_some(s, std::span<char>(into.data() + got, want));
          if (n == 0) break;
          got += n;
        }
        CHECK(got == into.size());
        done = true;
      }(y, in, read_all));
      std::error_code ec;
      {
        const auto n = co_await berth::async_write(x, o, ec);
        CHECK(n == in.size());
      }
      CHECK_FALSE(ec);
      while (!read_all) co_await berth::sleep_for(1ms);
    }(a, b, out, received));
    const bool same = received == sent;
    CHECK(same);
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async lists: empty lists as the synchronous ones - a closed peer is broken_pipe") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair();
    loop->run([](unix_stream& x, unix_stream& y) -> berth::task<> {
      std::string empty1, empty2;
      std::vector<berth::const_buffer> none;
      {
        const auto n = co_await berth::async_write(x, none);  // no system call
        CHECK(n == 0);
      }
      {
        const auto n = co_await berth::async_write(x, berth::buffers(empty1, empty2));
        CHECK(n == 0);
      }
      {
        const auto n = co_await berth::async_read(y, berth::buffers(empty1, empty2));  // nothing to wait for
        CHECK(n == 0);
      }
      CHECK(nothing_waiting(y));
      y.close();
      std::error_code ec;
      {
        const auto n = co_await berth::async_write(x, berth::buffers(std::string_view("ab"), std::string_view("cd")), ec);
        CHECK(n == 0);
      }
      CHECK(ec == std::errc::broken_pipe);  // MSG_NOSIGNAL: never SIGPIPE
      {
        const auto n = co_await berth::async_write_some(x, berth::buffers(std::string_view("ab"), std::string_view("cd")), ec);
        CHECK(n == 0);
      }
      CHECK(ec == std::errc::broken_pipe);
    }(a, b));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("with_timeout: a list write nobody reads times out, reporting the bytes sent before") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair();
    a.set(berth::option::send_buffer_size{4096});
    std::vector<char> sent = pattern(1 << 20);
    const auto out = slices<berth::const_buffer>(std::span<const char>(sent), 3000, 13);
    std::size_t moved = 0;
    loop->run([](unix_stream& x, const std::vector<berth::const_buffer>& o, std::size_t& n) -> berth::task<> {
      std::error_code ec;
      n = co_await berth::with_timeout(20ms, berth::async_write(x, o, ec));
      CHECK(ec == std::errc::timed_out);
    }(a, out, moved));
    CHECK(moved > 0);
    CHECK(moved < sent.size());
    // What went is the beginning of the list, in order.
    b.set_nonblocking();
    std::vector<char> got(moved);
    std::error_code ec;
    CHECK(b.read(got, ec) == moved);
    CHECK(std::equal(got.begin(), got.end(), sent.begin()));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

// ---- messages -----------------------------------------------------------------------------

BERTH_ASYNC_TEST("async_send with 1025 buffers is argument_list_too_long - nothing sent; async_receive alike") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair<berth::seqpacket>();
    loop->run([](unix_seqpacket& x, unix_seqpacket& y) -> berth::task<> {
      std::vector<char> bytes(1025, 'z');
      const auto out = slices<berth::const_buffer>(std::span<const char>(bytes), 1, 1);
      auto in = slices<berth::mutable_buffer>(std::span<char>(bytes), 1, 1);
      REQUIRE(out.size() == 1025);
      std::error_code ec;
      {
        const auto n = co_await berth::async_send(x, out, ec);
        CHECK(n == 0);
      }
      CHECK(ec == std::errc::argument_list_too_long);
      bool thrown = false;
      try {
        (void)co_await berth::async_send(x, out);
      } catch (const std::system_error& e) {
        thrown = e.code() == std::errc::argument_list_too_long;
      }
      CHECK(thrown);
      CHECK(nothing_waiting(y));  // nothing was sent
      x.send("one");
      {
        const auto n = co_await berth::async_receive(y, in, ec);
        CHECK(n == 0);
      }
      CHECK(ec == std::errc::argument_list_too_long);
      // The message is still there for a list that fits.
      std::array<char, 2> p{};
      std::array<char, 2> q{};
      {
        const auto n = co_await berth::async_receive(y, berth::buffers(p, q), ec);
        CHECK(n == 3);
      }
      CHECK_FALSE(ec);
      CHECK(std::string_view(p.data(), 2) == "on");
      CHECK(q[0] == 'e');
      // 1024 buffers are one message.
      const auto fits = std::span<const berth::const_buffer>(out).first(1024);
      {
        const auto n = co_await berth::async_send(x, fits);
        CHECK(n == 1024);
      }
      std::vector<char> whole(2048);
      {
        const auto n = co_await berth::async_receive(y, whole);
        CHECK(n == 1024);
      }
    }(a, b));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async_receive of a seqpacket record into a list too short is error::truncated") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [a, b] = berth::socket_pair<berth::seqpacket>();
    loop->run([](unix_seqpacket& x, unix_seqpacket& y) -> berth::task<> {
      // Sent as a gather list, received as one record.
      {
        const auto n = co_await berth::async_send(x, berth::buffers(std::string_view("abc"), std::string_view("defgh")));
        CHECK(n == 8);
      }
      std::array<char, 2> p{};
      std::array<char, 3> q{};
      std::error_code ec;
      {
        const auto n = co_await berth::async_receive(y, berth::buffers(p, q), ec);
        CHECK(n == 5);  // the ec form: every buffer full, their total size
      }
      CHECK(ec == berth::error::truncated);
      CHECK(std::string_view(p.data(), 2) == "ab");
      CHECK(std::string_view(q.data(), 3) == "cde");
      CHECK(nothing_waiting(y));  // the rest of the record is gone, never delivered as another
      // Waiting for the record first: the same after the wait.
      co_await berth::spawn([](unix_seqpacket& s) -> berth::task<> {
        co_await berth::sleep_for(5ms);
        (void)co_await berth::async_send(s, berth::buffers(std::string_view("12"), std::string_view("3456789")));
      }(x));
      bool thrown = false;
      try {
        (void)co_await berth::async_receive(y, berth::buffers(p, q));
      } catch (const std::system_error& e) {
        thrown = e.code() == berth::error::truncated;
      }
      CHECK(thrown);
      CHECK(std::string_view(p.data(), 2) == "12");
      CHECK(std::string_view(q.data(), 3) == "345");
      // A record that fits: its size, the rest of the buffers untouched.
      std::string big(10, '.');
      x.send("xyz");
      {
        const auto n = co_await berth::async_receive(y, berth::buffers(p, big), ec);
        CHECK(n == 3);
      }
      CHECK_FALSE(ec);
      CHECK(std::string_view(p.data(), 2) == "xy");
      CHECK(big == "z.........");
    }(a, b));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async_send_to / async_receive_from of lists over UDP: bytes and sender") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto server = berth::bind<berth::datagram>(berth_test::loopback4());
    auto client = berth::bind<berth::datagram>(berth_test::loopback4());
    loop->run([](udp& srv, udp& cli) -> berth::task<> {
      const berth::inet_endpoint to = srv.local_endpoint();
      const std::vector<char> body = pattern(1000, 9);
      {
        const auto n = co_await berth::async_send_to(cli, berth::buffers(std::string_view("hdr:"), body), to);
        CHECK(n == 1004);
      }
      std::array<char, 4> header{};
      std::vector<char> payload(2000, '.');
      berth::inet_endpoint from;
      {
        const auto n = co_await berth::async_receive_from(srv, berth::buffers(header, payload), from);
        CHECK(n == 1004);
      }
      CHECK(from == cli.local_endpoint());
      CHECK(std::string_view(header.data(), 4) == "hdr:");
      CHECK(std::equal(body.begin(), body.end(), payload.begin()));
      CHECK(payload[1000] == '.');
      // Waiting first, a run-time list, the ec forms, and a datagram too long for the list.
      co_await berth::spawn([](udp& s, berth::inet_endpoint dst) -> berth::task<> {
        co_await berth::sleep_for(5ms);
        std::error_code ec;
        std::vector<berth::const_buffer> list{berth::const_buffer("0123456789"), berth::const_buffer("abcdef")};
        const auto n = co_await berth::async_send_to(s, list, dst, ec);
        CHECK(n == 16);
        CHECK_FALSE(ec);
      }(cli, to));
      std::array<char, 5> p{};
      std::array<char, 5> q{};
      std::vector<berth::mutable_buffer> in{p, q};
      berth::inet_endpoint sender;
      std::error_code ec;
      {
        const auto n = co_await berth::async_receive_from(srv, in, sender, ec);
        CHECK(n == 10);
      }
      CHECK(ec == berth::error::truncated);
      CHECK(sender == cli.local_endpoint());  // filled for a truncated datagram too
      CHECK(std::string_view(p.data(), 5) == "01234");
      CHECK(std::string_view(q.data(), 5) == "56789");
      // An empty list sends an empty datagram, as send_to does.
      std::vector<berth::const_buffer> none;
      {
        const auto n = co_await berth::async_send_to(cli, none, to);
        CHECK(n == 0);
      }
      {
        const auto n = co_await berth::async_receive_from(srv, berth::buffers(p, q), sender, ec);
        CHECK(n == 0);
      }
      CHECK_FALSE(ec);
      // IOV_MAX: a datagram is never split.
      std::vector<char> bytes(1025, 'u');
      const auto many = slices<berth::const_buffer>(std::span<const char>(bytes), 1, 1);
      {
        const auto n = co_await berth::async_send_to(cli, many, to, ec);
        CHECK(n == 0);
      }
      CHECK(ec == std::errc::argument_list_too_long);
      CHECK(nothing_waiting(srv));
      // A connected datagram socket: async_send of a list.
      cli.connect(to);
      {
        const auto n = co_await berth::async_send(cli, berth::buffers(std::string_view("con"), std::string_view("nected")));
        CHECK(n == 9);
      }
      std::string text(9, ' ');
      {
        const auto n = co_await berth::async_receive(srv, text);
        CHECK(n == 9);
      }
      CHECK(text == "connected");
    }(server, client));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}
