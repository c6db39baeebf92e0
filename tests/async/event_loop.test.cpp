// berth::event_loop: the backends, run, spawn, stop, time, destruction, and what happens
// when io_uring is not available or a spawned task throws.
#include <berth/async/event_loop.hpp>

#include <berth/async.hpp>

#include "async_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <coroutine>
#include <stdexcept>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace berth_test::types;

namespace {

berth::task<> append(std::vector<int>& order, int value) {
  order.push_back(value);
  co_return;
}

berth::task<> sleep_then_append(std::vector<int>& order, std::chrono::milliseconds d, int value) {
  co_await berth::sleep_for(d);
  order.push_back(value);
}

berth::task<> read_one(unix_stream& s, bool& done) {
  char c;
  (void)co_await berth::async_read_some(s, std::span<char>(&c, 1));
  done = true;
}

}  // namespace

BERTH_ASYNC_TEST("event_loop: backend() says which - run returns the task's value") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  CHECK(loop->backend() == TestType::value);
  CHECK(loop->run([]() -> berth::task<int> { co_return 5; }()) == 5);
  loop->run([]() -> berth::task<> { co_return; }());
}

TEST_CASE("event_loop: the default is epoll", "[async]") {
  berth::event_loop loop;
  CHECK(loop.backend() == berth::backend::epoll);
  CHECK_FALSE(loop.defers_task_work());
  std::error_code ec;
  berth::event_loop other(ec);
  CHECK_FALSE(ec);
}

TEST_CASE("event_loop: io_uring uses SINGLE_ISSUER and DEFER_TASKRUN where the kernel has them", "[async]") {
  std::error_code ec;
  berth::event_loop loop(berth::backend::io_uring, ec);
  if (ec) {
    WARN("io_uring not available here: " << ec.message());
    return;
  }
  CHECK(loop.backend() == berth::backend::io_uring);
  // Linux 6.1 and later have both; older kernels run without (the loop still works).
  if (!loop.defers_task_work()) WARN("this kernel has no DEFER_TASKRUN");
}

BERTH_ASYNC_TEST("event_loop: spawned tasks run in order - co_await spawn goes on at once") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  std::vector<int> order;
  loop->spawn(append(order, 1));
  loop->spawn(append(order, 2));
  loop->run([](std::vector<int>& o) -> berth::task<> {
    co_await berth::spawn(append(o, 4));
    o.push_back(3);
    co_await berth::sleep_for(1ms);  // the spawned one runs meanwhile
  }(order));
  CHECK(order == std::vector<int>{1, 2, 3, 4});
}

BERTH_ASYNC_TEST("event_loop: sleep_for and sleep_until resume in deadline order") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  std::vector<int> order;
  const auto start = std::chrono::steady_clock::now();
  loop->run([](std::vector<int>& o) -> berth::task<> {
    co_await berth::spawn(sleep_then_append(o, 30ms, 3));
    co_await berth::spawn(sleep_then_append(o, 10ms, 1));
    co_await berth::spawn(sleep_then_append(o, 20ms, 2));
    co_await berth::sleep_until(std::chrono::steady_clock::now() + 40ms);
    co_await berth::sleep_for(0ms);   // at once
    co_await berth::sleep_for(-5ms);  // at once
    o.push_back(4);
  }(order));
  CHECK(order == std::vector<int>{1, 2, 3, 4});
  CHECK(std::chrono::steady_clock::now() - start >= 40ms);
}

BERTH_ASYNC_TEST("event_loop: stop() ends run; spawned tasks wait for the next run") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  bool read_done = false;
  loop->spawn(read_one(b, read_done));
  berth::event_loop& l = *loop;
  loop->run([](berth::event_loop& lp) -> berth::task<> {
    co_await berth::sleep_for(1ms);
    lp.stop();
    co_await berth::sleep_for(std::chrono::hours(1));  // never reached: run returns first
  }(l));
  CHECK_FALSE(read_done);
  a.write("x");
  loop->run([](bool& done) -> berth::task<> {
    while (!done) co_await berth::sleep_for(1ms);
  }(read_done));
  CHECK(read_done);
}

