#include <berth/resolve.hpp>

#include "catch.hpp"
#include "hosts_namespace.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <berth/acceptor.hpp>
#include <berth/literals.hpp>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

// ---- the resolver, interposed --------------------------------------------------------------
// This executable defines getaddrinfo and freeaddrinfo, which the dynamic linker then binds
// berth's calls (detail/resolver.hpp) to: each counts the call and passes it on to the C
// library's (RTLD_NEXT), unless the test asked for a failure or a list of its own.

namespace fake {
std::atomic<int> lookups{0};  // getaddrinfo calls
std::atomic<int> lists{0};    // lists handed out (getaddrinfo returned 0)
std::atomic<int> frees{0};    // freeaddrinfo calls
int fail_with = 0;            // an EAI_* code for getaddrinfo to return
int fail_errno = 0;           // errno that comes with it
addrinfo* own_list = nullptr;  // a list for getaddrinfo to return (not the C library's)
addrinfo last_hints{};
std::string last_node, last_service;
bool had_service = false;

void reset() {
  lookups = lists = frees = 0;
  fail_with = fail_errno = 0;
  own_list = nullptr;
}

using getaddrinfo_type = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
using freeaddrinfo_type = void (*)(addrinfo*);
}  // namespace fake

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  ++fake::lookups;
  fake::last_hints = hints != nullptr ? *hints : addrinfo{};
  fake::last_node = node != nullptr ? node : "";
  fake::had_service = service != nullptr;
  fake::last_service = service != nullptr ? service : "";
  if (fake::fail_with != 0) {
    errno = fake::fail_errno;
    return fake::fail_with;
  }
  if (fake::own_list != nullptr) {
    *result = fake::own_list;
    ++fake::lists;
    return 0;
  }
  static const auto real = reinterpret_cast<fake::getaddrinfo_type>(::dlsym(RTLD_NEXT, "getaddrinfo"));
  const int r = real(node, service, hints, result);
  if (r == 0) ++fake::lists;
  return r;
}

extern "C" void freeaddrinfo(addrinfo* list) noexcept {
  ++fake::frees;
  if (list == fake::own_list) return;
  static const auto real = reinterpret_cast<fake::freeaddrinfo_type>(::dlsym(RTLD_NEXT, "freeaddrinfo"));
  real(list);
}

using berth::inet6_endpoint;
using berth::inet_endpoint;
using berth::ip_endpoint;
using berth::ipv4_address;
using berth::ipv6_address;
using berth::resolve_error;
using namespace berth::literals;
using berth_test::thrown_code;
using clock_type = std::chrono::steady_clock;

