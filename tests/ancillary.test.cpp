// Descriptors and credentials beside the bytes of local sockets (Revision 2):
// send_descriptors / receive_descriptors (SCM_RIGHTS, MSG_CMSG_CLOEXEC), MSG_CTRUNC as
// berth::error::descriptors_truncated with nothing leaked, the 253 limit, and
// send_credentials / receive_credentials with option::pass_credentials.
#include <berth/ancillary.hpp>

#include <berth/buffer.hpp>
#include <berth/descriptor.hpp>
#include <berth/local.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using berth::datagram;
using berth::local;
using berth::seqpacket;
using berth::stream;
namespace bt = berth_test;
using namespace berth_test::types;

namespace {

static_assert(std::is_aggregate_v<berth::received> && std::is_aggregate_v<berth::credentials>);
static_assert(berth::credentials{}.pid == 0 && berth::credentials{}.uid == static_cast<uid_t>(-1));

/// A pipe, both ends owned, neither close-on-exec (so that a received copy being
/// close-on-exec is berth's doing, not inherited).
struct pipe_ends {
  berth::descriptor read, write;
};
pipe_ends make_pipe() {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  return {berth::descriptor(fds[0]), berth::descriptor(fds[1])};
}

/// What `fd` reads now (a pipe with something in it).
std::string read_from(int fd) {
  char buffer[64];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

template <class T>
void pass_a_pipe() {
  auto ab = berth::socket_pair<T>();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  REQUIRE_FALSE(bt::is_close_on_exec(p.read.native_handle()));
  const int fds[2] = {p.read.native_handle(), p.write.native_handle()};
  CHECK(a.send_descriptors("fds", fds) == 3);
  std::array<berth::descriptor, 2> out;
  char data[8];
  const berth::received got = b.receive_descriptors(data, out);
  CHECK(got.bytes == 3);
  CHECK(std::string_view(data, 3) == "fds");
  REQUIRE(got.descriptors == 2);
  for (const berth::descriptor& d : out) {
    REQUIRE(d.is_open());
    CHECK(bt::is_close_on_exec(d.native_handle()));
    CHECK(bt::exec_sees_descriptor(d.native_handle()) == 0);
    CHECK(d.native_handle() != p.read.native_handle());
    CHECK(d.native_handle() != p.write.native_handle());
  }
  // The received write end writes into the same pipe; the received read end reads it.
  REQUIRE(::write(out[1].native_handle(), "through", 7) == 7);
  CHECK(read_from(out[0].native_handle()) == "through");
}

}  // namespace

TEST_CASE("send_descriptors and receive_descriptors pass open descriptors, received ones are close-on-exec") {
  pass_a_pipe<stream>();
  pass_a_pipe<datagram>();
  pass_a_pipe<seqpacket>();
}

TEST_CASE("descriptors go with a gather list and into a scatter list, from run-time spans") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  std::vector<int> fds{p.write.native_handle()};
  CHECK(a.send_descriptors(berth::buffers("head", std::string("+body")), std::span<const int>(fds)) == 9);
  char x[4], y[5];
  std::vector<berth::descriptor> out(3);
  const berth::received got = b.receive_descriptors(berth::buffers(x, y), out);
  CHECK(got.bytes == 9);
  CHECK(got.descriptors == 1);
  CHECK(out[0].is_open());
  CHECK_FALSE(out[1].is_open());
  CHECK(std::string_view(x, 4) == "head");
  // A braced pointer and count is a std::span<const int> too.
  const int one = p.read.native_handle();
  CHECK(a.send_descriptors("x", {&one, 1}) == 1);
  char c;
  std::array<berth::descriptor, 1> fixed;
  CHECK(b.receive_descriptors(std::span(&c, 1), fixed).descriptors == 1);
  REQUIRE(::write(out[0].native_handle(), "w", 1) == 1);
  CHECK(read_from(fixed[0].native_handle()) == "w");
}

TEST_CASE("no descriptors sent: receive_descriptors receives the bytes alone, at end of stream 0 and 0") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.write("plain");
  std::array<berth::descriptor, 2> out;
  char data[8];
  berth::received got = b.receive_descriptors(data, out);
  CHECK(got.bytes == 5);
  CHECK(got.descriptors == 0);
  CHECK(a.send_descriptors("y", std::span<const int>()) == 1);  // none: just the byte
  got = b.receive_descriptors(data, out);
  CHECK(got.bytes == 1);
  CHECK(got.descriptors == 0);
  a.shutdown(berth::shutdown_type::send);
  got = b.receive_descriptors(data, out);
  CHECK(got.bytes == 0);
  CHECK(got.descriptors == 0);
}

