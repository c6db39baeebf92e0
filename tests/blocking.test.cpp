// The blocking policy (detail/blocking.hpp) as users meet it: a time limit holds however
// many signals arrive, and every duration a wait takes is defined (NaN, infinities, the
// largest of each type).
#include <berth/berth.hpp>

#include "sockets.hpp"

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <span>
#include <system_error>
#include <thread>
#include <vector>

namespace bt = berth_test;
using namespace bt::types;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

/// Runs `call()` on this thread while another thread sends it SIGUSR1 every millisecond
/// (a handler without SA_RESTART, so each signal interrupts the blocked call), for at most
/// `storm` or until the call returns. Returns how long the call took.
template <class Call>
steady_clock::duration under_signal_storm(Call call, std::chrono::milliseconds storm = 3000ms) {
  const bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  const pthread_t target = ::pthread_self();
  std::atomic<bool> done{false};
  std::thread sender([&] {
    const auto until = steady_clock::now() + storm;
    while (!done.load() && steady_clock::now() < until) {
      ::pthread_kill(target, SIGUSR1);
      std::this_thread::sleep_for(1ms);
    }
  });
  const auto start = steady_clock::now();
  call();
  const auto took = steady_clock::now() - start;
  done = true;
  sender.join();
  return took;
}

/// A limit of 200 ms must end the call in well under the storm's 3 s (berth 0.1 restarted
/// the full limit after every signal and waited as long as the storm lasted).
constexpr auto limit = 200ms;
constexpr auto ended_in_time = 1500ms;

}  // namespace

TEST_CASE("receive_timeout holds under a storm of signals: read_some, read, receive, receive_from, accept") {
  auto c = bt::connect_pair<berth::inet>();
  c.server.set(berth::option::receive_timeout{limit});
  char buffer[16];
  std::error_code ec;
  auto took = under_signal_storm([&] { (void)c.server.read_some(buffer, ec); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took >= limit - 10ms);
  CHECK(took < ended_in_time);

  c.client.write("part");  // read finds part of what it wants, then waits
  took = under_signal_storm([&] { CHECK(c.server.read(buffer, ec) == 4); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took < ended_in_time);

  auto server = berth::bind<berth::datagram>(bt::loopback4());
  server.set(berth::option::receive_timeout{limit});
  took = under_signal_storm([&] { (void)server.receive(buffer, ec); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took < ended_in_time);
  berth::inet_endpoint from;
  took = under_signal_storm([&] { (void)server.receive_from(buffer, from, ec); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took < ended_in_time);

  c.listener.set(berth::option::receive_timeout{limit});
  took = under_signal_storm([&] { (void)c.listener.accept(ec); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took < ended_in_time);
}

TEST_CASE("send_timeout holds under a storm of signals: write, write_some, send") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  a.set(berth::option::send_buffer_size{4096});
  a.set(berth::option::send_timeout{limit});
  const std::vector<char> chunk(4096, 'x');
  std::error_code ec;
  for (int i = 0; i < 10000 && !ec; ++i) (void)a.write_some(chunk, ec);  // fill it
  REQUIRE(ec == std::errc::resource_unavailable_try_again);
  auto took = under_signal_storm([&] { (void)a.write(chunk, ec); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took < ended_in_time);
  took = under_signal_storm([&] { (void)a.write_some(chunk, ec); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took < ended_in_time);

  auto d1d2 = berth::socket_pair<berth::datagram>();  // not a structured binding: clang 14 cannot capture one
  auto& d1 = d1d2.first;
  d1.set(berth::option::send_timeout{limit});
  ec.clear();
  for (int i = 0; i < 100000 && !ec; ++i) (void)d1.send("datagram", ec);  // fill the peer's queue
  REQUIRE(ec == std::errc::resource_unavailable_try_again);
  took = under_signal_storm([&] { (void)d1.send("datagram", ec); });
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(took < ended_in_time);
}

TEST_CASE("without a time limit a storm of signals is waited out: the call completes when data comes") {
  auto c = bt::connect_pair<berth::inet>();
  char buffer[5];
  std::thread writer([&] {
    std::this_thread::sleep_for(300ms);
    c.client.write("hello");
  });
  std::error_code ec;
  (void)under_signal_storm([&] { CHECK(c.server.read(buffer, ec) == 5); }, 1000ms);
  writer.join();
  CHECK_FALSE(ec);
}

TEST_CASE("wait_readable and wait_writable take any duration: NaN is invalid_argument, infinities and the largest values are defined") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  std::error_code ec;
  using fseconds = std::chrono::duration<double>;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  CHECK_FALSE(b.wait_readable(fseconds(nan), ec));
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { (void)b.wait_readable(fseconds(nan)); }) == std::errc::invalid_argument);
  CHECK_FALSE(b.wait_writable(std::chrono::duration<float, std::milli>(std::numeric_limits<float>::quiet_NaN()), ec));
  CHECK(ec == std::errc::invalid_argument);

  // Nothing to read: -infinity and the most negative values poll once.
  CHECK_FALSE(b.wait_readable(fseconds(-inf), ec));
  CHECK_FALSE(ec);
  CHECK_FALSE(b.wait_readable(std::chrono::nanoseconds::min(), ec));
  CHECK_FALSE(ec);
  CHECK_FALSE(b.wait_readable(std::chrono::duration<long double>(-1e300L), ec));
  CHECK_FALSE(ec);

  // Something to read: +infinity and the largest values wait forever, so return at once.
  a.write("x");
  CHECK(b.wait_readable(fseconds(inf), ec));
  CHECK_FALSE(ec);
  CHECK(b.wait_readable(std::chrono::hours::max(), ec));
  CHECK(b.wait_readable(std::chrono::nanoseconds::max(), ec));
  CHECK(b.wait_readable(std::chrono::duration<double>(1e300), ec));
  CHECK(b.wait_readable(std::chrono::duration<float>(std::numeric_limits<float>::max()), ec));
  CHECK(b.wait_readable(std::chrono::duration<unsigned long long, std::nano>::max(), ec));
  CHECK(a.wait_writable(fseconds(inf), ec));
  CHECK_FALSE(ec);
}

TEST_CASE("connect with a NaN timeout is invalid_argument and opens nothing, infinite waits as a plain connect") {
  auto listener = berth::listen(bt::loopback4());
  std::error_code ec;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto s = berth::connect(listener.local_endpoint(), std::chrono::duration<double>(nan), ec);
  CHECK_FALSE(s.is_open());
  CHECK(ec == std::errc::invalid_argument);
  auto t = berth::connect(listener.local_endpoint(),
                          std::chrono::duration<double>(std::numeric_limits<double>::infinity()), ec);
  CHECK(t.is_open());
  CHECK_FALSE(ec);
  auto u = berth::connect(listener.local_endpoint(), std::chrono::seconds::max(), ec);
  CHECK(u.is_open());
  auto server1 = listener.accept();
  auto server2 = listener.accept();
}
