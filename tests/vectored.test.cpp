// Gather and scatter lists on every socket that moves bytes (Revision 2): berth::buffers
// on the stack and run-time ranges of const_buffer/mutable_buffer, through write/read,
// write_some/read_some, send/receive, send_to/receive_from; one sendmsg or recvmsg each,
// a partial transfer resumed mid-list, IOV_MAX (1024) on both sides of its edge, EINTR,
// truncation, broken pipe without SIGPIPE.
#include <berth/socket.hpp>

#include <berth/acceptor.hpp>
#include <berth/buffer.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <signal.h>
#include <sys/syscall.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using berth::datagram;
using berth::inet;
using berth::inet6;
using berth::local;
using berth::seqpacket;
using berth::stream;
namespace bt = berth_test;
using namespace berth_test::types;

namespace {

const std::initializer_list<long> sendmsg_calls{SYS_sendmsg};
const std::initializer_list<long> recvmsg_calls{SYS_recvmsg};

/// `size` bytes that differ from their neighbours, starting at pattern offset `from`.
std::vector<char> pattern(std::size_t size, std::size_t from = 0) {
  std::vector<char> bytes(size);
  for (std::size_t k = 0; k < size; ++k) bytes[k] = static_cast<char>(((from + k) * 131 + 7) & 0xff);
  return bytes;
}

std::string text(const char* data, std::size_t size) { return {data, size}; }

/// The two connected ends of a stream of family F: a socketpair for local.
template <class F>
struct stream_ends {
  berth::socket<F, stream> a, b;
};
template <class F>
stream_ends<F> stream_pair() {
  if constexpr (std::is_same_v<F, local>) {
    auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
    auto& a = ab.first;
    auto& b = ab.second;
    return {std::move(a), std::move(b)};
  } else {
    auto c = bt::connect_pair<F>();
    return {std::move(c.client), std::move(c.server)};
  }
}

template <class F>
void gather_then_scatter() {
  auto [a, b] = stream_pair<F>();
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n";
  const std::string_view body = "Hello, world!";
  CHECK(a.write(berth::buffers(head, body)) == head.size() + body.size());
  std::array<char, 17> first{};
  std::vector<char> second(head.size() + body.size() - first.size());
  CHECK(b.read(berth::buffers(first, second)) == head.size() + body.size());
  CHECK(text(first.data(), first.size()) + text(second.data(), second.size()) == head + std::string(body));
}

}  // namespace

// ---- streams ----------------------------------------------------------------------------

TEST_CASE("write of berth::buffers gathers, read of a mutable list scatters, on every stream") {
  gather_then_scatter<local>();
  gather_then_scatter<inet>();
  gather_then_scatter<inet6>();
  // A unix stream bound to a path, as well as a socketpair.
  bt::temp_socket_path path;
  auto listener = berth::listen(berth::local_endpoint(path.str()));
  auto client = berth::connect(listener.local_endpoint());
  auto server = listener.accept();
  CHECK(client.write(berth::buffers("ab", std::string("cd"), std::string_view("ef"))) == 6);
  char x[1], y[5];
  CHECK(server.read(berth::buffers(x, y)) == 6);
  CHECK(text(x, 1) + text(y, 5) == "abcdef");
}

TEST_CASE("run-time lists: vectors, arrays and spans of const_buffer and mutable_buffer") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  const std::string one = "one", two = "two";
  const std::vector<berth::const_buffer> out{one, "-", two, berth::const_buffer(), "!"};
  CHECK(a.write(out) == 8);
  CHECK(a.write(std::span<const berth::const_buffer>(out).subspan(1, 2)) == 4);
  std::array<char, 4> p{};
  std::array<char, 8> q{};
  std::array<berth::mutable_buffer, 2> in{p, q};
  CHECK(b.read(in) == 12);
  CHECK(text(p.data(), 4) + std::string(text(q.data(), 8)) == "one-two!-two");
  // A list of mutable buffers also writes; a span of a list reads.
  CHECK(a.write(in) == 12);
  std::vector<berth::mutable_buffer> spans{std::span<char>(q), std::span<char>(p)};
  CHECK(b.read(std::span<berth::mutable_buffer>(spans)) == 12);
  CHECK(text(q.data(), 8) + std::string(text(p.data(), 4)) == "one-two!-two");
}

TEST_CASE("write_some and read_some over a list: one call, what fits or what is there") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  CHECK(a.write_some(berth::buffers("abc", "defg")) == 7);
  char x[2], y[10];
  const std::size_t n = b.read_some(berth::buffers(x, y));
  CHECK(n == 7);
  CHECK(text(x, 2) + text(y, 5) == "abcdefg");
  a.shutdown(berth::shutdown_type::send);
  CHECK(b.read_some(berth::buffers(x, y)) == 0);  // end of stream
  std::error_code ec;
  CHECK(b.read(berth::buffers(x, y), ec) == 0);
  CHECK(ec == berth::error::eof);
}

