// udp_echo: sends each datagram back to whoever sent it.
//
//   udp_echo --listen 127.0.0.1:9000       UDP over IPv4 (port 0: the kernel picks one)
//   udp_echo --listen [::1]:9000           UDP over IPv6
//   udp_echo --listen /tmp/udp.sock        unix datagrams (the file is removed on exit)
//   udp_echo --listen @udp                 unix datagrams at an abstract name
//   udp_echo --listen localhost:9000       the first of the name's addresses
//
//   echo hello | nc -u -W 1 127.0.0.1 9000     prints "hello"
//
//   udp_echo --listen 127.0.0.1:9000 --batch   up to 32 datagrams a system call each way
//                                              (receive_many, send_many); on exit it says
//                                              how many datagrams each call moved
//
// There are no connections: one socket receives every datagram together with its
// sender's address, and answers to that address. A unix datagram client must bind its
// own socket to a name, or it has no address to be answered at.

#include "common.hpp"

#include <berth/berth.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <span>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace {

// --batch: each wake-up takes every datagram that has arrived, up to 32, with one
// recvmmsg (receive_many), and sends the answers with one sendmmsg (send_many). Counts
// how many datagrams each call moved, and says so when the server stops.
template <class Socket, class Endpoint>
void serve_batches(Socket& socket, example::signals& stop) {
  constexpr std::size_t batch = 32, largest = 65536;  // the largest UDP datagram fits
  std::vector<std::byte> storage(batch * largest);
  std::vector<berth::message<Endpoint>> messages(batch);
  std::size_t received = 0, receive_calls = 0, sent = 0, send_calls = 0;
  std::error_code ec;
  while (stop.wait(socket.native_handle()) == 0) {
    for (std::size_t k = 0; k < batch; ++k)
      messages[k].data = std::span(storage).subspan(k * largest, largest);
    const std::size_t n = socket.receive_many(messages, ec);  // what has arrived, up to 32
    ++receive_calls;
    if (ec) continue;  // nothing after all
    received += n;
    // Answer each whole datagram to its sender; a truncated one (which cannot happen with
    // 64 KiB buffers) would be dropped.
    std::size_t answers = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (messages[k].truncated) continue;
      messages[answers] = messages[k];
      messages[answers].data = messages[k].data.first(messages[k].size);
      ++answers;
    }
    // An answer that cannot be sent (an unnamed unix client, a full send buffer) is
    // dropped: send_many stops before it and reports it on the next call, which skips it.
    for (std::size_t done = 0; done < answers;) {
      const std::size_t went = socket.send_many(std::span(messages).subspan(done, answers - done), ec);
      ++send_calls;
      sent += went;
      done += ec ? 1 : went;
    }
  }
  const auto per_call = [](std::size_t datagrams, std::size_t calls) {
    return calls == 0 ? 0.0 : static_cast<double>(datagrams) / static_cast<double>(calls);
  };
  char line[200];
  std::snprintf(line, sizeof line,
                "received %zu datagrams in %zu calls (%.2f a call), sent %zu in %zu calls (%.2f a call)", received,
                receive_calls, per_call(received, receive_calls), sent, send_calls, per_call(sent, send_calls));
  std::cout << line << std::endl;
}

template <class Endpoint>
void serve(const Endpoint& where, bool batches, example::signals& stop) {
  std::error_code ec;
  auto socket = berth::bind<berth::datagram>(where, ec);  // socket, bind: no listen, no accept
  if (ec) throw example::failure("cannot listen on " + where.to_string() + ": " + ec.message());
  const example::socket_file file(where);
  std::cout << "listening on " << socket.local_endpoint() << std::endl;

  // Non-blocking, and read only when poll() says so: Linux may report a datagram readable
  // and then drop it (a bad UDP checksum), and a blocking receive would then wait.
  socket.set_nonblocking();
  if (batches) return serve_batches<decltype(socket), Endpoint>(socket, stop);
  std::array<char, 65536> buffer;  // the largest UDP datagram fits
  while (stop.wait(socket.native_handle()) == 0) {
    Endpoint sender;
    const std::size_t n = socket.receive_from(buffer, sender, ec);  // one whole datagram
    if (ec) continue;  // nothing after all, or longer than the buffer (berth::error::truncated)
    // An answer that cannot be sent (an unnamed unix client, a full send buffer) is
    // dropped, as UDP drops datagrams: the server goes on with the others.
    socket.send_to(std::string_view(buffer.data(), n), sender, ec);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return example::run("udp_echo", [&] {
    const example::arguments args(argc, argv, "udp_echo --listen ENDPOINT [--batch]", {"--listen"}, {"--batch"});
    const berth::any_endpoint where = example::endpoint_from(args.value("--listen"));
    example::signals stop;
    std::visit([&](const auto& ep) { serve(ep, args.flag("--batch"), stop); }, where);
  });
}
