// The hand-written io_uring echo server (liburing): the baseline for berth's io_uring
// backend. liburing is used here, in bench/, only: berth itself talks to the kernel.
//
//   uring_echo_server --listen ENDPOINT [--backend io_uring] [--threads N]
//
// One ring per thread, set up with IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
// and its descriptor registered; one multishot accept; per connection one multishot recv
// drawing from a provided buffer ring, and one send at a time (what arrives meanwhile waits
// in order, in its buffer); one io_uring_submit_and_wait per loop turn. A buffer goes back
// to the ring when its echo is sent. Nothing is allocated per message.
//
// Two traps measured on this machine shape the code: a multishot accept is re-armed only
// after the completion that ended the previous one was collected (arming a new one in the
// submission that cancels the old lost the next connection under DEFER_TASKRUN); and on
// exit every request is cancelled and its completion collected before the ring and the
// listener close (an armed accept otherwise kept the port bound after the process exited).
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <time.h>

#include <memory>
#include <thread>
#include <vector>

#include "server.hpp"

namespace {

using namespace async_bench;

constexpr unsigned submission_entries = 4096;
constexpr unsigned completion_entries = 65536;
constexpr unsigned buffer_count = 16384;  // a power of two, at most 32768
constexpr unsigned buffer_size = 2048;
constexpr unsigned short buffer_group = 0;
constexpr int no_buffer = -1;

// What a completion is for: the low three bits of its user_data; a connection's address
// (8-byte aligned) in the others.
enum : std::uint64_t { op_accept = 1, op_recv = 2, op_send = 3, op_stop = 4, op_cancel = 5 };
constexpr std::uint64_t op_mask = 7;

struct connection {
  int fd = -1;
  bool recv_armed = false;   // its multishot recv is in the kernel
  bool sending = false;      // a send is in the kernel
  bool eof = false;          // the peer closed: close once the queue is sent
  bool failed = false;       // an error: close, drop what is queued
  bool cancelling = false;   // the recv's cancellation was asked for
  bool waiting_buffers = false;  // the recv ended for want of buffers: re-arm next turn
  int queue_head = no_buffer;    // buffers to send, in order, linked through next_
  int queue_tail = no_buffer;
  connection* prev = nullptr;    // every open connection, to cancel them at exit
  connection* next = nullptr;
};

class loop {
 public:
  loop(int listener, int stop_fd) : listener_(listener), stop_fd_(stop_fd) {
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
    params.cq_entries = completion_entries;
    const int r = io_uring_queue_init_params(submission_entries, &ring_, &params);
    if (r < 0) {
      std::fprintf(stderr, "io_uring_queue_init_params (SINGLE_ISSUER, DEFER_TASKRUN): %s\n",
                   std::strerror(-r));
      std::exit(r == -ENOSYS || r == -EPERM || r == -EINVAL ? backend_unavailable : 1);
    }
    if (io_uring_register_ring_fd(&ring_) != 1) {
      std::fprintf(stderr, "io_uring_register_ring_fd failed\n");
      std::exit(backend_unavailable);
    }
    // The provided buffers: a ring of buffer_count descriptors and the memory they name.
    ring_bytes_ = buffer_count * sizeof(io_uring_buf);
    void* ring_memory = mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE,
                             MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (ring_memory == MAP_FAILED) fail("mmap buffer ring");
    buffers_ring_ = static_cast<io_uring_buf_ring*>(ring_memory);
    io_uring_buf_ring_init(buffers_ring_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(ring_memory);
    reg.ring_entries = buffer_count;
    reg.bgid = buffer_group;
    if (const int e = io_uring_register_buf_ring(&ring_, &reg, 0); e != 0) {
      std::fprintf(stderr, "io_uring_register_buf_ring: %s\n", std::strerror(-e));
      std::exit(backend_unavailable);
    }
    void* memory = mmap(nullptr, std::size_t{buffer_count} * buffer_size, PROT_READ | PROT_WRITE,
                        MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (memory == MAP_FAILED) fail("mmap buffers");
    buffers_ = static_cast<char*>(memory);
    for (unsigned bid = 0; bid < buffer_count; ++bid) give_back(static_cast<int>(bid));
    next_.assign(buffer_count, no_buffer);
    length_.assign(buffer_count, 0);
    offset_.assign(buffer_count, 0);
    rearm_.reserve(1024);
  }
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  ~loop() {
    while (open_ != nullptr) {  // only when the shutdown's bounded wait ran out
      connection* c = open_;
      open_ = c->next;
      close(c->fd);
      delete c;
    }
    io_uring_queue_exit(&ring_);  // ring first: its requests hold the buffers
    munmap(buffers_, std::size_t{buffer_count} * buffer_size);
    munmap(buffers_ring_, ring_bytes_);
    close(listener_);
  }

  void run() {
    arm_accept();
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, stop_fd_, POLLIN);
    io_uring_sqe_set_data64(sqe, op_stop);
    while (!stopping_) {
      turn();
      if (stop_signal::requested()) stopping_ = true;
    }
    shutdown();
  }

 private:
  /// One loop turn: buffers back, re-arms, one submit-and-wait, then every completion.
  void turn() {
    for (connection* c : rearm_) {
      c->waiting_buffers = false;
      if (!c->failed && !c->eof && !stopping_) arm_recv(c);
      else finish_if_done(c);
    }
    rearm_.clear();
    if (returned_ != 0) {
      io_uring_buf_ring_advance(buffers_ring_, returned_);
      returned_ = 0;
    }
    const int r = io_uring_submit_and_wait(&ring_, 1);
    if (r < 0 && r != -EINTR && r != -EBUSY && r != -ETIME) {
      std::fprintf(stderr, "io_uring_submit_and_wait: %s\n", std::strerror(-r));
      std::exit(1);
    }
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      handle(*cqe);
      ++seen;
    }
    io_uring_cq_advance(&ring_, seen);
  }

