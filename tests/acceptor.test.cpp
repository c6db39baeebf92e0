#include <berth/acceptor.hpp>

#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

using namespace std::chrono_literals;
using berth::datagram;
using berth::inet;
using berth::inet6;
using berth::local;
using berth::seqpacket;
using berth::stream;
namespace bt = berth_test;
using namespace berth_test::types;
using berth_test::owns_one_descriptor;

namespace {


static_assert(sizeof(berth::acceptor<inet>) == sizeof(int));
static_assert(sizeof(berth::acceptor<inet>) == sizeof(berth::socket<inet, stream>));
static_assert(owns_one_descriptor<berth::acceptor<inet>>);
static_assert(owns_one_descriptor<berth::acceptor<inet6>>);
static_assert(owns_one_descriptor<berth::acceptor<local>>);
static_assert(owns_one_descriptor<berth::acceptor<local, seqpacket>>);
static_assert(std::is_same_v<berth::acceptor<inet>, berth::acceptor<inet, stream>>);  // stream by default

// Only connection-oriented types the family implements.
template <class F, class T>
concept acceptor_exists = requires { typename berth::acceptor<F, T>; };
static_assert(acceptor_exists<inet, stream> && acceptor_exists<inet6, stream>);
static_assert(acceptor_exists<local, stream> && acceptor_exists<local, seqpacket>);
static_assert(!acceptor_exists<inet, datagram> && !acceptor_exists<local, datagram>);
static_assert(!acceptor_exists<inet, seqpacket> && !acceptor_exists<inet6, seqpacket>);

// accept returns a socket of the same family and type.
static_assert(std::is_same_v<decltype(std::declval<berth::acceptor<inet6>&>().accept()), berth::socket<inet6, stream>>);
static_assert(std::is_same_v<decltype(std::declval<berth::acceptor<local, seqpacket>&>().accept()),
                             berth::socket<local, seqpacket>>);

// An acceptor does not read, write, connect or bind.
template <class A>
concept acceptor_does_io = requires(A& a, char (&b)[4]) { a.read_some(b); } ||
                           requires(A& a) { a.write("x"); } || requires(A& a) { a.send("x"); } ||
                           requires(A& a, const typename A::endpoint_type& ep) { a.connect(ep); } ||
                           requires(A& a, const typename A::endpoint_type& ep) { a.bind(ep); } ||
                           requires(A& a) { a.shutdown(berth::shutdown_type::both); };
static_assert(!acceptor_does_io<berth::acceptor<inet>>);
static_assert(!acceptor_does_io<berth::acceptor<local, seqpacket>>);

// listen: the family from the endpoint, stream unless given.
template <class T, class E>
concept can_listen = requires(const E& ep) { berth::listen<T>(ep); };
static_assert(can_listen<stream, berth::inet_endpoint> && can_listen<seqpacket, berth::local_endpoint>);
static_assert(!can_listen<datagram, berth::inet_endpoint> && !can_listen<datagram, berth::local_endpoint>);
static_assert(!can_listen<seqpacket, berth::inet6_endpoint> && !can_listen<stream, int>);
static_assert(std::is_same_v<decltype(berth::listen(berth::inet6_endpoint{})), berth::acceptor<inet6>>);
static_assert(std::is_same_v<decltype(berth::listen(berth::local_endpoint{}, 5)), berth::acceptor<local>>);
static_assert(std::is_same_v<decltype(berth::listen<seqpacket>(berth::local_endpoint{})),
                             berth::acceptor<local, seqpacket>>);
static_assert(std::is_same_v<decltype(berth::listen(std::declval<berth::socket<local, seqpacket>&&>())),
                             berth::acceptor<local, seqpacket>>);
static_assert(std::is_same_v<berth::acceptor<inet6>::endpoint, berth::inet6_endpoint>);

// listen(socket&&) takes a connection-oriented socket, by rvalue only.
template <class S>
concept can_listen_on = requires(S&& s) { berth::listen(std::forward<S>(s)); };
static_assert(can_listen_on<berth::socket<inet, stream>> && can_listen_on<berth::socket<local, seqpacket>>);
static_assert(!can_listen_on<berth::socket<inet, datagram>> && !can_listen_on<berth::socket<local, datagram>>);
static_assert(!can_listen_on<berth::socket<inet, stream>&>);  // an lvalue: ownership must be given
static_assert(noexcept(berth::listen(std::declval<berth::socket<inet, stream>&&>(), 1,
                                     std::declval<std::error_code&>())));

// Options: reuse_address applies to inet and inet6 listeners, not to local ones.
template <class A, class O>
concept can_get = requires(const A& a) { a.template get<O>(); };
static_assert(can_get<berth::acceptor<inet>, berth::option::reuse_address>);
static_assert(can_get<berth::acceptor<inet6>, berth::option::reuse_address>);
static_assert(!can_get<berth::acceptor<local>, berth::option::reuse_address>);
static_assert(!can_get<berth::acceptor<local, seqpacket>, berth::option::reuse_address>);

static_assert(noexcept(berth::listen(berth::inet_endpoint{}, std::declval<std::error_code&>())));
static_assert(noexcept(berth::listen(berth::inet_endpoint{}, 1, std::declval<std::error_code&>())));
static_assert(noexcept(std::declval<berth::acceptor<inet>&>().accept(std::declval<std::error_code&>())));
static_assert(noexcept(berth::acceptor<inet>::adopt(0)));

int socket_option(int fd, int name) {
  int value = 0;
  socklen_t size = sizeof value;
  return ::getsockopt(fd, SOL_SOCKET, name, &value, &size) == 0 ? value : -1;
}
int is_listening(int fd) { return socket_option(fd, SO_ACCEPTCONN); }
int socket_type_of(int fd) { return socket_option(fd, SO_TYPE); }

}  // namespace

