// Batches of datagrams (Revision 2): berth::message<E>, send_many (sendmmsg) and
// receive_many (recvmmsg) with per-message size, sender and truncation, partial batches,
// connected sockets, batches larger than one call takes; UDP GSO and GRO (udp_segment,
// udp_gro) and the segment size of what GRO coalesced.
#include <berth/message.hpp>

#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/option.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <sys/syscall.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;
using berth::datagram;
using berth::inet;
using berth::inet6;
using berth::local;
namespace bt = berth_test;
using namespace berth_test::types;

namespace {

using message4 = berth::message<berth::inet_endpoint>;
using message6 = berth::message<berth::inet6_endpoint>;

static_assert(std::is_aggregate_v<message4>);
static_assert(std::is_same_v<decltype(message4::data), std::span<std::byte>>);
static_assert(std::is_same_v<decltype(message4::endpoint), berth::inet_endpoint>);
static_assert(std::is_same_v<decltype(message4::size), std::size_t>);
static_assert(std::is_same_v<decltype(message4::truncated), bool>);

/// Datagram storage for a batch: `count` buffers of `size` bytes and a message over each.
template <class E>
struct batch {
  std::vector<std::vector<std::byte>> storage;
  std::vector<berth::message<E>> messages;
  batch(std::size_t count, std::size_t size) : storage(count, std::vector<std::byte>(size)) {
    for (auto& s : storage) messages.push_back({std::span<std::byte>(s), {}, 0, false, 0});
  }
};

std::span<std::byte> bytes_of(std::string& s) { return std::as_writable_bytes(std::span<char>(s)); }
std::string text_of(const berth::message<berth::inet_endpoint>& m) {
  return {reinterpret_cast<const char*>(m.data.data()), std::min(m.size, m.data.size())};
}

}  // namespace

TEST_CASE("send_many sends each message to its endpoint, receive_many fills size, sender and truncation") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto other = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  std::string one = "one", two = "second", three = std::string(100, 'x');
  std::vector<message4> out{{bytes_of(one), server.local_endpoint()},
                            {bytes_of(two), other.local_endpoint()},
                            {bytes_of(three), server.local_endpoint()}};
  CHECK(client.send_many(out) == 3);
  CHECK(out[0].size == 3);
  CHECK(out[1].size == 6);
  CHECK(out[2].size == 100);

  batch<berth::inet_endpoint> in(8, 10);
  REQUIRE(server.wait_readable(5s));
  CHECK(server.receive_many(in.messages) == 2);  // the two that came here; waits for none more
  CHECK(in.messages[0].size == 3);
  CHECK_FALSE(in.messages[0].truncated);
  CHECK(text_of(in.messages[0]) == "one");
  CHECK(in.messages[0].endpoint == client.local_endpoint());
  CHECK(in.messages[1].size == 100);  // its length, though 10 bytes fit
  CHECK(in.messages[1].truncated);
  CHECK(text_of(in.messages[1]) == std::string(10, 'x'));
  CHECK(in.messages[1].endpoint == client.local_endpoint());
  CHECK(other.receive_many(in.messages) == 1);
  CHECK(text_of(in.messages[0]) == "second");
}

TEST_CASE("receive_many from several senders, on inet6") {
  auto server = berth::bind<datagram>(bt::loopback6());
  std::vector<udp6> clients;
  for (int k = 0; k < 3; ++k) clients.push_back(berth::bind<datagram>(bt::loopback6()));
  for (std::size_t k = 0; k < clients.size(); ++k) clients[k].send_to(std::string(k + 1, 'a'), server.local_endpoint());
  batch<berth::inet6_endpoint> in(4, 16);
  std::size_t got = 0;
  for (int tries = 0; got < 3 && tries < 3; ++tries) {
    REQUIRE(server.wait_readable(5s));
    got += server.receive_many(std::span(in.messages).subspan(got));
  }
  REQUIRE(got == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(in.messages[k].size == k + 1);
    CHECK(in.messages[k].endpoint == clients[k].local_endpoint());
  }
}

