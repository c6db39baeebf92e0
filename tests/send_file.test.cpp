// send_file on stream sockets (Revision 2): sendfile(2) from any offset (past 2 GiB and 4
// GiB in a sparse file), until the count or the end of the file, EINTR and send_timeout,
// and no SIGPIPE however the thread's signal mask stands.
#include <berth/socket.hpp>

#include <berth/descriptor.hpp>
#include <berth/inet.hpp>
#include <berth/local.hpp>
#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using berth::inet;
using berth::local;
namespace bt = berth_test;
using namespace berth_test::types;

namespace {

/// A file in $TMPDIR (or /tmp), removed at once (it lives while its descriptor does): no
/// name is left behind however the test ends.
berth::descriptor temp_file() {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/berth-send-file-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  REQUIRE(fd >= 0);
  ::unlink(path.c_str());
  return berth::descriptor(fd);
}

/// `size` bytes that differ from their neighbours.
std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t k = 0; k < size; ++k) bytes[k] = static_cast<char>((k * 131 + 7) & 0xff);
  return bytes;
}

berth::descriptor file_with(const std::string& content) {
  berth::descriptor f = temp_file();
  REQUIRE(::pwrite(f.native_handle(), content.data(), content.size(), 0) == static_cast<ssize_t>(content.size()));
  return f;
}

bool sigpipe_blocked() {
  sigset_t mask;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, SIGPIPE) == 1;
}

