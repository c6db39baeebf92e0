#ifndef BERTH_ASYNC_EPOLL_HPP
#define BERTH_ASYNC_EPOLL_HPP

// The epoll backend: readiness, edge-triggered, as a careful hand-written loop does it.
//
// - Each socket is registered once (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET), the first
//   time an operation on it has to wait; an operation that can complete at once never
//   registers anything. No epoll_ctl and no fcntl per operation: reads and writes pass
//   MSG_DONTWAIT.
// - Per descriptor the loop remembers whether it may be readable and writable. An
//   operation is tried first and waits only on EAGAIN; a stream read that comes back
//   shorter than its buffer means the socket is drained, so the next read waits for the
//   next edge without a system call that would only say EAGAIN.
// - A budget of operations per descriptor and wake-up: after 16 in a row that completed
//   at once (8 echoes), the next one goes to the back of the queue, so one busy
//   connection cannot starve the others (when there are others: with no other operation
//   waiting, no timer and nothing queued, it simply goes on).
//
// Which socket a descriptor number stands for: the kernel drops a registration by itself
// when the last reference to the open file goes, and it says nothing. The loop knows a
// descriptor is new when async_accept or async_connect made it; it forgets what it knew of
// one when berth closes it during run() (sys::close_call, set by the loop), when an
// operation on it saw end of stream or an error, when another socket object (another
// address) uses that number, and at each run(). See docs/async.md.

#include <berth/async/operation_state.hpp>
#include <berth/detail/sys_event.hpp>

#include <sys/epoll.h>

#include <cerrno>
#include <cstddef>

namespace berth::detail {

/// What the loop knows of one descriptor number (32 bytes: the table is indexed by a shift).
struct fd_entry {
  const void* owner;     // the socket object that last used it; nullptr: a new one, unclaimed;
                         // the reactor's own address: nothing known (forgotten, or a new run())
  op_state* reader;      // the operation waiting to read (or accept), if any
  op_state* writer;      // the operation waiting to write (or connect), if any
  unsigned char registered;   // in the epoll set
  unsigned char readable;     // may be readable (no EAGAIN, no short read since the last edge)
  unsigned char writable;     // may be writable
  unsigned char hangup;       // the peer closed (RDHUP, HUP, ERR): reads go on to the 0
  unsigned char nonblocking;  // O_NONBLOCK set by async_accept (listeners only)
  unsigned char streak;       // operations completed at once since it last waited
};
static_assert(sizeof(fd_entry) == 32);

class epoll_reactor {
 public:
  static constexpr unsigned char budget = 16;
  static constexpr int max_events = 256;

  epoll_reactor() noexcept = default;
  epoll_reactor(const epoll_reactor&) = delete;
  epoll_reactor& operator=(const epoll_reactor&) = delete;
  ~epoll_reactor() { close(); }

  /// epoll_create1: 0 or the errno. `shared` is the loop's, where operations that end
  /// outside a wait (their file closed) are queued.
  int open(loop_shared& shared) noexcept {
    const sys::result r = sys::epoll_create();
    if (r.err != 0) return r.err;
    epoll_ = static_cast<int>(r.value);
    shared_ = &shared;
    return 0;
  }
  void close() noexcept {
    if (epoll_ >= 0) sys::close_quietly(epoll_);
    epoll_ = -1;
  }
  bool is_open() const noexcept { return epoll_ >= 0; }

  /// A new run(): everything known of descriptors is checked again on first use. (One pass
  /// over the table, so that each operation's check of its entry is one comparison.)
  void new_epoch() noexcept {
    for (std::size_t i = 0; i < table_.size(); ++i) table_[i].owner = unknown();
  }

  /// Whether `fd` has an entry yet (false for a negative one too: the one comparison).
  [[gnu::always_inline]] bool has_entry(int fd) const noexcept { return static_cast<std::size_t>(fd) < table_.size(); }
  /// Grows the table to hold an entry for `fd` (not negative).
  [[gnu::noinline]] void grow(int fd) {
    table_.resize_at_least(static_cast<std::size_t>(fd) + 1, fd_entry{unknown(), nullptr, nullptr, 0, 1, 1, 0, 0, 0});
  }
  /// The entry of `fd`, which has one, used by the socket object at `owner`. (A template
  /// only so that `Loop`, defined after this, is complete where it is used.)
  template <class Loop = loop_core>
  [[gnu::always_inline]] fd_entry& claim(int fd, const void* owner) noexcept {
    fd_entry& e = table_[static_cast<std::size_t>(fd)];
    if (e.owner != owner) [[unlikely]]
      refresh<Loop>(e, owner);
    return e;
  }
  fd_entry& entry(int fd) noexcept { return table_[static_cast<std::size_t>(fd)]; }