TEST_CASE("connected sockets: a default endpoint is the peer, receive_many names it") {
  auto a = berth::bind<datagram>(bt::loopback4());
  auto b = berth::bind<datagram>(bt::loopback4());
  a.connect(b.local_endpoint());
  b.connect(a.local_endpoint());
  std::string x = "to", y = "peer";
  std::vector<message4> out{{bytes_of(x)}, {bytes_of(y)}};
  CHECK(a.send_many(out) == 2);
  batch<berth::inet_endpoint> in(2, 8);
  CHECK(b.receive_many(in.messages) == 2);
  CHECK(text_of(in.messages[1]) == "peer");
  CHECK(in.messages[0].endpoint == a.local_endpoint());
  // Unconnected, a default endpoint is no destination.
  auto lone = berth::bind<datagram>(bt::loopback4());
  std::error_code ec;
  CHECK(lone.send_many(out, ec) == 0);
  CHECK(ec == std::errc::destination_address_required);
}

TEST_CASE("a failure after some messages went returns their count and reports nothing until the next call") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  std::string small = "ok";
  std::vector<std::byte> huge(70000);  // larger than UDP allows: message_size
  std::vector<message4> out{{bytes_of(small), server.local_endpoint()},
                            {bytes_of(small), server.local_endpoint()},
                            {huge, server.local_endpoint()},
                            {bytes_of(small), server.local_endpoint()}};
  std::error_code ec = std::make_error_code(std::errc::io_error);
  CHECK(client.send_many(out, ec) == 2);
  CHECK_FALSE(ec);
  CHECK(client.send_many(out) == 2);  // the throwing form alike
  // The next call, from the one that failed: reported.
  CHECK(client.send_many(std::span(out).subspan(2), ec) == 0);
  CHECK(ec == std::errc::message_size);
  CHECK(bt::thrown_code([&] { client.send_many(std::span(out).subspan(2)); }) == std::errc::message_size);
  CHECK(client.send_many(std::span(out).subspan(3)) == 1);
  batch<berth::inet_endpoint> in(8, 4);
  std::size_t got = 0;
  for (int tries = 0; got < 5 && tries < 5; ++tries) got += server.receive_many(std::span(in.messages).subspan(got));
  CHECK(got == 5);
}

TEST_CASE("a batch of none makes no call; up to 1024 go in one call, a longer one in part; the room for more than 64 is allocated once") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  std::error_code ec = std::make_error_code(std::errc::io_error);
  CHECK(client.send_many(std::span<message4>(), ec) == 0);
  CHECK_FALSE(ec);
  server.set_nonblocking();
  CHECK(server.receive_many(std::span<message4>(), ec) == 0);  // no call: no would-block
  CHECK_FALSE(ec);
  server.set_nonblocking(false);

  // 100 messages: more than the 64 whose headers go on the stack; one call each way
  // (tests/sys_fault.test.cpp counts the calls).
  batch<berth::inet_endpoint> out(100, 8);
  for (std::size_t k = 0; k < out.messages.size(); ++k) {
    out.messages[k].endpoint = server.local_endpoint();
    std::memcpy(out.messages[k].data.data(), &k, sizeof k);
  }
  CHECK(client.send_many(out.messages) == 100);
  batch<berth::inet_endpoint> in(100, 8);
  CHECK(server.receive_many(in.messages) == 100);  // all 100 are there when it is called
  for (std::size_t k = 0; k < in.messages.size(); ++k) {
    std::size_t value = 0;
    std::memcpy(&value, in.messages[k].data.data(), sizeof value);
    CHECK(value == k);
    CHECK(in.messages[k].size == 8);
    CHECK(in.messages[k].endpoint == client.local_endpoint());
  }
  {
    // The thread's room for them was made by the first large batch: none is allocated now.
    bt::allocation_counter allocations;
    CHECK(client.send_many(out.messages) == 100);
    CHECK(server.receive_many(in.messages) == 100);
    CHECK(allocations.count() == 0);
  }
  // 1025 messages: one sendmmsg takes 1024 at most (UIO_MAXIOV), so 1024 go and the
  // count says so; the next call sends the rest.
  batch<berth::inet_endpoint> many(1025, 1);
  for (auto& m : many.messages) m.endpoint = server.local_endpoint();
  CHECK(client.send_many(many.messages) == 1024);
  CHECK(many.messages[1023].size == 1);
  CHECK(client.send_many(std::span(many.messages).subspan(1024)) == 1);
  server.set_nonblocking();
  batch<berth::inet_endpoint> drain(1025, 1);
  (void)server.receive_many(drain.messages, ec);  // what the receive buffer kept of them
}