TEST_CASE("a default acceptor holds no descriptor") {
  berth::acceptor<inet> a;
  CHECK_FALSE(a.is_open());
  CHECK(a.native_handle() == -1);
  CHECK(a.release() == -1);
  CHECK_NOTHROW(a.close());
  std::error_code ec;
  auto s = a.accept(ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK_FALSE(s.is_open());
}

TEST_CASE("an acceptor listens, close-on-exec, and its destructor closes it") {
  int fd = -1;
  {
    auto a = berth::listen(bt::loopback4());
    fd = a.native_handle();
    CHECK(a.is_open());
    CHECK(bt::is_close_on_exec(fd));
    CHECK(is_listening(fd) == 1);  // SO_ACCEPTCONN: listening
    CHECK(a.local_endpoint().port() != 0);
  }
  CHECK(bt::is_closed(fd));
}

TEST_CASE("moving an acceptor moves its descriptor") {
  auto a = berth::listen(bt::loopback6());
  const int fd = a.native_handle();
  berth::acceptor<inet6> b(std::move(a));
  CHECK_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move)
  CHECK(b.native_handle() == fd);

  auto c = berth::listen(bt::loopback6());
  const int old = c.native_handle();
  c = std::move(b);
  CHECK_FALSE(b.is_open());  // NOLINT(bugprone-use-after-move)
  CHECK(c.native_handle() == fd);
  CHECK(bt::is_closed(old));

  const int released = c.release();
  CHECK(released == fd);
  CHECK_FALSE(c.is_open());
  CHECK_FALSE(bt::is_closed(fd));
  CHECK(::close(released) == 0);
}

TEST_CASE("close closes the listener: connecting is refused afterwards") {
  auto a = berth::listen(bt::loopback4());
  const auto ep = a.local_endpoint();
  const int fd = a.native_handle();
  std::error_code ec;
  a.close(ec);
  CHECK_FALSE(ec);
  CHECK_FALSE(a.is_open());
  CHECK(bt::is_closed(fd));
  a.close();  // again: nothing
  auto s = berth::connect(ep, ec);
  CHECK(ec == std::errc::connection_refused);
}

