// Faults and the traps the issue measured: a peer that resets mid-write, a peer that never
// reads, tasks destroyed while their kernel operation is pending, a loop destroyed with an
// accept armed (the port must be free afterwards), one busy connection starving others,
// and allocations in the steady state.
#include <berth/async.hpp>

#include "async_support.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;
using namespace berth_test::types;

BERTH_ASYNC_TEST("faults: a peer that resets mid-write: connection_reset or broken_pipe") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto listener = berth::listen(berth_test::loopback4());
  auto client = berth::connect(listener.local_endpoint());
  auto server = listener.accept();
  const std::vector<char> big(8 << 20, 'z');
  std::error_code ec;
  std::size_t sent = 0;
  loop->run([](tcp& s, tcp& peer, const std::vector<char>& data, std::error_code& e, std::size_t& n) -> berth::task<> {
    co_await berth::spawn([](tcp& p) -> berth::task<> {
      co_await berth::sleep_for(10ms);  // the writer is blocked on a full socket by now
      p.set(berth::option::linger{true, std::chrono::seconds(0)});
      p.close();  // RST
    }(peer));
    n = co_await berth::with_timeout(10s, berth::async_write(s, data, e));
  }(server, client, big, ec, sent));
  CHECK((ec == std::errc::connection_reset || ec == std::errc::broken_pipe));
  CHECK(sent < big.size());
}

BERTH_ASYNC_TEST("faults: a peer that never reads: the writer's with_timeout fires") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  a.set(berth::option::send_buffer_size{4096});
  const std::vector<char> big(4 << 20, 'w');
  std::error_code ec;
  std::size_t sent = 0;
  loop->run([](unix_stream& s, const std::vector<char>& data, std::error_code& e, std::size_t& n) -> berth::task<> {
    n = co_await berth::with_timeout(50ms, berth::async_write(s, data, e));
  }(a, big, ec, sent));
  CHECK(ec == std::errc::timed_out);
  CHECK(sent > 0);
  CHECK(sent < big.size());
  // Both ends still work: what was sent arrives.
  std::vector<char> got(sent);
  CHECK(b.read(got) == sent);
}

BERTH_ASYNC_TEST("faults: a task destroyed while suspended: its operation is cancelled and collected") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  berth::event_loop& l = *loop;
  // The root reads into a buffer in its own frame; stop() makes run destroy it mid-read.
  loop->run([](unix_stream& s, berth::event_loop& lp) -> berth::task<> {
    co_await berth::spawn([](berth::event_loop& p) -> berth::task<> {
      co_await berth::sleep_for(2ms);
      p.stop();
    }(lp));
    std::array<char, 4096> in_frame{};
    (void)co_await berth::async_read(s, in_frame);
  }(b, l));
  // Had the read stayed armed, these bytes would land in the freed frame (ASan would
  // report it); instead they wait in the socket for the next reader.
  a.write("after");
  const std::size_t n = loop->run([](unix_stream& s) -> berth::task<std::size_t> {
    std::array<char, 16> buffer{};
    co_return co_await berth::with_timeout(5s, berth::async_read_some(s, buffer));
  }(b));
  CHECK(n == 5);
}

BERTH_ASYNC_TEST("faults: a loop destroyed with an accept armed leaves the port free") {
  // io_uring's teardown is asynchronous: an accept left in flight would keep the listener
  // (and its port) alive after the ring's descriptor closed. The loop cancels and collects
  // it first, so binding the port again (without SO_REUSEPORT) works at once.
  berth::inet_endpoint where;
  {
    auto loop = berth_test::make_loop<TestType>();
    if (!loop) return;
    auto listener = berth::listen(berth_test::loopback4());
    where = listener.local_endpoint();
    loop->spawn([](tcp_acceptor l) -> berth::task<> {
      auto c = co_await berth::async_accept(l);  // never comes; l is in this task's frame
    }(std::move(listener)));
    berth_test::run_for(*loop, 2ms);
  }  // the loop goes: accept cancelled and collected, then the task (and listener) destroyed
  std::error_code ec;
  auto again = berth::socket<berth::inet, berth::stream>::open();
  again.bind(where, ec);
  CHECK_FALSE(ec);
}

BERTH_ASYNC_TEST("faults: many tasks destroyed with operations in flight - nothing leaks") {
  const int before = berth_test::open_descriptor_count();
  {
    auto loop = berth_test::make_loop<TestType>();
    if (!loop) return;
    for (int i = 0; i < 200; ++i) {
      auto [a, b] = berth::socket_pair();
      loop->spawn([](unix_stream x, unix_stream y) -> berth::task<> {
        std::array<char, 64> buffer{};
        co_await berth::spawn([](unix_stream& s) -> berth::task<> {
          std::array<char, 8> other{};
          (void)co_await berth::async_read(s, other);
        }(x));
        (void)co_await berth::with_timeout(1h, berth::async_read(y, buffer));
      }(std::move(a), std::move(b)));
    }
    berth_test::run_for(*loop, 5ms);
  }
  CHECK(berth_test::open_descriptor_count() == before);
}

