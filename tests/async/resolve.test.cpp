// async_resolve and async_connect by name, on both backends: numeric hosts at once without
// a lookup, names from the test's own /etc/hosts (a private mount namespace: no query is
// ever sent), a lookup that does not block the loop, with_timeout and a destroyed task
// leaving the worker to finish alone, Happy Eyeballs raced on the loop, and
// async_connect(ip_endpoint).
#include <berth/async/resolve.hpp>

#include <berth/async.hpp>
#include <berth/resolve.hpp>

#include "async_support.hpp"
#include "hosts_namespace.hpp"

#include <dlfcn.h>
#include <netdb.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using berth::inet6_endpoint;
using berth::inet_endpoint;
using berth::ip_endpoint;
using berth::resolve_error;
using clock_type = std::chrono::steady_clock;
using ip_stream = berth::socket<berth::ip, berth::stream>;

// ---- the resolver, interposed ----------------------------------------------------------------
// This executable defines getaddrinfo, which berth's call (detail/resolver.hpp) binds to: it
// counts the calls and passes them on to the C library's, except for "slow.test", which
// waits until the test opens the gate and is then looked up as "v4.test" (127.0.0.1): a
// lookup that takes exactly as long as the test wants.

namespace fake {
std::atomic<int> lookups{0};       // getaddrinfo calls
std::atomic<int> slow_waiting{0};  // calls for slow.test inside the gate now
std::atomic<bool> gate_open{true};
using getaddrinfo_type = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
}  // namespace fake

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  ++fake::lookups;
  if (node != nullptr && std::strcmp(node, "slow.test") == 0) {
    ++fake::slow_waiting;
    for (int i = 0; i < 20000 && !fake::gate_open; ++i) ::usleep(1000);  // 20 s at most
    --fake::slow_waiting;
    node = "v4.test";
  }
  static const auto real = reinterpret_cast<fake::getaddrinfo_type>(::dlsym(RTLD_NEXT, "getaddrinfo"));
  return real(node, service, hints, result);
}