TEST_CASE("receive_many waits for the first message only, and retries a recvmmsg interrupted by a signal") {
  bt::sigusr1_handler handler;
  REQUIRE(handler.installed());
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  batch<berth::inet_endpoint> in(16, 8);
  std::size_t got = 0;
  {
    bt::interrupter helper({SYS_recvmmsg}, [&] {
      std::error_code ec;
      client.send_to("late", server.local_endpoint(), ec);
    });
    got = server.receive_many(in.messages);
    helper.join();
    CHECK(helper.saw_blocked());
    CHECK(helper.signalled());
  }
  CHECK(bt::sigusr1_count.load() == 1);
  CHECK(got == 1);
  CHECK(in.messages[0].size == 4);
}

TEST_CASE("receive_many on a non-blocking socket with nothing there: would block, with a receive_timeout: after it") {
  auto server = berth::bind<datagram>(bt::loopback4());
  batch<berth::inet_endpoint> in(4, 8);
  server.set_nonblocking();
  std::error_code ec;
  CHECK(server.receive_many(in.messages, ec) == 0);
  CHECK(ec == std::errc::operation_would_block);
  server.set_nonblocking(false);
  server.set(berth::option::receive_timeout{20ms});
  CHECK(bt::thrown_code([&] { (void)server.receive_many(in.messages); }) == std::errc::resource_unavailable_try_again);
  udp none;
  CHECK(bt::thrown_code([&] { (void)none.receive_many(in.messages); }) == std::errc::bad_file_descriptor);
  CHECK(bt::thrown_code([&] { none.send_many(in.messages); }) == std::errc::bad_file_descriptor);
}

TEST_CASE("unix datagram batches: senders' paths, truncation") {
  bt::temp_socket_path server_path, client_path;
  auto server = berth::bind<datagram>(berth::local_endpoint(server_path.str()));
  auto client = berth::bind<datagram>(berth::local_endpoint(client_path.str()));
  std::string a = "alpha", b = "a longer datagram";
  std::vector<berth::message<berth::local_endpoint>> out{{bytes_of(a), server.local_endpoint()},
                                                         {bytes_of(b), server.local_endpoint()}};
  CHECK(client.send_many(out) == 2);
  batch<berth::local_endpoint> in(2, 8);
  CHECK(server.receive_many(in.messages) == 2);
  CHECK(in.messages[0].endpoint.path() == client_path.str());
  CHECK_FALSE(in.messages[0].truncated);
  CHECK(in.messages[1].size == b.size());
  CHECK(in.messages[1].truncated);
  // A socketpair is connected both ways.
  auto [p, q] = berth::socket_pair<datagram>();
  std::vector<berth::message<berth::local_endpoint>> to_peer{{bytes_of(a)}};
  CHECK(p.send_many(to_peer) == 1);
  CHECK(q.receive_many(in.messages) == 1);
  CHECK(in.messages[0].size == 5);
}

TEST_CASE("batches allocate nothing") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  batch<berth::inet_endpoint> out(32, 64), in(32, 64);
  for (auto& m : out.messages) m.endpoint = server.local_endpoint();
  bt::allocation_counter counter;
  const std::size_t sent = client.send_many(out.messages);
  std::size_t got = 0;
  while (got < sent) got += server.receive_many(std::span(in.messages).subspan(got));
  CHECK(counter.count() == 0);
  CHECK(got == 32);
}

// ---- GSO and GRO --------------------------------------------------------------------------

TEST_CASE("udp_segment and udp_gro: set and read back") {
  auto s = berth::bind<datagram>(bt::loopback4());
  CHECK(s.get<berth::option::udp_segment>().value == 0);
  s.set(berth::option::udp_segment{1200});
  CHECK(s.get<berth::option::udp_segment>().value == 1200);
  CHECK_FALSE(s.get<berth::option::udp_gro>().value);
  s.set(berth::option::udp_gro{true});
  CHECK(s.get<berth::option::udp_gro>().value);
  auto s6 = berth::bind<datagram>(bt::loopback6());
  s6.set(berth::option::udp_segment{500});
  CHECK(s6.get<berth::option::udp_segment>().value == 500);
  s6.set(berth::option::udp_gro{true});
  CHECK(s6.get<berth::option::udp_gro>().value);
}

