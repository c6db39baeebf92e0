// The error paths the kernel will not produce on demand, through the fault seam
// (support/fault.hpp): berth's kernel seam (detail/sys.hpp) is reached unchanged, and the
// chosen calls fail with the chosen errno.
#include <berth/berth.hpp>

#include "fault.hpp"
#include "sockets.hpp"

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <span>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace bt = berth_test;
using namespace bt::types;
using berth_test::fault::call;
using berth_test::fault::injection;
using berth_test::fault::mode;

TEST_CASE("fault seam: an injection fails exactly the calls it names, then libc runs again") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  char byte = 0;
  {
    const injection fail(call::send, ENOBUFS, 1, 1);  // the second send only
    CHECK(a.write_some("x") == 1);
    std::error_code ec;
    CHECK(a.write_some("y", ec) == 0);
    CHECK(ec == std::errc::no_buffer_space);
    CHECK(a.write_some("z") == 1);
    CHECK(fail.calls() == 3);
    CHECK(fail.failed() == 1);
  }
  CHECK(b.read(std::span<char>(&byte, 1)) == 1);
  CHECK(byte == 'x');
  CHECK(b.read(std::span<char>(&byte, 1)) == 1);
  CHECK(byte == 'z');
}

TEST_CASE("fault seam: a failure that leaves errno 0 is reported as EIO, never as success") {
  auto ab = berth::socket_pair();
  auto& a = ab.first;
  const injection fail(call::send, 0);
  std::error_code ec;
  CHECK(a.write_some("x", ec) == 0);
  CHECK(ec == std::errc::io_error);
}

TEST_CASE("socket(2) out of descriptors: open, connect, bind, listen report it and leave nothing open") {
  const auto ep = bt::loopback4();
  std::error_code ec;
  {
    const injection fail(call::socket, EMFILE, 4);
    CHECK_FALSE(tcp::open(ec).is_open());
    CHECK(ec == std::errc::too_many_files_open);
    CHECK_FALSE(berth::connect(ep, ec).is_open());
    CHECK(ec == std::errc::too_many_files_open);
    CHECK_FALSE(berth::bind<berth::datagram>(ep, ec).is_open());
    CHECK(ec == std::errc::too_many_files_open);
    CHECK_FALSE(berth::listen(ep, ec).is_open());
    CHECK(ec == std::errc::too_many_files_open);
  }
  const injection fail(call::socket, ENFILE);
  CHECK(bt::thrown_code([&] { (void)berth::bind<berth::datagram>(ep); }) ==
        std::errc::too_many_files_open_in_system);
}

TEST_CASE("listen: a failing SO_REUSEADDR or listen(2) closes the socket it made") {
  std::error_code ec;
  {
    const injection fail(call::setsockopt, ENOMEM);
    CHECK_FALSE(berth::listen(bt::loopback4(), ec).is_open());
    CHECK(ec == std::errc::not_enough_memory);
  }
  {
    const injection fail(call::listen, EADDRINUSE, 2);
    CHECK_FALSE(berth::listen(bt::loopback4(), ec).is_open());
    CHECK(ec == std::errc::address_in_use);
    CHECK(bt::thrown_code([] { (void)berth::listen(bt::loopback6()); }) == std::errc::address_in_use);
  }
  const injection fail(call::bind, EACCES);
  const berth::local_endpoint path_ep = berth::local_endpoint::abstract(bt::unique_abstract_name());
  CHECK_FALSE(berth::listen(path_ep, ec).is_open());
  CHECK(ec == std::errc::permission_denied);
}

TEST_CASE("adopt_checked: SO_TYPE failing after SO_DOMAIN worked is reported, the descriptor stays the caller's") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0);
  std::error_code ec;
  {
    const injection fail(call::getsockopt, EBADF, 1, 1);
    auto s = unix_seqpacket::adopt_checked(fds[0], ec);
    CHECK_FALSE(s.is_open());
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK(fail.calls() == 2);
  }
  CHECK_FALSE(bt::is_closed(fds[0]));
  auto s = unix_seqpacket::adopt_checked(fds[0], ec);
  CHECK(s.is_open());
  CHECK_FALSE(ec);
  ::close(fds[1]);
}

