#ifndef BERTH_ASYNC_IO_URING_HPP
#define BERTH_ASYNC_IO_URING_HPP

// The io_uring backend, over the kernel's own interface (<linux/io_uring.h>,
// io_uring_setup, io_uring_enter, io_uring_register, mmap): nothing to link.
//
// - Set up with SINGLE_ISSUER and DEFER_TASKRUN where the kernel has them (6.1), else
//   COOP_TASKRUN, else neither; the ring starts disabled and is enabled by the first
//   run(), so the thread that runs the loop is its one issuer. Its descriptor is
//   registered (IORING_REGISTER_RING_FDS) so each io_uring_enter skips the file lookup.
// - Each operation is one submission (recv, send, accept, connect, poll, recvmsg,
//   sendmsg) whose user_data is its awaiter; a loop turn is one io_uring_enter that
//   submits everything queued and waits for a completion.
// - with_timeout links an IORING_OP_LINK_TIMEOUT (absolute, CLOCK_MONOTONIC) to the
//   operation; an awaiter destroyed while its operation is in flight submits an
//   IORING_OP_ASYNC_CANCEL and collects the cancelled completion before it goes, so
//   buffers stay valid and no request outlives its task. Completions of other operations
//   collected meanwhile are queued, never run from there.
// - The loop's destruction cancels and collects every operation still in flight before
//   any task is destroyed or socket closed: an accept left armed would keep the port
//   bound after exit (ring teardown is asynchronous). A cancelled request's completion is
//   always collected before the next one on that socket is armed.
// - A turn's wait asks for one completion, unless 32 or more operations are in flight:
//   then, every 16th turn, it tries a batch (a sixteenth of them, up to 64) and lets the
//   kernel wait at most 50 µs for it, returning what came by then (min_wait_usec,
//   IORING_FEAT_MIN_TIMEOUT, Linux 6.12; without it, never). The next batch asks for half
//   of what came; fewer than 16 coming stops batching, tried again after 16 turns, then
//   32, ... up to 1,024 while it keeps failing. So a busy server makes one io_uring_enter
//   for many messages whatever its clients' timing, and a quiet one pays the wait once in
//   a thousand turns at most. No batch is asked for with work ready to run, or a timer
//   due within 100 µs.
// - The kernel is probed at run time (IORING_REGISTER_PROBE) for every opcode used, and
//   for IORING_FEAT_EXT_ARG (a timeout on the wait) and IORING_FEAT_NODROP; anything
//   missing, or io_uring_setup refused (ENOSYS, EPERM: disabled by sysctl or seccomp), is
//   reported as ENOSYS, std::errc::function_not_supported.

#include <berth/async/operation_state.hpp>
#include <berth/detail/sys_event.hpp>

#include <linux/io_uring.h>
#include <linux/time_types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace berth::detail {

/// io_uring_getevents_arg as Linux 6.12 has it: the field older headers call `pad` is
/// min_wait_usec (read only when the ring has IORING_FEAT_MIN_TIMEOUT).
struct uring_getevents_arg {
  std::uint64_t sigmask;
  std::uint32_t sigmask_sz;
  std::uint32_t min_wait_usec;
  std::uint64_t ts;
};
static_assert(sizeof(uring_getevents_arg) == sizeof(io_uring_getevents_arg));

/// How many completions a loop turn's wait asks for (see the top of this file): one, or a
/// batch once completions come in bunches. `plan` before the wait, `got` after a batch.
struct uring_batching {
  static constexpr std::size_t min_in_flight = 32;  // fewer operations: never a batch
  static constexpr unsigned max_batch = 64;
  static constexpr unsigned min_batch = 8;          // batching goes on while twice this came
  static constexpr unsigned wait_us = 50;           // how long the kernel may wait for the rest
  static constexpr unsigned first_probe = 16, last_probe = 1024;  // turns between tries