TEST_CASE("GSO: one send of 350 bytes with udp_segment 100 arrives as four datagrams") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  client.set(berth::option::udp_segment{100});
  std::vector<char> payload(350, 'g');
  CHECK(client.send_to(payload, server.local_endpoint()) == 350);
  batch<berth::inet_endpoint> in(8, 200);
  std::size_t got = 0;
  for (int tries = 0; got < 4 && tries < 4; ++tries) got += server.receive_many(std::span(in.messages).subspan(got));
  REQUIRE(got == 4);
  CHECK(in.messages[0].size == 100);
  CHECK(in.messages[2].size == 100);
  CHECK(in.messages[3].size == 50);
  // More segments than one send may make (the kernel's UDP_MAX_SEGMENTS): refused.
  client.set(berth::option::udp_segment{1});
  std::error_code ec;
  CHECK(client.send_to(std::vector<char>(1000), server.local_endpoint(), ec) == 0);
  CHECK(ec == std::errc::invalid_argument);
}

TEST_CASE("GRO: segments that arrive together come as one datagram, its segment size told") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  server.set(berth::option::udp_gro{true});
  client.set(berth::option::udp_segment{100});
  std::vector<char> payload(350, 'c');
  client.send_to(payload, server.local_endpoint());
  std::vector<char> buffer(2000);
  berth::inet_endpoint from;
  std::size_t segment = 0;
  CHECK(server.receive_from(buffer, from, segment) == 350);  // over loopback: not split at all
  CHECK(segment == 100);
  CHECK(from == client.local_endpoint());
  // A datagram that was not coalesced: its segment size is its size.
  client.set(berth::option::udp_segment{0});
  client.send_to("single", server.local_endpoint());
  CHECK(server.receive_from(berth::buffers(std::span(buffer).first(2), std::span(buffer).subspan(2)), from, segment) == 6);
  CHECK(segment == 6);
  // receive_many, asked to.
  client.set(berth::option::udp_segment{100});
  client.send_to(payload, server.local_endpoint());
  client.set(berth::option::udp_segment{0});
  client.send_to("after", server.local_endpoint());
  batch<berth::inet_endpoint> in(4, 1000);
  std::size_t got = 0;
  for (int tries = 0; got < 2 && tries < 2; ++tries)
    got += server.receive_many(std::span(in.messages).subspan(got), berth::learn_segment_size);
  REQUIRE(got == 2);
  CHECK(in.messages[0].size == 350);
  CHECK(in.messages[0].segment_size == 100);
  CHECK(in.messages[1].size == 5);
  CHECK(in.messages[1].segment_size == 5);
  // Truncated: the segment size is still told, and the error too.
  client.set(berth::option::udp_segment{100});
  client.send_to(payload, server.local_endpoint());
  std::error_code ec;
  CHECK(server.receive_from(std::span(buffer).first(120), from, segment, ec) == 120);
  CHECK(ec == berth::error::truncated);
  CHECK(segment == 100);
}

TEST_CASE("GSO and GRO on inet6, through send_many") {
  auto server = berth::bind<datagram>(bt::loopback6());
  auto client = berth::bind<datagram>(bt::loopback6());
  server.set(berth::option::udp_gro{true});
  client.set(berth::option::udp_segment{200});
  std::vector<std::byte> payload(900);
  std::vector<message6> out{{payload, server.local_endpoint()}};
  CHECK(client.send_many(out) == 1);
  CHECK(out[0].size == 900);
  batch<berth::inet6_endpoint> in(2, 1000);
  CHECK(server.receive_many(in.messages, berth::learn_segment_size) == 1);
  CHECK(in.messages[0].size == 900);
  CHECK(in.messages[0].segment_size == 200);
}

// ---- GRO in batches of more than 64: the thread's room and its control buffers -------------

