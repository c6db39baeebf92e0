#ifndef BERTH_ASYNC_OPERATIONS_HPP
#define BERTH_ASYNC_OPERATIONS_HPP

// The asynchronous socket operations: free functions whose result is awaited in a task on
// an event_loop, each constrained exactly as the synchronous member of the same name and
// with the same results and errors (detail/blocking.hpp's post-processing is reused).
// Each comes in two forms: `co_await async_read_some(s, buf)` throws std::system_error;
// `co_await async_read_some(s, buf, ec)` reports into `ec` and never throws.
//
// epoll: the operation is tried at once (recv/send with MSG_DONTWAIT, the one call the
// synchronous form makes) and waits for the socket's next edge only on EAGAIN or after a
// short read. io_uring: the operation is one submission, sent with the loop's next
// io_uring_enter. Buffers and endpoints passed in must live until the co_await completes.
// At most one read-side operation (read, receive, accept, wait_readable) and one
// write-side operation (write, send, connect, wait_writable) may be pending per socket.

#include <berth/acceptor.hpp>
#include <berth/async/event_loop.hpp>
#include <berth/async/operation_state.hpp>
#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/descriptor.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/msghdr.hpp>
#include <berth/detail/open.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/socket_base.hpp>
#include <berth/detail/sys.hpp>
#include <berth/error.hpp>
#include <berth/socket.hpp>
#include <berth/socket_type.hpp>

#include <linux/io_uring.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

namespace berth {
namespace detail {

/// Where an awaited operation's failure goes: thrown (S = throws) or assigned to an
/// std::error_code (S = std::error_code&).
template <class S>
struct op_sink {
  explicit op_sink(throws) noexcept {}
  void deliver(int err, const char* what) { report(err, sink, what); }
  throws sink;
};
template <>
struct op_sink<std::error_code&> {
  explicit op_sink(std::error_code& code) noexcept : ec(&code) {}
  // Inlined: out of line, the call costs more than the one test of the usual path (no
  // error, and the code already clear: not even system_category() is called).
  [[gnu::always_inline]] void deliver(int err, const char*) const noexcept {
    if ((err | ec->value()) != 0) [[unlikely]] {
      if (err == 0)
        ec->clear();
      else
        assign(*ec, err);
    }
  }
  std::error_code* ec;
};

/// One non-blocking call made again while a signal interrupts it (MSG_DONTWAIT: it never
/// waits, so there is no time limit to keep).
template <class Call>
[[gnu::always_inline]] inline sys::result once(Call call) noexcept {
  sys::result r;
  do r = call();
  while (r.err == EINTR);
  return r;
}

/// An io_uring completion's result as a single call's (res >= 0, or -errno).
constexpr sys::result result_of_completion(int res) noexcept {
  return res >= 0 ? sys::result{res, 0} : sys::result{-1, -res};
}

/// Whether an errno ends what the connection can do (end of stream aside): the loop then
/// forgets what it knew of the descriptor, which is likely to be closed next.
constexpr bool ends_connection(int err) noexcept { return err != 0 && err != EAGAIN && err != EINTR; }

/// The machinery every socket operation shares; `Derived` supplies one epoll attempt
/// (epoll_step), the io_uring submission (uring_prepare) and what a completion means
/// (uring_complete).
template <class Derived>
class async_op : protected op_state {
 public:
  async_op(int descriptor, direction d, const void* owner) noexcept : owner_(owner) {
    fd = descriptor;
    dir = d;
  }
  async_op(async_op&&) noexcept = default;  // only before it is awaited (into with_timeout)
  async_op& operator=(async_op&&) = delete;
  [[gnu::always_inline]] ~async_op() {
    if (pending()) [[unlikely]]
      abandon();
  }

  /// epoll: tries the operation now when the socket may be ready, within the budget, and
  /// when it has to wait, the usual wait (within the budget, the descriptor registered,
  /// no deadline) is made here, where the descriptor's entry is at hand: await_suspend,
  /// which always follows a false, then only stores the coroutine to resume.
  [[gnu::always_inline]] bool await_ready() {
    loop_core& l = *current_loop;  // outside run(), no_loop_core: submitting ends the program
    if (l.uses_epoll()) {
      // Read before claim, whose out-of-line slow path the compiler must assume writes
      // the awaiter: a constant just stored, so no load and no test at run time.
      const direction d = dir;
      if (!l.epoll.has_entry(fd)) [[unlikely]] {
        if (fd < 0) {  // the socket holds no descriptor: what the synchronous call reports
          self().fail(EBADF);
          return true;
        }
        l.epoll.grow(fd);
      }
      fd_entry& e = l.epoll.claim(fd, owner_);
      if ((d == direction::read ? e.readable : e.writable) != 0 && (e.streak < epoll_reactor::budget || l.idle_but_this())) [[likely]] {
        const step_result r = self().epoll_step();
        // An accept may have grown the table (the descriptor it made): read it again. (Not
        // when it would block: then it made none, and `e` below is still the entry.)
        fd_entry& now = Derived::grows_table ? l.epoll.entry(fd) : e;
        if (epoll_reactor::note(now, d, r) != step_result::would_block) {
          ++now.streak;
          return true;
        }
      }
      if (e.streak < epoll_reactor::budget && e.registered != 0 && !has_deadline()) [[likely]] {
        loop = &l;
        step = &step_of;
        op_flags = waiting;  // no deadline, so no flag was set: a store, no read
        epoll_reactor::become_waiter(e, this, d, l.shared);
      }
    }
    return false;
  }

  /// epoll: the coroutine to resume stored, when await_ready made the wait; otherwise
  /// waits for the socket's next edge (or, over budget, goes to the back of the queue and
  /// tries again). io_uring: submits. False (resume at once) when the wait itself failed,
  /// which the result then reports.
  ///
  /// Inlined into the awaiting coroutine, the rest out of line: one call at most, and the
  /// coroutine's own code stays small.
  [[gnu::always_inline]] bool await_suspend(std::coroutine_handle<> h) {
    waiter = h;
    if (is_waiting()) [[likely]]
      return true;
    loop_core& l = *current_loop;  // await_ready found it
    if (l.uses_epoll()) return suspend_epoll(l);
    submit_now(l);
    return true;
  }

  /// Sets the deadline (with_timeout): past it, the operation is cancelled and reports
  /// std::errc::timed_out.
  void set_deadline(async_clock::time_point at) noexcept {
    if (at == async_clock::time_point::max()) return;  // never: no deadline at all
    ::new (static_cast<void*>(&deadline)) async_clock::time_point(at);
    set(deadline_set);
  }

 protected:
  Derived& self() noexcept { return static_cast<Derived&>(*this); }
  /// The loop running the operation (its attempts and completions run inside run()).
  static loop_core& the_loop() noexcept { return *current_loop; }
  /// io_uring: submits the next part of a composed operation (read, write).
  /// (Out of line: the completion that calls it stays small for the usual, finished case.)
  [[gnu::noinline]] void resubmit() { loop->ring.submit(this, loop->shared); }
  /// Takes the operation out of the loop now (cancelled and collected when pending), for
  /// a derived awaiter that must close a descriptor only after that.
  void leave_loop() noexcept {
    if (pending()) abandon();
  }

 private:
  [[gnu::noinline]] bool suspend_epoll(loop_core& l) {
    loop = &l;
    step = &step_of;
    fd_entry& e = l.epoll.entry(fd);
    if (e.streak >= epoll_reactor::budget && (dir == direction::read ? e.readable : e.writable) != 0 && !l.idle_but_this()) {
      e.streak = 0;
      enqueue(l.shared.ready, &retry);
      return true;
    }
    return wait_edge(l);
  }