TEST_CASE("more descriptors than out holds: descriptors_truncated, those that fit kept, the rest closed") {
  auto ab = berth::socket_pair<seqpacket>();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  const int fds[3] = {p.read.native_handle(), p.write.native_handle(), p.read.native_handle()};
  const int before = bt::open_descriptor_count();
  {
    a.send_descriptors("m", fds);
    std::array<berth::descriptor, 1> out;
    char data[4];
    std::error_code ec;
    const berth::received got = b.receive_descriptors(data, out, ec);
    CHECK(ec == berth::error::descriptors_truncated);
    CHECK(got.bytes == 1);
    CHECK(got.descriptors == 1);
    CHECK(out[0].is_open());
    CHECK(bt::is_close_on_exec(out[0].native_handle()));
    CHECK(bt::open_descriptor_count() == before + 1);  // only the one kept
  }
  CHECK(bt::open_descriptor_count() == before);
  {
    // The throwing form throws; what fit still belongs to `out` and is closed with it.
    a.send_descriptors("m", fds);
    std::vector<berth::descriptor> out(2);
    char data[4];
    CHECK(bt::thrown_code([&] { (void)b.receive_descriptors(data, out); }) == berth::error::descriptors_truncated);
    CHECK(out[0].is_open());
    CHECK(out[1].is_open());
    CHECK(bt::open_descriptor_count() == before + 2);
  }
  CHECK(bt::open_descriptor_count() == before);
  {
    // Room for none: every one closed.
    a.send_descriptors("m", fds);
    char data[4];
    std::error_code ec;
    const berth::received got = b.receive_descriptors(data, std::span<berth::descriptor>(), ec);
    CHECK(ec == berth::error::descriptors_truncated);
    CHECK(got.descriptors == 0);
    CHECK(bt::open_descriptor_count() == before);
  }
}

TEST_CASE("a descriptor received replaces what the element of out held, closing it") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  const int fd = p.read.native_handle();
  std::array<berth::descriptor, 1> out{berth::descriptor(::dup(p.write.native_handle()))};
  const int old = out[0].native_handle();
  REQUIRE(old >= 0);
  a.send_descriptors("z", std::span<const int>(&fd, 1));
  char c;
  CHECK(b.receive_descriptors(std::span(&c, 1), out).descriptors == 1);
  CHECK(out[0].is_open());
  // The old one was closed (its number may be reused for the new one).
  if (out[0].native_handle() != old) CHECK(bt::is_closed(old));
}

TEST_CASE("253 descriptors in one message is the limit, 254 is argument_list_too_long, nothing sent") {
  auto ab = berth::socket_pair<seqpacket>();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  std::vector<int> fds(253, p.write.native_handle());
  CHECK(a.send_descriptors("many", std::span<const int>(fds)) == 4);
  std::vector<berth::descriptor> out(300);
  char data[8];
  const berth::received got = b.receive_descriptors(data, out);
  CHECK(got.descriptors == 253);
  CHECK(out[252].is_open());
  CHECK_FALSE(out[253].is_open());
  out.clear();
  fds.push_back(p.write.native_handle());
  std::error_code ec;
  CHECK(a.send_descriptors("many", std::span<const int>(fds), ec) == 0);
  CHECK(ec == std::errc::argument_list_too_long);
  std::array<int, 254> fixed;
  fixed.fill(p.write.native_handle());
  CHECK(bt::thrown_code([&] { a.send_descriptors("many", fixed); }) == std::errc::argument_list_too_long);
  CHECK_FALSE(b.wait_readable(0ms));
}

TEST_CASE("send_descriptors needs a data byte, a descriptor that is not open is bad_file_descriptor") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  const int fd = p.read.native_handle();
  std::error_code ec;
  CHECK(a.send_descriptors("", std::span<const int>(&fd, 1), ec) == 0);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { a.send_descriptors(std::string(), std::span<const int>(&fd, 1)); }) ==
        std::errc::invalid_argument);
  const std::vector<berth::const_buffer> nothing;
  CHECK(a.send_descriptors(nothing, std::span<const int>(&fd, 1), ec) == 0);
  CHECK(ec == std::errc::invalid_argument);
  const int closed = ::dup(fd);
  ::close(closed);
  CHECK(a.send_descriptors("x", std::span<const int>(&closed, 1), ec) == 0);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK_FALSE(b.wait_readable(0ms));  // nothing of the refused sends arrived
  unix_stream none;
  CHECK(bt::thrown_code([&] { none.send_descriptors("x", std::span<const int>(&fd, 1)); }) ==
        std::errc::bad_file_descriptor);
}

