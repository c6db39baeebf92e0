// Every async operation on both backends: results and errors as the synchronous call's,
// both error forms, with_timeout, and the socket usable synchronously afterwards.
#include <berth/async/operations.hpp>

#include <berth/async.hpp>

#include "async_support.hpp"

#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <span>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;
using namespace berth_test::types;

namespace {

std::vector<char> pattern(std::size_t size) {
  std::vector<char> v(size);
  for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<char>(i * 7 + i / 251);
  return v;
}

berth::task<> write_all(unix_stream& s, const std::vector<char>& data) { co_await berth::async_write(s, data); }

bool have_ipv6() {
  std::error_code ec;
  auto s = berth::bind(berth_test::loopback6(), ec);
  return !ec;
}

}  // namespace

// ---- constraints: exactly those of the synchronous members --------------------------------

template <class S, class B>
concept can_read_some = requires(S& s, B&& b) { berth::async_read_some(s, std::forward<B>(b)); };
template <class S, class B>
concept can_write_some = requires(S& s, B&& b) { berth::async_write_some(s, std::forward<B>(b)); };
template <class S, class B>
concept can_send_to = requires(S& s, B&& b, berth::inet_endpoint e) { berth::async_send_to(s, b, e); };
template <class S, class B>
concept can_receive = requires(S& s, B&& b) { berth::async_receive(s, std::forward<B>(b)); };
template <class A>
concept can_accept = requires(A& a) { berth::async_accept(a); };

static_assert(can_read_some<tcp, std::array<char, 4>&>);
static_assert(!can_read_some<tcp, const std::array<char, 4>&>);  // read into const
static_assert(!can_read_some<udp, std::array<char, 4>&>);        // read_some on datagrams
static_assert(!can_read_some<tcp, std::vector<int>&>);           // not bytes
static_assert(can_write_some<tcp, std::string_view>);
static_assert(!can_write_some<udp, std::string_view>);
static_assert(can_send_to<udp, std::string_view>);
static_assert(!can_send_to<tcp, std::string_view>);
static_assert(can_receive<unix_seqpacket, std::array<char, 4>&>);
static_assert(!can_receive<tcp, std::array<char, 4>&>);
static_assert(can_accept<tcp_acceptor>);
static_assert(!can_accept<tcp>);

// ---- streams ------------------------------------------------------------------------------

BERTH_ASYNC_TEST("async_read_some / async_write_some: at once - after a wait - end of stream") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  loop->run([](unix_stream& x, unix_stream& y) -> berth::task<> {
    {
      const auto got = co_await berth::async_write_some(x, "hello");  // a string literal: 5 bytes
      CHECK(got == 5);
    }
    std::array<char, 16> buffer{};
    {
      const auto got = co_await berth::async_read_some(y, buffer);  // there already
      CHECK(got == 5);
    }
    CHECK(std::string_view(buffer.data(), 5) == "hello");
    // Nothing there: the read waits until another task writes.
    co_await berth::spawn([](unix_stream& s) -> berth::task<> {
      co_await berth::sleep_for(5ms);
      (void)co_await berth::async_write_some(s, "later");
    }(x));
    {
      const auto got = co_await berth::async_read_some(y, buffer);
      CHECK(got == 5);
    }
    CHECK(std::string_view(buffer.data(), 5) == "later");
    x.shutdown(berth::shutdown_type::send);
    {
      const auto got = co_await berth::async_read_some(y, buffer);  // end of stream: 0, no error
      CHECK(got == 0);
    }
    std::error_code ec = std::make_error_code(std::errc::io_error);
    {
      const auto got = co_await berth::async_read_some(y, buffer, ec);
      CHECK(got == 0);
    }
    CHECK_FALSE(ec);  // success clears it
  }(a, b));
}

BERTH_ASYNC_TEST("async_read / async_write: a megabyte both ways through small socket buffers") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  a.set(berth::option::send_buffer_size{4096});
  b.set(berth::option::receive_buffer_size{4096});
  const std::vector<char> sent = pattern(1 << 20);
  std::vector<char> received(sent.size());
  loop->run([](unix_stream& x, unix_stream& y, const std::vector<char>& out, std::vector<char>& in) -> berth::task<> {
    co_await berth::spawn(write_all(x, out));
    {
      const auto got = co_await berth::async_read(y, in);
      CHECK(got == in.size());
    }
  }(a, b, sent, received));
  CHECK(received == sent);
}