namespace {

/// Runs to send with GSO, one send each. Run r is full(r) segments (2 to 4) of segment(r)
/// bytes, and every other run a shorter last one; each segment starts with its run (2
/// bytes) and its index in the run (1 byte), the rest a pattern of the three. Segment sizes
/// go from 16 to 116 bytes and no two of 101 runs in a row have the same, so a message
/// given another's segment size (or none) is cut at the wrong places.
struct gro_runs {
  static std::size_t segment(std::size_t run) { return 16 + run * 37 % 101; }
  static std::size_t full(std::size_t run) { return 2 + run % 3; }
  static std::size_t tail(std::size_t run) { return run % 2 == 1 ? segment(run) / 2 : 0; }
  static std::size_t pieces(std::size_t run) { return full(run) + (tail(run) > 0 ? 1 : 0); }
  static std::size_t piece_size(std::size_t run, std::size_t k) { return k < full(run) ? segment(run) : tail(run); }
  static unsigned char fill(std::size_t run, std::size_t k, std::size_t at) {
    return static_cast<unsigned char>((run * 31 + k * 7 + at) & 0xff);
  }
  static std::vector<unsigned char> bytes(std::size_t run) {
    std::vector<unsigned char> out;
    for (std::size_t k = 0; k < pieces(run); ++k) {
      out.push_back(static_cast<unsigned char>(run & 0xff));
      out.push_back(static_cast<unsigned char>(run >> 8));
      out.push_back(static_cast<unsigned char>(k));
      for (std::size_t at = 3; at < piece_size(run, k); ++at) out.push_back(fill(run, k, at));
    }
    return out;
  }
};

/// What one round of gro_round found: the first thing wrong ("" when nothing), whether
/// every segment of every run arrived, the most messages one receive_many took, and how
/// many messages were coalesced runs (more than one segment), in all and at index 64 or
/// more of their batch (past the headers the stack would hold).
struct gro_result {
  std::string error;
  bool complete = false;
  std::size_t largest = 0;
  std::size_t coalesced = 0;
  std::size_t coalesced_past_64 = 0;
};

/// Sends runs [first, first + count) from `client` to `server` (udp_gro on) with GSO,
/// then takes them with receive_many(batch of `count`, learn_segment_size) until all have
/// come (at most `count` calls), and checks every message whatever GRO made of them: its
/// sender, no truncation, a segment size of 1 to its size, and its bytes cut every
/// segment_size bytes are segments sent (each but its last segment_size bytes long), each
/// of the right size and contents, none twice; all of them in the end. No Catch2 macro
/// here: it runs on threads of its own too.
gro_result gro_round(udp& server, udp& client, std::size_t first, std::size_t count) {
  gro_result result;
  std::size_t expected = 0;
  std::vector<std::vector<bool>> seen(count);
  for (std::size_t r = first; r < first + count; ++r) {
    seen[r - first].assign(gro_runs::pieces(r), false);
    expected += gro_runs::pieces(r);
    client.set(berth::option::udp_segment{static_cast<std::uint16_t>(gro_runs::segment(r))});
    const std::vector<unsigned char> payload = gro_runs::bytes(r);
    if (client.send_to(payload, server.local_endpoint()) != payload.size()) {
      result.error = "run " + std::to_string(r) + ": not all sent";
      return result;
    }
  }
  client.set(berth::option::udp_segment{0});
  const berth::inet_endpoint sender = client.local_endpoint();
  batch<berth::inet_endpoint> in(count, 1024);  // more than the longest run (522 bytes)
  std::size_t found = 0;
  for (std::size_t calls = 0; found < expected && calls < count; ++calls) {
    if (!server.wait_readable(5s)) {
      result.error = "after " + std::to_string(found) + " segments of " + std::to_string(expected) +
                     ", nothing more within 5 s";
      return result;
    }
    for (auto& m : in.messages) m.segment_size = 0;
    const std::size_t got = server.receive_many(in.messages, berth::learn_segment_size);
    result.largest = std::max(result.largest, got);
    for (std::size_t k = 0; k < got; ++k) {
      const message4& m = in.messages[k];
      const std::string at = "call " + std::to_string(calls) + ", message " + std::to_string(k) + " of " +
                             std::to_string(got) + " (" + std::to_string(m.size) + " bytes, segment size " +
                             std::to_string(m.segment_size) + "): ";
      if (m.truncated || m.size > m.data.size()) result.error = at + "truncated";
      else if (!(m.endpoint == sender)) result.error = at + "from another sender";
      else if (m.segment_size == 0 || m.segment_size > m.size) result.error = at + "no segment size of 1 to its size";
      if (!result.error.empty()) return result;
      const auto* bytes = reinterpret_cast<const unsigned char*>(m.data.data());
      for (std::size_t off = 0; off < m.size; off += m.segment_size) {
        const std::size_t piece = std::min(m.segment_size, m.size - off);
        const std::string where = at + "at byte " + std::to_string(off) + ", ";
        if (piece < 3) {
          result.error = where + "a piece of " + std::to_string(piece) + " bytes";
          return result;
        }
        const std::size_t run = bytes[off] + (std::size_t{bytes[off + 1]} << 8);
        const std::size_t index = bytes[off + 2];
        if (run < first || run >= first + count || index >= gro_runs::pieces(run)) {
          result.error = where + "no segment sent begins (run " + std::to_string(run) + ", segment " +
                         std::to_string(index) + ")";
          return result;
        }
        const std::string which = "segment " + std::to_string(index) + " of run " + std::to_string(run);
        if (piece != gro_runs::piece_size(run, index)) {
          result.error = where + which + " is " + std::to_string(gro_runs::piece_size(run, index)) +
                         " bytes, not " + std::to_string(piece);
          return result;
        }
        for (std::size_t b = 3; b < piece; ++b)
          if (bytes[off + b] != gro_runs::fill(run, index, b)) {
            result.error = where + which + ": byte " + std::to_string(b) + " is not the one sent";
            return result;
          }
        if (seen[run - first][index]) {
          result.error = where + which + " a second time";
          return result;
        }
        seen[run - first][index] = true;
        ++found;
      }
      if (m.size > m.segment_size) {
        ++result.coalesced;
        if (k >= 64) ++result.coalesced_past_64;
      }
    }
  }
  result.complete = found == expected;
  if (!result.complete && result.error.empty())
    result.error = std::to_string(found) + " segments of " + std::to_string(expected) + " came";
  return result;
}

}  // namespace