  // io_uring: the submission filled by this operation's own uring_prepare, inlined.
  [[gnu::always_inline]] void submit_now(loop_core& l) {
    if (has_deadline()) timeout_at = timespec_of(deadline);
    loop = &l;
    does = &table;  // for the completion (and a composed operation's next part)
    l.ring.submit(this, l.shared, [](op_state* s, io_uring_sqe* sqe) { static_cast<Derived*>(s)->uring_prepare(sqe); });
  }

  bool wait_edge(loop_core& l) {
    if (const int err = l.epoll.wait(this, l.shared)) [[unlikely]] {
      self().fail(err);
      return false;
    }
    if (has_deadline()) arm_timer(l);
    return true;
  }

  [[gnu::noinline]] void arm_timer(loop_core& l) {
    ::new (static_cast<void*>(&timer)) op_timer();
    timer.deadline = deadline;
    timer.fire = &deadline_passed;
    timer.op = this;
    set(timer_armed);
    l.shared.timers.push(&timer);
  }

  // A turn later, over budget: once more, then wait if it would block.
  static void retry(ready_node* n) {
    auto* op = static_cast<Derived*>(op_state::dequeued(n));
    loop_core& l = *op->loop;
    if (l.epoll.attempt(op) != step_result::would_block || !op->wait_edge(l)) op->waiter.resume();
  }

  // epoll: the deadline passed while the operation waited. One last attempt first: what it
  // waits for may be there already without the loop having seen its edge (the loop fires
  // timers after its wait, and a read after a short read waits for an edge rather than
  // ask), and with_timeout(0ms, ...) must not time out a read whose bytes have arrived.
  // (A system call more, on this path only.)
  static void deadline_passed(timer_node* t) noexcept {
    op_state* op = static_cast<op_timer*>(t)->op;
    loop_core& l = *op->loop;
    const bool was_waiting = op->is_waiting();
    l.epoll.cancel(op, l.shared);  // first: an attempt then asks the kernel, not the edge
    if (!Derived::tried_at_deadline || !was_waiting || l.epoll.attempt(op) == step_result::would_block) {
      op->set(timed_out);
      static_cast<Derived*>(op)->fail(ETIMEDOUT);
    }
    l.shared.finish(op);
  }

  static step_result step_of(op_state* s) { return static_cast<Derived*>(s)->epoll_step(); }
  static bool complete_of(op_state* s, int res) {
    Derived* d = static_cast<Derived*>(s);
    if (res == -ECANCELED && d->has_deadline()) {
      d->set(timed_out);
      d->fail(ETIMEDOUT);
      return true;
    }
    if (res == -EINTR) [[unlikely]]
      return interrupted(d);
    return d->uring_complete(res);
  }
  // Its deadline's cancellation can end a request that blocked in the kernel's worker (a
  // unix connect to a full backlog) with EINTR rather than ECANCELED: past the deadline
  // that is the timeout; before it, nothing happened: once more. (Out of line: the usual
  // completion stays small.)
  [[gnu::noinline]] static bool interrupted(Derived* d) {
    if (d->has_deadline() && async_clock::now() >= d->deadline) {
      d->set(timed_out);
      d->fail(ETIMEDOUT);
      return true;
    }
    d->resubmit();
    return false;
  }
  static void prepare_of(op_state* s, io_uring_sqe* sqe) { static_cast<Derived*>(s)->uring_prepare(sqe); }
  static constexpr behaviour table{&complete_of, &prepare_of};

  static __kernel_timespec timespec_of(async_clock::time_point at) noexcept {
    const long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
    __kernel_timespec ts{};
    ts.tv_sec = ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    return ts;
  }

  [[gnu::cold, gnu::noinline]] void abandon() noexcept {
    loop_core& l = *loop;
    if (is_waiting()) l.epoll.cancel(this, l.shared);
    disarm(l.shared.timers);
    if (is_in_flight()) l.ring.cancel(this, l.shared);
    if (is(queued)) {
      node.unlink();  // a no-op when the loop's teardown took it off the queue already
      clear(queued);
    }
  }

  const void* owner_;
};

/// An operation that moves bytes and yields how many (or the socket it accepted):
/// result bytes, an internal code, where it goes.
template <class Derived, class S>
class bytes_op : public async_op<Derived> {
 public:
  /// Whether an epoll attempt may add descriptors to the loop's table (accept does).
  static constexpr bool grows_table = false;
  /// Whether an epoll attempt asks the kernel afresh, and so may be made once more when a
  /// deadline passes (connect's only reads the outcome of a handshake its edge said ended).
  static constexpr bool tried_at_deadline = true;

  template <class... Sink>
  bytes_op(int handle, direction d, const void* owner, Sink&&... sink) noexcept
      : async_op<Derived>(handle, d, owner), result_{0, 0}, sink_(std::forward<Sink>(sink)...) {}

  void fail(int err) noexcept { result_ = {result_.bytes, err}; }

 protected:
  /// Tag of an operation that stores its byte count with every outcome, fail() included
  /// (its own: 0 bytes): the count is not stored at construction too.
  struct count_stored_at_end {};
  template <class... Sink>
  bytes_op(count_stored_at_end, int handle, direction d, const void* owner, Sink&&... sink) noexcept
      : async_op<Derived>(handle, d, owner), sink_(std::forward<Sink>(sink)...) {
    result_.err = 0;
  }

  /// The bytes, the error reported to the sink (std::errc::timed_out when the deadline
  /// passed first: the timer, or io_uring's linked timeout, stored it with fail()).
  [[gnu::always_inline]] std::size_t deliver(const char* what) noexcept(reports_to_code<S>) {
    sink_.deliver(result_.err, what);
    return result_.bytes;
  }
  /// Forgets the descriptor's state at end of stream or an error (epoll).
  void note_end(bool end_of_stream) noexcept {
    if ((end_of_stream || ends_connection(result_.err)) && this->the_loop().uses_epoll())
      this->the_loop().epoll.forget(this->fd);
  }

  io_result result_;  // {0, 0} at construction (the error only, with count_stored_at_end)
  op_sink<S> sink_;
};

// ---- reading and writing ----------------------------------------------------------------

/// async_read_some: one recv; 0 at end of stream.
template <class S>
class read_some_op : public bytes_op<read_some_op<S>, S> {
  using base = bytes_op<read_some_op<S>, S>;

 public:
  template <class... Sink>
  read_some_op(int handle, const void* owner, mutable_bytes b, Sink&&... sink) noexcept
      : base(typename base::count_stored_at_end{}, handle, direction::read, owner, std::forward<Sink>(sink)...),
        buffer_(b) {}

  [[nodiscard]] std::size_t await_resume() noexcept(reports_to_code<S>) { return this->deliver("berth::async_read_some"); }
  void fail(int err) noexcept { this->result_ = {0, err}; }  // every outcome stores the count

  // Inlined into the immediate attempt of await_ready (and into the step the reactor
  // calls through `step`): a call costs about as much as the attempt's logic.
  [[gnu::always_inline]] step_result epoll_step() noexcept {
    const sys::result r = once([&] { return sys::recv(this->fd, buffer_.data, buffer_.size, MSG_DONTWAIT); });
    if (r.err == EAGAIN) return step_result::would_block;
    if (r.value > 0 && static_cast<std::size_t>(r.value) < buffer_.size) [[likely]] {
      this->result_.bytes = static_cast<std::size_t>(r.value);  // its error is still 0
      return step_result::done_drained;
    }
    this->result_ = to_io(r);
    this->note_end(r.value == 0);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    sqe->opcode = IORING_OP_RECV;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(buffer_.data);
    sqe->len = static_cast<unsigned>(buffer_.size);
  }
  bool uring_complete(int res) noexcept {
    this->result_ = to_io(result_of_completion(res));
    return true;
  }

