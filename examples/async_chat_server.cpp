// async_chat_server: every line a client sends goes to every other client. The program a
// new user tried to write with poll() glue around berth; here each client is two small
// tasks on one event loop.
//
//   async_chat_server --listen 127.0.0.1:7000 [--backend epoll|io_uring]
//   nc 127.0.0.1 7000        (in a few terminals: type a line, the others see it)
//
// A client is a reader task (lines in) and, while it has lines waiting, a writer task
// (lines out). The whole lines of one read are passed on as one buffer that every
// listener's queue shares, and a writer sends what is queued with one sendmsg per
// socket-full: a line arrives whole, never with another client's bytes inside it, and a
// flood of short lines costs a listener no more than a few long ones. A line may be
// 64 kB long (65536 bytes, its newline included); a client that sends a longer one is
// disconnected once it has sent 64 kB of it, and none of that line is passed on (the
// lines it ended before are). A talker faster than its listeners is paced: once a
// listener has 256 kB waiting, the talker's next read waits until that listener is below
// it again, so a flood reaches every client that reads. A listener that takes nothing
// for 2 s while the talker waits, or lets 1 MB pile up, is disconnected and holds no one
// up after. One loop (--threads is accepted but the room lives on one thread). SIGINT or
// SIGTERM stops it with exit status 0.

#include "async_common.hpp"

#include <berth/async.hpp>
#include <berth/berth.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t max_line = 64 * 1024;       // bytes, the newline included
constexpr std::size_t high_water = 256 * 1024;    // a listener this far behind pauses talkers
constexpr std::size_t max_backlog = 1024 * 1024;  // a listener this far behind is dropped
constexpr auto max_stall = 2s;                    // ... as is one that takes nothing this long
constexpr std::size_t max_batch = 1024;           // buffers one sendmsg takes (IOV_MAX)

/// The whole lines of one read (with the start of the first, from earlier reads): one
/// buffer, never changed, which every listener's outbox shares.
using lines = std::shared_ptr<const std::string>;

template <class Socket>
struct client {
  explicit client(Socket s) : socket(std::move(s)) {}
  Socket socket;
  std::deque<lines> outbox;     // not yet handed to the writer
  std::size_t backlog = 0;      // bytes not yet sent: the outbox's and the writer's
  clock::time_point progress;   // when the writer last started or sent something
  bool writing = false;         // a writer task is sending the outbox
  bool gone = false;            // the reader ended, or the client was dropped
};

template <class Socket>
using room = std::list<std::shared_ptr<client<Socket>>>;

// Disconnects a client: its writer and reader end, its lines go.
template <class Socket>
void drop(client<Socket>& c) {
  c.gone = true;
  c.outbox.clear();
  c.backlog = 0;
  std::error_code ignored;
  // A TCP socket closes with a reset: what the kernel still holds for it (megabytes, on a
  // socket that reads nothing) is thrown away instead of trickling out.
  if constexpr (requires { c.socket.set(berth::option::linger{true, 0s}); })
    c.socket.set(berth::option::linger{true, 0s}, ignored);
  c.socket.shutdown(berth::shutdown_type::both, ignored);  // its pending read and write end
}

// Moves the outbox's first entries (as many as one sendmsg takes) into `batch`, the writer's
// own (a drop clears the outbox, not what a write in flight points into), and lists them.
template <class Socket>
void take(client<Socket>& c, std::vector<lines>& batch, std::vector<berth::const_buffer>& unsent) {
  batch.clear();
  unsent.clear();
  while (!c.outbox.empty() && batch.size() < max_batch) {
    batch.push_back(std::move(c.outbox.front()));
    c.outbox.pop_front();
    unsent.emplace_back(*batch.back());
  }
}

// Takes `sent` bytes off the front of unsent[first...]; returns the first buffer not done.
std::size_t advance(std::vector<berth::const_buffer>& unsent, std::size_t first, std::size_t sent) {
  for (; first < unsent.size() && sent >= unsent[first].size(); ++first) sent -= unsent[first].size();
  if (sent > 0) unsent[first] = berth::const_buffer(unsent[first].data() + sent, unsent[first].size() - sent);
  return first;
}

// Sends the client's outbox until it is empty, then ends (the next lines start another):
// each sendmsg takes everything queued, so a listener costs a call per socket-full, not
// per line.
template <class Socket>
berth::task<> drain(std::shared_ptr<client<Socket>> c) {
  std::vector<lines> batch;
  std::vector<berth::const_buffer> unsent;
  std::error_code ec;
  while (!c->outbox.empty() && !c->gone) {
    take(*c, batch, unsent);
    for (std::size_t first = 0; first < unsent.size() && !c->gone;) {
      const std::size_t n = co_await berth::async_write_some(c->socket, std::span(unsent).subspan(first), ec);
      if (c->gone) break;
      if (ec) {  // reset, or it shut its reading side: it can take no more
        drop(*c);
        break;
      }
      c->backlog -= n;
      c->progress = clock::now();
      first = advance(unsent, first, n);
    }
  }
  c->writing = false;
}