  static constexpr std::size_t never = static_cast<std::size_t>(-1);
  /// Fewer operations in flight than this: a turn waits for one completion (`never`
  /// without IORING_FEAT_MIN_TIMEOUT). The loop tests it before it plans a batch.
  std::size_t threshold = never;
  unsigned want = 0;     // the batch asked for; 0 while not batching
  unsigned probe_in = first_probe;
  unsigned probe_every = first_probe;
  unsigned long batches = 0;  // batch waits made
  unsigned long filled = 0;   // ... that got all they asked for

  /// Batches on (the kernel has IORING_FEAT_MIN_TIMEOUT) or off (a test may turn them off).
  void enable(bool on) noexcept { threshold = on ? min_in_flight : never; }
  [[nodiscard]] bool enabled() const noexcept { return threshold != never; }

  /// The completions the next wait asks for, `in_flight` operations owed (at least
  /// `threshold`: the loop tests that first): 1, or a batch.
  unsigned plan(std::size_t in_flight) noexcept {
    if (want == 0) {
      if (--probe_in != 0) return 1;
      probe_in = probe_every;
      const std::size_t w = in_flight / 16;
      want = w < max_batch ? static_cast<unsigned>(w) : max_batch;
    }
    return want < in_flight ? want : static_cast<unsigned>(in_flight);
  }
  /// After a wait for a batch of `asked`: `came` completions were there. The next batch
  /// asks for half of what came (at most max_batch), so a wait is for what arrives at
  /// once, never for the last of the clients: a batch bigger than the clients can offer
  /// waits out its whole bound, and a batch that waits for most of them holds the first
  /// ones' answers back (doubling after each full batch cut 20 clients' rate, each with
  /// one request at a time, to 0.35x). Fewer than 2 * min_batch came: batching stops.
  void got(unsigned asked, unsigned came) noexcept {
    ++batches;
    if (came >= asked) ++filled;
    if (came >= 2 * min_batch) {
      probe_every = first_probe;
      want = came / 2 < max_batch ? came / 2 : max_batch;
    } else {
      want = 0;
      probe_every = 2 * probe_every < last_probe ? 2 * probe_every : last_probe;
      probe_in = probe_every;
    }
  }
};

class uring {
 public:
  static constexpr unsigned sq_size = 4096;
  static constexpr unsigned cq_size = 16384;

  uring() noexcept = default;
  uring(const uring&) = delete;
  uring& operator=(const uring&) = delete;
  ~uring() { close(); }

  /// Sets the ring up and probes it: 0, ENOSYS when io_uring (or something berth needs
  /// of it) is not available, or another errno.
  int open() noexcept {
    static constexpr unsigned attempts[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED |
            IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE,
        IORING_SETUP_CQSIZE,
    };
    io_uring_params p{};
    sys::result r{-1, EINVAL};
    for (const unsigned flags : attempts) {
      p = io_uring_params{};
      p.flags = flags;
      p.cq_entries = cq_size;
      r = sys::io_uring_setup(sq_size, &p);
      if (r.err != EINVAL) break;
    }
    if (r.err != 0) return r.err == ENOSYS || r.err == EPERM || r.err == EACCES ? ENOSYS : r.err;
    fd_ = enter_fd_ = static_cast<int>(r.value);
    flags_ = p.flags;
    batching.enable((p.features & feat_min_timeout) != 0);
    if ((p.features & IORING_FEAT_EXT_ARG) == 0 || (p.features & IORING_FEAT_NODROP) == 0) return fail(ENOSYS);
    if (const int err = map(p)) return fail(err);
    if (const int err = probe()) return fail(err);
    return 0;
  }

  void close() noexcept {
    if (sqes_ != nullptr) sys::unmap(sqes_, sqes_size_);
    if (cq_map_ != nullptr && cq_map_ != sq_map_) sys::unmap(cq_map_, cq_map_size_);
    if (sq_map_ != nullptr) sys::unmap(sq_map_, sq_map_size_);
    sqes_ = nullptr;
    sq_map_ = cq_map_ = nullptr;
    if (fd_ >= 0) sys::close_quietly(fd_);
    fd_ = enter_fd_ = -1;
  }
  bool is_open() const noexcept { return fd_ >= 0; }
  /// Whether the ring runs with DEFER_TASKRUN (SINGLE_ISSUER).
  bool defers_task_work() const noexcept { return (flags_ & IORING_SETUP_DEFER_TASKRUN) != 0; }