BERTH_ASYNC_TEST("async_read: end of stream first is error::eof - with the bytes read before") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  loop->run([](unix_stream& x, unix_stream& y) -> berth::task<> {
    co_await berth::async_write(x, "abc");
    x.shutdown(berth::shutdown_type::send);
    std::array<char, 8> buffer{};
    std::error_code ec;
    {
      const auto got = co_await berth::async_read(y, buffer, ec);
      CHECK(got == 3);
    }
    CHECK(ec == berth::error::eof);
    bool thrown = false;
    try {
      (void)co_await berth::async_read(y, buffer);
    } catch (const std::system_error& e) {
      thrown = e.code() == berth::error::eof;
    }
    CHECK(thrown);
    std::array<char, 0> nothing{};
    {
      const auto got = co_await berth::async_read(y, nothing);  // no system call, no error
      CHECK(got == 0);
    }
  }(a, b));
}

BERTH_ASYNC_TEST("async_write_some: a closed peer is broken_pipe - never SIGPIPE") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  b.close();
  loop->run([](unix_stream& x) -> berth::task<> {
    std::error_code ec;
    {
      const auto got = co_await berth::async_write_some(x, "x", ec);
      CHECK(got == 0);
    }
    CHECK(ec == std::errc::broken_pipe);
    {
      const auto got = co_await berth::async_write(x, "xyz", ec);
      CHECK(got == 0);
    }
    CHECK(ec == std::errc::broken_pipe);
  }(a));
}

// ---- accept and connect ----------------------------------------------------------------

template <class F>
void accept_connect_round_trip(berth::event_loop& loop) {
  auto listener = berth::listen(berth_test::fresh_endpoint<F>());
  const auto where = listener.local_endpoint();
  loop.run([](berth::acceptor<F>& l, typename F::endpoint to) -> berth::task<> {
    co_await berth::spawn([](berth::acceptor<F>& a) -> berth::task<> {
      typename F::endpoint peer;
      auto c = co_await berth::async_accept(a, peer);
      if constexpr (F::domain != AF_UNIX) CHECK(peer.address().is_loopback());
      char buffer[4];
      (void)co_await berth::async_read(c, buffer);
      co_await berth::async_write(c, std::string_view(buffer, 4));
    }(l));
    auto s = co_await berth::async_connect(to);
    CHECK(s.is_open());
    CHECK(berth_test::is_close_on_exec(s.native_handle()));
    CHECK_FALSE(berth_test::is_nonblocking(s.native_handle()));  // blocking, as berth makes every socket
    co_await berth::async_write(s, "ping");
    char echo[4];
    (void)co_await berth::async_read(s, echo);
    CHECK(std::string_view(echo, 4) == "ping");
  }(listener, where));
}

BERTH_ASYNC_TEST("async_accept / async_connect: inet - inet6 - local") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  accept_connect_round_trip<berth::inet>(*loop);
  if (have_ipv6())
    accept_connect_round_trip<berth::inet6>(*loop);
  else
    WARN("no IPv6 loopback here: inet6 not exercised");
  accept_connect_round_trip<berth::local>(*loop);
}

BERTH_ASYNC_TEST("async_accept: accepted sockets are close-on-exec and blocking; many in a row") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto listener = berth::listen(berth_test::loopback4());
  const auto where = listener.local_endpoint();
  loop->run([](tcp_acceptor& l, berth::inet_endpoint to) -> berth::task<> {
    // 50 connections one after another: descriptor numbers come back, and each new socket
    // is known new (its first read has to wait), so none is left waiting for an edge.
    for (int i = 0; i < 50; ++i) {
      co_await berth::spawn([](berth::inet_endpoint e) -> berth::task<> {
        auto c = co_await berth::async_connect(e);
        co_await berth::sleep_for(1ms);
        co_await berth::async_write(c, "x");
      }(to));
      auto s = co_await berth::async_accept(l);
      CHECK(berth_test::is_close_on_exec(s.native_handle()));
      CHECK_FALSE(berth_test::is_nonblocking(s.native_handle()));
      char c;
      {
        const auto got = co_await berth::with_timeout(5s, berth::async_read_some(s, std::span<char>(&c, 1)));
        CHECK(got == 1);
      }
    }
  }(listener, where));
}