TEST_CASE("read of a list: end of stream before it is full is eof, with the bytes read before") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.write("12345");
  a.shutdown(berth::shutdown_type::send);
  char x[3], y[4];
  std::error_code ec;
  CHECK(b.read(berth::buffers(x, y), ec) == 5);
  CHECK(ec == berth::error::eof);
  CHECK(text(x, 3) + text(y, 2) == "12345");
  CHECK(bt::thrown_code([&] { b.read(berth::buffers(x, y)); }) == berth::error::eof);
}

TEST_CASE("empty lists: write and read move nothing and make no call, a message list sends an empty message") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  const std::vector<berth::const_buffer> none;
  std::vector<berth::mutable_buffer> nowhere;
  CHECK(a.write(none) == 0);
  CHECK(b.read(nowhere) == 0);  // no call: it would wait for nothing otherwise
  char empty[1];
  const std::vector<berth::const_buffer> zero_bytes{std::span<const char>(empty, 0), ""};
  CHECK(a.write(zero_bytes) == 0);
  CHECK_FALSE(b.wait_readable(0ms));  // nothing was sent
  // One empty list as a datagram: an empty datagram, as send of an empty buffer.
  auto uv = berth::socket_pair<datagram>();  // not a structured binding: clang 14 cannot capture one
  auto& u = uv.first;
  auto& v = uv.second;
  CHECK(u.send(none) == 0);
  REQUIRE(v.wait_readable(5s));
  char buffer[4];
  CHECK(v.receive(buffer) == 0);
}

TEST_CASE("a partial send of a list, cut by a signal, resumes mid-list until every byte went") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.set(berth::option::send_buffer_size{4096});  // the first sendmsg blocks after a few KiB
  const std::vector<std::size_t> sizes{100003, 7, 250001, 1, 0, 300000};
  std::vector<std::vector<char>> parts;
  std::vector<berth::const_buffer> list;
  std::size_t total = 0;
  for (std::size_t size : sizes) {
    parts.push_back(pattern(size, total));
    total += size;
  }
  for (const auto& p : parts) list.emplace_back(p);
  std::vector<char> received(total);
  std::size_t n = 0;
  {
    // Once the writer sleeps in sendmsg (its buffer full, nobody reading), the signal cuts
    // it short: sendmsg returns what it sent; then the reader drains everything.
    bt::interrupter helper(sendmsg_calls, [&b, &received] {
      std::error_code ec;
      (void)b.read(received, ec);
    });
    n = a.write(list);
    helper.join();
    CHECK(helper.saw_blocked());
    CHECK(helper.signalled());
  }
  CHECK(bt::sigusr1_count.load() == 1);
  CHECK(n == total);
  CHECK(received == pattern(total));
}

TEST_CASE("a partial recvmsg into a list, cut by a signal, resumes mid-list until full") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.write("abcde");  // arrives first: MSG_WAITALL holds it and waits for the rest
  char x[4], y[6];
  std::size_t n = 0;
  {
    bt::interrupter helper(recvmsg_calls, [&a] {
      std::error_code ec;
      a.write("fghij", ec);
    });
    n = b.read(berth::buffers(x, y));
    helper.join();
    CHECK(helper.saw_blocked());
    CHECK(helper.signalled());
  }
  CHECK(n == 10);
  CHECK(text(x, 4) + text(y, 6) == "abcdefghij");
}

TEST_CASE("read_some and write_some of a list retry a call interrupted before anything moved") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  char x[2], y[8];
  std::size_t n = 0;
  {
    bt::interrupter helper(recvmsg_calls, [&a] {
      std::error_code ec;
      a.write("late", ec);
    });
    n = b.read_some(berth::buffers(x, y));
    helper.join();
    CHECK(helper.saw_blocked());
  }
  CHECK(n == 4);
  CHECK(text(x, 2) + text(y, 2) == "late");
}

TEST_CASE("on a non-blocking stream, write of a list reports would-block with the bytes sent before") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  a.set_nonblocking();
  const std::vector<char> big = pattern(4 << 20);
  std::error_code ec;
  const std::size_t n = a.write(berth::buffers(std::span<const char>(big).first(1000), std::span<const char>(big).subspan(1000)), ec);
  CHECK(ec == std::errc::operation_would_block);
  CHECK(n > 0);
  CHECK(n < big.size());
  std::vector<char> got(n);
  CHECK(b.read(got) == n);
  CHECK(std::equal(got.begin(), got.end(), big.begin()));
}

