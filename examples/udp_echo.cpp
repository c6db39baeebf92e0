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
// There are no connections: one socket receives every datagram together with its
// sender's address, and answers to that address. A unix datagram client must bind its
// own socket to a name, or it has no address to be answered at.

#include "common.hpp"

#include <berth/berth.hpp>

#include <array>
#include <iostream>
#include <string_view>
#include <system_error>
#include <variant>

namespace {

template <class Endpoint>
void serve(const Endpoint& where, example::signals& stop) {
  std::error_code ec;
  auto socket = berth::bind<berth::datagram>(where, ec);  // socket, bind: no listen, no accept
  if (ec) throw example::failure("cannot listen on " + where.to_string() + ": " + ec.message());
  const example::socket_file file(where);
  std::cout << "listening on " << socket.local_endpoint() << std::endl;

  // Non-blocking, and read only when poll() says so: Linux may report a datagram readable
  // and then drop it (a bad UDP checksum), and a blocking receive would then wait.
  socket.set_nonblocking();
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
    const example::arguments args(argc, argv, "udp_echo --listen ENDPOINT", {"--listen"});
    const berth::any_endpoint where = example::endpoint_from(args.value("--listen"));
    example::signals stop;
    std::visit([&](const auto& ep) { serve(ep, stop); }, where);
  });
}