namespace {

double elapsed_ms(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

/// Waits (at most 5 s) until `expected` descriptors are open: a worker that outlived its
/// awaiter closes the eventfd when it ends, a moment after. Whether it came to that.
bool descriptors_come_to(int expected) {
  for (int i = 0; i < 5000; ++i) {
    if (berth_test::open_descriptor_count() == expected) return true;
    ::usleep(1000);
  }
  return berth_test::open_descriptor_count() == expected;
}

/// Waits (at most 5 s) until `n` lookups of slow.test wait at the gate.
bool slow_lookups_waiting(int n) {
  for (int i = 0; i < 5000 && fake::slow_waiting != n; ++i) ::usleep(1000);
  return fake::slow_waiting == n;
}

/// A listener whose accept queue is full, so that the kernel drops every further SYN: a
/// connection attempt to it pends, as to a black-holed address (as in tests/resolve.test.cpp).
template <class F>
struct black_hole {
  berth::acceptor<F> listener;
  berth::socket<F, berth::stream> filler;

  explicit black_hole(typename F::endpoint at) : listener(at, 0) {
    filler = berth::connect(listener.local_endpoint());
    auto probe = berth::socket<F, berth::stream>::open();
    probe.set_nonblocking();
    std::error_code ec;
    probe.connect(listener.local_endpoint(), ec);
    REQUIRE(ec == std::errc::operation_in_progress);
    REQUIRE(!probe.wait_writable(std::chrono::milliseconds(100)));
  }
  typename F::endpoint endpoint() const { return listener.local_endpoint(); }
};

/// A black hole on ::1 and a listener on 127.0.0.1, on the same port.
struct hole_and_listener {
  std::optional<black_hole<berth::inet6>> hole;
  berth::acceptor<berth::inet> open;
  std::uint16_t port = 0;

  hole_and_listener() {
    for (int tries = 0; tries < 50 && !open.is_open(); ++tries) {
      hole.emplace(berth_test::loopback6());
      port = hole->endpoint().port();
      std::error_code ec;
      open = berth::listen(berth_test::loopback4(port), ec);  // taken by someone else: another port
    }
    REQUIRE(open.is_open());
  }
};

/// A port on which neither ::1 nor 127.0.0.1 listens.
std::uint16_t closed_on_both() {
  for (int tries = 0; tries < 50; ++tries) {
    const auto v6 = berth::bind(berth_test::loopback6());
    const std::uint16_t port = v6.local_endpoint().port();
    std::error_code ec;
    const auto v4 = berth::bind(berth_test::loopback4(port), ec);
    if (!ec) return port;
  }
  FAIL("no port free on both loopbacks");
  return 0;
}

// Expected addresses, parsed outside the coroutines (clang 14 does not evaluate the
// literals' consteval operators inside one).
std::vector<ip_endpoint> ips(std::initializer_list<std::string_view> texts) {
  std::vector<ip_endpoint> v;
  for (const std::string_view t : texts) v.push_back(ip_endpoint::parse(t));
  return v;
}
std::vector<inet_endpoint> inets(std::initializer_list<std::string_view> texts) {
  std::vector<inet_endpoint> v;
  for (const std::string_view t : texts) v.push_back(inet_endpoint::parse(t));
  return v;
}

berth::task<> set_after_start(bool& flag) {
  flag = true;
  co_return;
}

berth::task<> open_gate_after(std::chrono::milliseconds d) {
  co_await berth::sleep_for(d);
  fake::gate_open = true;
}

berth::task<> tick_until(int& ticks, const bool& stop) {
  while (!stop) {
    co_await berth::sleep_for(5ms);
    ++ticks;
  }
}

}  // namespace

// ---- what compiles ---------------------------------------------------------------------------

template <class Op>
using awaited = decltype(std::declval<Op&>().await_resume());
static_assert(std::is_same_v<awaited<decltype(berth::async_resolve("", ""))>, std::vector<ip_endpoint>>);
static_assert(std::is_same_v<awaited<decltype(berth::async_resolve<berth::inet>("", std::uint16_t{1}))>,
                             std::vector<inet_endpoint>>);
static_assert(std::is_same_v<awaited<decltype(berth::async_resolve<berth::inet6, berth::datagram>("", ""))>,
                             std::vector<inet6_endpoint>>);
static_assert(std::is_same_v<awaited<decltype(berth::async_connect("", ""))>, ip_stream>);
static_assert(std::is_same_v<awaited<decltype(berth::async_connect("", 80))>, ip_stream>);
static_assert(std::is_same_v<awaited<decltype(berth::async_connect(std::declval<const ip_endpoint&>()))>, ip_stream>);
static_assert(noexcept(std::declval<decltype(berth::async_resolve("", "", std::declval<std::error_code&>()))&>().await_resume()));
static_assert(!noexcept(std::declval<decltype(berth::async_resolve("", ""))&>().await_resume()));
static_assert(noexcept(std::declval<decltype(berth::async_connect("", "", std::declval<std::error_code&>()))&>().await_resume()));
template <class F>
concept async_resolvable = requires { berth::async_resolve<F>("", ""); };
static_assert(async_resolvable<berth::ip> && async_resolvable<berth::inet> && async_resolvable<berth::inet6>);
static_assert(!async_resolvable<berth::local>);
// with_timeout takes both.
static_assert(berth::detail::deadline_operation<decltype(berth::async_resolve("", ""))>);
static_assert(berth::detail::deadline_operation<decltype(berth::async_connect("", ""))>);

// ---- numeric hosts: at once ------------------------------------------------------------------

BERTH_ASYNC_TEST("async_resolve: numeric hosts and ports at once - no lookup, no suspension - resolve's errors") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  fake::lookups = 0;
  loop->run([]() -> berth::task<> {
    bool other_ran = false;
    co_await berth::spawn(set_after_start(other_ran));  // runs on the next turn: only if this task waits
    {
      const auto got = co_await berth::async_resolve("127.0.0.1", "80");
      CHECK(got == ips({"127.0.0.1:80"}));
    }
    {
      const auto got = co_await berth::async_resolve("::1", std::uint16_t{443});
      CHECK(got == ips({"[::1]:443"}));
    }
    {
      const auto got = co_await berth::async_resolve<berth::inet>("127.0.0.1", "");
      CHECK(got == inets({"127.0.0.1:0"}));
    }
    std::error_code ec;
    {
      const auto got = co_await berth::async_resolve<berth::inet6>("127.0.0.1", "80", ec);
      CHECK(got.empty());
    }
    CHECK(ec == resolve_error::no_address);
    {
      const auto got = co_await berth::async_resolve("", "80", ec);
      CHECK(got.empty());
    }
    CHECK(ec == resolve_error::host_not_found);
    {
      const auto got = co_await berth::async_resolve("::1", "7", ec);
      CHECK(got == ips({"[::1]:7"}));
    }
    CHECK(!ec);
    // A service out of range or signed, which getaddrinfo would truncate to 16 bits.
    {
      const auto got = co_await berth::async_resolve("127.0.0.1", "65536", ec);
      CHECK(got.empty());
    }
    CHECK(ec == resolve_error::service_not_found);
    {
      const auto got = co_await berth::async_resolve("::1", "-1", ec);
      CHECK(got.empty());
    }
    CHECK(ec == resolve_error::service_not_found);
    CHECK(!other_ran);  // nothing above suspended
    try {
      (void)co_await berth::async_resolve("", "8080");
      FAIL("async_resolve did not throw");
    } catch (const std::system_error& e) {
      CHECK(e.code() == resolve_error::host_not_found);
      CHECK(std::string_view(e.what()).find(":8080") != std::string_view::npos);
    }
  }());
  CHECK(fake::lookups == 0);
  CHECK(berth_test::open_descriptor_count() == before);  // no eventfd was made
}