TEST_CASE("receive_many with learn_segment_size, more than 64 messages: each coalesced run has its own segment size") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  server.set(berth::option::udp_gro{true});
  server.set(berth::option::receive_buffer_size{1 << 20});  // 200 runs waiting at once
  // 64: the headers and control buffers on the stack; 200: in the thread's room.
  for (const std::size_t count : {std::size_t{64}, std::size_t{200}}) {
    CAPTURE(count);
    const gro_result result = gro_round(server, client, 1000 + count, count);
    CHECK(result.error == "");
    CHECK(result.complete);
    // Over loopback a GSO send arrives whole, and the sends before a receive_many are
    // there when it is called: one call, one message a run. Checked loosely (the checks
    // above hold whatever GRO made of them) but enough that the control buffers past
    // the 64th are used.
    CHECK(result.coalesced * 2 >= count);
    if (count > 64) {
      CHECK(result.largest > 64);
      CHECK(result.coalesced_past_64 > 0);
    }
  }
}

TEST_CASE("receive_many with learn_segment_size: a thread's room grown for a larger batch still tells each message's segment size") {
  auto server = berth::bind<datagram>(bt::loopback4());
  auto client = berth::bind<datagram>(bt::loopback4());
  server.set(berth::option::udp_gro{true});
  server.set(berth::option::receive_buffer_size{1 << 20});
  // On a thread of its own, whose room starts empty: 70 messages make it, 200 grow it
  // (its control buffers move), 100 are taken in the room made for 200.
  const std::array<std::size_t, 3> counts{70, 200, 100};
  std::array<gro_result, 3> results;
  std::string thrown;
  std::thread receiver([&] {
    try {
      std::size_t first = 2000;
      for (std::size_t k = 0; k < counts.size(); ++k) {
        results[k] = gro_round(server, client, first, counts[k]);
        first += counts[k];
        if (!results[k].error.empty()) return;
      }
    } catch (const std::exception& e) {
      thrown = e.what();
    }
  });
  receiver.join();
  CHECK(thrown == "");
  for (std::size_t k = 0; k < counts.size(); ++k) {
    CAPTURE(counts[k]);
    CHECK(results[k].error == "");
    CHECK(results[k].complete);
    CHECK(results[k].coalesced * 2 >= counts[k]);
    CHECK(results[k].largest > 64);
    CHECK(results[k].coalesced_past_64 > 0);
  }
}