 private:
  mutable_bytes buffer_;
};

/// async_write_some: one send with MSG_NOSIGNAL.
template <class S>
class write_some_op : public bytes_op<write_some_op<S>, S> {
  using base = bytes_op<write_some_op<S>, S>;

 public:
  template <class... Sink>
  write_some_op(int handle, const void* owner, const_bytes b, int flags, const char* what, Sink&&... sink) noexcept
      : base(handle, direction::write, owner, std::forward<Sink>(sink)...), buffer_(b), flags_(flags), what_(what) {}

  std::size_t await_resume() noexcept(reports_to_code<S>) { return this->deliver(what_); }

  [[gnu::always_inline]] step_result epoll_step() noexcept {  // as read_some_op's
    const sys::result r = once([&] { return sys::send(this->fd, buffer_.data, buffer_.size, flags_ | MSG_DONTWAIT); });
    if (r.err == EAGAIN) return step_result::would_block;
    this->result_ = to_io(r);
    if (r.err != 0) this->note_end(false);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    sqe->opcode = IORING_OP_SEND;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(buffer_.data);
    sqe->len = static_cast<unsigned>(buffer_.size);
    sqe->msg_flags = static_cast<unsigned>(flags_);
  }
  bool uring_complete(int res) noexcept {
    this->result_ = to_io(result_of_completion(res));
    return true;
  }

 private:
  const_bytes buffer_;
  int flags_;
  const char* what_;
};

/// async_read: recv until the buffer is full; end of stream first is error::eof.
template <class S>
class read_op : public bytes_op<read_op<S>, S> {
  using base = bytes_op<read_op<S>, S>;

 public:
  template <class... Sink>
  read_op(int handle, const void* owner, mutable_bytes b, Sink&&... sink) noexcept
      : base(handle, direction::read, owner, std::forward<Sink>(sink)...), buffer_(b) {}

  [[gnu::always_inline]] bool await_ready() {
    if (buffer_.size == 0) return true;  // nothing to read: no system call, as read() makes none
    return base::await_ready();
  }
  std::size_t await_resume() noexcept(reports_to_code<S>) { return this->deliver("berth::async_read"); }

  [[gnu::always_inline]] step_result epoll_step() noexcept {  // as read_some_op's
    auto* const p = static_cast<char*>(buffer_.data);
    for (;;) {
      const std::size_t want = buffer_.size - this->result_.bytes;
      const sys::result r = sys::recv(this->fd, p + this->result_.bytes, want, MSG_DONTWAIT);
      if (r.err == EINTR) continue;
      if (r.err == EAGAIN) return step_result::would_block;
      if (r.err != 0 || r.value == 0) {
        this->result_.err = r.err != 0 ? r.err : code_of(error::eof);
        this->note_end(r.value == 0);
        return step_result::done;
      }
      this->result_.bytes += static_cast<std::size_t>(r.value);
      if (this->result_.bytes == buffer_.size) return step_result::done;
      if (static_cast<std::size_t>(r.value) < want) {
        // Drained: wait for the next edge rather than ask again for an EAGAIN.
        the_entry().readable = the_entry().hangup;
        if (the_entry().readable == 0) return step_result::would_block;
      }
    }
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    sqe->opcode = IORING_OP_RECV;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(static_cast<char*>(buffer_.data) + this->result_.bytes);
    sqe->len = static_cast<unsigned>(buffer_.size - this->result_.bytes);
    sqe->msg_flags = MSG_WAITALL;
  }
  bool uring_complete(int res) {
    if (res < 0) {
      this->result_.err = -res;
      return true;
    }
    if (res == 0) {
      this->result_.err = code_of(error::eof);
      return true;
    }
    this->result_.bytes += static_cast<std::size_t>(res);
    if (this->result_.bytes == buffer_.size) return true;
    this->resubmit();
    return false;
  }

 private:
  fd_entry& the_entry() noexcept { return this->the_loop().epoll.entry(this->fd); }
  mutable_bytes buffer_;
};

/// async_write: send until every byte went.
template <class S>
class write_op : public bytes_op<write_op<S>, S> {
  using base = bytes_op<write_op<S>, S>;

 public:
  template <class... Sink>
  write_op(int handle, const void* owner, const_bytes b, Sink&&... sink) noexcept
      : base(handle, direction::write, owner, std::forward<Sink>(sink)...), buffer_(b) {}

  [[gnu::always_inline]] bool await_ready() {
    if (buffer_.size == 0) return true;
    return base::await_ready();
  }
  std::size_t await_resume() noexcept(reports_to_code<S>) { return this->deliver("berth::async_write"); }

  [[gnu::always_inline]] step_result epoll_step() noexcept {  // as read_some_op's
    const auto* const p = static_cast<const char*>(buffer_.data);
    for (;;) {
      const std::size_t want = buffer_.size - this->result_.bytes;
      const sys::result r = sys::send(this->fd, p + this->result_.bytes, want, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r.err == EINTR) continue;
      if (r.err == EAGAIN) return step_result::would_block;
      if (r.err != 0) {
        this->result_.err = r.err;
        this->note_end(false);
        return step_result::done;
      }
      if (static_cast<std::size_t>(r.value) == want) [[likely]] {  // every byte went (want is at hand)
        this->result_.bytes = buffer_.size;
        return step_result::done;
      }
      this->result_.bytes += static_cast<std::size_t>(r.value);
      return step_result::would_block;  // the socket is full
    }
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    sqe->opcode = IORING_OP_SEND;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(static_cast<const char*>(buffer_.data) + this->result_.bytes);
    sqe->len = static_cast<unsigned>(buffer_.size - this->result_.bytes);
    sqe->msg_flags = MSG_NOSIGNAL | MSG_WAITALL;
  }
  bool uring_complete(int res) {
    if (res < 0) {
      this->result_.err = -res;
      return true;
    }
    this->result_.bytes += static_cast<std::size_t>(res);
    if (this->result_.bytes == buffer_.size) return true;
    this->resubmit();
    return false;
  }

 private:
  const_bytes buffer_;
};

// ---- messages ---------------------------------------------------------------------------

/// async_receive: one recv with MSG_TRUNC; longer than the buffer is error::truncated.
template <class S>
class receive_op : public bytes_op<receive_op<S>, S> {
  using base = bytes_op<receive_op<S>, S>;

 public:
  template <class... Sink>
  receive_op(int handle, const void* owner, mutable_bytes b, Sink&&... sink) noexcept
      : base(handle, direction::read, owner, std::forward<Sink>(sink)...), buffer_(b) {}

  [[nodiscard]] std::size_t await_resume() noexcept(reports_to_code<S>) { return this->deliver("berth::async_receive"); }

  step_result epoll_step() noexcept {
    const sys::result r = once([&] { return sys::recv(this->fd, buffer_.data, buffer_.size, MSG_TRUNC | MSG_DONTWAIT); });
    if (r.err == EAGAIN) return step_result::would_block;
    this->result_ = message_received(r, buffer_.size);
    if (r.err != 0) this->note_end(false);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    sqe->opcode = IORING_OP_RECV;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(buffer_.data);
    sqe->len = static_cast<unsigned>(buffer_.size);
    sqe->msg_flags = MSG_TRUNC;
  }
  bool uring_complete(int res) noexcept {
    this->result_ = message_received(result_of_completion(res), buffer_.size);
    return true;
  }