// Sockets made by synchronous calls, each on the number of one closed earlier in the same
// run() and held at the same address (a coroutine's local, one iteration after another):
// each is the new file it is. The kernel dropped the old one's epoll registration when it
// closed; a loop that still believed it registered left the read waiting for an edge that
// never comes, and an acceptor blocking in accept4 (O_NONBLOCK taken as set).
BERTH_ASYNC_TEST("sockets made by synchronous calls on reused descriptor numbers: socket_pair, listen, bind") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  loop->run([]() -> berth::task<> {
    int first = -1;
    for (int i = 0; i < 3; ++i) {
      auto [a, b] = berth::socket_pair();
      if (i == 0) first = a.native_handle();
      CHECK(a.native_handle() == first);  // the case this is about: the same number again
      co_await berth::spawn([](unix_stream& to) -> berth::task<> {
        co_await berth::sleep_for(5ms);
        co_await berth::async_write(to, "x");
      }(b));
      char c = 0;
      std::error_code ec;
      const std::size_t n = co_await berth::with_timeout(5s, berth::async_read_some(a, std::span<char>(&c, 1), ec));
      CHECK_FALSE(ec);
      CHECK(n == 1);
      co_await berth::sleep_for(10ms);  // the writer is done with b
    }
    first = -1;
    for (int i = 0; i < 3; ++i) {
      auto l = berth::listen(berth_test::loopback4());
      if (i == 0) first = l.native_handle();
      CHECK(l.native_handle() == first);
      auto waiting = berth::connect(l.local_endpoint());  // in the backlog: accepted at once
      auto s = co_await berth::with_timeout(5s, berth::async_accept(l));
      CHECK(s.is_open());
      // epoll sets O_NONBLOCK on an acceptor before its first accept4 (docs/async.md). Not
      // set, the next accept would block the loop with nothing to accept.
      if (berth_test::is_nonblocking(l.native_handle()) != (TestType::value == berth::backend::epoll)) {
        FAIL("the acceptor's O_NONBLOCK is not what the backend sets");
      }
      co_await berth::spawn([](berth::inet_endpoint to) -> berth::task<> {
        co_await berth::sleep_for(5ms);
        auto c = co_await berth::async_connect(to);
        co_await berth::sleep_for(10ms);
      }(l.local_endpoint()));
      std::error_code ec;
      auto late = co_await berth::with_timeout(5s, berth::async_accept(l, ec));
      CHECK_FALSE(ec);
      CHECK(late.is_open());
      co_await berth::sleep_for(20ms);  // the connecting task is done
    }
    first = -1;
    for (int i = 0; i < 3; ++i) {
      auto u = berth::bind<berth::datagram>(berth_test::loopback4());
      if (i == 0) first = u.native_handle();
      CHECK(u.native_handle() == first);
      co_await berth::spawn([](berth::inet_endpoint to) -> berth::task<> {
        co_await berth::sleep_for(5ms);
        auto from = berth::bind<berth::datagram>(berth_test::loopback4());
        (void)from.send_to("x", to);
      }(u.local_endpoint()));
      char c = 0;
      berth::inet_endpoint sender;
      std::error_code ec;
      const std::size_t n =
          co_await berth::with_timeout(5s, berth::async_receive_from(u, std::span<char>(&c, 1), sender, ec));
      CHECK_FALSE(ec);
      CHECK(n == 1);
      co_await berth::sleep_for(10ms);
    }
  }());
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async_connect: refused - both forms; the ec form returns a socket holding none") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const auto nobody = berth_test::closed_port4();
  const int before = berth_test::open_descriptor_count();
  loop->run([](berth::inet_endpoint to) -> berth::task<> {
    std::error_code ec;
    auto s = co_await berth::async_connect(to, ec);
    CHECK(ec == std::errc::connection_refused);
    CHECK_FALSE(s.is_open());
    bool thrown = false;
    try {
      (void)co_await berth::async_connect(to);
    } catch (const std::system_error& e) {
      thrown = e.code() == std::errc::connection_refused;
    }
    CHECK(thrown);
    auto u = co_await berth::async_connect(berth::local_endpoint::abstract(berth_test::unique_abstract_name()), ec);
    CHECK(ec == std::errc::connection_refused);
  }(nobody));
  CHECK(berth_test::open_descriptor_count() == before);  // the failed sockets were closed
}