  void handle(const io_uring_cqe& cqe) {
    const std::uint64_t data = io_uring_cqe_get_data64(&cqe);
    auto* c = reinterpret_cast<connection*>(data & ~op_mask);
    switch (data & op_mask) {
      case op_accept: return on_accept(cqe);
      case op_recv: return on_recv(c, cqe);
      case op_send: return on_send(c, cqe.res);
      case op_stop: stopping_ = true; return;
      default: return;  // a cancellation's own completion
    }
  }

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (sqe == nullptr) {  // the submission queue is full: hand it to the kernel now
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  void arm_accept() {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_multishot_accept(sqe, listener_, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, op_accept);
    accept_armed_ = true;
  }

  void on_accept(const io_uring_cqe& cqe) {
    const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    if (cqe.res >= 0) {
      if (stopping_) {
        close(cqe.res);
      } else {
        set_no_delay(cqe.res);
        auto* c = new connection;
        c->fd = cqe.res;
        c->next = open_;
        if (open_ != nullptr) open_->prev = c;
        open_ = c;
        arm_recv(c);
      }
    }
    // Re-armed only now that the completion ending the previous one is collected.
    if (!more) {
      accept_armed_ = false;
      if (!stopping_) arm_accept();
    }
  }

  void arm_recv(connection* c) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_recv_multishot(sqe, c->fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = buffer_group;
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(c) | op_recv);
    c->recv_armed = true;
  }

  void on_recv(connection* c, const io_uring_cqe& cqe) {
    const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    if (!more) c->recv_armed = false;
    if (cqe.res > 0) {
      const int bid = static_cast<int>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
      if (c->failed || stopping_) {
        give_back(bid);
      } else {
        length_[static_cast<unsigned>(bid)] = static_cast<unsigned>(cqe.res);
        offset_[static_cast<unsigned>(bid)] = 0;
        enqueue(c, bid);
        if (!c->sending) send_head(c);
        if (!more) arm_recv(c);  // ended without an error: arm the next
        return;
      }
    } else if (cqe.res == 0) {
      c->eof = true;
    } else if (cqe.res == -ENOBUFS && !stopping_) {
      if (!c->waiting_buffers) {  // no buffer free: arm again once some came back
        c->waiting_buffers = true;
        rearm_.push_back(c);
      }
      return;
    } else {  // ECONNRESET, ECANCELED, ...
      c->failed = true;
    }
    finish_if_done(c);
  }

  void send_head(connection* c) {
    const auto bid = static_cast<unsigned>(c->queue_head);
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_send(sqe, c->fd, buffers_ + std::size_t{bid} * buffer_size + offset_[bid],
                       length_[bid] - offset_[bid], MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(c) | op_send);
    c->sending = true;
  }

  void on_send(connection* c, int res) {
    c->sending = false;
    if (res < 0) {
      c->failed = true;
    } else if (!c->failed && !stopping_) {
      const auto bid = static_cast<unsigned>(c->queue_head);
      offset_[bid] += static_cast<unsigned>(res);
      if (offset_[bid] < length_[bid]) {  // a short send: the rest, before anything else
        send_head(c);
        return;
      }
      c->queue_head = next_[bid];
      if (c->queue_head == no_buffer) c->queue_tail = no_buffer;
      give_back(static_cast<int>(bid));
      if (c->queue_head != no_buffer) {
        send_head(c);
        return;
      }
      if (!c->eof) return;  // the common case: all sent, the recv still armed
    }
    finish_if_done(c);
  }