 private:
  mutable_bytes buffer_;
};

/// async_receive_from: one recvfrom with MSG_TRUNC, the sender's endpoint filled.
template <class E, class S>
class receive_from_op : public bytes_op<receive_from_op<E, S>, S> {
  using base = bytes_op<receive_from_op<E, S>, S>;

 public:
  template <class... Sink>
  receive_from_op(int handle, const void* owner, mutable_bytes b, E& from, Sink&&... sink) noexcept
      : base(handle, direction::read, owner, std::forward<Sink>(sink)...), buffer_(b), from_(&from) {}

  [[nodiscard]] std::size_t await_resume() noexcept(reports_to_code<S>) {
    return this->deliver("berth::async_receive_from");
  }

  step_result epoll_step() noexcept {
    socklen_t size = E::capacity();
    const sys::result r = once([&] {
      return sys::recvfrom(this->fd, buffer_.data, buffer_.size, MSG_TRUNC | MSG_DONTWAIT, from_->data(), &size);
    });
    if (r.err == EAGAIN) return step_result::would_block;
    finish(r, size);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    iov_ = {buffer_.data, buffer_.size};
    message_ = msghdr{};
    message_.msg_name = from_->data();
    message_.msg_namelen = E::capacity();
    message_.msg_iov = &iov_;
    message_.msg_iovlen = 1;
    sqe->opcode = IORING_OP_RECVMSG;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(&message_);
    sqe->len = 1;
    sqe->msg_flags = MSG_TRUNC;
  }
  bool uring_complete(int res) noexcept {
    finish(result_of_completion(res), message_.msg_namelen);
    return true;
  }

 private:
  void finish(sys::result r, socklen_t size) noexcept {
    this->result_ = with_sender(message_received(r, buffer_.size), *from_, size);
  }

  mutable_bytes buffer_;
  E* from_;
  iovec iov_{};
  msghdr message_{};
};

/// async_send (flags: MSG_NOSIGNAL on connections) and async_send_to (`to` set).
template <class S>
class send_op : public bytes_op<send_op<S>, S> {
  using base = bytes_op<send_op<S>, S>;

 public:
  template <class... Sink>
  send_op(int handle, const void* owner, const_bytes b, int flags, const sockaddr* to, socklen_t to_size,
          const char* what, Sink&&... sink) noexcept
      : base(handle, direction::write, owner, std::forward<Sink>(sink)...),
        buffer_(b), flags_(flags), to_(to), to_size_(to_size), what_(what) {}

  std::size_t await_resume() noexcept(reports_to_code<S>) { return this->deliver(what_); }

  step_result epoll_step() noexcept {
    const sys::result r = once([&] { return sys::sendto(this->fd, buffer_.data, buffer_.size, flags_ | MSG_DONTWAIT, to_, to_size_); });
    if (r.err == EAGAIN) return step_result::would_block;
    this->result_ = to_io(r);
    if (r.err != 0 && flags_ != 0) this->note_end(false);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    iov_ = {const_cast<void*>(buffer_.data), buffer_.size};
    message_ = msghdr{};
    message_.msg_name = const_cast<sockaddr*>(to_);
    message_.msg_namelen = to_size_;
    message_.msg_iov = &iov_;
    message_.msg_iovlen = 1;
    sqe->opcode = IORING_OP_SENDMSG;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(&message_);
    sqe->len = 1;
    sqe->msg_flags = static_cast<unsigned>(flags_);
  }
  bool uring_complete(int res) noexcept {
    this->result_ = to_io(result_of_completion(res));
    return true;
  }

 private:
  const_bytes buffer_;
  int flags_;
  const sockaddr* to_;
  socklen_t to_size_;
  const char* what_;
  iovec iov_{};
  msghdr message_{};
};

// ---- gather and scatter lists -----------------------------------------------------------
// The list forms of the operations above: one sendmsg or recvmsg per attempt over the
// caller's iovecs (a const_buffer and a mutable_buffer are iovecs), with the flags the
// single-buffer forms pass. io_uring: IORING_OP_SENDMSG / IORING_OP_RECVMSG, whose msghdr
// (and, for a transfer resumed inside a buffer, its window of iovecs) lives in the
// operation, in the awaiting coroutine's frame, until the completion is collected. The
// single-buffer forms above are untouched: a list is chosen at compile time.

/// Fills an io_uring submission for one sendmsg or recvmsg of `message`.
[[gnu::always_inline]] inline void prepare_message(io_uring_sqe* sqe, io_uring_op opcode, int fd,
                                                   const msghdr* message, int flags) noexcept {
  sqe->opcode = static_cast<std::uint8_t>(opcode);
  sqe->fd = fd;
  sqe->addr = reinterpret_cast<std::uint64_t>(message);
  sqe->len = 1;
  sqe->msg_flags = static_cast<unsigned>(flags);
}

/// async_read_some and async_write_some of a list: one recvmsg (0 at end of stream) or one
/// sendmsg with MSG_NOSIGNAL, of the list's first max_iov buffers, as read_some and
/// write_some of a list.
template <direction D, class S>
class some_list_op : public bytes_op<some_list_op<D, S>, S> {
  using base = bytes_op<some_list_op<D, S>, S>;
  static constexpr bool reads = D == direction::read;

 public:
  template <class... Sink>
  some_list_op(int handle, const void* owner, iov_list list, Sink&&... sink) noexcept
      : base(handle, D, owner, std::forward<Sink>(sink)...), list_{list.data, first_call_count(list.count)} {}

  // [[nodiscard]] as the single-buffer forms': a read's result, not a write's.
  [[nodiscard]] std::size_t await_resume() noexcept(reports_to_code<S>)
    requires reads
  {
    return this->deliver("berth::async_read_some");
  }
  std::size_t await_resume() noexcept(reports_to_code<S>)
    requires(!reads)
  {
    return this->deliver("berth::async_write_some");
  }

  step_result epoll_step() noexcept {
    msghdr m = message_header(list_.data, list_.count);
    const sys::result r = once([&] {
      return reads ? sys::recvmsg(this->fd, &m, MSG_DONTWAIT) : sys::sendmsg(this->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    });
    if (r.err == EAGAIN) return step_result::would_block;
    this->result_ = to_io(r);
    if constexpr (reads) {
      if (r.value > 0 && static_cast<std::size_t>(r.value) < total_size(list_.data, list_.count)) [[likely]]
        return step_result::done_drained;
      this->note_end(r.value == 0);
    } else {
      if (r.err != 0) this->note_end(false);
    }
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    message_ = message_header(list_.data, list_.count);
    prepare_message(sqe, reads ? IORING_OP_RECVMSG : IORING_OP_SENDMSG, this->fd, &message_,
                    reads ? 0 : MSG_NOSIGNAL);
  }
  bool uring_complete(int res) noexcept {
    this->result_ = to_io(result_of_completion(res));
    return true;
  }

 private:
  iov_list list_;
  msghdr message_{};
};

/// async_read and async_write of a list: recvmsg until every buffer is full (end of stream
/// first is error::eof), sendmsg (MSG_NOSIGNAL) until every byte went. After a partial
/// call the next one resumes where it stopped, mid-list (list_cursor, as read and write
/// of a list do), so a list of more than max_iov buffers takes further calls. A list of no
/// bytes makes no call.
template <direction D, class S>
class all_list_op : public bytes_op<all_list_op<D, S>, S> {
  using base = bytes_op<all_list_op<D, S>, S>;
  static constexpr bool reads = D == direction::read;