// ---- names: the test's hosts file ------------------------------------------------------------

BERTH_ASYNC_TEST("async_resolve: names from the hosts file as resolve returns them - unknown names host_not_found") {
  berth_test::use_test_hosts();
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  fake::lookups = 0;
  loop->run([]() -> berth::task<> {
    {
      const auto got = co_await berth::async_resolve("both.test", "80");
      CHECK(got == berth::resolve("both.test", "80"));
    }
    {
      const auto got = co_await berth::async_resolve("both.test", "80");
      CHECK(got == ips({"[::1]:80", "127.0.0.1:80"}));
    }
    {
      const auto got = co_await berth::async_resolve("localhost", std::uint16_t{8080});
      CHECK(got == ips({"[::1]:8080", "127.0.0.1:8080"}));
    }
    {
      const auto got = co_await berth::async_resolve<berth::inet>("dup.test", "1");
      CHECK(got == inets({"127.0.0.1:1", "127.0.0.2:1"}));
    }
    {
      const auto got = co_await berth::async_resolve("127.0.0.1", "http");
      CHECK(got == ips({"127.0.0.1:80"}));
    }
    std::error_code ec;
    {
      const auto got = co_await berth::async_resolve<berth::inet6>("v4.test", "80", ec);
      CHECK(got.empty());
    }
    CHECK(ec == resolve_error::no_address);
    const auto start = clock_type::now();
    {
      const auto got = co_await berth::async_resolve("no-such-name.test", "80", ec);
      CHECK(got.empty());
    }
    CHECK(ec == resolve_error::host_not_found);
    CHECK(elapsed_ms(start) < 2000);  // files only: nothing waited for
    {
      const auto got = co_await berth::async_resolve("v4.test", "no-such-service", ec);
      CHECK(got.empty());
    }
    CHECK(ec == resolve_error::service_not_found);
    try {
      (void)co_await berth::async_resolve("no-such-name.test", "443");
      FAIL("async_resolve did not throw");
    } catch (const std::system_error& e) {
      CHECK(e.code() == resolve_error::host_not_found);
      CHECK(std::string_view(e.what()).find("no-such-name.test:443") != std::string_view::npos);
    }
  }());
  CHECK(fake::lookups == 10);  // one each: none is a numeric host with a numeric port
  CHECK(descriptors_come_to(before));
}

BERTH_ASYNC_TEST("async_resolve: the loop runs while getaddrinfo waits") {
  berth_test::use_test_hosts();
  const int before = berth_test::open_descriptor_count();
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  fake::gate_open = false;
  int ticks = 0;
  bool resolved = false;
  const auto start = clock_type::now();
  loop->run([](int& t, bool& done) -> berth::task<> {
    co_await berth::spawn(open_gate_after(100ms));
    co_await berth::spawn(tick_until(t, done));
    const auto addresses = co_await berth::async_resolve("slow.test", "80");
    done = true;
    CHECK(addresses == ips({"127.0.0.1:80"}));
  }(ticks, resolved));
  const double ms = elapsed_ms(start);
  std::printf("async_resolve of a lookup held 100 ms: %.1f ms, %d ticks of 5 ms meanwhile\n", ms, ticks);
  CHECK(ms >= 90);
  CHECK(ticks >= 5);  // the ticker ran all along (5 ms sleeps: about 20)
  fake::gate_open = true;
  loop.reset();  // the ticker, suspended, goes with the loop
  CHECK(descriptors_come_to(before));
}