namespace {

using ip_stream = berth::socket<berth::ip, berth::stream>;

// ---- what compiles -------------------------------------------------------------------------

static_assert(std::is_same_v<decltype(berth::resolve("", "")), std::vector<ip_endpoint>>);
static_assert(std::is_same_v<decltype(berth::resolve<berth::inet>("", "")), std::vector<inet_endpoint>>);
static_assert(std::is_same_v<decltype(berth::resolve<berth::inet6>("", "")), std::vector<inet6_endpoint>>);
static_assert(std::is_same_v<decltype(berth::resolve<berth::ip, berth::datagram>("", 1)), std::vector<ip_endpoint>>);
static_assert(std::is_same_v<decltype(berth::connect("", "")), ip_stream>);
static_assert(std::is_same_v<decltype(berth::connect("", std::uint16_t{80})), ip_stream>);
static_assert(std::is_same_v<decltype(berth::connect("", 80)), ip_stream>);
static_assert(std::is_same_v<decltype(berth::connect("", "", std::chrono::seconds(1))), ip_stream>);
static_assert(std::is_same_v<decltype(berth::connect<berth::datagram>("", "")),
                             berth::socket<berth::ip, berth::datagram>>);
static_assert(std::is_same_v<decltype(berth::connect(std::declval<std::vector<ip_endpoint>&>())), ip_stream>);
// Both forms: the error-code ones are noexcept.
static_assert(noexcept(berth::resolve("", "", std::declval<std::error_code&>())));
static_assert(!noexcept(berth::resolve("", "")));
static_assert(noexcept(berth::connect("", "", std::declval<std::error_code&>())));
static_assert(noexcept(berth::connect("", 1, std::declval<std::chrono::seconds>(), std::declval<std::error_code&>())));
static_assert(noexcept(berth::connect("", "", std::declval<std::chrono::seconds>(), std::declval<std::error_code&>())));
static_assert(!noexcept(berth::connect("", "")));

template <class F>
concept resolvable = requires { berth::resolve<F>("", ""); };
static_assert(resolvable<berth::ip> && resolvable<berth::inet> && resolvable<berth::inet6>);
static_assert(!resolvable<berth::local>);
template <class T>
concept connectable_by_name = requires { berth::connect<T>("", ""); };
static_assert(connectable_by_name<berth::stream> && connectable_by_name<berth::datagram>);
static_assert(!connectable_by_name<berth::seqpacket>);
template <class T>
concept connectable_by_name_within = requires { berth::connect<T>("", "", std::chrono::seconds(1)); };
static_assert(connectable_by_name_within<berth::stream> && !connectable_by_name_within<berth::datagram>);

/// Whether the interposed resolver was called as often as it handed out lists, and every
/// list was freed.
bool every_list_freed() { return fake::frees.load() == fake::lists.load(); }

// ---- the error category --------------------------------------------------------------------

TEST_CASE("resolve_error: its own category, \"berth.resolve\", with a message for each") {
  CHECK(std::string_view(berth::resolve_category().name()) == "berth.resolve");
  std::vector<std::string> messages;
  for (const resolve_error e : {resolve_error::host_not_found, resolve_error::try_again,
                                resolve_error::service_not_found, resolve_error::no_address,
                                resolve_error::failure}) {
    const std::error_code ec = e;
    CHECK(&ec.category() == &berth::resolve_category());
    CHECK(ec == e);
    CHECK(ec != std::errc::invalid_argument);
    messages.push_back(ec.message());
    CHECK(messages.back().size() > 10);
  }
  for (std::size_t i = 0; i < messages.size(); ++i)
    for (std::size_t j = i + 1; j < messages.size(); ++j) CHECK(messages[i] != messages[j]);
  CHECK(std::error_code(resolve_error::host_not_found).message().find("not known") != std::string::npos);
}

// ---- numeric fast paths ----------------------------------------------------------------------

TEST_CASE("resolve reads numeric hosts and ports without the resolver") {
  fake::reset();
  CHECK(berth::resolve("127.0.0.1", "80") == std::vector<ip_endpoint>{"127.0.0.1:80"_ip});
  CHECK(berth::resolve("::1", "443") == std::vector<ip_endpoint>{"[::1]:443"_ip});
  CHECK(berth::resolve("2001:db8::1", "0") == std::vector<ip_endpoint>{"[2001:db8::1]:0"_ip});
  CHECK(berth::resolve("fe80::1%7", "22") == std::vector<ip_endpoint>{"[fe80::1%7]:22"_ip});
  CHECK(berth::resolve("::ffff:10.0.0.1", "1") == std::vector<ip_endpoint>{"[::ffff:10.0.0.1]:1"_ip});
  CHECK(berth::resolve("192.0.2.1", "") == std::vector<ip_endpoint>{"192.0.2.1:0"_ip});  // no service: port 0
  CHECK(berth::resolve("192.0.2.1", std::uint16_t{65535}) == std::vector<ip_endpoint>{"192.0.2.1:65535"_ip});
  CHECK(berth::resolve<berth::inet>("10.1.2.3", "8080") ==
        std::vector<inet_endpoint>{inet_endpoint(ipv4_address(0x0a010203u), 8080)});
  CHECK(berth::resolve<berth::inet6>("::1", 8080) ==
        std::vector<inet6_endpoint>{inet6_endpoint(ipv6_address::loopback(), 8080)});
  CHECK(berth::resolve<berth::ip, berth::datagram>("127.0.0.1", "53") == std::vector<ip_endpoint>{"127.0.0.1:53"_ip});
  // Numeric, but of the other family: the name has no address of the family asked.
  std::error_code ec;
  CHECK(berth::resolve<berth::inet>("::1", "80", ec).empty());
  CHECK(ec == resolve_error::no_address);
  CHECK(berth::resolve<berth::inet6>("127.0.0.1", "80", ec).empty());
  CHECK(ec == resolve_error::no_address);
  CHECK(fake::lookups == 0);

  // The one allocation is the vector's.
  {
    const berth_test::allocation_counter allocations;
    const auto v = berth::resolve("192.168.100.254", "8080", ec);
    CHECK(allocations.count() == 1);
    CHECK(v.size() == 1);
  }
  // An empty host is not a name (getaddrinfo says so too): no call either.
  CHECK(berth::resolve("", "80", ec).empty());
  CHECK(ec == resolve_error::host_not_found);
  CHECK(fake::lookups == 0);
}

// getaddrinfo reads whatever strtoul takes as a number and keeps its low 16 bits: "65536"
// would be port 0 and "70000" port 4464 (connect would go there). Refused here instead,
// without a lookup; digits within range are a port however many leading zeros.
TEST_CASE("resolve: a numeric service out of range, signed or padded is service_not_found, without the resolver") {
  fake::reset();
  std::error_code ec;
  for (const char* service : {"65536", "70000", "99999", "4294967297", "123456789012345678901234567890", "-1",
                              "+80", " 80", "\t80", "\n80"}) {
    CAPTURE(service);
    CHECK(berth::resolve("127.0.0.1", service, ec).empty());
    CHECK(ec == resolve_error::service_not_found);
    CHECK(berth::resolve("::1", service, ec).empty());
    CHECK(ec == resolve_error::service_not_found);
    const auto s = berth::connect("127.0.0.1", service, ec);
    CHECK(ec == resolve_error::service_not_found);
    CHECK_FALSE(s.is_open());
  }
  CHECK_THROWS_AS(berth::resolve("127.0.0.1", "65536"), std::system_error);
  CHECK(fake::lookups == 0);
  CHECK(berth::resolve("127.0.0.1", "65535") == std::vector<ip_endpoint>{"127.0.0.1:65535"_ip});
  CHECK(berth::resolve("127.0.0.1", "0080") == std::vector<ip_endpoint>{"127.0.0.1:80"_ip});
  CHECK(berth::resolve("127.0.0.1", "00000000000000000443") == std::vector<ip_endpoint>{"127.0.0.1:443"_ip});
  CHECK(fake::lookups == 0);
}

TEST_CASE("connect to a numeric host makes no resolver call") {
  fake::reset();
  auto listener = berth::listen(berth_test::loopback4());
  const std::uint16_t port = listener.local_endpoint().port();
  const ip_stream a = berth::connect("127.0.0.1", port);
  const ip_stream b = berth::connect("127.0.0.1", std::to_string(port), std::chrono::seconds(5));
  CHECK(a.remote_endpoint() == ip_endpoint(listener.local_endpoint()));
  CHECK(b.remote_endpoint() == ip_endpoint(listener.local_endpoint()));
  CHECK(fake::lookups == 0);
  const auto s1 = listener.accept();
  const auto s2 = listener.accept();
}

TEST_CASE("resolve hands the rest to getaddrinfo: AF_UNSPEC, the socket type, the numeric flags") {
  berth_test::use_test_hosts();
  fake::reset();
  CHECK(berth::resolve("v4.test", "80") == std::vector<ip_endpoint>{"127.0.0.1:80"_ip});
  CHECK(fake::lookups == 1);
  CHECK(fake::last_node == "v4.test");
  CHECK(fake::last_service == "80");
  CHECK(fake::last_hints.ai_family == AF_UNSPEC);
  CHECK(fake::last_hints.ai_socktype == SOCK_STREAM);
  CHECK(fake::last_hints.ai_flags == AI_NUMERICSERV);

  (void)berth::resolve<berth::ip, berth::datagram>("v4.test", "");
  CHECK(fake::last_hints.ai_socktype == SOCK_DGRAM);
  CHECK(!fake::had_service);  // no service: port 0
  CHECK(fake::last_hints.ai_flags == 0);

  // A numeric host with a service name: the service is looked up, the host never is.
  if (::access("/etc/services", R_OK) == 0) {
    CHECK(berth::resolve("127.0.0.1", "http") == std::vector<ip_endpoint>{"127.0.0.1:80"_ip});
    CHECK(fake::last_hints.ai_flags == AI_NUMERICHOST);
    std::error_code ec;
    CHECK(berth::resolve("127.0.0.1", "no-such-service", ec).empty());
    CHECK(ec == resolve_error::service_not_found);
  }
  // What getaddrinfo reads as an address without a lookup it reads here too.
  CHECK(berth::resolve("127.1", "9") == std::vector<ip_endpoint>{"127.0.0.1:9"_ip});
  CHECK(every_list_freed());
}

// ---- names, from the test's /etc/hosts ------------------------------------------------------

TEST_CASE("resolve returns a name's addresses in getaddrinfo's order, each once") {
  berth_test::use_test_hosts();
  fake::reset();
  // RFC 6724: ::1 before 127.0.0.1.
  CHECK(berth::resolve("both.test", "80") == std::vector<ip_endpoint>{"[::1]:80"_ip, "127.0.0.1:80"_ip});
  CHECK(berth::resolve("localhost", std::uint16_t{8080}) ==
        std::vector<ip_endpoint>{"[::1]:8080"_ip, "127.0.0.1:8080"_ip});
  // /etc/hosts names 127.0.0.1 three times and ::1 twice; getaddrinfo repeats them.
  CHECK(berth::resolve("dup.test", "1") ==
        std::vector<ip_endpoint>{"[::1]:1"_ip, "127.0.0.1:1"_ip, "127.0.0.2:1"_ip});
  CHECK(berth::resolve<berth::inet>("dup.test", "1") ==
        std::vector<inet_endpoint>{"127.0.0.1:1"_inet, "127.0.0.2:1"_inet});
  CHECK(berth::resolve<berth::inet6>("both.test", "1") == std::vector<inet6_endpoint>{"[::1]:1"_inet6});
  CHECK(berth::resolve<berth::inet>("v4.test", "1") == std::vector<inet_endpoint>{"127.0.0.1:1"_inet});
  CHECK(every_list_freed());
}

TEST_CASE("resolve: an unknown name is host_not_found at once, a name without the family no_address") {
  berth_test::use_test_hosts();
  fake::reset();
  std::error_code ec;
  const auto start = clock_type::now();
  CHECK(berth::resolve("no-such-name.test", "80", ec).empty());
  CHECK(ec == resolve_error::host_not_found);
  CHECK(clock_type::now() - start < std::chrono::seconds(2));  // files only: nothing waited for

  CHECK(berth::resolve<berth::inet6>("v4.test", "80", ec).empty());
  CHECK(ec == resolve_error::no_address);
  CHECK(berth::resolve<berth::inet>("v6.test", "80", ec).empty());  // not ::1 turned into 127.0.0.1
  CHECK(ec == resolve_error::no_address);
  CHECK(berth::resolve<berth::inet6>("v6.test", "80", ec) == std::vector<inet6_endpoint>{"[::1]:80"_inet6});
  CHECK(!ec);

  // The throwing form names what it looked for.
  try {
    (void)berth::resolve("no-such-name.test", "443");
    FAIL("resolve did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == resolve_error::host_not_found);
    CHECK(std::string_view(e.what()).find("no-such-name.test:443") != std::string_view::npos);
  }
  // A NUL inside a name can be no name: refused before getaddrinfo would cut it there.
  const int before = fake::lookups;
  CHECK(berth::resolve(std::string_view("v4.test\0x", 9), "80", ec).empty());
  CHECK(ec == resolve_error::host_not_found);
  CHECK(berth::resolve("v4.test", std::string_view("http\0", 5), ec).empty());
  CHECK(ec == resolve_error::service_not_found);
  CHECK(fake::lookups == before);
  CHECK(every_list_freed());
}

// ---- every getaddrinfo outcome, made on demand ----------------------------------------------

TEST_CASE("resolve maps each EAI_* code, and frees every list") {
  berth_test::use_test_hosts();
  struct row {
    int eai, saved_errno;
    std::error_code expected;
  };
  const row rows[] = {
      {EAI_NONAME, 0, resolve_error::host_not_found},
      {EAI_AGAIN, 0, resolve_error::try_again},
      {EAI_SERVICE, 0, resolve_error::service_not_found},
      {EAI_NODATA, 0, resolve_error::no_address},
      {EAI_ADDRFAMILY, 0, resolve_error::no_address},
      {EAI_FAIL, 0, resolve_error::failure},
      {EAI_MEMORY, 0, std::error_code(ENOMEM, std::system_category())},
      {EAI_SYSTEM, EMFILE, std::error_code(EMFILE, std::system_category())},
      {EAI_SYSTEM, 0, resolve_error::failure},  // EAI_SYSTEM that says nothing
      {EAI_FAMILY, 0, std::error_code(EAFNOSUPPORT, std::system_category())},
      {EAI_SOCKTYPE, 0, std::error_code(ESOCKTNOSUPPORT, std::system_category())},
      {EAI_BADFLAGS, 0, std::error_code(EINVAL, std::system_category())},
      {-12345, 0, resolve_error::failure},  // no such code
  };
  for (const row& r : rows) {
    INFO("EAI " << r.eai << ", errno " << r.saved_errno);
    fake::reset();
    fake::fail_with = r.eai;
    fake::fail_errno = r.saved_errno;
    std::error_code ec;
    CHECK(berth::resolve("v4.test", "80", ec).empty());
    CHECK(ec == r.expected);
    CHECK(thrown_code([] { (void)berth::resolve("v4.test", "80"); }) == r.expected);
    CHECK(!berth::connect("v4.test", "80", ec).is_open());
    CHECK(ec == r.expected);
    CHECK(fake::lookups == 3);
    CHECK(fake::frees == 0);  // nothing was handed out
  }
  fake::reset();
}

/// A list of the test's own for the interposed getaddrinfo to return, as the C library
/// would, with room for any sockaddr.
struct own_list {
  std::vector<addrinfo> entries;
  std::vector<sockaddr_storage> addresses;
  explicit own_list(std::size_t n) : entries(n), addresses(n) {
    for (std::size_t k = 0; k < n; ++k) {
      entries[k] = addrinfo{};
      entries[k].ai_socktype = SOCK_STREAM;
      entries[k].ai_addr = reinterpret_cast<sockaddr*>(&addresses[k]);
      entries[k].ai_next = k + 1 < n ? &entries[k + 1] : nullptr;
    }
  }
  void set(std::size_t k, const ip_endpoint& e) {
    std::memcpy(&addresses[k], e.data(), e.size());
    entries[k].ai_family = e.is_v4() ? AF_INET : AF_INET6;
    entries[k].ai_addrlen = e.size();
  }
  addrinfo* head() { return entries.data(); }
};

TEST_CASE("resolve skips what is no IP address of the socket type, keeps the order, frees the list") {
  berth_test::use_test_hosts();
  own_list list(7);
  list.set(0, "192.0.2.9:80"_ip);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::memcpy(&list.addresses[1], &un, sizeof un);
  list.entries[1].ai_family = AF_UNIX;
  list.entries[1].ai_addrlen = sizeof un;
  list.set(2, "192.0.2.10:80"_ip);
  list.entries[2].ai_addrlen = sizeof(sockaddr_in6);  // a length the family cannot have
  list.set(3, "[2001:db8::5]:80"_ip);
  list.set(4, "192.0.2.9:80"_ip);  // again
  list.set(5, "192.0.2.11:80"_ip);
  list.entries[5].ai_socktype = SOCK_DGRAM;  // not what was asked
  list.set(6, "192.0.2.12:80"_ip);
  fake::reset();
  fake::own_list = list.head();
  CHECK(berth::resolve("some.test", "80") ==
        std::vector<ip_endpoint>{"192.0.2.9:80"_ip, "[2001:db8::5]:80"_ip, "192.0.2.12:80"_ip});
  CHECK(fake::frees == 1);
  std::error_code ec;
  CHECK(berth::resolve<berth::inet6>("some.test", "80", ec) == std::vector<inet6_endpoint>{"[2001:db8::5]:80"_inet6});
  CHECK(fake::frees == 2);

  // A list with nothing of the family asked: no_address, and still freed.
  own_list only4(1);
  only4.set(0, "192.0.2.1:80"_ip);
  fake::own_list = only4.head();
  CHECK(berth::resolve<berth::inet6>("some.test", "80", ec).empty());
  CHECK(ec == resolve_error::no_address);
  CHECK(fake::frees == 3);
  CHECK(every_list_freed());
  fake::reset();
}

// ---- connecting by name: Happy Eyeballs ------------------------------------------------------

/// A listener whose accept queue is full, so that the kernel drops every further SYN: a
/// connection attempt to it pends (for minutes, until TCP gives up), as to a black-holed
/// address. listen(2) with a backlog of 0 queues one connection; `filler` is that one.
template <class F>
struct black_hole {
  berth::acceptor<F> listener;
  berth::socket<F, berth::stream> filler;

  explicit black_hole(typename F::endpoint at) : listener(at, 0) {
    filler = berth::connect(listener.local_endpoint());
    // What the tests rely on: another attempt now pends.
    auto probe = berth::socket<F, berth::stream>::open();
    probe.set_nonblocking();
    std::error_code ec;
    probe.connect(listener.local_endpoint(), ec);
    REQUIRE(ec == std::errc::operation_in_progress);
    REQUIRE(!probe.wait_writable(std::chrono::milliseconds(100)));
  }
  typename F::endpoint endpoint() const { return listener.local_endpoint(); }
};

/// A black hole on one family's loopback and a listener on the other's, on the same port.
template <class HoleFamily, class OpenFamily>
struct hole_and_listener {
  std::optional<black_hole<HoleFamily>> hole;
  berth::acceptor<OpenFamily> open;
  std::uint16_t port = 0;

  hole_and_listener() {
    for (int tries = 0; tries < 50 && !open.is_open(); ++tries) {
      hole.emplace(berth_test::fresh_endpoint<HoleFamily>());
      port = hole->endpoint().port();
      std::error_code ec;
      typename OpenFamily::endpoint there = berth_test::fresh_endpoint<OpenFamily>();
      there = typename OpenFamily::endpoint(there.address(), port);
      open = berth::listen(there, ec);  // taken by someone else: another port
    }
    REQUIRE(open.is_open());
  }
};

/// A port on which neither ::1 nor 127.0.0.1 listens: one the kernel chose for both, then
/// closed.
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

/// Milliseconds since `start`.
double elapsed_ms(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

TEST_CASE("Happy Eyeballs: IPv6 black-holed, the IPv4 attempt 250 ms later wins, the loser is closed") {
  berth_test::use_test_hosts();
  hole_and_listener<berth::inet6, berth::inet> race;
  const int before = berth_test::open_descriptor_count();
  const auto start = clock_type::now();
  ip_stream s = berth::connect("both.test", race.port);  // ::1 first (RFC 6724), then 127.0.0.1
  const double ms = elapsed_ms(start);
  std::printf("Happy Eyeballs, ::1 black-holed, 127.0.0.1 listening: connected in %.1f ms\n", ms);
  CHECK(s.remote_endpoint() == ip_endpoint(ipv4_address::loopback(), race.port));
  CHECK(ms >= 200);   // the second attempt waited for the Connection Attempt Delay
  CHECK(ms < 3000);   // and not for TCP to give up on the first
  CHECK(berth_test::open_descriptor_count() == before + 1);  // the winner only
  CHECK(!berth_test::is_nonblocking(s.native_handle()));
  CHECK(berth_test::is_close_on_exec(s.native_handle()));
  auto server = race.open.accept();
  s.write("x");
  char c = 0;
  CHECK(server.read_some(std::span<char>(&c, 1)) == 1);
}

TEST_CASE("Happy Eyeballs: the same with the families the other way round, over given addresses") {
  hole_and_listener<berth::inet, berth::inet6> race;
  const std::vector<ip_endpoint> addresses{ip_endpoint(ipv4_address::loopback(), race.port),
                                           ip_endpoint(ipv6_address::loopback(), race.port)};
  const int before = berth_test::open_descriptor_count();
  const auto start = clock_type::now();
  ip_stream s = berth::connect(addresses, std::chrono::seconds(10));
  const double ms = elapsed_ms(start);
  std::printf("Happy Eyeballs, 127.0.0.1 black-holed, ::1 listening: connected in %.1f ms\n", ms);
  CHECK(s.remote_endpoint() == addresses[1]);
  CHECK(ms >= 200);
  CHECK(ms < 3000);
  CHECK(berth_test::open_descriptor_count() == before + 1);
}

TEST_CASE("Happy Eyeballs: an attempt that fails starts the next at once") {
  berth_test::use_test_hosts();
  // ::1 on that port is closed (refused at once), 127.0.0.1 listens.
  berth::acceptor<berth::inet> listener;
  for (int tries = 0; tries < 50 && !listener.is_open(); ++tries) {
    std::error_code ec;
    listener = berth::listen(berth_test::loopback4(closed_on_both()), ec);
  }
  REQUIRE(listener.is_open());
  const std::uint16_t port = listener.local_endpoint().port();
  const auto start = clock_type::now();
  std::error_code ec;
  ip_stream s = berth::connect("both.test", port, ec);
  const double ms = elapsed_ms(start);
  REQUIRE(!ec);
  CHECK(s.remote_endpoint().is_v4());
  CHECK(ms < 200);  // no attempt delay after a refusal
  const auto server = listener.accept();
}

TEST_CASE("Happy Eyeballs: all attempts failing report the error of the last to end") {
  berth_test::use_test_hosts();
  const int before = berth_test::open_descriptor_count();
  const std::uint16_t closed = closed_on_both();
  std::error_code ec;
  CHECK(!berth::connect("both.test", closed, ec).is_open());  // both refused
  CHECK(ec == std::errc::connection_refused);
  CHECK(thrown_code([&] { (void)berth::connect("both.test", closed); }) == std::errc::connection_refused);

  // ::1 is refused after its RST comes back; TCP to a multicast address is refused by the
  // kernel at once (ENETUNREACH), sending nothing. Whichever ends last is reported.
  const ip_endpoint refused(ipv6_address::loopback(), closed);
  const ip_endpoint unreachable = "224.0.0.1:9"_ip;
  const std::vector<ip_endpoint> refused_last{unreachable, refused};
  CHECK(!berth::connect(refused_last, ec).is_open());
  CHECK(ec == std::errc::connection_refused);
  const std::vector<ip_endpoint> unreachable_last{refused, unreachable};
  CHECK(!berth::connect(unreachable_last, ec).is_open());
  CHECK(ec == std::errc::network_unreachable);
  CHECK(!berth::connect("multicast.test", "9", ec).is_open());
  CHECK(ec == std::errc::network_unreachable);

  try {
    (void)berth::connect(unreachable_last);
    FAIL("connect did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::network_unreachable);
    CHECK(std::string_view(e.what()).find("224.0.0.1:9") != std::string_view::npos);
  }
  CHECK(!berth::connect(std::span<const ip_endpoint>(), ec).is_open());
  CHECK(ec == std::errc::destination_address_required);
  CHECK(berth_test::open_descriptor_count() == before);
}

TEST_CASE("connect by name with a timeout: timed_out, every attempt closed") {
  berth_test::use_test_hosts();
  black_hole<berth::inet6> hole(berth_test::loopback6());
  const std::uint16_t port = hole.endpoint().port();
  const int before = berth_test::open_descriptor_count();
  std::error_code ec;
  auto start = clock_type::now();
  CHECK(!berth::connect("v6.test", port, std::chrono::milliseconds(300), ec).is_open());
  double ms = elapsed_ms(start);
  std::printf("connect by name to a black hole, 300 ms timeout: timed out after %.1f ms\n", ms);
  CHECK(ec == std::errc::timed_out);
  CHECK(ms >= 250);
  CHECK(ms < 3000);
  CHECK(berth_test::open_descriptor_count() == before);

  // Two black holes, one attempt started on each.
  black_hole<berth::inet6> second(berth_test::loopback6());
  const std::vector<ip_endpoint> holes{hole.endpoint(), second.endpoint()};
  start = clock_type::now();
  CHECK(thrown_code([&] { (void)berth::connect(holes, std::chrono::milliseconds(400)); }) == std::errc::timed_out);
  ms = elapsed_ms(start);
  CHECK(ms >= 350);
  CHECK(ms < 3000);
  CHECK(berth_test::open_descriptor_count() == before + 2);  // the second hole's listener and filler

  // A timeout that is not a number.
  CHECK(!berth::connect("v6.test", port, std::chrono::duration<double>(std::nan("")), ec).is_open());
  CHECK(ec == std::errc::invalid_argument);
  // No time at all: what resolution took already used it up.
  CHECK(!berth::connect("v6.test", port, std::chrono::seconds(0), ec).is_open());
  CHECK(ec == std::errc::timed_out);
}

TEST_CASE("connect by name: the name's errors are resolve's") {
  berth_test::use_test_hosts();
  std::error_code ec;
  CHECK(!berth::connect("no-such-name.test", "80", ec).is_open());
  CHECK(ec == resolve_error::host_not_found);
  try {
    (void)berth::connect("no-such-name.test", std::uint16_t{8080}, std::chrono::seconds(1));
    FAIL("connect did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == resolve_error::host_not_found);
    CHECK(std::string_view(e.what()).find("no-such-name.test:8080") != std::string_view::npos);
  }
}

TEST_CASE("connect<datagram>(host, service) connects to the first address") {
  berth_test::use_test_hosts();
  auto server6 = berth::bind<berth::datagram>(berth_test::loopback6());
  auto client = berth::connect<berth::datagram>("v6.test", std::to_string(server6.local_endpoint().port()));
  CHECK(client.remote_endpoint() == ip_endpoint(server6.local_endpoint()));
  CHECK(client.send("hi") == 2);
  std::array<char, 8> buffer{};
  inet6_endpoint from;
  CHECK(server6.receive_from(buffer, from) == 2);
  CHECK(ip_endpoint(from) == client.local_endpoint());
  // both.test: ::1 comes first, and is the one.
  auto first = berth::connect<berth::datagram>("both.test", server6.local_endpoint().port());
  CHECK(first.remote_endpoint().is_v6());
}

// ---- the state machine, driven by hand --------------------------------------------------------

TEST_CASE("connect_race interleaves the families, first family first, one attempt per delay") {
  // Black holes, so that every attempt stays pending: three IPv6, two IPv4.
  black_hole<berth::inet6> a6(berth_test::loopback6()), b6(berth_test::loopback6()), e6(berth_test::loopback6());
  black_hole<berth::inet> c4(berth_test::loopback4()), d4(berth_test::loopback4());
  const std::vector<ip_endpoint> addresses{a6.endpoint(), b6.endpoint(), c4.endpoint(), d4.endpoint(),
                                           e6.endpoint()};
  const int before = berth_test::open_descriptor_count();
  {
    berth::detail::connect_race race(addresses);
    const clock_type::time_point t0 = clock_type::now();
    CHECK(race.wants_start(t0));
    std::vector<std::size_t> order;
    for (int k = 0; k < 5; ++k) {
      const auto t = t0 + k * std::chrono::milliseconds(250);
      CHECK(race.wants_start(t));
      race.start_next(t);
      REQUIRE(race.pending().size() == static_cast<std::size_t>(k + 1));
      order.push_back(race.pending().back().address);
      if (k < 4) CHECK(race.next_start() == t + std::chrono::milliseconds(250));
      CHECK(!race.wants_start(t + std::chrono::milliseconds(249)));
    }
    CHECK(order == std::vector<std::size_t>{0, 2, 1, 3, 4});  // v6, v4, v6, v4, then the v6 left
    CHECK(race.next_start() == clock_type::time_point::max());  // nothing left to start
    CHECK(!race.exhausted());
    CHECK(!race.has_winner());
    CHECK(berth_test::open_descriptor_count() == before + 5);
    race.give_up(ETIMEDOUT);
    CHECK(race.exhausted());
    CHECK(race.error() == ETIMEDOUT);
    CHECK(berth_test::open_descriptor_count() == before);
  }
  {
    // IPv4 first when the first address is IPv4.
    const std::vector<ip_endpoint> v4_first{c4.endpoint(), a6.endpoint(), b6.endpoint(), d4.endpoint()};
    berth::detail::connect_race race(v4_first, std::chrono::milliseconds(100));
    const clock_type::time_point t0 = clock_type::now();
    std::vector<std::size_t> order;
    for (int k = 0; k < 4; ++k) {
      race.start_next(t0 + k * std::chrono::milliseconds(100));
      order.push_back(race.pending().back().address);
    }
    CHECK(order == std::vector<std::size_t>{0, 1, 3, 2});
  }  // the destructor closes what is still pending
  CHECK(berth_test::open_descriptor_count() == before);
}

TEST_CASE("connect_race: a failure makes the next attempt due at once, the winner is handed over") {
  auto listener = berth::listen(berth_test::loopback4());
  const ip_endpoint refused(ipv6_address::loopback(), berth_test::closed_port6().port());
  const std::vector<ip_endpoint> addresses{refused, ip_endpoint(listener.local_endpoint())};
  const int before = berth_test::open_descriptor_count();
  berth::detail::connect_race race(addresses);
  const clock_type::time_point t0 = clock_type::now();
  race.start_next(t0);
  REQUIRE(race.pending().size() == 1);
  const int first = race.pending()[0].fd;
  CHECK(!race.wants_start(t0 + std::chrono::milliseconds(10)));
  pollfd p{first, POLLOUT, 0};
  REQUIRE(::poll(&p, 1, 5000) == 1);  // refused: the RST came back
  const auto t1 = t0 + std::chrono::milliseconds(10);
  race.attempt_ready(first, t1);
  CHECK(race.pending().empty());
  CHECK(race.error() == ECONNREFUSED);
  CHECK(race.wants_start(t1));  // no waiting for the delay
  race.start_next(t1);
  if (!race.has_winner()) {
    REQUIRE(race.pending().size() == 1);
    p = {race.pending()[0].fd, POLLOUT, 0};
    REQUIRE(::poll(&p, 1, 5000) == 1);
    race.attempt_ready(p.fd, t1);
  }
  REQUIRE(race.has_winner());
  CHECK(race.exhausted() == false);
  const int winner = race.take_winner();
  CHECK(winner >= 0);
  CHECK(!race.has_winner());
  CHECK(berth_test::open_descriptor_count() == before + 1);
  const ip_stream s = ip_stream::adopt(winner);
  CHECK(s.remote_endpoint() == addresses[1]);
  const auto server = listener.accept();
}

}  // namespace