 public:
  template <class... Sink>
  all_list_op(int handle, const void* owner, iov_list list, Sink&&... sink) noexcept
      : base(handle, D, owner, std::forward<Sink>(sink)...),
        cursor_(list.data, list.count), size_(total_size(list.data, list.count)) {}
  // Moved only before it is awaited (into with_timeout): the window is not in use yet.
  all_list_op(all_list_op&& other) noexcept : base(std::move(other)), cursor_(other.cursor_), size_(other.size_) {}

  [[gnu::always_inline]] bool await_ready() {
    if (size_ == 0) return true;  // nothing to move: no system call, as read() and write() make none
    return base::await_ready();
  }
  std::size_t await_resume() noexcept(reports_to_code<S>) {
    return this->deliver(reads ? "berth::async_read" : "berth::async_write");
  }

  step_result epoll_step() noexcept {
    for (;;) {
      msghdr m = cursor_.from(this->result_.bytes, window_);
      const sys::result r =
          reads ? sys::recvmsg(this->fd, &m, MSG_DONTWAIT) : sys::sendmsg(this->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r.err == EINTR) continue;
      if (r.err == EAGAIN) return step_result::would_block;
      if (r.err != 0 || (reads && r.value == 0)) {
        this->result_.err = r.err != 0 ? r.err : code_of(error::eof);
        this->note_end(r.err == 0);
        return step_result::done;
      }
      this->result_.bytes += static_cast<std::size_t>(r.value);
      if (this->result_.bytes == size_) return step_result::done;
      if (static_cast<std::size_t>(r.value) < total_size(m.msg_iov, m.msg_iovlen)) {
        if constexpr (!reads) {
          return step_result::would_block;  // the socket is full
        } else {
          // Drained: wait for the next edge rather than ask again for an EAGAIN.
          fd_entry& e = this->the_loop().epoll.entry(this->fd);
          e.readable = e.hangup;
          if (e.readable == 0) return step_result::would_block;
        }
      }
    }
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    message_ = cursor_.from(this->result_.bytes, window_);
    prepare_message(sqe, reads ? IORING_OP_RECVMSG : IORING_OP_SENDMSG, this->fd, &message_,
                    reads ? MSG_WAITALL : MSG_NOSIGNAL | MSG_WAITALL);
  }
  bool uring_complete(int res) {
    if (res < 0 || (reads && res == 0)) {
      this->result_.err = res < 0 ? -res : code_of(error::eof);
      return true;
    }
    this->result_.bytes += static_cast<std::size_t>(res);
    if (this->result_.bytes == size_) return true;
    this->resubmit();
    return false;
  }

 private:
  list_cursor cursor_;
  std::size_t size_;
  msghdr message_{};
  ::iovec window_[window_size];  // the rest of a buffer a call stopped inside (list_cursor)
};

/// async_send (flags: MSG_NOSIGNAL on connections) and async_send_to (`to` set) of a list:
/// one sendmsg of all of it as one message; more than max_iov buffers is E2BIG, no call.
template <class S>
class send_list_op : public bytes_op<send_list_op<S>, S> {
  using base = bytes_op<send_list_op<S>, S>;

 public:
  template <class... Sink>
  send_list_op(int handle, const void* owner, iov_list list, int flags, const sockaddr* to, socklen_t to_size,
               const char* what, Sink&&... sink) noexcept
      : base(handle, direction::write, owner, std::forward<Sink>(sink)...),
        list_(list), flags_(flags), to_(to), to_size_(to_size), what_(what) {}

  [[gnu::always_inline]] bool await_ready() {
    if (list_.count > max_iov) [[unlikely]] {  // a message is never split over calls
      this->result_.err = E2BIG;
      return true;
    }
    return base::await_ready();
  }
  std::size_t await_resume() noexcept(reports_to_code<S>) { return this->deliver(what_); }

  step_result epoll_step() noexcept {
    const msghdr m = message_header(list_.data, list_.count, to_, to_size_);
    const sys::result r = once([&] { return sys::sendmsg(this->fd, &m, flags_ | MSG_DONTWAIT); });
    if (r.err == EAGAIN) return step_result::would_block;
    this->result_ = to_io(r);
    if (r.err != 0 && flags_ != 0) this->note_end(false);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    message_ = message_header(list_.data, list_.count, to_, to_size_);
    prepare_message(sqe, IORING_OP_SENDMSG, this->fd, &message_, flags_);
  }
  bool uring_complete(int res) noexcept {
    this->result_ = to_io(result_of_completion(res));
    return true;
  }

 private:
  iov_list list_;
  int flags_;
  const sockaddr* to_;
  socklen_t to_size_;
  const char* what_;
  msghdr message_{};
};

/// async_receive (E void) and async_receive_from (the sender in `*from`) of a list: one
/// recvmsg with MSG_TRUNC of one message into all of it; longer than all its buffers
/// together is error::truncated (every buffer full). More than max_iov buffers is E2BIG,
/// no call.
template <class E, class S>
class receive_list_op : public bytes_op<receive_list_op<E, S>, S> {
  using base = bytes_op<receive_list_op<E, S>, S>;
  static constexpr bool has_sender = !std::is_void_v<E>;

 public:
  template <class... Sink>
  receive_list_op(int handle, const void* owner, iov_list list, E* from, Sink&&... sink) noexcept
      : base(handle, direction::read, owner, std::forward<Sink>(sink)...), list_(list), from_(from) {}

  [[gnu::always_inline]] bool await_ready() {
    if (list_.count > max_iov) [[unlikely]] {
      this->result_.err = E2BIG;
      return true;
    }
    return base::await_ready();
  }
  [[nodiscard]] std::size_t await_resume() noexcept(reports_to_code<S>) {
    return this->deliver(has_sender ? "berth::async_receive_from" : "berth::async_receive");
  }

  step_result epoll_step() noexcept {
    msghdr m = header();
    const sys::result r = once([&] { return sys::recvmsg(this->fd, &m, MSG_TRUNC | MSG_DONTWAIT); });
    if (r.err == EAGAIN) return step_result::would_block;
    finish(r, m.msg_namelen);
    if constexpr (!has_sender) {
      if (r.err != 0) this->note_end(false);
    }
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    message_ = header();
    prepare_message(sqe, IORING_OP_RECVMSG, this->fd, &message_, MSG_TRUNC);
  }
  bool uring_complete(int res) noexcept {
    finish(result_of_completion(res), message_.msg_namelen);
    return true;
  }

 private:
  msghdr header() noexcept {
    if constexpr (has_sender)
      return message_header(list_.data, list_.count, from_->data(), E::capacity());
    else
      return message_header(list_.data, list_.count);
  }
  void finish(sys::result r, [[maybe_unused]] socklen_t size) noexcept {
    const io_result got = message_received(r, total_size(list_.data, list_.count));
    if constexpr (has_sender)
      this->result_ = with_sender(got, *from_, size);
    else
      this->result_ = got;
  }

  iov_list list_;
  E* from_;
  msghdr message_{};
};

// ---- waiting ----------------------------------------------------------------------------

/// async_wait_readable, async_wait_writable: poll (POLLIN or POLLOUT) once, then the
/// socket's next edge; io_uring: IORING_OP_POLL_ADD.
template <class S>
class wait_op : public bytes_op<wait_op<S>, S> {
  using base = bytes_op<wait_op<S>, S>;

