// fd_passing: a server that opens a file for each client and hands it the open descriptor
// over a unix socket; the client reads the file through that descriptor, which it could
// not have opened itself. The right to read travels with the descriptor, not with a name.
//
//   fd_passing --listen @files --file /etc/shadow    (the server, as root)
//   fd_passing --connect @files                      (a client, as anybody: prints the file)
//
// The server tells who it served (pid and uid, from SO_PEERCRED) on stdout, one line per
// client. A file it cannot open is told to the client instead, which then exits with
// status 1. A socket bound to a path must let the client connect (its mode: connect needs
// write permission on it); an abstract name (@files) has no such check. Who may connect is
// the server's decision, and this one serves everybody: a real one would look at the
// credentials first.

#include "common.hpp"

#include <berth/berth.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace {

// What the server sends: "F" with the descriptor, or "E" and why the file could not be opened.
constexpr char file_follows = 'F', cannot_open = 'E';

berth::local_endpoint local_from(std::string_view text) {
  const berth::any_endpoint ep = example::endpoint_from(text);
  if (const auto* local = std::get_if<berth::local_endpoint>(&ep)) return *local;
  throw example::usage_error("'" + std::string(text) +
                             "' is not a unix socket: descriptors only travel over a path or an @name");
}

// One client: the file opened for it, the descriptor sent with one byte (one sendmsg with
// SCM_RIGHTS), our copy closed. The client gets its own descriptor of the same open file.
void hand_over(berth::stream_socket<berth::local>& client, const std::string& file) {
  std::error_code ec;
  // One byte fits an empty send buffer at once; a limit all the same, so that nothing here
  // can hold the server.
  client.set(berth::option::send_timeout{std::chrono::seconds(1)}, ec);
  const berth::option::peer_credentials who = client.get<berth::option::peer_credentials>(ec);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const std::string why = cannot_open + std::string(std::strerror(errno));
    std::cerr << "fd_passing: cannot open " << file << ": " << why.substr(1) << '\n';
    client.write(why, ec);
    return;
  }
  const berth::descriptor opened(fd);  // ours: closed when this returns, the client's stays open
  const int fds[1] = {opened.native_handle()};
  client.send_descriptors(std::string_view(&file_follows, 1), fds, ec);
  if (ec) {
    std::cerr << "fd_passing: send_descriptors: " << ec.message() << '\n';
    return;
  }
  std::cout << "handed " << file << " to pid " << who.pid << ", uid " << who.uid << std::endl;
}

void serve(const berth::local_endpoint& where, const std::string& file, example::signals& stop) {
  std::error_code ec;
  auto acceptor = berth::listen(where, ec);
  if (ec) throw example::failure("cannot listen on " + where.to_string() + ": " + ec.message());
  const example::socket_file socket_file(where);
  std::cout << "listening on " << acceptor.local_endpoint() << std::endl;
  acceptor.set_nonblocking();  // accept only when poll says so; see echo_server.cpp
  example::accept_errors accept_errors("fd_passing");
  while (stop.wait(acceptor.native_handle()) == 0) {
    auto client = acceptor.accept(ec);
    if (ec) {
      accept_errors.handle(acceptor, ec);  // goes on, without spinning, or throws
      continue;
    }
    hand_over(client, file);
  }  // each client's connection closes at the end of its turn
}

// Writes everything `fd` reads to stdout.
void copy_to_stdout(int fd) {
  std::array<char, 65536> buffer;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) return;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw example::failure(example::errno_text("read"));
    }
    std::cout.write(buffer.data(), n);
  }
}

void fetch(const berth::local_endpoint& where) {
  std::error_code ec;
  auto server = berth::connect(where, std::chrono::seconds(5), ec);
  if (ec) throw example::failure("cannot connect to " + where.to_string() + ": " + ec.message());
  server.set(berth::option::receive_timeout{std::chrono::seconds(5)});
  // One recvmsg with MSG_CMSG_CLOEXEC: the descriptor that comes is close-on-exec, and owned
  // by `file` (closed with it); more than one would be descriptors_truncated, none leaked.
  std::array<char, 256> tag;
  std::array<berth::descriptor, 1> file;
  const berth::received got = server.receive_descriptors(tag, file, ec);
  if (ec) throw example::failure("receive_descriptors: " + ec.message());
  if (got.descriptors == 0) {
    if (got.bytes > 1 && tag[0] == cannot_open)
      throw example::failure("the server cannot open the file: " + std::string(tag.data() + 1, got.bytes - 1));
    throw example::failure("no descriptor came from " + where.to_string());
  }
  copy_to_stdout(file[0].native_handle());  // a file we never opened, read as any other
  std::cout.flush();
}

}  // namespace

int main(int argc, char** argv) {
  return example::run("fd_passing", [&] {
    const example::arguments args(argc, argv, "fd_passing --listen ENDPOINT --file PATH | --connect ENDPOINT",
                                  {"--listen", "--file", "--connect"});
    if (args.flag("--connect")) {  // given a value, as options are
      if (args.flag("--listen") || args.flag("--file"))
        throw example::usage_error("--connect is the client: it takes no --listen or --file");
      fetch(local_from(args.value("--connect")));
      return;
    }
    const berth::local_endpoint where = local_from(args.value("--listen"));
    const std::string file(args.value("--file"));
    example::signals stop;
    serve(where, file, stop);
  });
}