TEST_CASE("close reports EIO once the descriptor is released, and never reports EINTR") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  const int fd_a = a.native_handle(), fd_b = b.native_handle();
  std::error_code ec;
  {
    const injection fail(call::close, EIO, 1, 0, mode::after);
    a.close(ec);
  }
  CHECK(ec == std::errc::io_error);
  CHECK_FALSE(a.is_open());
  CHECK(bt::is_closed(fd_a));
  {
    const injection fail(call::close, EINTR, 1, 0, mode::after);
    b.close(ec);
  }
  CHECK_FALSE(ec);
  CHECK(bt::is_closed(fd_b));
  berth::descriptor d(::dup(STDIN_FILENO));
  const injection fail(call::close, EIO, 1, 0, mode::after);
  CHECK(bt::thrown_code([&] { d.close(); }) == std::errc::io_error);
  CHECK_FALSE(d.is_open());
}

TEST_CASE("EINTR twice and more: each single call is made again until it ends otherwise") {
  auto c = bt::connect_pair<berth::inet>();
  {
    const injection fail(call::send, EINTR, 3);
    CHECK(c.client.write_some("abc") == 3);
    CHECK(fail.calls() == 4);
  }
  char buffer[3];
  {
    const injection fail(call::recv, EINTR, 2);
    CHECK(c.server.read_some(buffer) == 3);
    CHECK(fail.calls() == 3);
  }
  c.client.write("de");
  {
    const injection fail(call::recv, EINTR, 2);  // read: MSG_WAITALL interrupted twice
    CHECK(c.server.read(std::span<char>(buffer, 2)) == 2);
  }
  CHECK(std::string_view(buffer, 2) == "de");
}

TEST_CASE("accept after EINTR: made again, the peer is filled as without the signal") {
  auto listener = berth::listen(bt::loopback4());
  auto client = berth::connect(listener.local_endpoint());
  berth::inet_endpoint peer;
  const injection fail(call::accept4, EINTR, 2);
  auto server = listener.accept(peer);
  CHECK(server.is_open());
  CHECK(fail.calls() == 3);
  CHECK(peer == client.local_endpoint());
}

TEST_CASE("receive_from after EINTR: the datagram and its sender, truncated or not") {
  auto server = berth::bind<berth::datagram>(bt::loopback4());
  auto client = berth::bind<berth::datagram>(bt::loopback4());
  client.send_to("hello", server.local_endpoint());
  client.send_to("hi", server.local_endpoint());
  berth::inet_endpoint from;
  char small[3];
  std::error_code ec;
  {
    const injection fail(call::recvfrom, EINTR);
    CHECK(server.receive_from(small, from, ec) == 3);
  }
  CHECK(ec == berth::error::truncated);
  CHECK(from == client.local_endpoint());
  from = {};
  {
    const injection fail(call::recvfrom, EINTR);
    CHECK(server.receive_from(small, from) == 2);
  }
  CHECK(from == client.local_endpoint());
}

TEST_CASE("a signal during a read bounded by receive_timeout: the limit holds from the interruption") {
  auto c = bt::connect_pair<berth::inet>();
  c.server.set(berth::option::receive_timeout{std::chrono::milliseconds(100)});
  char buffer[4];
  std::error_code ec;
  const auto start = std::chrono::steady_clock::now();
  {
    const injection fail(call::recv, EINTR);  // then no data ever comes
    CHECK(c.server.read_some(buffer, ec) == 0);
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK(waited >= std::chrono::milliseconds(90));
  CHECK(waited < std::chrono::seconds(5));
  // The same with data arriving while the call waits on its deadline: it is read.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c.client.write("abcd");
  });
  {
    const injection fail(call::recv, EINTR);
    CHECK(c.server.read(buffer, ec) == 4);
  }
  writer.join();
  CHECK_FALSE(ec);
}

