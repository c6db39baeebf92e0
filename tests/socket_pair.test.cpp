#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace bt = berth_test;

namespace {

static_assert(std::is_same_v<decltype(berth::socket_pair()),
                             std::pair<berth::socket<berth::local, berth::stream>, berth::socket<berth::local, berth::stream>>>);
static_assert(std::is_same_v<decltype(berth::socket_pair<berth::datagram>()),
                             std::pair<berth::socket<berth::local, berth::datagram>,
                                       berth::socket<berth::local, berth::datagram>>>);
static_assert(std::is_same_v<decltype(berth::socket_pair<berth::seqpacket>(std::declval<std::error_code&>())),
                             std::pair<berth::socket<berth::local, berth::seqpacket>,
                                       berth::socket<berth::local, berth::seqpacket>>>);
static_assert(noexcept(berth::socket_pair(std::declval<std::error_code&>())));

template <class T>
concept pair_exists = requires { berth::socket_pair<T>(); };
static_assert(pair_exists<berth::stream> && pair_exists<berth::datagram> && pair_exists<berth::seqpacket>);
static_assert(!pair_exists<int>);

int socket_option(int fd, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  return ::getsockopt(fd, SOL_SOCKET, name, &value, &size) == 0 ? value : -1;
}

template <class S>
void check_end(const S& s, int type) {
  REQUIRE(s.is_open());
  CHECK(bt::is_close_on_exec(s.native_handle()));
  CHECK(socket_option(s.native_handle(), SO_DOMAIN) == AF_UNIX);
  CHECK(socket_option(s.native_handle(), SO_TYPE) == type);
  CHECK_FALSE(bt::is_nonblocking(s.native_handle()));
  CHECK(s.local_endpoint().is_unnamed());
  CHECK(s.remote_endpoint().is_unnamed());
}

}  // namespace

TEST_CASE("socket_pair: a byte stream between two connected sockets") {
  auto [a, b] = berth::socket_pair();
  REQUIRE(a.write("ping") == 4);
  char buffer[4];
  REQUIRE(b.read(buffer) == 4);
  REQUIRE(std::string_view(buffer, 4) == "ping");
}

TEST_CASE("socket_pair: both ends are unix sockets of the type asked for, close-on-exec") {
  auto s = berth::socket_pair();
  check_end(s.first, SOCK_STREAM);
  check_end(s.second, SOCK_STREAM);
  auto d = berth::socket_pair<berth::datagram>();
  check_end(d.first, SOCK_DGRAM);
  check_end(d.second, SOCK_DGRAM);
  auto q = berth::socket_pair<berth::seqpacket>();
  check_end(q.first, SOCK_SEQPACKET);
  check_end(q.second, SOCK_SEQPACKET);
}

TEST_CASE("socket_pair: both directions work") {
  auto [a, b] = berth::socket_pair();
  char buffer[8];
  CHECK(b.write("back") == 4);
  CHECK(a.read_some(buffer) == 4);
  CHECK(std::string_view(buffer, 4) == "back");
  a.close();
  CHECK(b.read_some(buffer) == 0);  // the other end closed: end of stream
}

TEST_CASE("socket_pair<datagram>: messages keep their boundaries, a long one is truncated") {
  auto [a, b] = berth::socket_pair<berth::datagram>();
  CHECK(a.send("one") == 3);
  CHECK(a.send("three") == 5);
  CHECK(a.send("0123456789") == 10);
  char buffer[8];
  CHECK(b.receive(buffer) == 3);
  CHECK(b.receive(buffer) == 5);
  std::error_code ec;
  char small[4];
  CHECK(b.receive(small, ec) == 4);
  CHECK(ec == berth::error::truncated);
  CHECK(std::string_view(small, 4) == "0123");
  CHECK(b.send("up") == 2);
  CHECK(a.receive(buffer) == 2);
}

TEST_CASE("socket_pair<seqpacket>: messages keep their boundaries, end of connection is 0") {
  auto [a, b] = berth::socket_pair<berth::seqpacket>();
  CHECK(a.send("ab") == 2);
  CHECK(a.send("cdef") == 4);
  char buffer[8];
  CHECK(b.receive(buffer) == 2);
  CHECK(b.receive(buffer) == 4);
  a.close();
  CHECK(b.receive(buffer) == 0);
}

TEST_CASE("socket_pair: the error-code form") {
  std::error_code ec = std::make_error_code(std::errc::io_error);
  auto [a, b] = berth::socket_pair<berth::seqpacket>(ec);
  CHECK_FALSE(ec);
  REQUIRE(a.is_open());
  REQUIRE(b.is_open());
  CHECK(bt::is_close_on_exec(a.native_handle()));
  CHECK(bt::is_close_on_exec(b.native_handle()));
  CHECK(a.send("x") == 1);
}

TEST_CASE("socket_pair: running out of descriptors, both forms, and both ends hold none") {
  std::error_code ec;
  std::error_code thrown;
  std::pair<berth::socket<berth::local, berth::stream>, berth::socket<berth::local, berth::stream>> pair;
  bool exhausted = false;
  {
    bt::descriptor_exhaustion exhaustion;
    exhausted = exhaustion.exhausted();
    pair = berth::socket_pair(ec);
    thrown = bt::thrown_code([] { (void)berth::socket_pair<berth::datagram>(); });
    exhaustion.release();
  }
  REQUIRE(exhausted);
  CHECK(ec == std::errc::too_many_files_open);
  CHECK(thrown == std::errc::too_many_files_open);
  CHECK_FALSE(pair.first.is_open());
  CHECK_FALSE(pair.second.is_open());
}

TEST_CASE("socket_pair: peer credentials name this process") {
  auto [a, b] = berth::socket_pair();
  for (const auto* s : {&a, &b}) {
    const auto cred = s->get<berth::option::peer_credentials>();
    CHECK(cred.pid == ::getpid());
    CHECK(cred.uid == ::getuid());
    CHECK(cred.gid == ::getgid());
  }
}

TEST_CASE("socket_pair: a parent and a forked child talk, and the child is reaped") {
  auto [parent, child_end] = berth::socket_pair();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    parent.close();
    std::error_code ec;
    char request[5];
    child_end.read(request, ec);
    if (!ec) child_end.write("pong!", ec);
    ::_exit(ec ? 1 : 0);
  }
  child_end.close();
  parent.write("ping!");
  char reply[5];
  std::error_code ec;
  CHECK(parent.read(reply, ec) == 5);
  CHECK_FALSE(ec);
  CHECK(std::string_view(reply, 5) == "pong!");
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
