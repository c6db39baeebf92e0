#ifndef BERTH_ASYNC_OPERATION_STATE_HPP
#define BERTH_ASYNC_OPERATION_STATE_HPP

// What both backends of berth::event_loop share: the state every pending operation
// carries (in its awaiter, so no operation allocates), the queue of work for the next
// turn, and the timers (a binary heap feeding the backend's wait). Nothing here allocates
// once its arrays have grown to what the program needs.

#include <berth/async/task.hpp>
#include <berth/detail/chrono.hpp>

#include <linux/io_uring.h>
#include <linux/time_types.h>

#include <coroutine>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

namespace berth {

/// The kernel interface an event_loop waits with.
enum class backend {
  epoll,     ///< readiness: epoll, edge-triggered, each socket registered once
  io_uring,  ///< completion: io_uring, one submit-and-wait per turn
};

class event_loop;

namespace detail {

using async_clock = std::chrono::steady_clock;

/// A growable array of a trivially copyable T: grows by doubling through operator new
/// (so test allocation counters see it), never shrinks.
template <class T>
class pod_array {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  pod_array() noexcept = default;
  pod_array(const pod_array&) = delete;
  pod_array& operator=(const pod_array&) = delete;
  ~pod_array() { ::operator delete(data_); }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T* data() noexcept { return data_; }
  T& back() noexcept { return data_[size_ - 1]; }

  void push_back(const T& value) {
    if (size_ == capacity_) grow(size_ + 1);
    data_[size_++] = value;
  }
  void pop_back() noexcept { --size_; }
  /// Grows to at least `n` elements, the new ones copies of `fill`.
  void resize_at_least(std::size_t n, const T& fill) {
    if (n <= size_) return;
    if (n > capacity_) grow(n);
    for (std::size_t i = size_; i < n; ++i) data_[i] = fill;
    size_ = n;
  }

 private:
  [[gnu::noinline]] void grow(std::size_t at_least) {
    std::size_t capacity = capacity_ == 0 ? 16 : capacity_ * 2;
    while (capacity < at_least) capacity *= 2;
    T* data = static_cast<T*>(::operator new(capacity * sizeof(T)));
    if (size_ != 0) std::memcpy(static_cast<void*>(data), data_, size_ * sizeof(T));
    ::operator delete(data_);
    data_ = data;
    capacity_ = capacity;
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// ---- timers -----------------------------------------------------------------------------

/// A deadline in the loop's heap; `fire` runs when it passed (from the loop, once).
struct timer_node {
  static constexpr std::size_t not_queued = ~std::size_t{0};
  // deadline and fire are set by whoever pushes the node, not at construction: every
  // operation carries a timer node, and most never use it.
  async_clock::time_point deadline;
  std::size_t index = not_queued;
  void (*fire)(timer_node*);

  bool queued() const noexcept { return index != not_queued; }
};

/// A binary min-heap of timer nodes by deadline; each node knows its index, so one can
/// leave from anywhere in O(log n) (an operation that completed before its deadline).
class timer_heap {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  timer_node* top() noexcept { return heap_[0]; }

  void push(timer_node* t) {
    heap_.push_back(t);
    t->index = heap_.size() - 1;
    up(t->index);
  }
  [[gnu::always_inline]] void remove(timer_node* t) noexcept {
    if (t->queued()) [[unlikely]]
      remove_queued(t);
  }

 private:
  [[gnu::noinline]] void remove_queued(timer_node* t) noexcept {
    const std::size_t i = t->index;
    const std::size_t last = heap_.size() - 1;
    t->index = timer_node::not_queued;
    if (i != last) {
      heap_[i] = heap_[last];
      heap_[i]->index = i;
      heap_.pop_back();
      down(i);
      up(i);
    } else {
      heap_.pop_back();
    }
  }

  void swap_at(std::size_t a, std::size_t b) noexcept {
    timer_node* t = heap_[a];
    heap_[a] = heap_[b];
    heap_[b] = t;
    heap_[a]->index = a;
    heap_[b]->index = b;
  }
  void up(std::size_t i) noexcept {
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!(heap_[i]->deadline < heap_[parent]->deadline)) break;
      swap_at(i, parent);
      i = parent;
    }
  }
  void down(std::size_t i) noexcept {
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t least = i;
      const std::size_t l = 2 * i + 1, r = l + 1;
      if (l < n && heap_[l]->deadline < heap_[least]->deadline) least = l;
      if (r < n && heap_[r]->deadline < heap_[least]->deadline) least = r;
      if (least == i) break;
      swap_at(i, least);
      i = least;
    }
  }