  /// Closes a connection that failed or reached its end, once the kernel holds none of
  /// its requests; cancels its recv first when that is still armed.
  void finish_if_done(connection* c) {
    if (c->sending) return;  // its completion comes back here
    if (c->failed || stopping_) {
      while (c->queue_head != no_buffer) {
        const int bid = c->queue_head;
        c->queue_head = next_[static_cast<unsigned>(bid)];
        give_back(bid);
      }
      c->queue_tail = no_buffer;
    }
    const bool done = c->failed || stopping_ || (c->eof && c->queue_head == no_buffer);
    if (!done || c->waiting_buffers) return;
    if (c->recv_armed) {
      if (!c->cancelling) {
        c->cancelling = true;
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(c) | op_recv, 0);
        io_uring_sqe_set_data64(sqe, op_cancel);
      }
      return;
    }
    close(c->fd);
    if (c->prev != nullptr) c->prev->next = c->next;
    else open_ = c->next;
    if (c->next != nullptr) c->next->prev = c->prev;
    delete c;  // no completion names it any more
  }

  void enqueue(connection* c, int bid) {
    next_[static_cast<unsigned>(bid)] = no_buffer;
    if (c->queue_tail == no_buffer) c->queue_head = bid;
    else next_[static_cast<unsigned>(c->queue_tail)] = bid;
    c->queue_tail = bid;
  }

  void give_back(int bid) {
    io_uring_buf_ring_add(buffers_ring_, buffers_ + static_cast<std::size_t>(bid) * buffer_size,
                          buffer_size, static_cast<unsigned short>(bid),
                          io_uring_buf_ring_mask(buffer_count), returned_++);
  }

  /// Cancels the accept and every connection's requests and collects their completions
  /// (bounded: 3 s), so that nothing the kernel holds outlives the process.
  void shutdown() {
    if (accept_armed_) {
      io_uring_sqe* sqe = get_sqe();
      io_uring_prep_cancel64(sqe, op_accept, 0);
      io_uring_sqe_set_data64(sqe, op_cancel);
    }
    for (connection* c = open_; c != nullptr;) {
      connection* next = c->next;
      finish_if_done(c);  // stopping_: cancels the recv, or closes at once
      c = next;
    }
    for (connection* c : rearm_) {
      c->waiting_buffers = false;
      finish_if_done(c);
    }
    rearm_.clear();
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const time_t give_up = now.tv_sec + 3;
    while ((accept_armed_ || open_ != nullptr) && now.tv_sec < give_up) {
      __kernel_timespec timeout{};
      timeout.tv_nsec = 100'000'000;
      io_uring_cqe* first = nullptr;
      io_uring_submit_and_wait_timeout(&ring_, &first, 1, &timeout, nullptr);
      unsigned head;
      unsigned seen = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        handle(*cqe);
        ++seen;
      }
      io_uring_cq_advance(&ring_, seen);
      clock_gettime(CLOCK_MONOTONIC, &now);
    }
    if (accept_armed_) std::fprintf(stderr, "uring_echo_server: the accept was not cancelled\n");
  }

  io_uring ring_{};
  int listener_;
  int stop_fd_;
  bool stopping_ = false;
  bool accept_armed_ = false;
  io_uring_buf_ring* buffers_ring_ = nullptr;
  std::size_t ring_bytes_ = 0;
  char* buffers_ = nullptr;
  int returned_ = 0;  // buffers added to the ring since its tail last moved
  std::vector<int> next_;
  std::vector<unsigned> length_;
  std::vector<unsigned> offset_;
  std::vector<connection*> rearm_;
  connection* open_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  options o = parse_options(argc, argv, "io_uring");
  raise_descriptor_limit();
  stop_signal stop;
  std::vector<int> listeners(static_cast<std::size_t>(o.threads));
  listen_all(o, listeners.data());
  loop first(listeners[0], stop.fd());  // exits backend_unavailable before saying "listening"
  announce(o);
  std::vector<std::thread> threads;
  for (std::size_t k = 1; k < listeners.size(); ++k)
    threads.emplace_back([fd = listeners[k], &stop] { loop(fd, stop.fd()).run(); });
  first.run();
  for (auto& t : threads) t.join();
  return 0;
}