bool sigpipe_pending() {
  sigset_t pending;
  ::sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

TEST_CASE("send_file sends a file's bytes over unix and TCP streams, its own offset is not moved") {
  const std::string content = pattern(300000);
  berth::descriptor file = file_with(content);
  {
    auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
    auto& a = ab.first;
    auto& b = ab.second;
    std::string got(content.size(), '\0');
    std::thread reader([&b = b, &got] { b.read(got); });
    CHECK(a.send_file(file.native_handle(), 0, content.size()) == content.size());
    reader.join();
    CHECK(got == content);
  }
  {
    auto c = bt::connect_pair<inet>();
    CHECK(c.client.send_file(file, 1000, 5000) == 5000);  // the descriptor overload
    std::string got(5000, '\0');
    CHECK(c.server.read(got) == 5000);
    CHECK(got == content.substr(1000, 5000));
  }
  CHECK(::lseek(file.native_handle(), 0, SEEK_CUR) == 0);
}

TEST_CASE("send_file from offsets past 2 GiB and 4 GiB of a sparse file") {
  berth::descriptor file = temp_file();
  constexpr std::uint64_t size = std::uint64_t{5} << 30;  // 5 GiB, nearly all of it a hole
  REQUIRE(::ftruncate(file.native_handle(), static_cast<off_t>(size)) == 0);
  const std::string marker = "past two gigabytes";
  const std::uint64_t past_2g = (std::uint64_t{1} << 31) + 12345;
  const std::uint64_t past_4g = (std::uint64_t{1} << 32) + 7;
  REQUIRE(::pwrite(file.native_handle(), marker.data(), marker.size(), static_cast<off_t>(past_2g)) ==
          static_cast<ssize_t>(marker.size()));
  REQUIRE(::pwrite(file.native_handle(), "four", 4, static_cast<off_t>(past_4g)) == 4);
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  CHECK(a.send_file(file.native_handle(), past_2g, marker.size()) == marker.size());
  std::string got(marker.size(), '\0');
  CHECK(b.read(got) == marker.size());
  CHECK(got == marker);
  CHECK(a.send_file(file.native_handle(), past_4g - 2, 8) == 8);
  char tail[8];
  CHECK(b.read(tail) == 8);
  CHECK(std::string_view(tail, 8) == std::string_view("\0\0four\0\0", 8));
  // The last bytes, asking for more than there are: what there is.
  CHECK(a.send_file(file.native_handle(), size - 3, 100) == 3);
  CHECK(b.read(std::span(tail, 3)) == 3);
}

TEST_CASE("send_file at or past the end of the file sends nothing and is no error, count 0 makes no call") {
  berth::descriptor file = file_with("short");
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  std::error_code ec = std::make_error_code(std::errc::io_error);
  CHECK(a.send_file(file.native_handle(), 5, 10, ec) == 0);
  CHECK_FALSE(ec);
  CHECK(a.send_file(file.native_handle(), 1000, 10) == 0);
  CHECK(a.send_file(file.native_handle(), 0, 0) == 0);
  CHECK(a.send_file(file.native_handle(), 2, 100) == 3);  // up to the end
  char got[3];
  CHECK(b.read(got) == 3);
  CHECK(std::string_view(got, 3) == "ort");
  CHECK_FALSE(b.wait_readable(0ms));
}

TEST_CASE("send_file errors: a file or socket not open, an offset off_t cannot hold, a file that is not one") {
  berth::descriptor file = file_with("data");
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  std::error_code ec;
  const int closed = ::dup(file.native_handle());
  ::close(closed);
  CHECK(a.send_file(closed, 0, 4, ec) == 0);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(a.send_file(file.native_handle(), std::numeric_limits<std::uint64_t>::max(), 4, ec) == 0);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(bt::thrown_code([&] { a.send_file(file.native_handle(), std::uint64_t{1} << 63, 4); }) ==
        std::errc::invalid_argument);
  // A count sendfile(2) refuses (more than SSIZE_MAX): its failure, whose -1 is SIZE_MAX
  // as a size, is no transfer of SIZE_MAX bytes.
  for (const std::size_t count : {std::numeric_limits<std::size_t>::max(), std::size_t{1} << 63}) {
    CHECK(a.send_file(file.native_handle(), 0, count, ec) == 0);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(bt::thrown_code([&] { (void)a.send_file(file.native_handle(), 0, count); }) == std::errc::invalid_argument);
  }
  unix_stream none;
  CHECK(bt::thrown_code([&] { none.send_file(file.native_handle(), 0, 4); }) == std::errc::bad_file_descriptor);
  CHECK(a.send_file(b.native_handle(), 0, 4, ec) == 0);  // a socket is no file to read from
  CHECK(ec);
  CHECK_FALSE(sigpipe_pending());
}

TEST_CASE("send_file to a closed peer is broken_pipe, never SIGPIPE, and leaves the signal mask as it was") {
  bt::sigpipe_terminates sigpipe;  // SIGPIPE would end this process now
  REQUIRE(sigpipe.in_force());
  berth::descriptor file = file_with(pattern(1000));
  {
    auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
    auto& a = ab.first;
    auto& b = ab.second;
    b.close();
    std::error_code ec;
    CHECK(a.send_file(file.native_handle(), 0, 1000, ec) == 0);
    CHECK(ec == std::errc::broken_pipe);
    CHECK(bt::thrown_code([&] { a.send_file(file.native_handle(), 0, 1000); }) == std::errc::broken_pipe);
  }
  {
    auto c = bt::connect_pair<inet>();
    c.server.close();
    std::error_code ec;
    for (int i = 0; i < 500 && !ec; ++i) {  // the first sends still go; the peer's RST ends it
      (void)c.client.send_file(file.native_handle(), 0, 1000, ec);
      if (!ec) std::this_thread::sleep_for(2ms);
    }
    CHECK(ec == std::errc::broken_pipe);
  }
  CHECK_FALSE(sigpipe_blocked());
  CHECK_FALSE(sigpipe_pending());
}

TEST_CASE("send_file in a thread that blocks SIGPIPE: mask kept, its own pending SIGPIPE kept, the call's taken") {
  berth::descriptor file = file_with("x");
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  REQUIRE(::pthread_sigmask(SIG_BLOCK, &pipe_only, &old) == 0);
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  b.close();
  std::error_code ec;
  CHECK(a.send_file(file.native_handle(), 0, 1, ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
  CHECK(sigpipe_blocked());
  CHECK_FALSE(sigpipe_pending());  // the one the call raised was taken
  // One of the thread's own, pending before the call, is left to it.
  REQUIRE(::pthread_kill(::pthread_self(), SIGPIPE) == 0);
  CHECK(a.send_file(file.native_handle(), 0, 1, ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
  CHECK(sigpipe_pending());
  const timespec zero{0, 0};
  CHECK(::sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

TEST_CASE("send_file goes on after a signal cut its sendfile short") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  const std::string content = pattern(3 << 20);
  berth::descriptor file = file_with(content);
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.set(berth::option::send_buffer_size{4096});
  std::string got(content.size(), '\0');
  std::size_t n = 0;
  {
    bt::interrupter helper({SYS_sendfile}, [&b = b, &got] {
      std::error_code ec;
      (void)b.read(got, ec);
    });
    n = a.send_file(file.native_handle(), 0, content.size());
    helper.join();
    CHECK(helper.saw_blocked());
    CHECK(helper.signalled());
  }
  CHECK(n == content.size());
  CHECK(got == content);
}

TEST_CASE("send_file with a send_timeout gives up once it passed, sent bytes told, the limit put back") {
  const std::string content = pattern(4 << 20);
  berth::descriptor file = file_with(content);
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.set(berth::option::send_timeout{50ms});
  const auto limit = a.get<berth::option::send_timeout>().value;
  std::error_code ec;
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = a.send_file(file.native_handle(), 0, content.size(), ec);  // nobody reads
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(n > 0);
  CHECK(n < content.size());
  CHECK(a.get<berth::option::send_timeout>().value == limit);
  std::string got(n, '\0');
  CHECK(b.read(got) == n);
  CHECK(got == content.substr(0, n));
}

TEST_CASE("send_file on a non-blocking stream: would block, with the bytes sent before") {
  const std::string content = pattern(4 << 20);
  berth::descriptor file = file_with(content);
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  [[maybe_unused]] auto& b = ab.second;  // kept open, unread: the send fills its buffer
  a.set_nonblocking();
  std::error_code ec;
  const std::size_t n = a.send_file(file.native_handle(), 0, content.size(), ec);
  CHECK(ec == std::errc::operation_would_block);
  CHECK(n > 0);
  CHECK(n < content.size());
}

TEST_CASE("send_file allocates nothing") {
  berth::descriptor file = file_with("abc");
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  bt::allocation_counter counter;
  a.send_file(file.native_handle(), 0, 3);
  CHECK(counter.count() == 0);
  char got[3];
  CHECK(b.read(got) == 3);
}