TEST_CASE("poll interrupted by a signal waits again with the time left") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.write("x");
  const injection fail(call::poll, EINTR, 2);
  CHECK(b.wait_readable(std::chrono::seconds(5)));
  CHECK(fail.calls() == 3);
}

TEST_CASE("the time limit cannot be read after a signal: the call is simply made again") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.write("x");
  char byte;
  const injection interrupt(call::recv, EINTR);
  const injection no_limit(call::getsockopt, ENOBUFS);
  CHECK(b.read_some(std::span<char>(&byte, 1)) == 1);
  CHECK(no_limit.failed() == 1);
}

TEST_CASE("a unix connect interrupted by a signal is made again, with and without a send_timeout") {
  const auto ep = berth::local_endpoint::abstract(bt::unique_abstract_name());
  auto listener = berth::listen(ep);
  {
    const injection fail(call::connect, EINTR, 2);
    auto s = unix_stream::open();
    s.connect(ep);
    CHECK(fail.calls() == 3);
    auto server = listener.accept();
  }
  auto s = unix_stream::open();
  s.set(berth::option::send_timeout{std::chrono::seconds(5)});
  {
    const injection fail(call::connect, EINTR);
    s.connect(ep);
  }
  auto server = listener.accept();
  // The limit the caller set is put back afterwards.
  CHECK(s.get<berth::option::send_timeout>().value >= std::chrono::seconds(5));
}

TEST_CASE("a TCP connect whose wait a signal cut short is completed by poll and SO_ERROR") {
  auto listener = berth::listen(bt::loopback4());
  auto s = tcp::open();
  {
    const injection fail(call::connect, EINTR, 1, 0, mode::after);
    s.connect(listener.local_endpoint());
  }
  CHECK(s.remote_endpoint() == listener.local_endpoint());
  auto server = listener.accept();
}

TEST_CASE("getsockname failing: local_endpoint reports it and returns the default endpoint") {
  auto s = berth::bind<berth::datagram>(bt::loopback4());
  std::error_code ec;
  const injection fail(call::getsockname, ENOBUFS);
  CHECK(s.local_endpoint(ec) == berth::inet_endpoint{});
  CHECK(ec == std::errc::no_buffer_space);
}

TEST_CASE("send_many / receive_many: one sendmmsg and one recvmmsg for a batch of 100 and of 1024; a failure of the call is reported") {
  auto server = berth::bind<berth::datagram>(bt::loopback4());
  auto client = berth::bind<berth::datagram>(bt::loopback4());
  server.set(berth::option::receive_buffer_size{1 << 20});
  for (const std::size_t count : {std::size_t{100}, std::size_t{1024}}) {
    std::vector<std::byte> bytes(count);
    std::vector<berth::message<berth::inet_endpoint>> out(count), in(count);
    for (std::size_t k = 0; k < count; ++k) {
      out[k].data = std::span(bytes).subspan(k, 1);
      out[k].endpoint = server.local_endpoint();
      in[k].data = std::span(bytes).subspan(k, 1);
    }
    {
      const injection counted(call::sendmmsg, 0, 0);  // fails none: counts
      CHECK(client.send_many(out) == count);
      CHECK(counted.calls() == 1);
    }
    {
      const injection counted(call::recvmmsg, 0, 0);
      const std::size_t got = server.receive_many(in);
      CHECK(got >= 1);  // as many as the receive buffer kept (all, unless it was full)
      CHECK(got <= count);
      CHECK(counted.calls() == 1);
    }
    server.set_nonblocking();
    std::error_code ignored;
    while (server.receive_many(in, ignored) > 0) {
    }
    server.set_nonblocking(false);
    {
      const injection fail(call::sendmmsg, ENOBUFS);
      std::error_code ec;
      CHECK(client.send_many(out, ec) == 0);
      CHECK(ec == std::errc::no_buffer_space);
      CHECK(fail.calls() == 1);
    }
  }
}