  /// A descriptor just made by an async operation (accept4, socket + connect): nothing of
  /// an earlier file with that number holds. `registered`: it is in the epoll set already.
  void fresh(int fd, bool registered) {
    if (static_cast<std::size_t>(fd) >= table_.size()) grow(fd);
    table_[static_cast<std::size_t>(fd)] =
        fd_entry{nullptr, nullptr, nullptr, static_cast<unsigned char>(registered), 1, 1, 0, 0, 0};
  }
  /// Forgets what is known of `fd` (end of stream or an error: it may close next).
  void forget(int fd) noexcept {
    if (static_cast<std::size_t>(fd) < table_.size()) table_[static_cast<std::size_t>(fd)].owner = unknown();
  }
  /// `fd` is about to close: the operations waiting on it end with EBADF (what they would
  /// get, asking after the close; nothing else would wake them), and it is forgotten.
  void closing(int fd) noexcept {
    if (static_cast<std::size_t>(fd) >= table_.size()) return;
    fd_entry& e = table_[static_cast<std::size_t>(fd)];
    if (e.reader != nullptr || e.writer != nullptr) [[unlikely]]
      end_waiters(e);
    e.owner = unknown();
  }

  /// One attempt of `op` (through its step function), its outcome written into the
  /// readiness flags.
  step_result attempt(op_state* op) {
    const step_result r = op->step(op);
    return note(table_[static_cast<std::size_t>(op->fd)], op->dir, r);  // read again: accept may grow it
  }
  /// Writes the outcome `r` of an attempt in direction `d` into `e`'s readiness flags.
  /// (A read's usual outcome is done_drained, a write's done: each is the first tested.)
  [[gnu::always_inline]] static step_result note(fd_entry& e, direction d, step_result r) noexcept {
    if (d == direction::read) {
      if (r == step_result::done_drained) [[likely]]
        e.readable &= e.hangup;  // drained, unless the peer closed (reads go on to the 0)
      else if (r == step_result::would_block)
        e.readable = 0;
    } else if (r == step_result::would_block) [[unlikely]] {
      e.writable = 0;
    }
    return r;
  }

  /// Makes `op` the waiter of its direction, registering the descriptor on its first
  /// wait: 0, or the errno of epoll_ctl.
  int wait(op_state* op, loop_shared& shared) {
    fd_entry& e = table_[static_cast<std::size_t>(op->fd)];
    if (e.registered == 0) [[unlikely]] {
      if (const int err = add(op->fd)) return err;
      e.registered = 1;
    }
    op->set(op_state::waiting);
    become_waiter(e, op, op->dir, shared);
    return 0;
  }
  /// Makes `op` the waiter of direction `d` of its registered descriptor's entry `e` (its
  /// `waiting` flag is the caller's to set).
  [[gnu::always_inline]] static void become_waiter(fd_entry& e, op_state* op, direction d, loop_shared& shared) noexcept {
    (d == direction::read ? e.reader : e.writer) = op;
    e.streak = 0;
    ++shared.waiting;
  }

  /// Takes `op` out of its descriptor's waiters (destroyed, or its deadline passed).
  void cancel(op_state* op, loop_shared& shared) noexcept {
    if (!op->is_waiting()) return;
    op->clear(op_state::waiting);
    --shared.waiting;
    if (static_cast<std::size_t>(op->fd) >= table_.size()) return;
    fd_entry& e = table_[static_cast<std::size_t>(op->fd)];
    if (e.reader == op) e.reader = nullptr;
    if (e.writer == op) e.writer = nullptr;
  }

  /// One epoll_wait (`timeout_ms` -1: until something happens), then every waiter whose
  /// descriptor became ready is tried and, when it completes, queued. 0 or the errno.
  int poll(int timeout_ms, loop_shared& shared) {
    const sys::result r = sys::epoll_wait(epoll_, events_, max_events, timeout_ms);
    if (r.err != 0) return r.err == EINTR ? 0 : r.err;
    const epoll_event* const end = events_ + r.value;
    for (const epoll_event* ev = events_; ev != end; ++ev) dispatch(static_cast<int>(ev->data.u64), ev->events, shared);
    return 0;
  }

 private:
  /// The owner of an entry nothing is known of: an address no socket object can have.
  const void* unknown() const noexcept { return this; }

  // The entry was used by another socket object, or in an earlier run(), or forgotten: the
  // number may name another file now. With no operation waiting on it, it starts over as
  // unknown (registered again on its first wait: EEXIST is fine). With one, the file is
  // asked for (recheck), through the loop of the operation waiting. (Static: the usual call,
  // from every operation, passes no reactor.)
  template <class Loop>
  [[gnu::noinline]] static void refresh(fd_entry& e, const void* owner) noexcept {
    if (e.owner == nullptr) {
      e.owner = owner;
      return;
    }
    if (e.reader == nullptr && e.writer == nullptr) {
      e = fd_entry{owner, nullptr, nullptr, 0, 1, 1, 0, 0, 0};
      return;
    }
    op_state* const waiting = e.reader != nullptr ? e.reader : e.writer;
    static_cast<Loop*>(waiting->loop)->epoll.recheck(e, owner);
  }