  /// Called by run() on the thread that runs the loop: enables a ring set up disabled
  /// (this thread becomes its one issuer) and registers its descriptor, both once.
  void prepare_thread() noexcept {
    if (enabled_) return;
    enabled_ = true;
    if (flags_ & IORING_SETUP_R_DISABLED) (void)sys::io_uring_register(fd_, IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
    io_uring_rsrc_update update{};
    update.offset = ~0u;
    update.data = static_cast<__u64>(fd_);
    const sys::result r = sys::io_uring_register(fd_, IORING_REGISTER_RING_FDS, &update, 1);
    if (r.err == 0 && r.value == 1) {
      enter_fd_ = static_cast<int>(update.offset);
      enter_flags_ = IORING_ENTER_REGISTERED_RING;
    }
  }

  /// Submits `op` (and its linked timeout when it has a deadline) with the next enter.
  void submit(op_state* op, loop_shared& shared) { submit(op, shared, op->does->prepare); }
  /// As submit(op, shared), the submission filled by `prepare(op, sqe)`. Inlined into an
  /// awaiter's await_suspend, with its own operation's prepare: no call into the ring and
  /// no indirect call to fill the submission, for every operation started.
  template <class Prepare>
  [[gnu::always_inline]] void submit(op_state* op, loop_shared& shared, Prepare prepare) {
    io_uring_sqe* sqe = reserve(op->has_deadline() ? 2 : 1, shared);
    prepare(op, sqe);
    sqe->user_data = reinterpret_cast<std::uint64_t>(op);
    op->set(op_state::in_flight);
    ++shared.waiting;
    if (op->has_deadline()) {
      sqe->flags |= IOSQE_IO_LINK;
      io_uring_sqe* t = next_sqe();
      t->opcode = IORING_OP_LINK_TIMEOUT;
      t->fd = -1;
      t->addr = reinterpret_cast<std::uint64_t>(&op->timeout_at);
      t->len = 1;
      t->timeout_flags = IORING_TIMEOUT_ABS;
      t->user_data = 0;
      ++sentinels_;
    }
  }

  /// Cancels `op`, in flight, and collects its completion before returning; other
  /// completions collected meanwhile are queued.
  void cancel(op_state* op, loop_shared& shared) noexcept {
    if (!op->is_in_flight() || broken_) return;
    op->set(op_state::cancelled);
    request_cancel(op, shared);
    for (int tries = 0; op->is_in_flight() && tries < 1000000; ++tries) {
      const int err = enter(1, nullptr);
      reap(shared);
      if (err != 0 && err != EINTR && err != ETIME && err != EBUSY && err != EAGAIN) break;
    }
  }

  /// Cancels every operation in flight and collects every completion still owed, when the
  /// loop goes: one IORING_OP_ASYNC_CANCEL with IORING_ASYNC_CANCEL_ANY (Linux 5.19), then
  /// completions collected (and nothing completed: no task runs, no composed operation
  /// submits its next part) until none is owed. A kernel that refuses CANCEL_ANY answers
  /// EINVAL; then each operation is cancelled and collected on its own, as its awaiter is
  /// destroyed with its task (ring.cancel), which is all this adds to.
  void cancel_all(loop_shared& shared) noexcept {
    if (broken_ || (shared.waiting == 0 && sentinels_ == 0)) return;
    io_uring_sqe* sqe = reserve(1, shared);
    sqe->opcode = IORING_OP_ASYNC_CANCEL;
    sqe->fd = -1;
    sqe->cancel_flags = cancel_all_seam.flags;
    sqe->user_data = cancel_any_tag;
    ++sentinels_;
    cancel_any_answered_ = false;
    for (int tries = 0; tries < 1000000; ++tries) {
      if (cancel_any_answered_ && (cancel_any_result_ < 0 && cancel_any_result_ != -ENOENT)) break;  // refused
      if (shared.waiting == 0 && sentinels_ == 0) break;
      const int err = enter(1, nullptr);
      reap(shared, false, true);
      if (err != 0 && err != EINTR && err != ETIME && err != EBUSY && err != EAGAIN) {
        // The kernel stopped answering (the loop is destroyed on a thread that is not the
        // ring's issuer). Closing the ring cancels those requests; nothing here may wait
        // for them any more.
        broken_ = true;
        break;
      }
    }
    if (cancel_all_seam.answer != nullptr) *cancel_all_seam.answer = cancel_any_answered_ ? cancel_any_result_ : 1;
  }

  /// What cancel_all asks, and where its answer goes, for a test of the teardown on a
  /// kernel without CANCEL_ANY: a flag no kernel knows in `flags` is refused (EINVAL) just
  /// as 5.19's flag is by an older kernel; `answer`, when set, receives the request's
  /// result (-errno, 0 or more, or 1 when none came). Read only by the teardown.
  struct {
    std::uint32_t flags = IORING_ASYNC_CANCEL_ANY;
    int* answer = nullptr;
  } cancel_all_seam;

  /// Whether submissions wait for the next enter.
  bool has_unsubmitted() const noexcept { return local_tail_ != submitted_tail_; }
  /// Whether completions are owed by the kernel.
  bool has_in_flight(const loop_shared& shared) const noexcept { return shared.waiting != 0 || sentinels_ > 0; }

  /// One io_uring_enter: submits what is queued, and waits for `min_complete`
  /// completions, or until `timeout` (relative) passed; with `min_wait_us`, returns once
  /// that long passed with at least one completion (a batch wait). 0, or the errno.
  int enter(unsigned min_complete, const __kernel_timespec* timeout, unsigned min_wait_us = 0) noexcept {
    __atomic_store_n(sq_tail_, local_tail_, __ATOMIC_RELEASE);
    const unsigned unsubmitted = local_tail_ - submitted_tail_;
    const unsigned flags = IORING_ENTER_GETEVENTS | enter_flags_;
    sys::result r;
    if (timeout == nullptr && min_wait_us == 0) [[likely]] {
      r = sys::io_uring_enter(enter_fd_, unsubmitted, min_complete, flags, nullptr, 0);
    } else {
      uring_getevents_arg arg{};
      arg.ts = reinterpret_cast<std::uint64_t>(timeout);
      arg.min_wait_usec = min_wait_us;
      r = sys::io_uring_enter(enter_fd_, unsubmitted, min_complete, flags | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
    }
    if (r.err != 0) return r.err;
    submitted_tail_ += static_cast<unsigned>(r.value) < unsubmitted ? static_cast<unsigned>(r.value) : unsubmitted;
    return 0;
  }

  /// As enter(1, timeout), or a wait for a batch when batching.plan(in_flight) asks for
  /// one (and then batching.got what came). Out of line: taken only with
  /// batching.threshold or more operations in flight.
  [[gnu::noinline]] int enter_for_batch(std::size_t in_flight, const __kernel_timespec* timeout) noexcept {
    const unsigned batch = batching.plan(in_flight);
    if (batch <= 1) return enter(1, timeout);
    const int err = enter(batch, timeout, uring_batching::wait_us);
    batching.got(batch, posted());
    return err;
  }

  /// How many completions are posted and not yet collected.
  [[nodiscard]] unsigned posted() const noexcept { return __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE) - cq_local_head_; }

  /// How many completions each turn's wait asks for.
  uring_batching batching;

  /// Collects every completion posted: each operation's result goes to it, and one that
  /// finished is resumed at once (`resume`, from the loop's turn, as the epoll backend
  /// resumes a task from its event) or queued (from a cancellation, inside a destructor,
  /// where no task may run). The head is read again for each completion: a task resumed
  /// here may itself collect completions (cancelling another operation).
  [[gnu::always_inline]] void reap(loop_shared& shared, bool resume = false, bool collect_only = false) noexcept {
    for (;;) {
      const unsigned head = cq_local_head_;
      if (head == cq_seen_tail_) {  // the kernel's tail is read once all seen were taken
        cq_seen_tail_ = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
        if (head == cq_seen_tail_) break;
      }
      const io_uring_cqe& cqe = cqes_[head & cq_mask_];
      const std::uint64_t data = cqe.user_data;
      const int res = cqe.res;
      cq_local_head_ = head + 1;
      __atomic_store_n(cq_head_, head + 1, __ATOMIC_RELEASE);
      if (data <= cancel_any_tag) [[unlikely]] {
        if (data == cancel_any_tag) {
          cancel_any_answered_ = true;
          cancel_any_result_ = res;
        }
        --sentinels_;
        continue;
      }
      op_state* op = reinterpret_cast<op_state*>(data);
      op->clear(op_state::in_flight);
      --shared.waiting;
      if (op->is_cancelled() || collect_only) [[unlikely]]
        continue;
      if (!op->does->complete(op, res)) continue;  // it submitted its next part
      if (resume) {
        op->disarm(shared.timers);
        op->waiter.resume();
      } else {
        shared.finish(op);
      }
    }
  }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] static void fatal(const char* what, int err) noexcept {
    // Only a ring used from a thread other than its issuer gets here: nothing queued could
    // ever be submitted, and overwriting it would corrupt requests.
    std::fprintf(stderr, "berth::event_loop: %s: %s\n", what, std::strerror(err));
    std::abort();
  }