TEST_CASE("inet and inet6 acceptors set SO_REUSEADDR, a plain socket does not") {
  auto a4 = berth::listen(bt::loopback4());
  CHECK(a4.get<berth::option::reuse_address>().value);
  auto a6 = berth::listen(bt::loopback6());
  CHECK(a6.get<berth::option::reuse_address>().value);
  auto plain = berth::socket<inet, stream>::open();
  CHECK_FALSE(plain.get<berth::option::reuse_address>().value);
}

TEST_CASE("listening on a port another acceptor listens on is address_in_use (SO_REUSEADDR does not allow it)") {
  SECTION("inet") {
    auto first = berth::listen(bt::loopback4());
    const auto ep = first.local_endpoint();
    std::error_code ec;
    auto second = berth::listen(ep, ec);
    CHECK(ec == std::errc::address_in_use);
    CHECK_FALSE(second.is_open());
    berth::acceptor<inet> constructed(ep, 16, ec);
    CHECK(ec == std::errc::address_in_use);
    CHECK_FALSE(constructed.is_open());
    berth::acceptor<inet> constructed2(ep, ec);
    CHECK(ec == std::errc::address_in_use);
    CHECK(bt::thrown_code([&] { (void)berth::listen(ep); }) == std::errc::address_in_use);
    CHECK(bt::thrown_code([&] { berth::acceptor<inet> a(ep); }) == std::errc::address_in_use);
  }
  SECTION("inet6") {
    auto first = berth::listen(bt::loopback6());
    const auto ep = first.local_endpoint();
    std::error_code ec;
    auto second = berth::listen(ep, 4, ec);
    CHECK(ec == std::errc::address_in_use);
    CHECK_FALSE(second.is_open());
    CHECK(bt::thrown_code([&] { (void)berth::listen(ep, 4); }) == std::errc::address_in_use);
  }
}

TEST_CASE("failing acceptors leak no descriptor") {
  auto first = berth::listen(bt::loopback4());
  const auto ep = first.local_endpoint();
  const int before = bt::open_descriptor_count();
  std::error_code ec;
  for (int i = 0; i < 3; ++i) {
    auto a = berth::listen(ep, ec);
    CHECK(ec == std::errc::address_in_use);
  }
  (void)bt::thrown_code([&] { (void)berth::listen(ep); });
  CHECK(bt::open_descriptor_count() == before);
}