BERTH_ASYNC_TEST("async_resolve: with_timeout shorter than the lookup is timed_out - the worker finishes alone") {
  berth_test::use_test_hosts();
  const int before = berth_test::open_descriptor_count();
  {
    auto loop = berth_test::make_loop<TestType>();
    if (!loop) return;
    fake::gate_open = false;
    loop->run([]() -> berth::task<> {
      std::error_code ec;
      const auto start = clock_type::now();
      const auto addresses = co_await berth::with_timeout(50ms, berth::async_resolve("slow.test", "80", ec));
      const double ms = elapsed_ms(start);
      CHECK(ec == std::errc::timed_out);
      CHECK(addresses.empty());
      CHECK(ms >= 40);
      CHECK(ms < 2000);
      try {
        (void)co_await berth::with_timeout(20ms, berth::async_resolve<berth::inet>("slow.test", std::uint16_t{1}));
        FAIL("async_resolve did not throw");
      } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::timed_out);
      }
      // A with_timeout longer than the lookup: its result. (The gate lets the two workers
      // above go on too.)
      co_await berth::spawn(open_gate_after(30ms));
      {
        const auto got = co_await berth::with_timeout(5s, berth::async_resolve("slow.test", "9", ec));
        CHECK(got == ips({"127.0.0.1:9"}));
      }
      CHECK(!ec);
    }());
    CHECK(slow_lookups_waiting(0));
  }
  CHECK(descriptors_come_to(before));  // both workers closed their eventfds and freed their state
}

BERTH_ASYNC_TEST("async_resolve: a task destroyed while getaddrinfo runs leaves nothing behind") {
  berth_test::use_test_hosts();
  const int before = berth_test::open_descriptor_count();
  fake::gate_open = false;
  {
    auto loop = berth_test::make_loop<TestType>();
    if (!loop) return;
    for (int i = 0; i < 3; ++i)
      loop->spawn([]() -> berth::task<> {
        (void)co_await berth::async_resolve("slow.test", "80");
        FAIL("the lookup was not cancelled");
      }());
    loop->run([]() -> berth::task<> { co_await berth::sleep_for(20ms); }());
    CHECK(slow_lookups_waiting(3));
  }  // the loop destroys the three tasks, each suspended on its eventfd
  fake::gate_open = true;
  CHECK(slow_lookups_waiting(0));
  CHECK(descriptors_come_to(before));
}

// ---- connecting by name ----------------------------------------------------------------------

BERTH_ASYNC_TEST("async_connect by name: ::1 black-holed, 127.0.0.1 wins about 250 ms later - the loser closed") {
  berth_test::use_test_hosts();
  hole_and_listener race;
  const int before = berth_test::open_descriptor_count();
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  int ticks = 0;
  bool connected = false;
  const auto start = clock_type::now();
  ip_stream s = loop->run([](std::uint16_t port, int& t, bool& done) -> berth::task<ip_stream> {
    co_await berth::spawn(tick_until(t, done));
    ip_stream c = co_await berth::async_connect("both.test", port);  // ::1 first (RFC 6724), then 127.0.0.1
    done = true;
    co_return c;
  }(race.port, ticks, connected));
  const double ms = elapsed_ms(start);
  std::printf("async Happy Eyeballs, ::1 black-holed, 127.0.0.1 listening: connected in %.1f ms (%d ticks)\n", ms,
              ticks);
  CHECK(s.remote_endpoint() == ip_endpoint(berth::ipv4_address::loopback(), race.port));
  CHECK(ms >= 200);   // the second attempt waited for the Connection Attempt Delay
  CHECK(ms < 3000);   // and not for TCP to give up on the first
  CHECK(ticks >= 5);  // the loop ran meanwhile
  CHECK(!berth_test::is_nonblocking(s.native_handle()));
  CHECK(berth_test::is_close_on_exec(s.native_handle()));
  loop.reset();
  CHECK(descriptors_come_to(before + 1));  // the winner only
  auto server = race.open.accept();
  s.write("x");
  char c = 0;
  CHECK(server.read_some(std::span<char>(&c, 1)) == 1);
}