 public:
  /// A descriptor number with an operation waiting on it, now used by another socket
  /// object: still in the epoll set (EEXIST), it is the same file under another socket
  /// object (a moved one); added now, the file those operations waited on was closed under
  /// them, and they end with EBADF (which they would have had, had they asked after the
  /// close) rather than take the new file's edges, or wait for ever.
  void recheck(fd_entry& e, const void* owner) noexcept {
    const int err = add_to_set(static_cast<int>(&e - table_.data()));
    if (err == EEXIST) {
      e.owner = owner;
      return;
    }
    end_waiters(e);
    e = fd_entry{owner, nullptr, nullptr, static_cast<unsigned char>(err == 0), 1, 1, 0, 0, 0};
  }

 private:
  // The operations waiting on `e`, whose file is gone (or going), end on the loop's next
  // turn with what they get asking after the close: each is tried once on descriptor -1,
  // where every system call says EBADF (and the operations that do not make one there,
  // accept's and the waits, say so themselves).
  [[gnu::noinline]] void end_waiters(fd_entry& e) noexcept {
    op_state* const waiters[] = {e.reader, e.writer};
    for (op_state* op : waiters) {
      if (op == nullptr) continue;
      cancel(op, *shared_);
      op->fd = -1;
      (void)op->step(op);
      shared_->finish(op);
    }
  }

  /// epoll_ctl(EPOLL_CTL_ADD), edge-triggered, in and out: 0 or the errno.
  int add_to_set(int fd) noexcept {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = static_cast<unsigned>(fd);
    return sys::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev).err;
  }
  /// Registers `fd` on its first wait: 0 (EEXIST too: it was there) or the errno.
  [[gnu::noinline]] int add(int fd) noexcept {
    const int err = add_to_set(fd);
    return err == EEXIST ? 0 : err;
  }

  // A descriptor's edge: its flags, then its reader and its writer tried. One that
  // completes is resumed here and now, as a hand-written loop handles each event in turn
  // (its task runs until it next waits; everything below is read again from the table
  // afterwards, which that task may have changed).
  // (No bounds test: a descriptor is only ever added to the set on its entry, by wait() or
  // recheck(), and the table never shrinks, so every number an event carries has one.)
  void dispatch(int fd, unsigned events, loop_shared& shared) {
    fd_entry* e = &table_[static_cast<std::size_t>(fd)];
    if (events == (EPOLLIN | EPOLLOUT)) [[likely]] {  // the usual edge: one test
      e->readable = 1;
      e->writable = 1;
    } else {
      if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) e->readable = 1;
      if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) e->hangup = 1;
      if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) e->writable = 1;
    }
    if (e->reader != nullptr && e->readable != 0) {
      op_state* op = e->reader;
      const step_result r = op->step(op);
      e = &table_[static_cast<std::size_t>(fd)];  // read again: an accept may grow the table
      if (note(*e, direction::read, r) != step_result::would_block) {
        e->reader = nullptr;
        // No writer waiting now: none is tried after the reader's task ran either. Any
        // that task makes waits on writable == 0 (an operation waits only once its
        // attempt saw EAGAIN, or its flag already said so), so its own edge wakes it.
        const bool writer_waits = e->writer != nullptr;
        wake(op, shared);
        if (!writer_waits) [[likely]]
          return;
        e = &table_[static_cast<std::size_t>(fd)];
      }
    }
    if (e->writer != nullptr && e->writable != 0) {
      op_state* op = e->writer;
      const step_result r = op->step(op);
      e = &table_[static_cast<std::size_t>(fd)];
      if (note(*e, direction::write, r) != step_result::would_block) {
        e->writer = nullptr;
        wake(op, shared);
      }
    }
  }

  static void wake(op_state* op, loop_shared& shared) {
    --shared.waiting;
    if (op->op_flags == op_state::waiting) [[likely]]  // no deadline: nothing more to test
      op->op_flags = 0;
    else
      woken_with_deadline(op, shared);
    op->waiter.resume();
  }
  [[gnu::noinline]] static void woken_with_deadline(op_state* op, loop_shared& shared) noexcept {
    op->clear(op_state::waiting);
    op->disarm(shared.timers);
  }

  int epoll_ = -1;
  pod_array<fd_entry> table_;
  epoll_event events_[max_events];
  loop_shared* shared_ = nullptr;
};

}  // namespace berth::detail

#endif  // BERTH_ASYNC_EPOLL_HPP