TEST_CASE("IOV_MAX: write and read of more than 1024 buffers go on in further calls, write_some and read_some take the first 1024") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  const std::vector<char> bytes = pattern(1025);
  std::vector<berth::const_buffer> out;
  for (std::size_t k = 0; k < bytes.size(); ++k) out.emplace_back(&bytes[k], 1);
  CHECK(a.write(out) == 1025);
  std::vector<char> got(1025);
  std::vector<berth::mutable_buffer> in;
  for (char& c : got) in.emplace_back(&c, 1);
  CHECK(b.read(in) == 1025);
  CHECK(got == bytes);
  // Exactly 1024: one call each.
  CHECK(a.write(std::span<const berth::const_buffer>(out).first(1024)) == 1024);
  CHECK(b.read(std::span<berth::mutable_buffer>(in).first(1024)) == 1024);
  // 1025 through one call: the first 1024.
  CHECK(a.write_some(out) == 1024);
  a.write("!");
  std::fill(got.begin(), got.end(), '\0');
  CHECK(b.read_some(in) == 1024);
  CHECK(std::equal(got.begin(), got.begin() + 1024, bytes.begin()));
  char last;
  CHECK(b.read_some(std::span<char>(&last, 1)) == 1);
  CHECK(last == '!');
}

TEST_CASE("a socket that holds no descriptor: lists are bad_file_descriptor") {
  tcp none;
  char x[2], y[2];
  std::error_code ec;
  CHECK(none.write(berth::buffers("a", "b"), ec) == 0);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(none.read(berth::buffers(x, y), ec) == 0);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(bt::thrown_code([&] { (void)none.write_some(berth::buffers("a", "b")); }) == std::errc::bad_file_descriptor);
  CHECK(bt::thrown_code([&] { (void)none.read_some(berth::buffers(x, y)); }) == std::errc::bad_file_descriptor);
  udp nothing;
  CHECK(bt::thrown_code([&] { nothing.send_to(berth::buffers("a", "b"), bt::loopback4(9)); }) ==
        std::errc::bad_file_descriptor);
}

TEST_CASE("a gather write to a closed peer is broken_pipe, never SIGPIPE") {
  bt::sigpipe_terminates sigpipe;
  REQUIRE(sigpipe.in_force());
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  b.close();
  std::error_code ec;
  CHECK(a.write(berth::buffers("a", "b"), ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
  CHECK(bt::thrown_code([&] { (void)a.write_some(berth::buffers("a", "b")); }) == std::errc::broken_pipe);
  auto st = berth::socket_pair<seqpacket>();  // not a structured binding: clang 14 cannot capture one
  auto& s = st.first;
  auto& t = st.second;
  t.close();
  CHECK(bt::thrown_code([&] { s.send(berth::buffers("a", "b")); }) == std::errc::broken_pipe);
}

// ---- messages -----------------------------------------------------------------------------

TEST_CASE("send_to of a list is one datagram, receive_from scatters it and names the sender") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  CHECK(client.send_to(berth::buffers("head:", std::string("body")), server.local_endpoint()) == 9);
  char x[5], y[10];
  berth::inet_endpoint from;
  CHECK(server.receive_from(berth::buffers(x, y), from) == 9);
  CHECK(from == client.local_endpoint());
  CHECK(text(x, 5) + text(y, 4) == "head:body");
  // Two datagrams stay two.
  client.send_to(berth::buffers("a", "b"), server.local_endpoint());
  client.send_to(berth::buffers("c", "d"), server.local_endpoint());
  CHECK(server.receive_from(berth::buffers(x, y), from) == 2);
  CHECK(server.receive_from(berth::buffers(x, y), from) == 2);
  CHECK(text(x, 2) == "cd");
}

TEST_CASE("a datagram longer than every buffer of the list together is truncated, never cut silently") {
  auto server = berth::bind<datagram>(bt::loopback6());
  auto client = berth::bind<datagram>(bt::loopback6());
  client.send_to(berth::buffers("0123", "456789"), server.local_endpoint());
  char x[3], y[4];
  berth::inet6_endpoint from;
  std::error_code ec;
  CHECK(server.receive_from(berth::buffers(x, y), from, ec) == 7);
  CHECK(ec == berth::error::truncated);
  CHECK(from == client.local_endpoint());
  CHECK(text(x, 3) + text(y, 4) == "0123456");
  client.send_to("abcdefgh", server.local_endpoint());
  CHECK(bt::thrown_code([&] { (void)server.receive_from(berth::buffers(x, y), from); }) == berth::error::truncated);
  // Connected: send and receive of lists.
  client.connect(server.local_endpoint());
  server.connect(client.local_endpoint());
  CHECK(client.send(berth::buffers("ab", "c")) == 3);
  CHECK(server.receive(berth::buffers(x, y)) == 3);
  client.send(berth::buffers("abcd", "efgh"));
  CHECK(server.receive(berth::buffers(x, y), ec) == 7);
  CHECK(ec == berth::error::truncated);
}

TEST_CASE("a datagram larger than UDP allows is message_size, nothing sent") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  const std::vector<char> half(35000, 'x');
  std::error_code ec;
  CHECK(client.send_to(berth::buffers(half, half), server.local_endpoint(), ec) == 0);
  CHECK(ec == std::errc::message_size);
  CHECK_FALSE(server.wait_readable(0ms));
}

