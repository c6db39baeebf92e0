// step_by_step: the classic server walk-through, one system call at a time:
// socket, bind, listen, accept, read and write, close.
//
//   step_by_step --listen 127.0.0.1:8080     (the default; also [::1]:8080, /tmp/step.sock, @step,
//                                             or a name, localhost:8080: its first address)
//
// Before each step it waits for Enter, so that from a second terminal you can look at the
// socket as it changes (`ss -tanp`, `ss -xap`, `lsof -p PID`) and, once it listens,
// connect to it with `nc 127.0.0.1 8080`. What it is doing goes to stderr; stdout gets
// "listening on <endpoint>" once it listens, then what the client sent.

#include "common.hpp"

#include <berth/berth.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace {

// Says what happens, on stderr.
void say(const std::string& text) { std::cerr << "  " << text << '\n'; }

// Waits for Enter before the next step; false when SIGINT or SIGTERM came instead. Once
// stdin has ended (say, `step_by_step < /dev/null`) the steps follow one another.
bool next_step(example::signals& stop, const std::string& step) {
  static bool interactive = true;
  std::cerr << "\n" << step << (interactive ? "  [press Enter]" : "") << std::endl;
  while (interactive) {
    if (stop.wait(STDIN_FILENO) != 0) return false;
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) interactive = false;
    if (n <= 0 || c == '\n') break;
  }
  return true;
}

template <class Endpoint>
void walk(const Endpoint& where, example::signals& stop) {
  using family = typename Endpoint::family;  // berth::inet, berth::inet6 or berth::local
  const std::string pid = std::to_string(::getpid());

  if (!next_step(stop, "1. socket(): make a socket")) return;
  auto socket = berth::stream_socket<family>::open();  // socket(AF_..., SOCK_STREAM|SOCK_CLOEXEC)
  say("descriptor " + std::to_string(socket.native_handle()) + ", with no address yet.");
  say("`lsof -p " + pid + "` lists it as a sock; ss lists no port for it yet.");

  if (!next_step(stop, "2. bind(): give it the address " + where.to_string())) return;
  if constexpr (berth::option_for<berth::option::reuse_address, family, berth::stream>)
    socket.set(berth::option::reuse_address{true});  // restart at once, despite TIME_WAIT
  std::error_code ec;
  socket.bind(where, ec);
  if (ec) throw example::failure("cannot bind to " + where.to_string() + ": " + ec.message());
  const example::socket_file file(where);  // bind made the file of a path: removed on exit
  say("bound to " + socket.local_endpoint().to_string() + ".");  // port 0: the one the kernel chose
  say("It does not listen yet: a client that connects now is refused.");

  if (!next_step(stop, "3. listen(): accept connections on it")) return;
  // listen(2) turns the socket into an acceptor: from here on the kernel completes
  // handshakes and queues the connections until accept() takes them.
  auto acceptor = berth::listen(std::move(socket));
  std::cout << "listening on " << acceptor.local_endpoint() << std::endl;
  say("`ss -ltnp` (TCP) or `ss -xlp` (unix) shows it in state LISTEN.");
  say("A client can connect now, even before accept(): try `nc` in another terminal.");

  if (!next_step(stop, "4. accept(): take the next connection (waits for one)")) return;
  if (stop.wait(acceptor.native_handle()) != 0) return;
  Endpoint peer;
  auto connection = acceptor.accept(peer);  // a new descriptor for this client
  const std::string from = peer.to_string().empty() ? "an unnamed unix socket" : peer.to_string();
  std::cout << "accepted a connection from " << from << std::endl;
  say("descriptor " + std::to_string(connection.native_handle()) +
      " is the connection; the listening socket stays open for the next client.");
  say("`ss -tnp` (TCP) or `ss -xp` (unix) shows it ESTAB.");

  if (!next_step(stop, "5. read() and write(): echo what the client sends")) return;
  if (stop.wait(connection.native_handle()) != 0) return;
  std::array<char, 4096> buffer;
  const std::size_t n = connection.read_some(buffer);  // what has come: 1 byte or more; 0 at end
  const std::string_view received(buffer.data(), n);  // exactly n bytes: no NUL is needed or added
  std::cout << "received " << n << " bytes: " << received << std::flush;
  connection.write(received);
  say("sent the " + std::to_string(n) + " bytes back.");

  if (!next_step(stop, "6. close(): end the connection, then stop listening")) return;
  connection.close();
  acceptor.close();
  say("closed: the client reads the end of the stream; nothing listens here any more.");
}

}  // namespace

int main(int argc, char** argv) {
  return example::run("step_by_step", [&] {
    const example::arguments args(argc, argv, "step_by_step [--listen ENDPOINT]", {"--listen"});
    const auto where = example::endpoint_from(args.value_or("--listen", "127.0.0.1:8080"));
    example::signals stop;
    std::visit([&](const auto& ep) { walk(ep, stop); }, where);
  });
}