TEST_CASE("an acceptor on a unix path that already exists is address_in_use, the file stays") {
  bt::temp_socket_path path;
  const berth::local_endpoint ep(path.str());
  SECTION("a live listener's path") {
    auto first = berth::listen(ep);
    std::error_code ec;
    auto second = berth::listen(ep, ec);
    CHECK(ec == std::errc::address_in_use);
    CHECK_FALSE(second.is_open());
    CHECK(bt::thrown_code([&] { (void)berth::listen(ep); }) == std::errc::address_in_use);
    auto client = berth::connect(ep);  // the first still works
    CHECK(first.accept().is_open());
  }
  SECTION("a stale socket file: not unlinked for the caller") {
    { auto gone = berth::listen(ep); }
    struct stat before {};
    REQUIRE(::stat(path.str().c_str(), &before) == 0);
    std::error_code ec;
    auto again = berth::listen(ep, ec);
    CHECK(ec == std::errc::address_in_use);
    CHECK_FALSE(again.is_open());
    struct stat after {};
    REQUIRE(::stat(path.str().c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    CHECK(bt::thrown_code([&] { (void)berth::listen<seqpacket>(ep); }) == std::errc::address_in_use);
  }
  SECTION("an abstract name in use") {
    const auto name = berth::local_endpoint::abstract(bt::unique_abstract_name());
    auto first = berth::listen(name);
    std::error_code ec;
    auto second = berth::listen(name, ec);
    CHECK(ec == std::errc::address_in_use);
    CHECK_FALSE(second.is_open());
  }
}

TEST_CASE("listen on a path whose directory does not exist reports it") {
  const berth::local_endpoint ep("/nonexistent-berth-directory/x.sock");
  std::error_code ec;
  auto a = berth::listen(ep, ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_FALSE(a.is_open());
}

TEST_CASE("accept(peer) fills the peer's endpoint") {
  SECTION("inet") {
    auto a = berth::listen(bt::loopback4());
    auto c = berth::connect(a.local_endpoint());
    berth::inet_endpoint peer;
    auto s = a.accept(peer);
    CHECK(peer == c.local_endpoint());
    CHECK(peer.address() == berth::ipv4_address::loopback());
  }
  SECTION("inet6, error-code form") {
    auto a = berth::listen(bt::loopback6());
    auto c = berth::connect(a.local_endpoint());
    berth::inet6_endpoint peer;
    std::error_code ec = std::make_error_code(std::errc::io_error);
    auto s = a.accept(peer, ec);
    CHECK_FALSE(ec);
    REQUIRE(s.is_open());
    CHECK(peer == c.local_endpoint());
  }
  SECTION("local: an unnamed client") {
    auto a = berth::listen(berth::local_endpoint::abstract(bt::unique_abstract_name()));
    auto c = berth::connect(a.local_endpoint());
    berth::local_endpoint peer = berth::local_endpoint::abstract("placeholder");
    auto s = a.accept(peer);
    CHECK(peer.is_unnamed());
  }
  SECTION("local: a client bound to an abstract name") {
    auto a = berth::listen<seqpacket>(berth::local_endpoint::abstract(bt::unique_abstract_name()));
    const auto client_name = berth::local_endpoint::abstract(bt::unique_abstract_name());
    auto c = berth::socket<local, seqpacket>::open();
    c.bind(client_name);
    c.connect(a.local_endpoint());
    berth::local_endpoint peer;
    auto s = a.accept(peer);
    CHECK(peer == client_name);
    CHECK(peer.is_abstract());
  }
}

TEST_CASE("accept on a non-blocking acceptor without a pending connection would block") {
  auto a = berth::listen(bt::loopback4());
  a.set_nonblocking();
  CHECK(bt::is_nonblocking(a.native_handle()));
  std::error_code ec;
  auto s = a.accept(ec);
  CHECK(ec == std::errc::operation_would_block);
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK_FALSE(s.is_open());
  berth::inet_endpoint peer;
  auto t = a.accept(peer, ec);
  CHECK(ec == std::errc::operation_would_block);
  CHECK_FALSE(t.is_open());
  CHECK(bt::thrown_code([&] { (void)a.accept(); }) == std::errc::operation_would_block);
  CHECK(bt::thrown_code([&] { (void)a.accept(peer); }) == std::errc::operation_would_block);

  // With a connection pending it succeeds, and the accepted socket is blocking.
  auto c = berth::connect(a.local_endpoint());
  REQUIRE(a.wait_readable(5s));
  auto u = a.accept(ec);
  CHECK_FALSE(ec);
  REQUIRE(u.is_open());
  CHECK_FALSE(bt::is_nonblocking(u.native_handle()));

  a.set_nonblocking(false);
  CHECK_FALSE(bt::is_nonblocking(a.native_handle()));
}

TEST_CASE("an acceptor's wait_readable is false without, true with a pending connection") {
  auto a = berth::listen<seqpacket>(berth::local_endpoint::abstract(bt::unique_abstract_name()));
  CHECK_FALSE(a.wait_readable(20ms));
  auto c = berth::connect<seqpacket>(a.local_endpoint());
  CHECK(a.wait_readable(5s));
  std::error_code ec;
  CHECK(a.wait_readable(0ms, ec));
  CHECK_FALSE(ec);
  auto s = a.accept();
  CHECK_FALSE(a.wait_readable(0ms));
}

TEST_CASE("acceptor::adopt takes a listening descriptor") {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  const auto loopback = bt::loopback6();
  REQUIRE(::bind(fd, loopback.data(), loopback.size()) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  {
    auto a = berth::acceptor<inet6>::adopt(fd);
    CHECK(a.native_handle() == fd);
    const auto ep = a.local_endpoint();
    CHECK(ep.port() != 0);
    auto c = berth::connect(ep);
    berth::inet6_endpoint peer;
    auto s = a.accept(peer);
    CHECK(peer == c.local_endpoint());
  }
  CHECK(bt::is_closed(fd));  // the acceptor owned it
}

TEST_CASE("listen(ep, backlog) passes the backlog to listen(2)") {
  // With backlog 0 the accept queue takes one connection; a second unix connect then
  // finds it full (see the connect timeout tests in socket.test.cpp).
  auto a = berth::listen(berth::local_endpoint::abstract(bt::unique_abstract_name()), 0);
  auto first = berth::connect(a.local_endpoint());
  auto probe = berth::socket<local, stream>::open();
  probe.set_nonblocking();
  std::error_code ec;
  probe.connect(a.local_endpoint(), ec);
  CHECK(ec == std::errc::resource_unavailable_try_again);

  // The default, SOMAXCONN, takes many more.
  auto b = berth::listen(berth::local_endpoint::abstract(bt::unique_abstract_name()));
  berth::socket<local, stream> clients[8];
  for (auto& client : clients) {
    client = berth::socket<local, stream>::open();
    client.set_nonblocking();
    client.connect(b.local_endpoint(), ec);
    CHECK_FALSE(ec);
  }
}

TEST_CASE("free listen functions") {
  std::error_code ec = std::make_error_code(std::errc::io_error);
  auto a = berth::listen(bt::loopback4());
  auto b = berth::listen(bt::loopback6(), 5);
  auto c = berth::listen(bt::loopback4(), ec);
  CHECK_FALSE(ec);
  auto d = berth::listen(bt::loopback6(), 5, ec);
  CHECK_FALSE(ec);
  auto e = berth::listen<seqpacket>(berth::local_endpoint::abstract(bt::unique_abstract_name()));
  auto f = berth::listen<seqpacket>(berth::local_endpoint::abstract(bt::unique_abstract_name()), 3, ec);
  CHECK_FALSE(ec);
  for (int fd : {a.native_handle(), b.native_handle(), c.native_handle(), d.native_handle(),
                 e.native_handle(), f.native_handle()}) {
    CHECK(is_listening(fd) == 1);
    CHECK(bt::is_close_on_exec(fd));
  }
  CHECK(socket_type_of(e.native_handle()) == SOCK_SEQPACKET);

  auto client = berth::connect<seqpacket>(f.local_endpoint());
  auto server = f.accept();
  client.send("seq");
  char buffer[8];
  CHECK(server.receive(buffer) == 3);
}

TEST_CASE("accept retries accept4 interrupted by a signal") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  auto a = berth::listen(bt::loopback4());
  const auto ep = a.local_endpoint();
  const bool with_peer = GENERATE(values({0, 1})) == 1;
  CAPTURE(with_peer);
  berth::socket<inet, stream> client;
  berth::socket<inet, stream> server;
  berth::inet_endpoint peer;
  {
    bt::interrupter helper({SYS_accept4}, [&] {
      std::error_code ec;
      client = berth::connect(ep, ec);
    });
    server = with_peer ? a.accept(peer) : a.accept();
    helper.join();
    CHECK(helper.saw_blocked());
    CHECK(helper.signalled());
  }
  CHECK(bt::sigusr1_count.load() == 1);
  REQUIRE(server.is_open());
  REQUIRE(client.is_open());
  CHECK(server.remote_endpoint() == client.local_endpoint());
  if (with_peer) CHECK(peer == client.local_endpoint());
}

TEST_CASE("accept (error-code form) retries accept4 interrupted by a signal") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  auto a = berth::listen(berth::local_endpoint::abstract(bt::unique_abstract_name()));
  const auto ep = a.local_endpoint();
  berth::socket<local, stream> client;
  berth::socket<local, stream> server;
  std::error_code ec = std::make_error_code(std::errc::io_error);
  {
    bt::interrupter helper({SYS_accept4}, [&] {
      std::error_code cec;
      client = berth::connect(ep, cec);
    });
    server = a.accept(ec);
    helper.join();
    CHECK(helper.saw_blocked());
    CHECK(helper.signalled());
  }
  CHECK(bt::sigusr1_count.load() == 1);
  CHECK_FALSE(ec);
  CHECK(server.is_open());
}

TEST_CASE("control: a signal interrupts a plain accept4 with EINTR") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  auto a = berth::listen(bt::loopback4());
  const auto ep = a.local_endpoint();
  berth::socket<inet, stream> client;
  int r = 0, err = 0;
  {
    bt::interrupter helper({SYS_accept4}, [&] {
      std::error_code ec;
      client = berth::connect(ep, ec);
    });
    r = ::accept4(a.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    err = errno;
    helper.join();
    CHECK(helper.saw_blocked());
    CHECK(helper.signalled());
  }
  if (r >= 0) ::close(r);
  CHECK(r == -1);
  CHECK(err == EINTR);
}

TEST_CASE("accept reports running out of descriptors, the connection stays queued") {
  auto a = berth::listen(bt::loopback4());
  auto c = berth::connect(a.local_endpoint());
  std::error_code ec, ec_peer;
  std::error_code thrown;
  berth::socket<inet, stream> s, t;
  berth::inet_endpoint peer;
  bool exhausted = false;
  {
    bt::descriptor_exhaustion exhaustion;
    exhausted = exhaustion.exhausted();
    s = a.accept(ec);
    t = a.accept(peer, ec_peer);
    thrown = bt::thrown_code([&] { (void)a.accept(); });
    exhaustion.release();
  }
  REQUIRE(exhausted);
  CHECK(ec == std::errc::too_many_files_open);
  CHECK(ec_peer == std::errc::too_many_files_open);
  CHECK(thrown == std::errc::too_many_files_open);
  CHECK_FALSE(s.is_open());
  CHECK_FALSE(t.is_open());
  auto u = a.accept(peer);  // still there
  CHECK(peer == c.local_endpoint());
}

TEST_CASE("an acceptor reports running out of descriptors and holds none") {
  std::error_code ec;
  std::error_code thrown;
  berth::acceptor<inet> a;
  bool exhausted = false;
  {
    bt::descriptor_exhaustion exhaustion;
    exhausted = exhaustion.exhausted();
    a = berth::listen(bt::loopback4(), ec);
    thrown = bt::thrown_code([] { (void)berth::listen(bt::loopback6()); });
    exhaustion.release();
  }
  REQUIRE(exhausted);
  CHECK(ec == std::errc::too_many_files_open);
  CHECK(thrown == std::errc::too_many_files_open);
  CHECK_FALSE(a.is_open());
}

TEST_CASE("acceptor options: set, get, and an accepted socket inherits the buffer size") {
  auto a = berth::listen(bt::loopback4());
  a.set(berth::option::receive_buffer_size{65536});
  CHECK(a.get<berth::option::receive_buffer_size>().value >= 65536);
  a.set(berth::option::no_delay{true});
  CHECK(a.get<berth::option::no_delay>().value);
  std::error_code ec;
  a.set(berth::option::receive_timeout{-1us}, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(a.get<berth::option::error>().value == 0);
  auto c = berth::connect(a.local_endpoint());
  auto s = a.accept();
  CHECK(s.get<berth::option::no_delay>().value);  // Linux: accepted sockets inherit it
}

TEST_CASE("acceptor::local_endpoint reports errors") {
  berth::acceptor<local> none;
  std::error_code ec;
  const auto ep = none.local_endpoint(ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(ep.is_unnamed());
  CHECK(bt::thrown_code([&] { (void)none.local_endpoint(); }) == std::errc::bad_file_descriptor);
}

TEST_CASE("listen(socket&&) listens on a socket configured and bound beforehand") {
  SECTION("two listeners share a port with reuse_port, set before bind") {
    auto s1 = berth::socket<inet, stream>::open();
    s1.set(berth::option::reuse_port{true});
    s1.bind(bt::loopback4());
    const auto ep = s1.local_endpoint();
    const int fd = s1.native_handle();
    auto a1 = berth::listen(std::move(s1));
    CHECK_FALSE(s1.is_open());  // NOLINT(bugprone-use-after-move): the acceptor owns it now
    CHECK(a1.native_handle() == fd);
    CHECK(is_listening(fd) == 1);

    auto s2 = berth::socket<inet, stream>::open();
    s2.set(berth::option::reuse_port{true});
    s2.bind(ep);
    std::error_code ec = std::make_error_code(std::errc::io_error);
    auto a2 = berth::listen(std::move(s2), 8, ec);
    CHECK_FALSE(ec);
    CHECK(a2.local_endpoint() == ep);

    auto c = berth::connect(ep);  // one of the two takes it
    bool taken = false;
    for (int i = 0; i < 1000 && !taken; ++i) taken = a1.wait_readable(5ms) || a2.wait_readable(0ms);
    CHECK(taken);
  }
  SECTION("the acceptor constructor, local seqpacket") {
    auto s = berth::socket<local, seqpacket>::open();
    const auto name = berth::local_endpoint::abstract(bt::unique_abstract_name());
    s.bind(name);
    berth::acceptor<local, seqpacket> a(std::move(s), 4);
    CHECK(a.local_endpoint() == name);
    auto c = berth::connect<seqpacket>(name);
    CHECK(a.accept().is_open());
  }
  SECTION("error-code form of the constructor") {
    auto s = berth::socket<inet6, stream>::open();
    s.bind(bt::loopback6());
    std::error_code ec = std::make_error_code(std::errc::io_error);
    berth::acceptor<inet6> a(std::move(s), 4, ec);
    CHECK_FALSE(ec);
    CHECK(a.is_open());
    CHECK(bt::is_close_on_exec(a.native_handle()));
  }
}

TEST_CASE("listen(socket&&) that fails leaves the descriptor with the socket") {
  auto server = berth::listen(bt::loopback4());
  auto connected = berth::connect(server.local_endpoint());  // listen(2) on it: EINVAL
  const int fd = connected.native_handle();
  std::error_code ec;
  auto a = berth::listen(std::move(connected), 4, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(a.is_open());
  CHECK(connected.native_handle() == fd);  // NOLINT(bugprone-use-after-move): kept on error
  CHECK_FALSE(bt::is_closed(fd));

  berth::acceptor<inet> b(std::move(connected), 4, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(b.is_open());
  CHECK(connected.is_open());  // NOLINT(bugprone-use-after-move)

  CHECK(bt::thrown_code([&] { (void)berth::listen(std::move(connected)); }) == std::errc::invalid_argument);
  CHECK(connected.is_open());  // NOLINT(bugprone-use-after-move)
  CHECK(bt::thrown_code([&] { berth::acceptor<inet> c(std::move(connected)); }) == std::errc::invalid_argument);
  CHECK(connected.is_open());  // NOLINT(bugprone-use-after-move)

  berth::socket<local, stream> none;
  auto d = berth::listen(std::move(none), 4, ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK_FALSE(d.is_open());
}
