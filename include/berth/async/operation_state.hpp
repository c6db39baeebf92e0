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

/// The loop running on this thread (set by event_loop::run), which async operations use.
inline thread_local loop_core* current_loop = nullptr;

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
// Constructed for every operation awaited, so only what is tested before it is set is
// initialized (the node's links, loop, deadline, flags, the timer's index); the rest is
// set where it is first used, and waiter and loop sit side by side (one 16-byte store).
struct op_state {
  struct op_node : ready_node {
    op_state* op;                    // set when the operation starts (bind_nodes)
  } node;                            // on the loop's ready queue to resume (or retry)
  std::coroutine_handle<> waiter;    // the coroutine to resume
  loop_core* loop = nullptr;         // set when the operation starts
  async_clock::time_point deadline = async_clock::time_point::max();  // with_timeout
  int fd = -1;
  direction dir = direction::read;
  bool waiting = false;    // epoll: the socket's reader or writer
  bool in_flight = false;  // io_uring: submitted, its completion not yet collected
  bool cancelled = false;  // io_uring: being cancelled; its completion is only collected
  bool timed_out = false;  // the deadline passed first

  /// What the operation does, one table per operation type.
  struct behaviour {
    // epoll: one attempt (MSG_DONTWAIT, or on a non-blocking listener).
    step_result (*step)(op_state*);
    // io_uring: a completion came with `res`; true when the operation finished (false: it
    // submitted its next part).
    bool (*complete)(op_state*, int res);
    // io_uring: fills the submission (opcode, fd, buffers) for the next part.
    void (*prepare)(op_state*, io_uring_sqe*);
  };
  const behaviour* does = nullptr;

  struct op_timer : timer_node {
    op_state* op;                  // set when it is pushed
  } timer;                         // epoll: the deadline in the heap
  struct op_flight : list_link {
    op_state* op;                  // set when it is pushed
  } flight;                        // io_uring: the loop's list of operations in flight
  __kernel_timespec timeout_at;    // io_uring: the linked timeout's absolute deadline (set before use)

  bool has_deadline() const noexcept { return deadline != async_clock::time_point::max(); }
  /// Points the ready node back at this object: done when the operation starts (an
  /// awaiter may be moved before that, into with_timeout, never after); the timer's and
  /// the flight's are set when they are used.
  void bind_nodes() noexcept { node.op = this; }
  /// Whether the operation is still anywhere in the loop (waiting, in flight, on the
  /// timer heap, queued): only then does its destruction have anything to undo.
  /// (The deadline's timer is in the heap only while the operation waits.)
  bool pending() const noexcept { return waiting | in_flight | node.linked(); }
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
    timers.remove(&op->timer);
    op->node.run = &resume_op;
    ready.push_back(&op->node);
  }
  static void resume_op(ready_node* n) noexcept { static_cast<op_state::op_node*>(n)->op->waiter.resume(); }
};

}  // namespace detail
}  // namespace berth

#endif  // BERTH_ASYNC_OPERATION_STATE_HPP