BERTH_ASYNC_TEST("async_connect by name: a numeric host - a port - the error of the last attempt - the name's errors") {
  berth_test::use_test_hosts();
  auto listener = berth::listen(berth_test::loopback4());
  const std::uint16_t port = listener.local_endpoint().port();
  const std::uint16_t closed = closed_on_both();
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  const int before = berth_test::open_descriptor_count();
  fake::lookups = 0;
  loop->run([](berth::acceptor<berth::inet>& l, std::uint16_t open, std::uint16_t refused) -> berth::task<> {
    {
      ip_stream s = co_await berth::async_connect("127.0.0.1", open);
      CHECK(s.remote_endpoint() == ip_endpoint(berth::ipv4_address::loopback(), open));
      CHECK(fake::lookups == 0);  // read as a number
      auto server = co_await berth::async_accept(l);
      ip_stream t = co_await berth::async_connect("v4.test", std::to_string(open));
      CHECK(t.remote_endpoint().port() == open);
      auto server2 = co_await berth::async_accept(l);
    }
    std::error_code ec;
    {
      const auto got = co_await berth::async_connect("both.test", refused, ec);  // both refused
      CHECK(!got.is_open());
    }
    CHECK(ec == std::errc::connection_refused);
    {
      const auto got = co_await berth::async_connect("no-such-name.test", "80", ec);
      CHECK(!got.is_open());
    }
    CHECK(ec == resolve_error::host_not_found);
    {
      const auto got = co_await berth::async_connect("224.0.0.1", "9", ec);  // refused by the kernel at once
      CHECK(!got.is_open());
    }
    CHECK(ec == std::errc::network_unreachable);
    try {
      (void)co_await berth::async_connect("both.test", refused);
      FAIL("async_connect did not throw");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::connection_refused);
      CHECK(std::string_view(e.what()).find("both.test:" + std::to_string(refused)) != std::string_view::npos);
    }
  }(listener, port, closed));
  CHECK(descriptors_come_to(before));
}

BERTH_ASYNC_TEST("async_connect by name: with_timeout on a black hole is timed_out - a destroyed race leaves nothing") {
  berth_test::use_test_hosts();
  black_hole<berth::inet6> hole(berth_test::loopback6());
  const std::uint16_t port = hole.endpoint().port();
  const int before = berth_test::open_descriptor_count();
  {
    auto loop = berth_test::make_loop<TestType>();
    if (!loop) return;
    loop->run([](std::uint16_t p) -> berth::task<> {
      std::error_code ec;
      const auto start = clock_type::now();
      ip_stream s = co_await berth::with_timeout(300ms, berth::async_connect("v6.test", p, ec));
      const double ms = elapsed_ms(start);
      std::printf("async_connect by name to a black hole, 300 ms timeout: timed out after %.1f ms\n", ms);
      CHECK(!s.is_open());
      CHECK(ec == std::errc::timed_out);
      CHECK(ms >= 250);
      CHECK(ms < 3000);
      // The deadline while the name is still being looked up.
      fake::gate_open = false;
      s = co_await berth::with_timeout(50ms, berth::async_connect("slow.test", p, ec));
      CHECK(ec == std::errc::timed_out);
      fake::gate_open = true;
    }(port));
    // A race destroyed with the loop, its attempt pending.
    loop->spawn([](std::uint16_t p) -> berth::task<> {
      (void)co_await berth::async_connect("v6.test", p);
      FAIL("the race was not cancelled");
    }(port));
    loop->run([]() -> berth::task<> { co_await berth::sleep_for(50ms); }());
  }
  CHECK(descriptors_come_to(before));
}

BERTH_ASYNC_TEST("async_connect(ip_endpoint): the family chosen at run time") {
  auto loop = berth_test::make_loop<TestType>();
  if (!loop) return;
  auto l4 = berth::listen(berth_test::loopback4());
  auto l6 = berth::listen(berth_test::loopback6());
  const int before = berth_test::open_descriptor_count();
  loop->run([](berth::acceptor<berth::inet>& a4, berth::acceptor<berth::inet6>& a6) -> berth::task<> {
    const ip_endpoint to4 = a4.local_endpoint(), to6 = a6.local_endpoint();
    ip_stream s4 = co_await berth::async_connect(to4);
    ip_stream s6 = co_await berth::async_connect(to6);
    CHECK(s4.remote_endpoint() == to4);
    CHECK(s6.remote_endpoint() == to6);
    CHECK(!berth_test::is_nonblocking(s6.native_handle()));
    auto c4 = co_await berth::async_accept(a4);
    auto c6 = co_await berth::async_accept(a6);
    std::error_code ec;
    const ip_endpoint nobody(berth::ipv6_address::loopback(), closed_on_both());
    {
      const auto got = co_await berth::async_connect(nobody, ec);
      CHECK(!got.is_open());
    }
    CHECK(ec == std::errc::connection_refused);
  }(l4, l6));
  CHECK(berth_test::open_descriptor_count() == before);
}