  int fail(int err) noexcept {
    close();
    return err;
  }

  int map(const io_uring_params& p) noexcept {
    sq_map_size_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    cq_map_size_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    const bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && cq_map_size_ > sq_map_size_) sq_map_size_ = cq_map_size_;
    if (const sys::result r = sys::map_shared(fd_, sq_map_size_, IORING_OFF_SQ_RING, &sq_map_); r.err != 0) {
      sq_map_ = nullptr;
      return r.err;
    }
    if (single) {
      cq_map_ = sq_map_;
    } else if (const sys::result r = sys::map_shared(fd_, cq_map_size_, IORING_OFF_CQ_RING, &cq_map_); r.err != 0) {
      cq_map_ = nullptr;
      return r.err;
    }
    sqes_size_ = p.sq_entries * sizeof(io_uring_sqe);
    void* sqes = nullptr;
    if (const sys::result r = sys::map_shared(fd_, sqes_size_, IORING_OFF_SQES, &sqes); r.err != 0) return r.err;
    sqes_ = static_cast<io_uring_sqe*>(sqes);

    char* const sq = static_cast<char*>(sq_map_);
    sq_head_ = reinterpret_cast<unsigned*>(sq + p.sq_off.head);
    sq_tail_ = reinterpret_cast<unsigned*>(sq + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(sq + p.sq_off.ring_mask);
    sq_entries_ = *reinterpret_cast<unsigned*>(sq + p.sq_off.ring_entries);
    unsigned* const array = reinterpret_cast<unsigned*>(sq + p.sq_off.array);
    for (unsigned i = 0; i < sq_entries_; ++i) array[i] = i;  // slot i is always sqe i
    local_tail_ = *sq_tail_;
    submitted_tail_ = local_tail_;
    sq_room_end_ = *sq_head_ + sq_entries_;

    char* const cq = static_cast<char*>(cq_map_);
    cq_head_ = reinterpret_cast<unsigned*>(cq + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(cq + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(cq + p.cq_off.ring_mask);
    cq_local_head_ = *cq_head_;
    cq_seen_tail_ = cq_local_head_;
    cqes_ = reinterpret_cast<io_uring_cqe*>(cq + p.cq_off.cqes);
    return 0;
  }

  int probe() noexcept {
    constexpr unsigned ops = 256;
    alignas(io_uring_probe) unsigned char buffer[sizeof(io_uring_probe) + ops * sizeof(io_uring_probe_op)] = {};
    auto* const probe = reinterpret_cast<io_uring_probe*>(buffer);
    if (sys::io_uring_register(fd_, IORING_REGISTER_PROBE, probe, ops).err != 0) return ENOSYS;
    static constexpr unsigned char needed[] = {
        IORING_OP_RECV,        IORING_OP_SEND,       IORING_OP_RECVMSG, IORING_OP_SENDMSG,
        IORING_OP_ACCEPT,      IORING_OP_CONNECT,    IORING_OP_POLL_ADD, IORING_OP_ASYNC_CANCEL,
        IORING_OP_LINK_TIMEOUT};
    for (const unsigned char op : needed) {
      if (op > probe->last_op || op >= probe->ops_len) return ENOSYS;
      if ((probe->ops[op].flags & IO_URING_OP_SUPPORTED) == 0) return ENOSYS;
    }
    return 0;
  }

  // Room for `count` consecutive submissions, submitting what waits first when the queue
  // is full; returns the first, zeroed. The kernel's head is read only when the room last
  // seen runs out.
  [[gnu::always_inline]] io_uring_sqe* reserve(unsigned count, loop_shared& shared) noexcept {
    if (sq_room_end_ - local_tail_ < count) [[unlikely]]
      make_room(count, shared);
    return next_sqe();
  }
  // Out of line: the room seen runs out once per sq_entries_ submissions, and the queue is
  // full only when thousands of operations start in one turn.
  // A ring never opened has no room at all: that of no_loop_core, whose submissions are
  // operations awaited outside event_loop::run.
  [[gnu::noinline]] void make_room(unsigned count, loop_shared& shared) noexcept {
    if (!is_open()) no_loop();
    for (;;) {
      sq_room_end_ = __atomic_load_n(sq_head_, __ATOMIC_ACQUIRE) + sq_entries_;
      if (sq_room_end_ - local_tail_ >= count) return;
      const int err = enter(0, nullptr);
      if (err == EBUSY || err == EAGAIN)
        reap(shared);
      else if (err != 0 && err != EINTR)
        fatal("io_uring_enter cannot submit", err);
    }
  }
  [[gnu::always_inline]] io_uring_sqe* next_sqe() noexcept {
    io_uring_sqe* sqe = &sqes_[local_tail_ & sq_mask_];
    ++local_tail_;
    std::memset(static_cast<void*>(sqe), 0, sizeof *sqe);
    return sqe;
  }

  void request_cancel(op_state* op, loop_shared& shared) noexcept {
    io_uring_sqe* sqe = reserve(1, shared);
    sqe->opcode = IORING_OP_ASYNC_CANCEL;
    sqe->fd = -1;
    sqe->addr = reinterpret_cast<std::uint64_t>(op);
    sqe->user_data = 0;
    ++sentinels_;
  }

  static constexpr unsigned feat_min_timeout = 1U << 15;  // IORING_FEAT_MIN_TIMEOUT, 6.12

  int fd_ = -1;
  int enter_fd_ = -1;
  unsigned flags_ = 0;
  unsigned enter_flags_ = 0;
  bool enabled_ = false;
  bool broken_ = false;  // completions can no longer be collected (see cancel_all)
  // cancel_all's CANCEL_ANY (user_data 0: a linked timeout's or a cancellation's) and its answer.
  static constexpr std::uint64_t cancel_any_tag = 1;
  bool cancel_any_answered_ = false;
  int cancel_any_result_ = 0;

  void* sq_map_ = nullptr;
  void* cq_map_ = nullptr;
  std::size_t sq_map_size_ = 0;
  std::size_t cq_map_size_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  std::size_t sqes_size_ = 0;

  unsigned* sq_head_ = nullptr;
  unsigned* sq_tail_ = nullptr;
  unsigned sq_mask_ = 0;
  unsigned sq_entries_ = 0;
  unsigned local_tail_ = 0;      // the tail of what was queued (published at each enter)
  unsigned submitted_tail_ = 0;  // the tail of what the kernel took
  unsigned sq_room_end_ = 0;     // the kernel's head as last read, plus sq_entries_

  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned cq_mask_ = 0;
  unsigned cq_local_head_ = 0;  // our head (the kernel only reads it), published as it moves
  unsigned cq_seen_tail_ = 0;   // the kernel's tail as last read
  io_uring_cqe* cqes_ = nullptr;

  std::size_t sentinels_ = 0;   // completions owed for linked timeouts and cancellations
};

}  // namespace berth::detail

#endif  // BERTH_ASYNC_IO_URING_HPP