TEST_CASE("seqpacket: a list is one record, its boundary kept, too long is truncated") {
  auto ab = berth::socket_pair<seqpacket>();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  CHECK(a.send(berth::buffers("rec", "ord1")) == 7);
  CHECK(a.send(berth::buffers("r", "2")) == 2);
  char x[4], y[8];
  CHECK(b.receive(berth::buffers(x, y)) == 7);
  CHECK(text(x, 4) + text(y, 3) == "record1");
  CHECK(b.receive(berth::buffers(x, y)) == 2);
  CHECK(text(x, 2) == "r2");
  a.send("0123456789abcdef");
  std::error_code ec;
  CHECK(b.receive(berth::buffers(x, y), ec) == 12);
  CHECK(ec == berth::error::truncated);
  CHECK(text(x, 4) + text(y, 8) == "0123456789ab");
}

TEST_CASE("unix datagrams: send_to and receive_from of lists, the sender's path named") {
  bt::temp_socket_path server_path, client_path;
  auto server = berth::bind<datagram>(berth::local_endpoint(server_path.str()));
  auto client = berth::bind<datagram>(berth::local_endpoint(client_path.str()));
  CHECK(client.send_to(berth::buffers("to ", "server"), server.local_endpoint()) == 9);
  char x[3], y[6];
  berth::local_endpoint from;
  CHECK(server.receive_from(berth::buffers(x, y), from) == 9);
  CHECK(from.path() == client_path.str());
  CHECK(text(x, 3) + text(y, 6) == "to server");
}

TEST_CASE("IOV_MAX: a message of more than 1024 buffers is argument_list_too_long, nothing sent or received") {
  auto ab = berth::socket_pair<datagram>();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  const std::vector<char> bytes = pattern(1025);
  std::vector<berth::const_buffer> out;
  for (std::size_t k = 0; k < bytes.size(); ++k) out.emplace_back(&bytes[k], 1);
  std::error_code ec;
  CHECK(a.send(out, ec) == 0);
  CHECK(ec == std::errc::argument_list_too_long);
  CHECK(bt::thrown_code([&] { a.send(out); }) == std::errc::argument_list_too_long);
  CHECK_FALSE(b.wait_readable(0ms));
  // 1024 is one message of 1024 bytes.
  CHECK(a.send(std::span<const berth::const_buffer>(out).first(1024)) == 1024);
  std::vector<char> got(1025);
  std::vector<berth::mutable_buffer> in;
  for (char& c : got) in.emplace_back(&c, 1);
  CHECK(b.receive(in, ec) == 0);  // 1025 buffers: refused before the call, the message stays
  CHECK(ec == std::errc::argument_list_too_long);
  CHECK(b.receive(std::span<berth::mutable_buffer>(in).first(1024)) == 1024);
  CHECK(std::equal(got.begin(), got.begin() + 1024, bytes.begin()));
  // send_to and receive_from alike.
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  CHECK(client.send_to(out, server.local_endpoint(), ec) == 0);
  CHECK(ec == std::errc::argument_list_too_long);
  berth::inet_endpoint from;
  CHECK(server.receive_from(in, from, ec) == 0);
  CHECK(ec == std::errc::argument_list_too_long);
}

TEST_CASE("gather and scatter allocate nothing") {
  auto ab = berth::socket_pair();  // not a structured binding: clang 14 cannot capture one
  auto& a = ab.first;
  auto& b = ab.second;
  const std::string head = "head", body = "body";
  char x[4], y[4];
  std::array<berth::const_buffer, 2> list{head, body};
  bt::allocation_counter counter;
  a.write(berth::buffers(head, body));
  b.read(berth::buffers(x, y));
  a.write(list);
  (void)b.read_some(berth::buffers(x, y));
  CHECK(counter.count() == 0);
}
