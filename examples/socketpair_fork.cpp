// socketpair_fork: a parent and its child talking over a pair of connected unix sockets,
// first as a byte stream, then as seqpacket, which keeps each message whole.
//
//   socketpair_fork
//
// socket_pair() returns two sockets already connected to each other, with no address and
// no file: made before fork(), one end stays with the parent and the other goes to the
// child. Unlike a pipe, both ends read and write.

#include "common.hpp"

#include <berth/berth.hpp>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// Runs `body` in a child process and returns the child's pid. The child never returns
// from here: it leaves with _Exit, so it does not run the parent's clean-up on its way out.
template <class Body>
pid_t spawn(Body body) {
  std::cout.flush();  // or the child would inherit our unwritten output and print it again
  const pid_t pid = ::fork();
  if (pid < 0) throw example::failure(example::errno_text("fork"));
  if (pid == 0) {
    int status = 0;
    try {
      body();
    } catch (const std::exception& e) {
      std::cerr << "socketpair_fork (child): " << e.what() << '\n';
      status = 1;
    }
    std::_Exit(status);
  }
  return pid;
}

// Waits for the child and checks that it exited with status 0.
void wait_for(pid_t child, std::string_view what) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) throw example::failure(example::errno_text("waitpid"));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw example::failure(std::string(what) + ": the child failed");
  std::cout << what << ": the child exited with status 0\n";
}

// Reads until the end of the stream: every byte the other side sent before it closed
// (or shut down) its sending side.
std::string read_to_end(berth::stream_socket<berth::local>& s) {
  std::string text;
  std::array<char, 4096> buffer;
  while (const std::size_t n = s.read_some(buffer)) text.append(buffer.data(), n);
  return text;
}

void over_a_stream() {
  auto ends = berth::socket_pair();  // socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)
  auto& parent_end = ends.first;
  auto& child_end = ends.second;

  const pid_t child = spawn([&] {
    // fork() gave the child a copy of both ends. It closes the parent's: the end of stream
    // it waits for comes only once every copy of the parent's end is closed, its own too.
    parent_end.close();
    std::string text = read_to_end(child_end);
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    child_end.write(text);  // then child_end closes as the child exits
  });
  child_end.close();  // and the parent closes the child's, for the same reason

  parent_end.write("hello from the parent");  // 21 bytes: a string literal's NUL is not sent
  parent_end.shutdown(berth::shutdown_type::send);  // the child reads the end of the stream
  std::cout << "stream: sent \"hello from the parent\", then shut down the sending side\n";
  std::cout << "stream: received \"" << read_to_end(parent_end) << "\"\n";
  wait_for(child, "stream");
}

void over_seqpacket() {
  auto ends = berth::socket_pair<berth::seqpacket>();  // SOCK_SEQPACKET this time
  auto& parent_end = ends.first;
  auto& child_end = ends.second;

  const pid_t child = spawn([&] {
    parent_end.close();
    std::array<char, 256> buffer;
    for (int number = 1;; ++number) {
      const std::size_t n = child_end.receive(buffer);  // exactly one message
      if (n == 0) return;  // the parent shut down its sending side
      child_end.send("message " + std::to_string(number) + " was \"" +
                     std::string(buffer.data(), n) + "\" (" + std::to_string(n) + " bytes)");
    }
  });
  child_end.close();

  // Three sends in a row, before the child reads any. Over a stream they could arrive as
  // one run of bytes, "onetwothree"; seqpacket delivers three messages, each whole.
  for (const std::string_view message : {"one", "two", "three"}) parent_end.send(message);
  std::cout << "seqpacket: sent \"one\", \"two\", \"three\"\n";
  std::array<char, 256> buffer;
  for (int i = 0; i < 3; ++i) {
    const std::size_t n = parent_end.receive(buffer);
    std::cout << "seqpacket: received " << std::string_view(buffer.data(), n) << '\n';
  }
  parent_end.shutdown(berth::shutdown_type::send);  // the child's receive returns 0
  wait_for(child, "seqpacket");
}

}  // namespace

int main() {
  return example::run("socketpair_fork", [] {
    over_a_stream();
    over_seqpacket();
  });
}