BERTH_ASYNC_TEST("event_loop: run of a task<T> that stop() interrupted throws operation_canceled") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  berth::event_loop& l = *loop;
  const auto code = berth_test::thrown_code([&] {
    (void)l.run([](berth::event_loop& lp) -> berth::task<int> {
      lp.stop();
      co_await berth::sleep_for(1ms);
      co_return 1;
    }(l));
  });
  CHECK(code == std::errc::operation_canceled);
}

BERTH_ASYNC_TEST("event_loop: a task that nothing can wake is resource_deadlock_would_occur - not a hang") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  // The root awaits a task that awaits a never-resumed awaitable: no operation, no timer.
  struct forever {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
  };
  berth::event_loop& l = *loop;
  const auto code = berth_test::thrown_code([&] { l.run([]() -> berth::task<> { co_await forever{}; }()); });
  CHECK(code == std::errc::resource_deadlock_would_occur);
}

BERTH_ASYNC_TEST("event_loop: destroyed with tasks suspended - their sockets close and nothing leaks") {
  const int before = berth_test::open_descriptor_count();
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto [a, b] = berth::socket_pair();
  auto [c, d] = berth::socket_pair();
  bool done = false;
  // Two tasks own one end each and wait to read; a third sleeps for an hour.
  loop->spawn([](unix_stream s, bool& flag) -> berth::task<> { co_await read_one(s, flag); }(std::move(b), done));
  loop->spawn([](unix_stream s, bool& flag) -> berth::task<> { co_await read_one(s, flag); }(std::move(d), done));
  loop->spawn([]() -> berth::task<> { co_await berth::sleep_for(std::chrono::hours(1)); }());
  berth::event_loop& l = *loop;
  loop->run([](berth::event_loop& lp) -> berth::task<> {
    co_await berth::sleep_for(1ms);
    lp.stop();
  }(l));
  CHECK_FALSE(done);
  loop.reset();  // destroys the three tasks: b and d close
  char byte;
  CHECK(a.read_some(std::span<char>(&byte, 1)) == 0);  // the peer reads end of stream
  CHECK(c.read_some(std::span<char>(&byte, 1)) == 0);
  CHECK_FALSE(done);
  a.close();
  c.close();
  CHECK(berth_test::open_descriptor_count() == before);
}

TEST_CASE("event_loop: an exception escaping a spawned task calls std::terminate", "[async]") {
  for (const berth::backend b : {berth::backend::epoll, berth::backend::io_uring}) {
    const int status = berth_test::in_child([b] {
      ::signal(SIGABRT, SIG_DFL);
      std::error_code ec;
      berth::event_loop loop(b, ec);
      loop.spawn([]() -> berth::task<> {
        throw std::runtime_error("nobody catches this");
        co_return;
      }());
      loop.run([]() -> berth::task<> { co_await berth::sleep_for(1ms); }());
      return 0;  // not reached
    });
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGABRT);
  }
}