BERTH_ASYNC_TEST("a socket or acceptor holding no descriptor: bad_file_descriptor, as the synchronous call says") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  // The synchronous answer, which the async forms must give too.
  {
    auto [a, b] = berth::socket_pair();
    auto moved = std::move(a);
    char byte[1];
    std::error_code ec;
    (void)a.read_some(byte, ec);
    REQUIRE(ec == std::errc::bad_file_descriptor);
  }
  loop->run([]() -> berth::task<> {
    auto [a, b] = berth::socket_pair();
    auto moved = std::move(a);  // `a` holds none now
    unix_stream closed = berth::socket_pair().first;
    closed.close();
    unix_stream never_opened;
    tcp_acceptor no_acceptor;
    udp no_datagram;
    char buffer[8];
    std::error_code ec;
    for (unix_stream* s : {&a, &closed, &never_opened}) {
      ec = {};
      const std::size_t read = co_await berth::with_timeout(5s, berth::async_read_some(*s, buffer, ec));
      CHECK(read == 0);
      CHECK(ec == std::errc::bad_file_descriptor);
      ec = {};
      const std::size_t written = co_await berth::with_timeout(5s, berth::async_write_some(*s, std::string_view("x"), ec));
      CHECK(written == 0);
      CHECK(ec == std::errc::bad_file_descriptor);
      ec = {};
      (void)co_await berth::with_timeout(5s, berth::async_read(*s, buffer, ec));
      CHECK(ec == std::errc::bad_file_descriptor);
      ec = {};
      (void)co_await berth::with_timeout(5s, berth::async_write(*s, std::string_view("x"), ec));
      CHECK(ec == std::errc::bad_file_descriptor);
      ec = {};
      co_await berth::with_timeout(5s, berth::async_wait_readable(*s, ec));
      CHECK(ec == std::errc::bad_file_descriptor);
      ec = {};
      co_await berth::with_timeout(5s, berth::async_wait_writable(*s, ec));
      CHECK(ec == std::errc::bad_file_descriptor);
    }
    ec = {};
    auto accepted = co_await berth::with_timeout(5s, berth::async_accept(no_acceptor, ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(accepted.is_open());
    berth::inet_endpoint peer;
    ec = {};
    (void)co_await berth::with_timeout(5s, berth::async_accept(no_acceptor, peer, ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    ec = {};
    (void)co_await berth::with_timeout(5s, berth::async_receive_from(no_datagram, buffer, peer, ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    ec = {};
    (void)co_await berth::with_timeout(5s, berth::async_send_to(no_datagram, std::string_view("x"), berth_test::loopback4(9), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    bool thrown = false;
    try {
      (void)co_await berth::async_read_some(a, buffer);
    } catch (const std::system_error& e) {
      thrown = e.code() == std::errc::bad_file_descriptor;
    }
    CHECK(thrown);
  }());
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("async_accept: out of descriptors is too_many_files_open") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto listener = berth::listen(berth_test::loopback4());
  auto client = berth::connect(listener.local_endpoint());
  std::error_code ec;
  {
    berth_test::descriptor_exhaustion full;
    if (full.exhausted()) {
      loop->run([](tcp_acceptor& l, std::error_code& e) -> berth::task<> {
        auto s = co_await berth::async_accept(l, e);
      }(listener, ec));
    }
    full.release();
    if (!full.exhausted()) {
      WARN("could not exhaust descriptors here");
      return;
    }
  }
  CHECK(ec == std::errc::too_many_files_open);
  // The connection is still there, accepted now that a descriptor is free.
  auto s = loop->run([](tcp_acceptor& l) -> berth::task<tcp> { co_return co_await berth::async_accept(l); }(listener));
  CHECK(s.is_open());
}

// ---- messages -----------------------------------------------------------------------------

BERTH_ASYNC_TEST("async_send / async_receive: datagrams and seqpacket - truncation reported") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair<berth::datagram>();
  auto [c, d] = berth::socket_pair<berth::seqpacket>();
  loop->run([](unix_datagram& x, unix_datagram& y, unix_seqpacket& p, unix_seqpacket& q) -> berth::task<> {
    std::array<char, 4> small{};
    co_await berth::spawn([](unix_datagram& s) -> berth::task<> {
      co_await berth::sleep_for(2ms);
      (void)co_await berth::async_send(s, "one");
      (void)co_await berth::async_send(s, "too long");
    }(x));
    {
      const auto got = co_await berth::async_receive(y, small);  // waits, then the first message
      CHECK(got == 3);
    }
    std::error_code ec;
    {
      const auto got = co_await berth::async_receive(y, small, ec);  // the buffer's size
      CHECK(got == 4);
    }
    CHECK(ec == berth::error::truncated);
    CHECK(std::string_view(small.data(), 4) == "too ");
    {
      const auto got = co_await berth::async_send(p, "packet");
      CHECK(got == 6);
    }
    std::array<char, 16> big{};
    {
      const auto got = co_await berth::async_receive(q, big);
      CHECK(got == 6);
    }
    p.close();
    {
      const auto got = co_await berth::async_receive(q, big);  // seqpacket: end of stream
      CHECK(got == 0);
    }
  }(a, b, c, d));
}

BERTH_ASYNC_TEST("async_send_to / async_receive_from: UDP - the sender's endpoint filled") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto server = berth::bind<berth::datagram>(berth_test::loopback4());
  auto client = berth::bind<berth::datagram>(berth_test::loopback4());
  loop->run([](udp& srv, udp& cli) -> berth::task<> {
    const auto to = srv.local_endpoint();
    co_await berth::spawn([](udp& s, berth::inet_endpoint e) -> berth::task<> {
      co_await berth::sleep_for(2ms);
      (void)co_await berth::async_send_to(s, "datagram", e);
      (void)co_await berth::async_send_to(s, "0123456789", e);
    }(cli, to));
    berth::inet_endpoint from;
    std::array<char, 8> buffer{};
    {
      const auto got = co_await berth::async_receive_from(srv, buffer, from);
      CHECK(got == 8);
    }
    CHECK(from == cli.local_endpoint());
    berth::inet_endpoint from2;
    std::error_code ec;
    {
      const auto got = co_await berth::async_receive_from(srv, buffer, from2, ec);
      CHECK(got == 8);
    }
    CHECK(ec == berth::error::truncated);
    CHECK(from2 == cli.local_endpoint());
  }(server, client));
}

// ---- waiting ------------------------------------------------------------------------------

BERTH_ASYNC_TEST("async_wait_readable / async_wait_writable: sockets and acceptors") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  auto listener = berth::listen(berth_test::loopback4());
  loop->run([](unix_stream& x, unix_stream& y, tcp_acceptor& l) -> berth::task<> {
    co_await berth::async_wait_writable(x);  // writable at once
    co_await berth::spawn([](unix_stream& s) -> berth::task<> {
      co_await berth::sleep_for(3ms);
      s.write("r");
    }(x));
    co_await berth::async_wait_readable(y);
    char c;
    CHECK(y.read_some(std::span<char>(&c, 1)) == 1);
    std::error_code ec;
    co_await berth::with_timeout(10ms, berth::async_wait_readable(y, ec));
    CHECK(ec == std::errc::timed_out);
    auto client = berth::connect(l.local_endpoint());
    co_await berth::async_wait_readable(l);  // a connection is waiting
    auto s = l.accept();
    CHECK(s.is_open());
  }(a, b, listener));
}

// ---- with_timeout -------------------------------------------------------------------------

BERTH_ASYNC_TEST("with_timeout: timed_out once the time passed - both forms; the result when it did not") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  loop->run([](unix_stream& x, unix_stream& y) -> berth::task<> {
    std::array<char, 4> buffer{};
    std::error_code ec;
    const auto start = std::chrono::steady_clock::now();
    {
      const auto got = co_await berth::with_timeout(20ms, berth::async_read_some(y, buffer, ec));
      CHECK(got == 0);
    }
    CHECK(ec == std::errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
    bool thrown = false;
    try {
      (void)co_await berth::with_timeout(5ms, berth::async_read(y, buffer));
    } catch (const std::system_error& e) {
      thrown = e.code() == std::errc::timed_out;
    }
    CHECK(thrown);
    // Completes first: its result, and the timer is gone (the loop does not wait for it).
    co_await berth::async_write(x, "abcd");
    {
      const auto got = co_await berth::with_timeout(std::chrono::hours(1), berth::async_read(y, buffer));
      CHECK(got == 4);
    }
    // A composed read that times out part-way reports the bytes it got.
    co_await berth::async_write(x, "ab");
    {
      const auto got = co_await berth::with_timeout(10ms, berth::async_read(y, buffer, ec));
      CHECK(got == 2);
    }
    CHECK(ec == std::errc::timed_out);
  }(a, b));
  // After the timeouts the socket still works, asynchronously and synchronously.
  a.write("ok");
  char two[2];
  CHECK(b.read(two) == 2);
}

BERTH_ASYNC_TEST("a socket used by async operations works afterwards with the synchronous API") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto listener = berth::listen(berth_test::loopback4());
  auto client = berth::connect(listener.local_endpoint());
  auto server = loop->run([](tcp_acceptor& l) -> berth::task<tcp> { co_return co_await berth::async_accept(l); }(listener));
  loop->run([](tcp& s, tcp& c) -> berth::task<> {
    co_await berth::async_write(c, "1234");
    char b4[4];
    (void)co_await berth::async_read(s, b4);
  }(server, client));
  CHECK_FALSE(berth_test::is_nonblocking(server.native_handle()));  // async I/O changed nothing
  CHECK_FALSE(berth_test::is_nonblocking(client.native_handle()));
  client.write("sync");
  char b4[4];
  CHECK(server.read(b4) == 4);
  // The listener: io_uring changes nothing; epoll's async_accept made it non-blocking.
  CHECK(berth_test::is_nonblocking(listener.native_handle()) == (TestType::value == berth::backend::epoll));
}

BERTH_ASYNC_TEST("with_timeout of async_connect: a handshake still going on at the deadline is timed_out, never a socket") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    // A listener whose queue is full: the kernel drops further SYNs, so a connect stays in
    // its handshake (the SYN is sent again after a second).
    berth::acceptor<berth::inet> full(berth_test::loopback4(), 0);
    std::vector<berth::descriptor> fillers;
    for (int k = 0; k < 4; ++k) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      REQUIRE(fd >= 0);
      fillers.emplace_back(fd);
      const berth::inet_endpoint to = full.local_endpoint();
      (void)::connect(fd, to.data(), to.size());
    }
    ::usleep(50000);  // their handshakes end (those that the queue takes)
    loop->run([](berth::inet_endpoint to) -> berth::task<> {
      std::error_code ec;
      auto s = co_await berth::with_timeout(100ms, berth::async_connect(to, ec));
      CHECK(ec == std::errc::timed_out);
      CHECK_FALSE(s.is_open());
    }(full.local_endpoint()));
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

// A unix listener whose backlog is full: a blocking connect waits for room. io_uring's
// connect waits so too (in the kernel's worker), and with_timeout ends it at its deadline;
// epoll has no edge for "room in the listener's queue", so its connect reports the
// non-blocking answer at once (docs/async.md).
BERTH_ASYNC_TEST("with_timeout of async_connect to a unix listener whose backlog is full: timed_out on io_uring, resource_unavailable_try_again at once on epoll") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    const auto name = berth::local_endpoint::abstract(berth_test::unique_abstract_name());
    auto full = berth::listen(name, 0);
    std::vector<unix_stream> fillers;
    for (int k = 0; k < 4; ++k) {
      auto s = unix_stream::open();
      s.set_nonblocking();
      std::error_code ec;
      s.connect(name, ec);
      if (ec) break;
      fillers.push_back(std::move(s));
    }
    REQUIRE_FALSE(fillers.empty());
    std::error_code ec;
    const bool epoll = loop->backend() == berth::backend::epoll;
    const auto t0 = std::chrono::steady_clock::now();
    const bool open = loop->run([](berth::local_endpoint to, std::error_code& e) -> berth::task<bool> {
      auto s = co_await berth::with_timeout(100ms, berth::async_connect(to, e));
      co_return s.is_open();
    }(name, ec));
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(open);
    if (epoll) {
      CHECK(ec == std::errc::resource_unavailable_try_again);
    } else {
      CHECK(ec == std::errc::timed_out);
      CHECK(waited >= 100ms);
    }
    CHECK(waited < 10s);  // it did not hang
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

TEST_CASE("event_loop::stop outside run() does nothing: the next run() runs its task", "[async]") {
  berth::event_loop loop;
  loop.stop();
  CHECK(loop.run([]() -> berth::task<int> { co_return 7; }()) == 7);
}

// A socket closed while an operation waits on it: the kernel gives its number to the next
// descriptor made, and what the loop knew of the old file must not be taken for the new
// one's (epoll: its registration went with the old file).
BERTH_ASYNC_TEST("a socket closed with an operation waiting on it: the next socket given its number is served") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [old_socket, old_peer] = berth::socket_pair();
    const int number = old_socket.native_handle();
    bool old_ended = false;
    std::error_code old_ec;
    loop->spawn([](unix_stream& s, bool& ended, std::error_code& ec) -> berth::task<> {
      char buffer[8];
      (void)co_await berth::async_read_some(s, buffer, ec);
      ended = true;
    }(old_socket, old_ended, old_ec));
    loop->run([]() -> berth::task<> { co_await berth::sleep_for(5ms); }());  // it waits
    REQUIRE_FALSE(old_ended);
    old_socket.close();
    auto [fresh, fresh_peer] = berth::socket_pair();
    REQUIRE(fresh.native_handle() == number);  // the kernel hands out the lowest free number
    fresh_peer.write(std::string_view("hi"));
    std::error_code ec;
    char buffer[8] = {};
    const std::size_t n = loop->run([](unix_stream& s, char (&b)[8], std::error_code& e) -> berth::task<std::size_t> {
      co_return co_await berth::with_timeout(5s, berth::async_read_some(s, b, e));
    }(fresh, buffer, ec));
    CHECK_FALSE(ec);
    CHECK(std::string_view(buffer, n) == "hi");
    fresh_peer.write(std::string_view("again"));  // and it waits for its own edges
    const std::size_t m = loop->run([](unix_stream& s, char (&b)[8], std::error_code& e) -> berth::task<std::size_t> {
      (void)co_await berth::sleep_for(1ms);
      co_return co_await berth::with_timeout(5s, berth::async_read_some(s, b, e));
    }(fresh, buffer, ec));
    CHECK_FALSE(ec);
    CHECK(std::string_view(buffer, m) == "again");
    if (loop->backend() == berth::backend::epoll) {
      // The old file's waiter, whose file is gone, ended with bad_file_descriptor when the
      // number was used again.
      CHECK(old_ended);
      CHECK(old_ec == std::errc::bad_file_descriptor);
    } else {
      // io_uring's receive holds the old file, which stays open until it ends: the peer's
      // end of stream ends it.
      old_peer.close();
      loop->run([](bool& ended) -> berth::task<> {
        for (int i = 0; i < 5000 && !ended; ++i) co_await berth::sleep_for(1ms);
      }(old_ended));
      CHECK(old_ended);
      CHECK_FALSE(old_ec);
    }
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

BERTH_ASYNC_TEST("a socket another task closes while an operation waits on it: epoll ends the operation with bad_file_descriptor") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  {
    auto [s, peer] = berth::socket_pair();
    std::error_code read_ec, write_ec;
    bool read_ended = false;
    loop->spawn([](unix_stream& socket, bool& ended, std::error_code& ec) -> berth::task<> {
      char buffer[8];
      (void)co_await berth::async_read_some(socket, buffer, ec);
      ended = true;
    }(s, read_ended, read_ec));
    loop->run([](unix_stream& socket, unix_stream& other, bool& ended) -> berth::task<> {
      co_await berth::sleep_for(2ms);  // the reader waits
      socket.close();
      for (int i = 0; i < 5000 && !ended; ++i) {
        co_await berth::sleep_for(1ms);
        if (i == 100) other.close();  // io_uring: the receive goes on until the peer's end
      }
    }(s, peer, read_ended));
    CHECK(read_ended);
    if (loop->backend() == berth::backend::epoll)
      CHECK(read_ec == std::errc::bad_file_descriptor);
    else
      CHECK_FALSE(read_ec);  // the end of stream
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

// Each kind of operation, waiting on epoll when another task closes its socket, ends with
// bad_file_descriptor (io_uring's kernel requests go on: the test above).
namespace {

struct close_outcome {
  bool ended = false;
  std::error_code ec;
};

template <class Socket>
berth::task<> close_soon(Socket& s, close_outcome& seen) {
  co_await berth::sleep_for(2ms);  // the operation waits
  REQUIRE_FALSE(seen.ended);
  s.close();
  for (int i = 0; i < 1000 && !seen.ended; ++i) co_await berth::sleep_for(1ms);
}

berth::task<> read_whole(unix_stream& s, std::span<char> b, close_outcome& o) {
  (void)co_await berth::async_read(s, b, o.ec);
  o.ended = true;
}
berth::task<> wait_readable(unix_stream& s, close_outcome& o) {
  co_await berth::async_wait_readable(s, o.ec);
  o.ended = true;
}
berth::task<> write_whole(unix_stream& s, std::span<const char> b, close_outcome& o) {
  (void)co_await berth::async_write(s, b, o.ec);
  o.ended = true;
}
berth::task<> accept_one(tcp_acceptor& l, close_outcome& o) {
  (void)co_await berth::async_accept(l, o.ec);
  o.ended = true;
}
berth::task<> receive_one(udp& s, std::span<char> b, berth::inet_endpoint& from, close_outcome& o) {
  (void)co_await berth::async_receive_from(s, b, from, o.ec);
  o.ended = true;
}

}  // namespace

TEST_CASE("epoll: every kind of operation waiting when another task closes its socket ends with bad_file_descriptor", "[async]") {
  berth::event_loop loop;
  const int before = berth_test::open_descriptor_count();
  char buffer[64];
  const std::vector<char> big(1 << 20, 'x');
  const auto check_ended = [](const close_outcome& o) {
    CHECK(o.ended);
    CHECK(o.ec == std::errc::bad_file_descriptor);
  };
  {
    auto pair = berth::socket_pair();
    close_outcome o;
    loop.spawn(read_whole(pair.first, buffer, o));  // a composed read
    loop.run(close_soon(pair.first, o));
    check_ended(o);
  }
  {
    auto pair = berth::socket_pair();
    close_outcome o;
    loop.spawn(wait_readable(pair.first, o));
    loop.run(close_soon(pair.first, o));
    check_ended(o);
  }
  {
    auto pair = berth::socket_pair();
    pair.first.set(berth::option::send_buffer_size{4096});
    close_outcome o;
    loop.spawn(write_whole(pair.first, big, o));  // a write the peer never reads
    loop.run(close_soon(pair.first, o));
    check_ended(o);
  }
  {
    auto listener = berth::listen(berth::inet_endpoint{berth::ipv4_address::loopback(), 0});
    close_outcome o;
    loop.spawn(accept_one(listener, o));
    loop.run(close_soon(listener, o));
    check_ended(o);
  }
  {
    auto socket = berth::bind<berth::datagram>(berth::inet_endpoint{berth::ipv4_address::loopback(), 0});
    berth::inet_endpoint from;
    close_outcome o;
    loop.spawn(receive_one(socket, buffer, from, o));
    loop.run(close_soon(socket, o));
    check_ended(o);
  }
  CHECK(berth_test::open_descriptor_count() == before);
}