 public:
  template <class... Sink>
  wait_op(int handle, const void* owner, direction d, Sink&&... sink) noexcept
      : base(handle, d, owner, std::forward<Sink>(sink)...) {}

  void await_resume() noexcept(reports_to_code<S>) {
    (void)this->deliver(this->dir == direction::read ? "berth::async_wait_readable" : "berth::async_wait_writable");
  }

  step_result epoll_step() noexcept {
    if (this->is_waiting()) return step_result::done;  // woken by the edge itself
    if (this->fd < 0) [[unlikely]] {  // poll(2) would skip it: its file was closed under it
      this->result_.err = EBADF;
      return step_result::done;
    }
    pollfd p{this->fd, static_cast<short>(this->dir == direction::read ? POLLIN : POLLOUT), 0};
    const sys::result r = once([&] { return sys::poll(&p, 1, 0); });
    if (r.err != 0) {
      this->result_.err = r.err;
      return step_result::done;
    }
    if (r.value == 0) return step_result::would_block;
    if (p.revents & POLLNVAL) this->result_.err = EBADF;
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    sqe->opcode = IORING_OP_POLL_ADD;
    sqe->fd = this->fd;
    sqe->poll32_events = this->dir == direction::read ? POLLIN : POLLOUT;
  }
  bool uring_complete(int res) noexcept {
    if (res < 0)
      this->result_.err = -res;
    else if (res & POLLNVAL)
      this->result_.err = EBADF;
    return true;
  }
};

// ---- accepting and connecting -----------------------------------------------------------

/// async_accept: one accept4 with SOCK_CLOEXEC (the new socket is blocking, as every
/// socket berth makes). epoll: the listener is made non-blocking once (FIONBIO).
template <class F, class T, class S>
class accept_op : public bytes_op<accept_op<F, T, S>, S> {
  using base = bytes_op<accept_op<F, T, S>, S>;
  using endpoint_type = typename F::endpoint;

 public:
  static constexpr bool grows_table = true;
  template <class... Sink>
  accept_op(int handle, const void* owner, endpoint_type* peer, Sink&&... sink) noexcept
      : base(handle, direction::read, owner, std::forward<Sink>(sink)...), peer_(peer) {}

  [[nodiscard]] socket<F, T> await_resume() noexcept(reports_to_code<S>) {
    const int made = std::exchange(accepted_, -1);
    (void)this->deliver("berth::async_accept");
    return socket<F, T>::adopt(made);
  }
  ~accept_op() {
    if (accepted_ >= 0) sys::close_quietly(accepted_);
  }
  accept_op(accept_op&&) noexcept = default;

  step_result epoll_step() noexcept {
    if (this->fd < 0) [[unlikely]] {  // no entry: its file was closed under it
      this->result_.err = EBADF;
      return step_result::done;
    }
    fd_entry& e = this->the_loop().epoll.entry(this->fd);
    if (e.nonblocking == 0) {
      if (const sys::result r = sys::set_nonblocking(this->fd, true); r.err != 0) {
        this->result_.err = r.err;
        return step_result::done;
      }
      e.nonblocking = 1;
    }
    size_ = endpoint_type::capacity();
    const sys::result r = once([&] {
      return sys::accept4(this->fd, peer_ ? peer_->data() : nullptr, peer_ ? &size_ : nullptr, SOCK_CLOEXEC);
    });
    if (r.err == EAGAIN) return step_result::would_block;
    finish(r);
    if (accepted_ >= 0) this->the_loop().epoll.fresh(accepted_, false);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    size_ = endpoint_type::capacity();
    sqe->opcode = IORING_OP_ACCEPT;
    sqe->fd = this->fd;
    sqe->addr = reinterpret_cast<std::uint64_t>(peer_ ? peer_->data() : nullptr);
    sqe->addr2 = reinterpret_cast<std::uint64_t>(peer_ ? &size_ : nullptr);
    sqe->accept_flags = SOCK_CLOEXEC;
  }
  bool uring_complete(int res) noexcept {
    finish(result_of_completion(res));
    return true;
  }

 private:
  void finish(sys::result r) noexcept {
    if (r.err != 0) {
      this->result_.err = r.err;
      return;
    }
    accepted_ = static_cast<int>(r.value);
    if (peer_ != nullptr) {
      if (const int bad = endpoint_access::set_size(*peer_, size_)) {
        sys::close_quietly(accepted_);
        accepted_ = -1;
        this->result_.err = bad;
      }
    }
  }

  endpoint_type* peer_;
  socklen_t size_ = 0;
  int accepted_ = -1;
};

/// async_connect<T>(ep): a new socket (SOCK_CLOEXEC) connected to `ep`. epoll, TCP: made
/// with SOCK_NONBLOCK, connect, the wait for writable, SO_ERROR, then FIONBIO back to
/// blocking; unix: connect on a non-blocking socket (a listener whose backlog is full is
/// std::errc::resource_unavailable_try_again), then blocking again. io_uring: socket, then
/// IORING_OP_CONNECT. The socket returned is blocking, as every socket berth makes.
template <class E, class T, class S>
class connect_op : public bytes_op<connect_op<E, T, S>, S> {
  using base = bytes_op<connect_op<E, T, S>, S>;
  using F = typename E::family;

 public:
  static constexpr bool tried_at_deadline = false;  // its attempt reads SO_ERROR, which is 0 while the handshake goes on
  template <class... Sink>
  connect_op(const E& to, Sink&&... sink) noexcept
      : base(-1, direction::write, nullptr, std::forward<Sink>(sink)...), to_(to) {}
  connect_op(connect_op&&) noexcept = default;
  ~connect_op() {
    this->leave_loop();  // a connect still pending is cancelled and collected first
    if (made_ >= 0) sys::close_quietly(made_);
  }

  bool await_ready() {
    loop_core& l = this_loop();
    const bool epoll = l.uses_epoll();
    const sys::result s = open_socket_for<F, T>(to_.data(), epoll ? SOCK_NONBLOCK : 0);  // ip: the address's family
    if (s.err != 0) {
      this->result_.err = s.err;
      return true;
    }
    made_ = static_cast<int>(s.value);
    this->fd = made_;
    if (!epoll) return base::await_ready();
    sys::result r = sys::connect(made_, to_.data(), to_.size());
    if (r.err == 0) return finish_now(0);
    if (r.err == EINTR) r.err = EINPROGRESS;  // a TCP handshake goes on in the kernel
    if (r.err != EINPROGRESS) return finish_now(r.err);
    l.epoll.fresh(made_, false);
    l.epoll.entry(made_).writable = 0;  // wait for the handshake's edge
    return base::await_ready();
  }

  [[nodiscard]] socket<F, T> await_resume() noexcept(reports_to_code<S>) {
    int connected = -1;
    if (this->result_.err == 0 && !this->is_timed_out()) connected = std::exchange(made_, -1);
    if (made_ >= 0) sys::close_quietly(std::exchange(made_, -1));
    (void)this->deliver("berth::async_connect");
    return socket<F, T>::adopt(connected);
  }