// A coroutine of the user's own, started at once: berth's operations awaited where no
// event_loop::run is going on.
struct started_at_once {
  struct promise_type {
    started_at_once get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};
started_at_once read_outside_run(unix_stream& s) {
  char byte[1];
  std::error_code ec;
  (void)co_await berth::async_read_some(s, byte, ec);
}
started_at_once sleep_outside_run() { co_await berth::sleep_for(1ms); }

TEST_CASE("an operation awaited outside event_loop::run ends the program before it does anything", "[async]") {
  auto pair = berth::socket_pair();
  unix_stream& a = pair.first;
  pair.second.write(std::string_view("x"));  // the read could complete at once: it must not
  for (const bool after_a_run : {false, true}) {
    const int read_status = berth_test::in_child([&a, after_a_run] {
      ::signal(SIGABRT, SIG_DFL);
      if (after_a_run) {  // a loop that ran and returned leaves none behind
        berth::event_loop loop;
        loop.run([]() -> berth::task<> { co_return; }());
      }
      read_outside_run(a);
      return 0;  // not reached
    });
    CHECK(WIFSIGNALED(read_status));
    CHECK(WTERMSIG(read_status) == SIGABRT);
  }
  const int sleep_status = berth_test::in_child([] {
    ::signal(SIGABRT, SIG_DFL);
    sleep_outside_run();
    return 0;
  });
  CHECK(WIFSIGNALED(sleep_status));
  CHECK(WTERMSIG(sleep_status) == SIGABRT);
  char byte = 0;
  CHECK(a.read_some(std::span<char>(&byte, 1)) == 1);  // no child took it
  CHECK(byte == 'x');
}

TEST_CASE("event_loop: io_uring refused (seccomp) is function_not_supported in both forms", "[async]") {
  for (const int refusal : {ENOSYS, EPERM}) {
    const int status = berth_test::in_child([refusal] {
      if (!berth_test::refuse_io_uring_setup(refusal)) return 10;
      std::error_code ec;
      berth::event_loop loop(berth::backend::io_uring, ec);
      if (ec != std::errc::function_not_supported) return 11;
      if (loop.backend() != berth::backend::epoll) return 12;  // the error-code form falls back
      if (loop.run([]() -> berth::task<int> { co_return 3; }()) != 3) return 13;
      const auto code = berth_test::thrown_code([] { berth::event_loop refused(berth::backend::io_uring); });
      if (code != std::errc::function_not_supported) return 14;
      berth::event_loop fine;  // the default is not affected
      return fine.backend() == berth::backend::epoll ? 0 : 15;
    });
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

TEST_CASE("event_loop: one loop per thread - concurrently", "[async]") {
  for (const berth::backend b : {berth::backend::epoll, berth::backend::io_uring}) {
    std::error_code probe;
    { berth::event_loop l(b, probe); }
    if (probe) continue;
    std::atomic<int> echoed{0};
    auto worker = [&] {
      berth::event_loop loop(b);
      auto [x, y] = berth::socket_pair();
      const int n = loop.run([](unix_stream& p, unix_stream& q) -> berth::task<int> {
        int rounds = 0;
        for (int i = 0; i < 100; ++i) {
          co_await berth::async_write(p, "ping");
          char buffer[4];
          co_await berth::async_read(q, buffer);
          ++rounds;
        }
        co_return rounds;
      }(x, y));
      echoed += n;
    };
    std::thread t1(worker), t2(worker);
    t1.join();
    t2.join();
    CHECK(echoed == 200);
  }
}

BERTH_ASYNC_TEST("event_loop: async_wait_readable on an eventfd (any descriptor)") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  berth::descriptor event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  REQUIRE(event.is_open());
  loop->run([](berth::descriptor& e) -> berth::task<> {
    co_await berth::spawn([](berth::descriptor& d) -> berth::task<> {
      co_await berth::sleep_for(5ms);
      const std::uint64_t one = 1;
      (void)!::write(d.native_handle(), &one, sizeof one);
    }(e));
    co_await berth::async_wait_readable(e);
    co_await berth::async_wait_writable(e);
  }(event));
}

// More operations started in one turn than the submission queue holds (4,096): the ring
// submits what waits and makes room, and reads the kernel's head again only then. Every
// one of them is submitted once and completes. (io_uring only: on epoll a descriptor has
// one waiter of each direction.)
TEST_CASE("event_loop: io_uring - more operations in one turn than its submission queue holds", "[async]") {
  std::error_code ec;
  berth::event_loop loop(berth::backend::io_uring, ec);
  if (ec) {
    WARN("io_uring not available here: " << ec.message());
    return;
  }
  berth::descriptor event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  REQUIRE(event.is_open());
  constexpr int waiters = 6000;
  int woken = 0;
  loop.run([](berth::descriptor& e, int& count) -> berth::task<> {
    for (int i = 0; i < waiters; ++i) {  // all start on the next turn, together
      co_await berth::spawn([](berth::descriptor& d, int& n) -> berth::task<> {
        co_await berth::async_wait_readable(d);
        ++n;
      }(e, count));
    }
    co_await berth::sleep_for(20ms);  // every one submitted and waiting
    CHECK(count == 0);
    const std::uint64_t one = 1;
    REQUIRE(::write(e.native_handle(), &one, sizeof one) == static_cast<ssize_t>(sizeof one));
    for (int k = 0; k < 5000 && count < waiters; ++k) co_await berth::sleep_for(1ms);  // 5 s at most
  }(event, woken));
  CHECK(woken == waiters);
}

TEST_CASE("event_loop: io_uring - how many completions a turn's wait asks for", "[async]") {
  berth::detail::uring_batching b;
  b.enable(true);
  using B = berth::detail::uring_batching;
  CHECK(b.threshold == B::min_in_flight);  // fewer owed: the loop never asks for a plan
  for (unsigned turn = 1; turn < B::first_probe; ++turn) CHECK(b.plan(1000) == 1);
  CHECK(b.plan(1000) == 1000 / 16);  // the 16th turn with many owed tries a batch
  b.got(62, 200);                    // 200 had come: ask for half of that, at most 64
  CHECK(b.plan(1000) == B::max_batch);
  b.got(64, 40);  // 40 came: ask for 20
  CHECK(b.plan(1000) == 20);
  b.got(20, 20);  // filled with no more to spare: ask for 10, never more than came
  CHECK(b.plan(1000) == 10);
  b.got(10, 2);  // fewer than 16 came: batching stops, tried again in 32 turns
  for (unsigned turn = 1; turn < 2 * B::first_probe; ++turn) CHECK(b.plan(1000) == 1);
  CHECK(b.plan(1000) == 62);
  CHECK(b.plan(50) == 50);  // never more than are owed
  for (unsigned fail = 0; fail < 10; ++fail) {
    b.got(50, 0);
    while (b.plan(1000) == 1) {
    }
  }
  CHECK(b.probe_every == B::last_probe);  // the wait between tries grows to 1,024 turns
  CHECK(b.batches == 14);
  CHECK(b.filled == 2);
  b.enable(false);  // the kernel has no IORING_FEAT_MIN_TIMEOUT: no count of operations
  CHECK_FALSE(b.enabled());  // reaches the threshold (the busy case below runs it so)
  CHECK(b.threshold == B::never);
}

namespace {

// One connection's traffic: `rounds` bytes written on `a`, each echoed back by the task
// on the other end (`echo_bytes`), and checked. Counts the rounds done.
berth::task<> ping(unix_stream& a, int rounds, int& done) {
  for (int i = 0; i < rounds; ++i) {
    const char out = static_cast<char>('a' + i % 26);
    char back = 0;
    co_await berth::async_write(a, std::string_view(&out, 1));
    co_await berth::async_read(a, std::span<char>(&back, 1));
    if (back != out) co_return;
    ++done;
  }
}

berth::task<> echo_bytes(unix_stream& b) {
  char c;
  std::error_code ec;
  while (co_await berth::async_read_some(b, std::span<char>(&c, 1), ec) == 1 && !ec)
    co_await berth::async_write(b, std::string_view(&c, 1));
}

berth::task<> idle_reader(unix_stream& b) {
  char c;
  std::error_code ec;
  (void)co_await berth::async_read_some(b, std::span<char>(&c, 1), ec);
}

}  // namespace

TEST_CASE("event_loop: io_uring - many connections busy at once are collected in batches", "[async]") {
  auto loop = berth_test::make_loop<berth_test::io_uring_backend>();
  if (!loop) return;
  constexpr int connections = 100, rounds = 200;
  std::vector<std::pair<unix_stream, unix_stream>> pairs;
  for (int i = 0; i < connections; ++i) pairs.push_back(berth::socket_pair());
  int done = 0;
  bool off = false;
  SECTION("batches where the kernel has them") {}
  SECTION("batches off, as on a kernel before 6.12: the same traffic, one completion a wait") { off = true; }
  berth::detail::uring_batching seen;
  loop->run([](auto& ps, int& d, bool no_batches, berth::detail::uring_batching& out) -> berth::task<> {
    if (no_batches) berth::detail::current_loop->ring.batching.enable(false);
    for (auto& [a, b] : ps) {
      co_await berth::spawn(echo_bytes(b));
      co_await berth::spawn(ping(a, rounds, d));
    }
    for (int k = 0; k < 10000 && d < connections * rounds; ++k) co_await berth::sleep_for(1ms);  // 10 s at most
    out = berth::detail::current_loop->ring.batching;
    for (auto& [a, b] : ps) a.shutdown(berth::shutdown_type::both);  // the echo tasks end
  }(pairs, done, off, seen));
  CHECK(done == connections * rounds);
  if (off) {
    CHECK(seen.batches == 0);
    return;
  }
  if (!seen.enabled()) {
    WARN("this kernel has no IORING_FEAT_MIN_TIMEOUT (Linux 6.12): a turn waits for one completion");
    CHECK(seen.batches == 0);
    return;
  }
  // 100 connections, each one message at a time: the loop's waits ask for batches, and
  // most batches fill.
  CHECK(seen.batches > 50);
  CHECK(seen.filled * 2 > seen.batches);
}

TEST_CASE("event_loop: io_uring - a few busy connections beside idle ones: batches as big as they can fill", "[async]") {
  // 10 connections, one message at a time each, offer fewer completions a turn than a
  // batch may hold: a batch bigger than that waits out its whole bound. Asking each time
  // for half of what came keeps the batches full (doubling after each full one made every
  // other one wait, half of them unfilled).
  auto loop = berth_test::make_loop<berth_test::io_uring_backend>();
  if (!loop) return;
  constexpr int busy = 10, idle = 200, rounds = 2000;
  std::vector<std::pair<unix_stream, unix_stream>> pairs;
  for (int i = 0; i < busy + idle; ++i) pairs.push_back(berth::socket_pair());
  int done = 0;
  berth::detail::uring_batching seen;
  loop->run([](auto& ps, int& d, berth::detail::uring_batching& out) -> berth::task<> {
    for (std::size_t i = 0; i < ps.size(); ++i) {
      if (i < busy) {
        co_await berth::spawn(echo_bytes(ps[i].second));
        co_await berth::spawn(ping(ps[i].first, rounds, d));
      } else {
        co_await berth::spawn(idle_reader(ps[i].second));
      }
    }
    for (int k = 0; k < 30000 && d < busy * rounds; ++k) co_await berth::sleep_for(1ms);  // 30 s at most
    out = berth::detail::current_loop->ring.batching;
    for (auto& [a, b] : ps) a.shutdown(berth::shutdown_type::both);
  }(pairs, done, seen));
  CHECK(done == busy * rounds);
  if (!seen.enabled()) return;
  INFO(seen.batches << " batch waits, " << seen.filled << " filled");
  CHECK(seen.batches > 100);
  CHECK(seen.filled * 10 > seen.batches * 9);
}

TEST_CASE("event_loop: io_uring - one connection's traffic beside many idle ones is not held for a batch", "[async]") {
  auto loop = berth_test::make_loop<berth_test::io_uring_backend>();
  if (!loop) return;
  constexpr int idle = 200, rounds = 2000;
  std::vector<std::pair<unix_stream, unix_stream>> pairs;
  for (int i = 0; i < idle + 1; ++i) pairs.push_back(berth::socket_pair());
  int done = 0;
  bool slept = false;
  berth::detail::uring_batching seen;
  const auto start = std::chrono::steady_clock::now();
  loop->run([](auto& ps, int& d, bool& s, berth::detail::uring_batching& out) -> berth::task<> {
    for (int i = 0; i < idle; ++i) co_await berth::spawn(idle_reader(ps[static_cast<std::size_t>(i)].second));
    co_await berth::spawn(echo_bytes(ps.back().second));
    co_await berth::spawn([](bool& flag) -> berth::task<> {  // a timer, with 200 reads owed
      co_await berth::sleep_for(2ms);
      flag = true;
    }(s));
    co_await ping(ps.back().first, rounds, d);
    out = berth::detail::current_loop->ring.batching;
    for (auto& [a, b] : ps) a.shutdown(berth::shutdown_type::both);
  }(pairs, done, slept, seen));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(done == rounds);
  CHECK(slept);
  INFO("2,000 round trips took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < 30s);  // it did not hang on a batch that cannot fill
  if (!seen.enabled()) return;
  // Batches were tried, never filled, and the tries grew rare: 16 + 32 + ... turns apart.
  CHECK(seen.batches > 0);
  CHECK(seen.filled == 0);
  CHECK(seen.batches < 40);  // every 16 turns would be hundreds
  CHECK(seen.probe_every > berth::detail::uring_batching::first_probe);
}
