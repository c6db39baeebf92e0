// The hand-written epoll echo server: the baseline for berth's epoll backend.
//
//   epoll_echo_server --listen ENDPOINT [--backend epoll] [--threads N]
//
// What a careful programmer writes by hand: every connection registered once,
// edge-triggered, for input and output (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET); a read
// shorter than the buffer taken as "drained" (no read that ends in EAGAIN); at most 8
// reads per connection and wake-up, the connections that had more coming back after the
// others (so that one busy connection cannot starve the rest); what a full socket does not
// take kept and sent on EPOLLOUT, reading paused meanwhile; accept4 with SOCK_NONBLOCK |
// SOCK_CLOEXEC; MSG_NOSIGNAL. One echo costs recv + send, and epoll_wait when nothing
// else is ready. Nothing is allocated per message (a connection's overflow buffer once,
// the first time its socket is full).
#include "server.hpp"

#include <sys/epoll.h>

#include <memory>
#include <thread>
#include <vector>

namespace {

using namespace async_bench;

constexpr std::size_t read_size = 64 * 1024;  // one read's buffer, shared by a loop's connections
constexpr int read_budget = 8;                // reads per connection and wake-up
constexpr int max_events = 1024;

struct connection {
  int fd = -1;
  bool peer_closed = false;  // EPOLLRDHUP/HUP/ERR seen: read until 0 or an error, not a short read
  bool eof = false;          // read returned 0: close once the pending echo is out
  bool read_owed = false;    // not drained: there is more to read without a new edge
  bool queued = false;       // in the loop's list of connections to read again this turn
  bool closed = false;
  std::size_t pending_begin = 0;
  std::size_t pending_end = 0;  // unsent echo: pending[pending_begin, pending_end)
  std::unique_ptr<char[]> pending;
  connection* prev = nullptr;  // every open connection, to close them at exit
  connection* next = nullptr;
};

class loop {
 public:
  loop(int listener, int stop_fd) : listener_(listener), buffer_(new char[read_size]) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) fail("epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = &listener_;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &ev) != 0) fail("epoll_ctl listener");
    ev.events = EPOLLIN;  // level-triggered, never read: every loop sees it
    ev.data.ptr = &stop_tag_;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, stop_fd, &ev) != 0) fail("epoll_ctl stop");
    again_.reserve(1024);
    again_now_.reserve(1024);
    closed_.reserve(1024);
  }
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  ~loop() {
    for (connection* c : again_)  // the open ones among them are on the open list
      if (c->closed) delete c;
    for (connection* c : closed_) delete c;
    while (open_ != nullptr) {
      connection* c = open_;
      open_ = c->next;
      close(c->fd);
      delete c;
    }
    close(listener_);
    close(epoll_);
  }

  void run() {
    epoll_event events[max_events];
    while (!stop_signal::requested()) {
      const int n = epoll_wait(epoll_, events, max_events, again_.empty() ? -1 : 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("epoll_wait");
      }
      for (int k = 0; k < n; ++k) {
        void* const tag = events[k].data.ptr;
        if (tag == &listener_) {
          accept_all();
        } else if (tag == &stop_tag_) {
          return;
        } else {
          dispatch(static_cast<connection*>(tag), events[k].events);
        }
      }
      if (!again_.empty()) {  // the connections whose budget ran out, once more each
        again_now_.swap(again_);
        for (connection* c : again_now_) {
          c->queued = false;
          if (c->closed)
            closed_.push_back(c);
          else
            read_some(c);
        }
        again_now_.clear();
      }
      for (connection* c : closed_) delete c;
      closed_.clear();
    }
  }

 private:
  void accept_all() {
    for (;;) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        // EAGAIN: none left. EMFILE, ENFILE, ENOBUFS, ENOMEM: the next connection's edge
        // tries again; the open ones are served meanwhile.
        return;
      }
      set_no_delay(fd);
      auto* c = new connection;
      c->fd = fd;
      c->next = open_;
      if (open_ != nullptr) open_->prev = c;
      open_ = c;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.ptr = c;
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) close_connection(c);
    }
  }

  void dispatch(connection* c, std::uint32_t events) {
    if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) c->peer_closed = true;
    if ((events & EPOLLOUT) != 0 && c->pending_end != 0) {
      write_pending(c);
      if (c->closed) return;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) read_some(c);
  }

  /// Up to read_budget reads; a short one means drained (unless the peer closed, when
  /// reading goes on to the 0 or the error).
  void read_some(connection* c) {
    for (int k = 0; k < read_budget; ++k) {
      if (c->pending_end != 0 || c->eof) {  // wait for EPOLLOUT before reading more
        c->read_owed = !c->eof;
        return;
      }
      const ssize_t n = recv(c->fd, buffer_.get(), read_size, 0);
      if (n > 0) {
        if (!echo(c, buffer_.get(), static_cast<std::size_t>(n))) return;
        if (static_cast<std::size_t>(n) < read_size && !c->peer_closed) {
          c->read_owed = false;
          return;
        }
        continue;
      }
      if (n == 0) {
        c->eof = true;
        if (c->pending_end == 0) close_connection(c);
        return;
      }
      if (errno == EAGAIN) {
        c->read_owed = false;
        return;
      }
      if (errno == EINTR) continue;
      close_connection(c);  // ECONNRESET and the like
      return;
    }
    c->read_owed = true;
    if (!c->queued) {
      c->queued = true;
      again_.push_back(c);
    }
  }

  /// Sends what was read; what the socket does not take waits for EPOLLOUT. False when the
  /// connection was closed.
  bool echo(connection* c, const char* data, std::size_t size) {
    ssize_t sent;
    do sent = send(c->fd, data, size, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent >= 0 && static_cast<std::size_t>(sent) == size) return true;
    if (sent < 0) {
      if (errno != EAGAIN) {
        close_connection(c);
        return false;
      }
      sent = 0;
    }
    if (!c->pending) c->pending.reset(new char[read_size]);
    std::memcpy(c->pending.get(), data + sent, size - static_cast<std::size_t>(sent));
    c->pending_begin = 0;
    c->pending_end = size - static_cast<std::size_t>(sent);
    return true;
  }

  void write_pending(connection* c) {
    while (c->pending_begin < c->pending_end) {
      const ssize_t sent = send(c->fd, c->pending.get() + c->pending_begin,
                                c->pending_end - c->pending_begin, MSG_NOSIGNAL);
      if (sent > 0) {
        c->pending_begin += static_cast<std::size_t>(sent);
      } else if (sent < 0 && errno == EINTR) {
        continue;
      } else if (sent < 0 && errno == EAGAIN) {
        return;
      } else {
        close_connection(c);
        return;
      }
    }
    c->pending_begin = c->pending_end = 0;
    if (c->eof) {
      close_connection(c);
    } else if (c->read_owed && !c->queued) {  // no new edge will say so: read again this turn
      c->queued = true;
      again_.push_back(c);
    }
  }

  void close_connection(connection* c) {
    close(c->fd);  // also takes it out of the epoll set
    c->closed = true;
    if (c->prev != nullptr) c->prev->next = c->next;
    else open_ = c->next;
    if (c->next != nullptr) c->next->prev = c->prev;
    // Freed at the end of the turn (later events may still name it), or when the list of
    // connections to read again reaches it.
    if (!c->queued) closed_.push_back(c);
  }

  int listener_;
  int epoll_ = -1;
  int stop_tag_ = 0;
  std::unique_ptr<char[]> buffer_;
  connection* open_ = nullptr;
  std::vector<connection*> again_;
  std::vector<connection*> again_now_;
  std::vector<connection*> closed_;
};

}  // namespace

int main(int argc, char** argv) {
  options o = parse_options(argc, argv, "epoll");
  raise_descriptor_limit();
  stop_signal stop;
  std::vector<int> listeners(static_cast<std::size_t>(o.threads));
  listen_all(o, listeners.data());
  announce(o);
  std::vector<std::thread> threads;
  for (std::size_t k = 1; k < listeners.size(); ++k)
    threads.emplace_back([fd = listeners[k], &stop] { loop(fd, stop.fd()).run(); });
  loop(listeners[0], stop.fd()).run();
  for (auto& t : threads) t.join();
  return 0;
}