template <class Socket>
berth::task<> broadcast(room<Socket>& everyone, const client<Socket>* from, lines text) {
  for (auto& other : everyone) {
    if (other.get() == from || other->gone) continue;
    if (other->backlog + text->size() > max_backlog) {
      drop(*other);
      continue;
    }
    other->outbox.push_back(text);
    other->backlog += text->size();
    if (!other->writing) {
      other->writing = true;
      other->progress = clock::now();
      co_await berth::spawn(drain(other));
    }
  }
}

// Waits while a listener (other than the talker) is past the high-water mark and still
// taking lines; one that has taken none for max_stall is dropped. Tasks have no condition
// variable to wait on, and a congested room is the rare case, so this looks every 10 ms.
template <class Socket>
berth::task<> keep_pace(room<Socket>& everyone, const client<Socket>* talker) {
  for (;;) {
    client<Socket>* behind = nullptr;
    for (auto& other : everyone)
      if (other.get() != talker && !other->gone && other->backlog > high_water) behind = other.get();
    if (behind == nullptr) co_return;
    if (clock::now() - behind->progress > max_stall)
      drop(*behind);
    else
      co_await berth::sleep_for(10ms);
  }
}

/// What a read of `got` ends, after `pending` bytes of a line not yet ended: `whole`
/// bytes of it end lines of at most max_line bytes; `too_long` when the line after them
/// (or the pending one) is longer already, or as long without its newline.
struct split {
  std::size_t whole = 0;
  bool too_long = false;
};

split lines_in(std::size_t pending, std::string_view got) {
  split s;
  std::size_t length = pending;  // of the line `got` goes on with
  for (std::size_t at = 0; at < got.size();) {
    const std::size_t newline = got.find('\n', at);
    const std::size_t end = newline == std::string_view::npos ? got.size() : newline + 1;
    length += end - at;
    if (length > max_line || (newline == std::string_view::npos && length == max_line)) {
      s.too_long = true;
      break;
    }
    if (newline == std::string_view::npos) break;
    s.whole = end;
    length = 0;
    at = end;
  }
  return s;
}

// One client: reads lines and hands those of each read to the others, until the client
// goes or sends a line longer than max_line.
template <class Socket>
berth::task<> serve(room<Socket>& everyone, Socket s) {
  auto self = std::make_shared<client<Socket>>(std::move(s));
  everyone.push_back(self);
  const auto place = std::prev(everyone.end());
  std::string pending;  // the start of a line not yet ended, shorter than max_line
  char buffer[4096];
  std::error_code ec;
  for (;;) {
    const std::size_t n = co_await berth::async_read_some(self->socket, buffer, ec);
    if (ec || n == 0 || self->gone) break;
    const std::string_view got(buffer, n);
    const split ends = lines_in(pending.size(), got);
    if (ends.whole > 0) {
      auto text = std::make_shared<std::string>();
      text->reserve(pending.size() + ends.whole);
      text->append(pending).append(got.substr(0, ends.whole));
      pending.clear();
      co_await broadcast(everyone, self.get(), lines(std::move(text)));
    }
    if (ends.too_long) {
      drop(*self);
      break;
    }
    pending.append(got.substr(ends.whole));
    co_await keep_pace(everyone, self.get());
  }
  self->gone = true;
  everyone.erase(place);
}

}  // namespace

int main(int argc, char** argv) {
  return example::run_server_program("async_chat_server", [&] {
    auto options = example::parse_async_options(argc, argv, "async_chat_server");
    options.threads = 1;  // one room, on one loop
    // The room, one per family the endpoint may be of; the loop's thread is its only user.
    room<berth::socket<berth::inet, berth::stream>> room4;
    room<berth::socket<berth::inet6, berth::stream>> room6;
    room<berth::socket<berth::local, berth::stream>> room_local;
    example::run_async_server(options, "async_chat_server", [&](auto connection) {
      using socket_type = decltype(connection);
      if constexpr (std::is_same_v<socket_type, berth::socket<berth::inet, berth::stream>>)
        return serve(room4, std::move(connection));
      else if constexpr (std::is_same_v<socket_type, berth::socket<berth::inet6, berth::stream>>)
        return serve(room6, std::move(connection));
      else
        return serve(room_local, std::move(connection));
    });
  });
}