  step_result epoll_step() noexcept {
    if (this->fd < 0) [[unlikely]] {  // its file was closed under it
      this->result_.err = EBADF;
      return step_result::done;
    }
    this->result_.err = pending_error(made_);
    if (this->result_.err == 0) this->result_.err = sys::set_nonblocking(made_, false).err;
    if (this->result_.err == 0) this->the_loop().epoll.fresh(made_, true);
    return step_result::done;
  }
  void uring_prepare(io_uring_sqe* sqe) noexcept {
    sqe->opcode = IORING_OP_CONNECT;
    sqe->fd = made_;
    sqe->addr = reinterpret_cast<std::uint64_t>(to_.data());
    sqe->off = to_.size();
  }
  bool uring_complete(int res) noexcept {
    if (res < 0) this->result_.err = -res;
    return true;
  }

 private:
  bool finish_now(int err) noexcept {
    if (err == 0) err = sys::set_nonblocking(made_, false).err;
    this->result_.err = err;
    return true;
  }

  E to_;
  int made_ = -1;
};

}  // namespace detail

// ---- the operations ---------------------------------------------------------------------

/// Awaits the next connection: `auto c = co_await berth::async_accept(acceptor);`. One
/// accept4 with SOCK_CLOEXEC when one is waiting, else the wait (epoll: the acceptor is
/// made non-blocking, once; io_uring: IORING_OP_ACCEPT). The socket is blocking, as
/// accept() makes it. Errors as accept(): EMFILE and the like are reported, each time.
template <class A, detail::error_sink S = detail::throws>
  requires requires(A& a) { a.accept(); }
[[nodiscard]] auto async_accept(A& acceptor, S&& on_error = {}) noexcept {
  using F = typename A::family;
  using T = typename A::protocol;
  return detail::accept_op<F, T, S>(acceptor.native_handle(), &acceptor, nullptr, on_error);
}
/// As async_accept(acceptor), also filling `peer` (which must live until the co_await
/// completes) with the connecting socket's address.
template <class A, detail::error_sink S = detail::throws>
  requires requires(A& a, typename A::endpoint_type& e) { a.accept(e); }
[[nodiscard]] auto async_accept(A& acceptor, typename A::endpoint_type& peer, S&& on_error = {}) noexcept {
  using F = typename A::family;
  using T = typename A::protocol;
  return detail::accept_op<F, T, S>(acceptor.native_handle(), &acceptor, &peer, on_error);
}

/// Awaits a new socket of type T (stream by default) connected to `ep`:
/// `auto s = co_await berth::async_connect(ep);` (see detail::connect_op for the calls).
template <socket_type T = stream, endpoint E, detail::error_sink S = detail::throws>
  requires valid_protocol<typename E::family, T>
[[nodiscard]] auto async_connect(const E& ep, S&& on_error = {}) noexcept {
  return detail::connect_op<E, T, S>(ep, on_error);
}

/// Awaits one recv into `buffer`: the bytes that were there, at least one; 0 at end of
/// stream. Reporting through `ec`, 0 on error.
template <class Socket, class B, detail::error_sink S = detail::throws>
  requires mutable_byte_buffer<B> && requires(Socket& s, B&& b) { s.read_some(std::forward<B>(b)); }
[[nodiscard]] auto async_read_some(Socket& s, B&& buffer, S&& on_error = {}) noexcept {
  return detail::read_some_op<S>(s.native_handle(), &s, detail::writable_bytes_of(buffer), on_error);
}

/// Awaits one send (MSG_NOSIGNAL) of as much of `buffer` as fits; a closed peer is
/// std::errc::broken_pipe. Reporting through `ec`, 0 on error.
template <class Socket, class B, detail::error_sink S = detail::throws>
  requires byte_buffer<B> && requires(Socket& s, B&& b) { s.write_some(std::forward<B>(b)); }
[[nodiscard]] auto async_write_some(Socket& s, B&& buffer, S&& on_error = {}) noexcept {
  return detail::write_some_op<S>(s.native_handle(), &s, detail::bytes_of(buffer), MSG_NOSIGNAL,
                                  "berth::async_write_some", on_error);
}

/// Awaits `buffer` filled; returns its size. End of stream first is berth::error::eof.
/// Reporting through `ec`, the bytes read before the error.
template <class Socket, class B, detail::error_sink S = detail::throws>
  requires mutable_byte_buffer<B> && requires(Socket& s, B&& b) { s.read(std::forward<B>(b)); }
[[nodiscard]] auto async_read(Socket& s, B&& buffer, S&& on_error = {}) noexcept {
  return detail::read_op<S>(s.native_handle(), &s, detail::writable_bytes_of(buffer), on_error);
}

/// Awaits all of `buffer` sent (MSG_NOSIGNAL); returns its size. Reporting through `ec`,
/// the bytes sent before the error.
template <class Socket, class B, detail::error_sink S = detail::throws>
  requires byte_buffer<B> && requires(Socket& s, B&& b) { s.write(std::forward<B>(b)); }
[[nodiscard]] auto async_write(Socket& s, B&& buffer, S&& on_error = {}) noexcept {
  return detail::write_op<S>(s.native_handle(), &s, detail::bytes_of(buffer), on_error);
}

/// Awaits `buffer` sent as one message to the connected peer (MSG_NOSIGNAL on seqpacket).
template <class Socket, class B, detail::error_sink S = detail::throws>
  requires byte_buffer<B> && requires(Socket& s, B&& b) { s.send(std::forward<B>(b)); }
[[nodiscard]] auto async_send(Socket& s, B&& buffer, S&& on_error = {}) noexcept {
  constexpr int flags = Socket::protocol::connection_oriented ? MSG_NOSIGNAL : 0;
  return detail::send_op<S>(s.native_handle(), &s, detail::bytes_of(buffer), flags, nullptr, 0,
                            "berth::async_send", on_error);
}

/// Awaits one message (MSG_TRUNC): its size; longer than `buffer` is
/// berth::error::truncated (reporting through `ec`, the buffer's size).
template <class Socket, class B, detail::error_sink S = detail::throws>
  requires mutable_byte_buffer<B> && requires(Socket& s, B&& b) { s.receive(std::forward<B>(b)); }
[[nodiscard]] auto async_receive(Socket& s, B&& buffer, S&& on_error = {}) noexcept {
  return detail::receive_op<S>(s.native_handle(), &s, detail::writable_bytes_of(buffer), on_error);
}

/// Awaits `buffer` sent as one datagram to `to` (which must live until the co_await
/// completes).
template <class Socket, class B, class E, detail::error_sink S = detail::throws>
  requires byte_buffer<B> && requires(Socket& s, B&& b, const E& e) { s.send_to(std::forward<B>(b), e); }
[[nodiscard]] auto async_send_to(Socket& s, B&& buffer, const E& to, S&& on_error = {}) noexcept {
  return detail::send_op<S>(s.native_handle(), &s, detail::bytes_of(buffer), 0, to.data(), to.size(),
                            "berth::async_send_to", on_error);
}

/// Awaits one datagram (MSG_TRUNC) and its sender in `from`: its size; longer than
/// `buffer` is berth::error::truncated.
template <class Socket, class B, class E, detail::error_sink S = detail::throws>
  requires mutable_byte_buffer<B> && requires(Socket& s, B&& b, E& e) { s.receive_from(std::forward<B>(b), e); }
[[nodiscard]] auto async_receive_from(Socket& s, B&& buffer, E& from, S&& on_error = {}) noexcept {
  return detail::receive_from_op<E, S>(s.native_handle(), &s, detail::writable_bytes_of(buffer), from, on_error);
}

// ---- gather and scatter lists -------------------------------------------------------------
// Each operation above also takes a list, as the synchronous member does: berth::buffers(a,
// b, ...), or a contiguous range of const_buffer / mutable_buffer (reads: a
// mutable_buffer_sequence). One sendmsg or recvmsg per call, the flags of the single-buffer
// form; io_uring: IORING_OP_SENDMSG / IORING_OP_RECVMSG. The list (and its buffers) must
// live until the co_await completes (one made in the co_await expression does).

/// Awaits one recvmsg into `list` (its first 1024 buffers), filled in order: the bytes that
/// were there, at least one; 0 at end of stream. Reporting through `ec`, 0 on error.
template <class Socket, class L, detail::error_sink S = detail::throws>
  requires mutable_buffer_sequence<L> && requires(Socket& s, L&& l) { s.read_some(std::forward<L>(l)); }
[[nodiscard]] auto async_read_some(Socket& s, L&& list, S&& on_error = {}) noexcept {
  return detail::some_list_op<detail::direction::read, S>(s.native_handle(), &s, detail::iov_of(list), on_error);
}

/// Awaits one sendmsg (MSG_NOSIGNAL) of as much of `list` (its first 1024 buffers) as fits;
/// a closed peer is std::errc::broken_pipe. Reporting through `ec`, 0 on error.
template <class Socket, class L, detail::error_sink S = detail::throws>
  requires buffer_sequence<L> && requires(Socket& s, L&& l) { s.write_some(std::forward<L>(l)); }
[[nodiscard]] auto async_write_some(Socket& s, L&& list, S&& on_error = {}) noexcept {
  return detail::some_list_op<detail::direction::write, S>(s.native_handle(), &s, detail::iov_of(list), on_error);
}

/// Awaits every buffer of `list` filled (recvmsg, resumed mid-list after a short one, past
/// 1024 buffers in further calls); returns their total size. End of stream first is
/// berth::error::eof. No system call when the list holds no bytes. Reporting through `ec`,
/// the bytes read before the error.
template <class Socket, class L, detail::error_sink S = detail::throws>
  requires mutable_buffer_sequence<L> && requires(Socket& s, L&& l) { s.read(std::forward<L>(l)); }
[[nodiscard]] auto async_read(Socket& s, L&& list, S&& on_error = {}) noexcept {
  return detail::all_list_op<detail::direction::read, S>(s.native_handle(), &s, detail::iov_of(list), on_error);
}

/// Awaits every byte of `list` sent (sendmsg with MSG_NOSIGNAL, resumed mid-list after a
/// partial one, past 1024 buffers in further calls); returns the total size. No system call
/// when the list holds no bytes. Reporting through `ec`, the bytes sent before the error.
template <class Socket, class L, detail::error_sink S = detail::throws>
  requires buffer_sequence<L> && requires(Socket& s, L&& l) { s.write(std::forward<L>(l)); }
[[nodiscard]] auto async_write(Socket& s, L&& list, S&& on_error = {}) noexcept {
  return detail::all_list_op<detail::direction::write, S>(s.native_handle(), &s, detail::iov_of(list), on_error);
}

/// Awaits the bytes of `list` sent together as one message to the connected peer (one
/// sendmsg; MSG_NOSIGNAL on seqpacket). More than 1024 buffers is
/// std::errc::argument_list_too_long, nothing sent.
template <class Socket, class L, detail::error_sink S = detail::throws>
  requires buffer_sequence<L> && requires(Socket& s, L&& l) { s.send(std::forward<L>(l)); }
[[nodiscard]] auto async_send(Socket& s, L&& list, S&& on_error = {}) noexcept {
  constexpr int flags = Socket::protocol::connection_oriented ? MSG_NOSIGNAL : 0;
  return detail::send_list_op<S>(s.native_handle(), &s, detail::iov_of(list), flags, nullptr, 0, "berth::async_send",
                                 on_error);
}

/// Awaits one message (one recvmsg with MSG_TRUNC) into the buffers of `list`, in order: its
/// size; longer than all of them is berth::error::truncated (reporting through `ec`, their
/// total size). More than 1024 buffers is std::errc::argument_list_too_long.
template <class Socket, class L, detail::error_sink S = detail::throws>
  requires mutable_buffer_sequence<L> && requires(Socket& s, L&& l) { s.receive(std::forward<L>(l)); }
[[nodiscard]] auto async_receive(Socket& s, L&& list, S&& on_error = {}) noexcept {
  return detail::receive_list_op<void, S>(s.native_handle(), &s, detail::iov_of(list), nullptr, on_error);
}

/// Awaits the bytes of `list` sent together as one datagram to `to` (one sendmsg). More
/// than 1024 buffers is std::errc::argument_list_too_long, nothing sent.
template <class Socket, class L, class E, detail::error_sink S = detail::throws>
  requires buffer_sequence<L> && requires(Socket& s, L&& l, const E& e) { s.send_to(std::forward<L>(l), e); }
[[nodiscard]] auto async_send_to(Socket& s, L&& list, const E& to, S&& on_error = {}) noexcept {
  return detail::send_list_op<S>(s.native_handle(), &s, detail::iov_of(list), 0, to.data(), to.size(),
                                 "berth::async_send_to", on_error);
}

/// Awaits one datagram (one recvmsg with MSG_TRUNC) into the buffers of `list` and its
/// sender in `from`: its size; longer than all of them is berth::error::truncated. More
/// than 1024 buffers is std::errc::argument_list_too_long.
template <class Socket, class L, class E, detail::error_sink S = detail::throws>
  requires mutable_buffer_sequence<L> && requires(Socket& s, L&& l, E& e) { s.receive_from(std::forward<L>(l), e); }
[[nodiscard]] auto async_receive_from(Socket& s, L&& list, E& from, S&& on_error = {}) noexcept {
  return detail::receive_list_op<E, S>(s.native_handle(), &s, detail::iov_of(list), &from, on_error);
}

/// Awaits the socket (or acceptor) readable: a read or accept would not block, or end of
/// stream or an error is pending. epoll: one poll when it may be ready already, else the
/// next edge; io_uring: IORING_OP_POLL_ADD.
template <class Socket, detail::error_sink S = detail::throws>
  requires requires(const Socket& s) { s.wait_readable(std::chrono::milliseconds(0)); }
[[nodiscard]] auto async_wait_readable(Socket& s, S&& on_error = {}) noexcept {
  return detail::wait_op<S>(s.native_handle(), &s, detail::direction::read, on_error);
}
/// As async_wait_readable(s), for any descriptor that epoll and poll take (an eventfd, a
/// signalfd, a pipe).
template <detail::error_sink S = detail::throws>
[[nodiscard]] inline auto async_wait_readable(descriptor& d, S&& on_error = {}) noexcept {
  return detail::wait_op<S>(d.native_handle(), &d, detail::direction::read, on_error);
}

/// Awaits the socket writable: a write would not block, or an error is pending.
template <class Socket, detail::error_sink S = detail::throws>
  requires requires(const Socket& s) { s.wait_writable(std::chrono::milliseconds(0)); }
[[nodiscard]] auto async_wait_writable(Socket& s, S&& on_error = {}) noexcept {
  return detail::wait_op<S>(s.native_handle(), &s, detail::direction::write, on_error);
}
/// As async_wait_writable(s), for any descriptor.
template <detail::error_sink S = detail::throws>
[[nodiscard]] inline auto async_wait_writable(descriptor& d, S&& on_error = {}) noexcept {
  return detail::wait_op<S>(d.native_handle(), &d, detail::direction::write, on_error);
}

}  // namespace berth

#endif  // BERTH_ASYNC_OPERATIONS_HPP
