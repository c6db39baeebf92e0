// The program the async syscall audit runs under strace (tests/async/audit/async_audit.cmake):
//
//   async_audit epoll|io_uring echo N        a TCP echo server in this process's one thread
//                                             (async_accept, async_read_some, async_write),
//                                             N round trips of 64 bytes from a client in a
//                                             child process (not traced)
//   async_audit epoll immediate N             N async_write_some and N async_read_some that
//                                             can each complete at once
//   async_audit epoll lists N                 N async_write of a gather list and N async_read
//                                             of a scatter list that can each complete at once
//
// Exit status 0 when every byte came back as sent.
#include <berth/async.hpp>
#include <berth/berth.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

using tcp = berth::socket<berth::inet, berth::stream>;

berth::task<> echo(tcp s) {
  std::array<char, 4096> buffer;
  std::error_code ec;
  for (;;) {
    const std::size_t n = co_await berth::async_read_some(s, buffer, ec);
    if (ec || n == 0) co_return;
    co_await berth::async_write(s, std::string_view(buffer.data(), n), ec);
    if (ec) co_return;
  }
}

berth::task<> serve_one(berth::acceptor<berth::inet>& listener) {
  co_await echo(co_await berth::async_accept(listener));
}

int client(berth::inet_endpoint to, long n) {
  auto s = berth::connect(to);
  char message[64], back[64];
  for (long i = 0; i < n; ++i) {
    std::memset(message, static_cast<int>('a' + i % 26), sizeof message);
    s.write(message);
    s.read(back);
    if (std::memcmp(message, back, sizeof back) != 0) return 1;
  }
  return 0;
}

berth::task<int> immediate(long n) {
  auto [a, b] = berth::socket_pair();
  char one[1] = {'x'};
  for (long i = 0; i < n; ++i) {
    if (co_await berth::async_write_some(a, one) != 1) co_return 1;
    if (co_await berth::async_read_some(b, one) != 1) co_return 2;
  }
  co_return 0;
}

berth::task<int> lists(long n) {
  auto [a, b] = berth::socket_pair();
  char head[1] = {'h'}, body[2] = {'b', 'c'};
  char into_head[1], into_body[2];
  for (long i = 0; i < n; ++i) {
    if (co_await berth::async_write(a, berth::buffers(head, body)) != 3) co_return 1;
    if (co_await berth::async_read(b, berth::buffers(into_head, into_body)) != 3) co_return 2;
    if (into_head[0] != 'h' || into_body[1] != 'c') co_return 3;
  }
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: async_audit epoll|io_uring echo|immediate|lists N\n");
    return 2;
  }
  const berth::backend backend = std::string_view(argv[1]) == "io_uring" ? berth::backend::io_uring : berth::backend::epoll;
  const std::string_view scenario = argv[2];
  const long n = std::strtol(argv[3], nullptr, 10);
  std::error_code ec;
  berth::event_loop loop(backend, ec);
  if (ec) {
    std::fprintf(stderr, "async_audit: %s\n", ec.message().c_str());
    return 77;
  }
  if (scenario == "immediate") return loop.run(immediate(n));
  if (scenario == "lists") return loop.run(lists(n));
  auto listener = berth::listen(berth::inet_endpoint(berth::ipv4_address::loopback(), 0));
  const auto where = listener.local_endpoint();
  const pid_t child = ::fork();
  if (child == 0) ::_exit(client(where, n));
  // The connection is waiting before the loop runs, so the accept completes at once in
  // every run alike (the counts of N1 and N2 runs then differ only by the messages).
  if (!listener.wait_readable(std::chrono::seconds(30))) return 3;
  loop.run(serve_one(listener));
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