  pod_array<timer_node*> heap_;
};

// ---- operations -------------------------------------------------------------------------

class loop_core;

/// An async operation awaited outside event_loop::run: the program ends with a message.
[[noreturn, gnu::cold, gnu::noinline]] inline void no_loop() noexcept {
  std::fputs("berth: an async operation was awaited outside event_loop::run\n", stderr);
  std::abort();
}

/// Which way an operation moves data, for the epoll backend's readiness flags.
enum class direction : unsigned char { read, write };

/// What an epoll attempt came to.
enum class step_result : unsigned char {
  done,         ///< finished (result stored)
  done_drained, ///< finished, and the socket is now known to have nothing more to read
  would_block,  ///< EAGAIN: wait for the socket's next edge
};

/// What every pending socket operation holds: who waits, how it finishes, and each
/// backend's bookkeeping. It lives in the awaiter, in the frame of the coroutine that
/// awaits it, so no operation allocates.
//
// Constructed for every operation awaited, most of which complete at once: only the
// descriptor, the direction and the flags are set then (two stores).
// Everything else is set where it is first used, and read only while a flag says it is
// in use: `loop` once the operation waits or is submitted (an attempt made at once finds
// the loop on its thread), the nodes while queued, the timer while armed.
struct op_state {
  /// Where the operation is (the low four bits: whether it is anywhere in the loop, so
  /// that its destruction has something to undo) and what happened to it.
  enum flag : unsigned char {
    waiting = 1,        // epoll: the socket's reader or writer
    in_flight = 2,      // io_uring: submitted, its completion not yet collected
    queued = 4,         // on the loop's ready queue (its node linked)
    timer_armed = 8,    // epoll: its deadline's timer was pushed on the heap (it may have fired since)
    cancelled = 16,     // io_uring: being cancelled; its completion is only collected
    timed_out = 32,     // the deadline passed first
    deadline_set = 64,  // with_timeout set a deadline
    anywhere = waiting | in_flight | queued | timer_armed,
  };

  struct op_node : ready_node {
    op_node() noexcept : ready_node(unset_links_t{}) {}
    op_state* op;                    // set when it is queued
  } node;                            // on the loop's ready queue to resume (or retry)
  /// The coroutine to resume, set when it suspends: a plain address, as
  /// std::coroutine_handle's own default constructor would store a null in every operation.
  struct resumer {
    void* frame;
    resumer& operator=(std::coroutine_handle<> h) noexcept {
      frame = h.address();
      return *this;
    }
    void resume() const { detail::resume(std::coroutine_handle<>::from_address(frame)); }
  } waiter;
  loop_core* loop;                   // set when the operation waits or is submitted
  union {
    async_clock::time_point deadline;  // with_timeout: made by set_deadline, with deadline_set
  };
  int fd;
  direction dir;
  unsigned char op_flags = 0;  // flag bits

  /// What an io_uring operation does, one table per operation type.
  struct behaviour {
    // A completion came with `res`; true when the operation finished (false: it submitted
    // its next part).
    bool (*complete)(op_state*, int res);
    // Fills the submission (opcode, fd, buffers) for the next part.
    void (*prepare)(op_state*, io_uring_sqe*);
  };
  // Set when it first waits or is submitted, one member per backend: epoll calls its one
  // function directly (no table to load on each edge).
  union {
    step_result (*step)(op_state*);  // epoll: one attempt (MSG_DONTWAIT, or on a non-blocking listener)
    const behaviour* does;           // io_uring
  };

  struct op_timer : timer_node {
    op_state* op;
  };
  union {
    op_timer timer;                // epoll: the deadline in the heap, made by arm_timer
  };
  __kernel_timespec timeout_at;    // io_uring: the linked timeout's absolute deadline (set before use)

  // Set where first used (see above); the unions' members are trivially destructible.
  op_state() noexcept {}

  bool is(flag f) const noexcept { return (op_flags & f) != 0; }
  void set(flag f) noexcept { op_flags = static_cast<unsigned char>(op_flags | f); }
  void clear(flag f) noexcept { op_flags = static_cast<unsigned char>(op_flags & ~f); }
  bool is_waiting() const noexcept { return is(waiting); }
  bool is_in_flight() const noexcept { return is(in_flight); }
  bool is_cancelled() const noexcept { return is(cancelled); }
  bool is_timed_out() const noexcept { return is(timed_out); }
  bool has_deadline() const noexcept { return is(deadline_set); }
  /// Whether the operation is still anywhere in the loop (waiting, in flight, on the
  /// timer heap, queued): only then does its destruction have anything to undo.
  bool pending() const noexcept { return (op_flags & anywhere) != 0; }

  /// Puts the operation on `ready` to run `run` on the next turn.
  void enqueue(intrusive_list& ready, void (*run)(ready_node*)) noexcept {
    node.op = this;
    node.run = run;
    set(queued);
    ready.push_back(&node);
  }
  /// Its node, taken off the ready queue (to run, or by the loop's teardown).
  static op_state* dequeued(ready_node* n) noexcept {
    op_state* op = static_cast<op_node*>(n)->op;
    op->clear(queued);
    return op;
  }
  /// Takes its deadline's timer off `timers` when it was pushed and is still there.
  void disarm(timer_heap& timers) noexcept {
    if (is(timer_armed)) [[unlikely]] {
      clear(timer_armed);
      timers.remove(&timer);
    }
  }
};

/// What the backends hand finished operations to: the queue of work for the next turn, the
/// timers, and how many operations wait in the kernel (none, no timer and nothing queued:
/// nothing can ever wake the loop).
struct loop_shared {
  intrusive_list ready;
  timer_heap timers;
  std::size_t waiting = 0;

  /// Queues `op`'s coroutine to be resumed on the next turn; its deadline leaves the heap.
  void finish(op_state* op) noexcept {
    op->disarm(timers);
    op->enqueue(ready, &resume_op);
  }
  static void resume_op(ready_node* n) noexcept { op_state::dequeued(n)->waiter.resume(); }
};

}  // namespace detail
}  // namespace berth

#endif  // BERTH_ASYNC_OPERATION_STATE_HPP