TEST_CASE("a message longer than the buffer on seqpacket: truncated, its descriptors still in out") {
  auto ab = berth::socket_pair<seqpacket>();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  const int fd = p.write.native_handle();
  a.send_descriptors("longer than four", std::span<const int>(&fd, 1));
  std::array<berth::descriptor, 1> out;
  char data[4];
  std::error_code ec;
  const berth::received got = b.receive_descriptors(data, out, ec);
  CHECK(ec == berth::error::truncated);
  CHECK(got.bytes == 4);
  CHECK(got.descriptors == 1);
  CHECK(out[0].is_open());
}

TEST_CASE("descriptor passing allocates nothing") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  pipe_ends p = make_pipe();
  const int fds[1] = {p.read.native_handle()};
  std::array<berth::descriptor, 1> out;
  char c;
  bt::allocation_counter counter;
  a.send_descriptors("x", fds);
  (void)b.receive_descriptors(std::span(&c, 1), out);
  CHECK(counter.count() == 0);
}

// ---- credentials -----------------------------------------------------------------------------

TEST_CASE("pass_credentials: set and read back, receive_credentials is who sent, as the kernel vouches") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  CHECK_FALSE(b.get<berth::option::pass_credentials>().value);
  b.set(berth::option::pass_credentials{true});
  CHECK(b.get<berth::option::pass_credentials>().value);
  a.write("me");
  berth::credentials who;
  char data[4];
  CHECK(b.receive_credentials(data, who) == 2);
  CHECK(who.pid == ::getpid());
  CHECK(who.uid == ::geteuid());
  CHECK(who.gid == ::getegid());
  // Another process: its own pid.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::error_code ec;
    a.write("child", ec);
    ::_exit(ec ? 1 : 0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(b.receive_credentials(data, who) == 4);
  CHECK(who.pid == child);
  b.set(berth::option::pass_credentials{false});
  CHECK_FALSE(b.get<berth::option::pass_credentials>().value);
  (void)b.read_some(data);  // the rest of "child"
}

TEST_CASE("send_credentials claims ids, the kernel checks the claim") {
  auto ab = berth::socket_pair<datagram>();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  b.set(berth::option::pass_credentials{true});
  const berth::credentials mine{::getpid(), ::getuid(), ::getgid()};
  CHECK(a.send_credentials("own", mine) == 3);
  berth::credentials who;
  char data[8];
  CHECK(b.receive_credentials(data, who) == 3);
  CHECK(who == mine);
  const berth::credentials nobody{::getpid(), 65534, 65534};
  std::error_code ec;
  a.send_credentials("other", nobody, ec);
  if (::geteuid() == 0) {  // CAP_SETUID, CAP_SETGID: the claim is accepted
    CHECK_FALSE(ec);
    CHECK(b.receive_credentials(data, who) == 5);
    CHECK(who == nobody);
  } else {
    CHECK(ec == std::errc::operation_not_permitted);
  }
  CHECK(a.send_credentials("", mine, ec) == 0);
  CHECK(ec == std::errc::invalid_argument);
}

TEST_CASE("receive_credentials without pass_credentials is invalid_argument, before it, pid 0") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.write("early");
  berth::credentials who;
  char data[8];
  std::error_code ec;
  CHECK(b.receive_credentials(std::span(data, 2), who, ec) == 2);  // the bytes still come
  CHECK(ec == std::errc::invalid_argument);
  CHECK(who == berth::credentials{});
  b.set(berth::option::pass_credentials{true});
  CHECK(b.receive_credentials(data, who) == 3);  // sent before the option was on
  CHECK(who.pid == 0);
  CHECK(who.uid == 65534);  // the overflow id: nobody's
}

TEST_CASE("credentials and descriptors together: receive_descriptors keeps every descriptor") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  b.set(berth::option::pass_credentials{true});  // SCM_CREDENTIALS now comes first
  pipe_ends p = make_pipe();
  const int fds[2] = {p.read.native_handle(), p.write.native_handle()};
  a.send_descriptors("both", fds);
  std::array<berth::descriptor, 2> out;
  char data[8];
  const berth::received got = b.receive_descriptors(data, out);
  CHECK(got.descriptors == 2);
  // receive_credentials of a message with descriptors: they are closed, and it says so.
  const int before = bt::open_descriptor_count();
  a.send_descriptors("again", fds);
  berth::credentials who;
  std::error_code ec;
  CHECK(b.receive_credentials(data, who, ec) == 5);
  CHECK(ec == berth::error::descriptors_truncated);
  CHECK(who.pid == ::getpid());
  CHECK(bt::open_descriptor_count() == before);
}