TEST_CASE("faults: io_uring, a kernel that refuses CANCEL_ANY - each operation is cancelled on its own, nothing leaks", "[async]") {
  // The loop's teardown cancels everything with one IORING_ASYNC_CANCEL_ANY (Linux 5.19).
  // An older kernel answers EINVAL; then each operation must be cancelled and collected
  // as its awaiter is destroyed. This kernel knows the flag, so the teardown is made to
  // send one no kernel knows, which every kernel refuses the same way.
  const int before = berth_test::open_descriptor_count();
  int answer = 12345;
  berth::inet_endpoint where;
  {
    auto loop = berth_test::make_loop<berth_test::io_uring_backend>();
    if (!loop) return;
    auto listener = berth::listen(berth_test::loopback4());
    where = listener.local_endpoint();
    loop->spawn([](tcp_acceptor l) -> berth::task<> {
      auto c = co_await berth::async_accept(l);  // never comes: armed at the teardown
    }(std::move(listener)));
    for (int i = 0; i < 50; ++i) {
      auto [a, b] = berth::socket_pair();
      if (i % 2 == 0) a.write("abc");  // a composed read: its first part done, its second in flight
      loop->spawn([](unix_stream /*writer, kept open*/, unix_stream y, bool timed) -> berth::task<> {
        std::array<char, 8> buffer{};
        if (timed)
          (void)co_await berth::with_timeout(1h, berth::async_read(y, buffer));  // and its linked timeout
        else
          (void)co_await berth::async_read(y, buffer);
      }(std::move(a), std::move(b), i % 4 < 2));
    }
    berth::event_loop& lp = *loop;
    loop->run([](berth::event_loop& p, int& out) -> berth::task<> {
      berth::detail::current_loop->ring.cancel_all_seam.flags = 1u << 31;
      berth::detail::current_loop->ring.cancel_all_seam.answer = &out;
      co_await berth::sleep_for(5ms);
      p.stop();
    }(lp, answer));
  }  // the loop goes: CANCEL_ANY refused, then each task destroyed cancels its own
  CHECK(answer == -EINVAL);  // the path under test was taken
  CHECK(berth_test::open_descriptor_count() == before);
  std::error_code ec;  // the accept was cancelled and collected before its listener closed
  auto again = berth::socket<berth::inet, berth::stream>::open();
  again.bind(where, ec);
  CHECK_FALSE(ec);
}

BERTH_ASYNC_TEST("faults: one busy connection does not starve another (a budget per wake-up)") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  auto [c, d] = berth::socket_pair();
  a.set(berth::option::send_buffer_size{1 << 20});
  const std::vector<char> flood(512 * 1024, 'f');
  a.write(flood);  // b has more than the busy reader will take
  c.write("q");
  int busy_reads = 0;
  int busy_reads_when_other_served = -1;
  loop->run([](unix_stream& busy, unix_stream& quiet, int& count, int& seen) -> berth::task<> {
    co_await berth::spawn([](unix_stream& s, int& n, int& at) -> berth::task<> {
      char one;
      (void)co_await berth::async_read_some(s, std::span<char>(&one, 1));
      at = n;
    }(quiet, count, seen));
    std::array<char, 64> buffer{};
    for (; count < 1000; ++count) (void)co_await berth::async_read_some(busy, buffer);
  }(b, d, busy_reads, busy_reads_when_other_served));
  // Every read of the busy one completed at once; the quiet one was still served within
  // a budget's worth of them.
  CHECK(busy_reads_when_other_served >= 0);
  CHECK(busy_reads_when_other_served <= 2 * berth::detail::epoll_reactor::budget);
}

BERTH_ASYNC_TEST("faults: no allocation per message in the steady state") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto listener = berth::listen(berth_test::loopback4());
  const auto where = listener.local_endpoint();
  std::size_t allocations = 99;
  loop->run([](tcp_acceptor& l, berth::inet_endpoint to, std::size_t& counted) -> berth::task<> {
    co_await berth::spawn([](tcp_acceptor& a) -> berth::task<> {
      auto s = co_await berth::async_accept(a);
      std::array<char, 64> buffer{};
      for (;;) {
        std::error_code ec;
        const std::size_t n = co_await berth::async_read_some(s, buffer, ec);
        if (ec || n == 0) co_return;
        co_await berth::async_write(s, std::string_view(buffer.data(), n), ec);
      }
    }(l));
    auto c = co_await berth::async_connect(to);
    std::array<char, 64> echo{};
    const auto round_trip = [&]() -> berth::task<> {
      co_await berth::async_write(c, std::string_view("0123456789abcdef"));
      (void)co_await berth::async_read(c, std::span<char>(echo.data(), 16));
    };
    for (int i = 0; i < 100; ++i) co_await round_trip();  // warm: tables and pools grown
    berth_test::allocation_counter counter;
    for (int i = 0; i < 1000; ++i) co_await round_trip();
    counted = counter.count();
  }(listener, where, allocations));
  CHECK(allocations == 0);
}

TEST_CASE("faults: an operation that can complete at once does not suspend (epoll)", "[async]") {
  berth::event_loop loop;
  auto [a, b] = berth::socket_pair();
  bool other_ran = false;
  loop.run([](unix_stream& x, unix_stream& y, bool& ran) -> berth::task<> {
    co_await berth::spawn([](bool& r) -> berth::task<> {
      r = true;
      co_return;
    }(ran));
    // Had any of these suspended, the spawned task (queued first) would have run.
    for (int i = 0; i < 5; ++i) {
      (void)co_await berth::async_write_some(x, "ab");
      char two[2];
      (void)co_await berth::async_read(y, two);
    }
    CHECK_FALSE(ran);
    co_await berth::sleep_for(1ms);
    CHECK(ran);
  }(a, b, other_ran));
}
