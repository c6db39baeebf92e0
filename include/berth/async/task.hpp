#ifndef BERTH_ASYNC_TASK_HPP
#define BERTH_ASYNC_TASK_HPP

// berth::task<T>: a lazily started coroutine, move-only. `co_await` on it runs it to its
// end (symmetric transfer, or a trampoline where the compiler does not make that a tail
// call: a chain of co_awaits as deep as you like does not grow the stack) and yields its
// value or rethrows its exception. Its frame is its only
// allocation, and frames come from a per-thread pool of recycled blocks, so a server in
// its steady state allocates nothing.

#include <berth/detail/report.hpp>

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define BERTH_ASYNC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BERTH_ASYNC_ASAN 1
#endif
#endif
#if defined(BERTH_ASYNC_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace berth {

template <class T = void>
class task;

namespace detail {

// ---- intrusive lists --------------------------------------------------------------------

/// Tag for a node whose links are left unset until it is first linked: an operation's,
/// which says in its own flags whether it is linked (one store less per operation).
struct unset_links_t {
  explicit unset_links_t() = default;
};

/// A node of an intrusive doubly linked list: what the loop keeps its queues in, so that
/// queueing, waiting and cancelling never allocate. Unlinked, both pointers are null
/// (unless made with unset_links_t and never linked).
struct list_link {
  list_link* prev;
  list_link* next;

  list_link() noexcept : prev(nullptr), next(nullptr) {}
  explicit list_link(unset_links_t) noexcept {}

  bool linked() const noexcept { return next != nullptr; }
  void unlink() noexcept {
    if (next == nullptr) return;
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
};

/// A circular list with a sentinel: push_back, pop_front, empty, all O(1).
class intrusive_list {
 public:
  intrusive_list() noexcept { head_.prev = head_.next = &head_; }
  intrusive_list(const intrusive_list&) = delete;
  intrusive_list& operator=(const intrusive_list&) = delete;
  ~intrusive_list() {
    while (!empty()) pop_front();
  }

  bool empty() const noexcept { return head_.next == &head_; }
  void push_back(list_link* n) noexcept {
    n->prev = head_.prev;
    n->next = &head_;
    head_.prev->next = n;
    head_.prev = n;
  }
  list_link* front() noexcept { return head_.next; }
  /// The sentinel: what the last node's next is.
  list_link* end() noexcept { return &head_; }
  list_link* pop_front() noexcept {
    list_link* n = head_.next;
    n->unlink();
    return n;
  }
  /// Moves every node of `other` to the end of this list.
  void splice_back(intrusive_list& other) noexcept {
    if (other.empty()) return;
    list_link* first = other.head_.next;
    list_link* last = other.head_.prev;
    other.head_.prev = other.head_.next = &other.head_;
    first->prev = head_.prev;
    head_.prev->next = first;
    last->next = &head_;
    head_.prev = last;
  }

 private:
  list_link head_;
};

/// Work the loop does on its next turn: resume a coroutine, retry an operation. Lives in
/// the awaiter or frame it belongs to.
struct ready_node : list_link {
  ready_node() noexcept = default;
  explicit ready_node(unset_links_t u) noexcept : list_link(u) {}
  void (*run)(ready_node*);  // set before each push (not at construction: one store less per operation)
};

/// A node of the loop's list of spawned tasks: the task's coroutine.
struct spawned_node : list_link {
  std::coroutine_handle<> handle;
};

// ---- handing over from one coroutine to the next -------------------------------------------

/// Whether this build makes symmetric transfer (an await_suspend returning the coroutine
/// to run next) a tail call, which is what keeps a deep chain of co_awaits from growing
/// the stack: clang always does; GCC only when optimizing (its sibling-call pass: -O2 and
/// up) and not under AddressSanitizer. Elsewhere the handing over goes through a
/// trampoline, a loop in the frame of whoever resumed the first coroutine.
#if defined(__clang__) || (defined(__OPTIMIZE__) && !defined(BERTH_ASYNC_ASAN))
inline constexpr bool transfer_is_tail_call = true;
#else
inline constexpr bool transfer_is_tail_call = false;
#endif

/// Without tail calls: where the coroutine handed over is left for the trampoline running
/// on this thread (nullptr: none runs).
inline thread_local std::coroutine_handle<>* handed_over = nullptr;

/// Resumes `h`, then each coroutine handed over in turn, all from this frame (a trampoline
/// of its own: a coroutine resumed from inside another's run hands over to it, not to the
/// trampoline below).
inline void resume_on_trampoline(std::coroutine_handle<> h) noexcept {
  std::coroutine_handle<>* const outer = handed_over;
  std::coroutine_handle<> next = h;
  handed_over = &next;
  do {
    const std::coroutine_handle<> now = next;
    next = nullptr;
    now.resume();
  } while (next);
  handed_over = outer;
}

/// Resumes `h` from outside any coroutine's await_suspend: the loop, or a coroutine
/// started from inside another.
[[gnu::always_inline]] inline void resume(std::coroutine_handle<> h) noexcept {
  if constexpr (transfer_is_tail_call)
    h.resume();
  else
    resume_on_trampoline(h);
}

/// What an await_suspend that goes on with `h` returns: `h` itself (symmetric transfer)
/// where that is a tail call; elsewhere `h` is left to the trampoline and the awaiting
/// coroutine just suspends.
[[gnu::always_inline]] inline std::coroutine_handle<> hand_over(std::coroutine_handle<> h) noexcept {
  if constexpr (transfer_is_tail_call) {
    return h;
  } else {
    if (handed_over != nullptr)
      *handed_over = h;
    else
      resume_on_trampoline(h);
    return std::noop_coroutine();
  }
}

/// A ready_node that resumes a coroutine.
struct resume_node : ready_node {
  std::coroutine_handle<> handle;

  resume_node() noexcept { run = &resume_it; }
  static void resume_it(ready_node* n) noexcept { detail::resume(static_cast<resume_node*>(n)->handle); }
};

// ---- frame pool -------------------------------------------------------------------------

/// Recycled blocks for coroutine frames, one pool per thread. A frame of n bytes takes a
/// block of the next power of two from 64 bytes to 1 MiB (larger ones go to operator new
/// and back); a freed block waits in its size's free list for the next frame of that size,
/// up to 64 MiB held in all. The thread's exit frees what is held. Under AddressSanitizer
/// the blocks held are poisoned, so a use after a frame's end is still reported.
class frame_pool {
 public:
  static constexpr unsigned min_shift = 6;
  static constexpr unsigned max_shift = 20;
  static constexpr unsigned classes = max_shift - min_shift + 1;
  static constexpr std::size_t hold_limit = std::size_t{64} << 20;

  frame_pool() noexcept = default;
  frame_pool(const frame_pool&) = delete;
  frame_pool& operator=(const frame_pool&) = delete;
  ~frame_pool() {
    for (free_block*& list : free_) {
      while (list != nullptr) {
        free_block* b = list;
        unpoison(b, sizeof(free_block));
        list = b->next;
        ::operator delete(static_cast<void*>(b));
      }
    }
  }

  static unsigned class_of(std::size_t size) noexcept {
    if (size <= (std::size_t{1} << min_shift)) return 0;
    const unsigned width = static_cast<unsigned>(sizeof(unsigned long) * 8) -
                           static_cast<unsigned>(__builtin_clzl(static_cast<unsigned long>(size - 1)));
    return width - min_shift;
  }

  void* allocate(std::size_t size) {
    const unsigned c = class_of(size);
    if (c >= classes) return ::operator new(size);
    if (free_block* b = free_[c]) {
      unpoison(b, std::size_t{1} << (c + min_shift));
      free_[c] = b->next;
      held_ -= std::size_t{1} << (c + min_shift);
      return b;
    }
    return ::operator new(std::size_t{1} << (c + min_shift));
  }

  void deallocate(void* p, std::size_t size) noexcept {
    const unsigned c = class_of(size);
    if (c >= classes) {
      ::operator delete(p);
      return;
    }
    const std::size_t block = std::size_t{1} << (c + min_shift);
    if (held_ + block > hold_limit) {
      ::operator delete(p);
      return;
    }
    auto* b = ::new (p) free_block{free_[c]};
    free_[c] = b;
    held_ += block;
    poison(reinterpret_cast<char*>(b) + sizeof(free_block), block - sizeof(free_block));
    poison(b, sizeof(free_block));
  }

 private:
  struct free_block {
    free_block* next;
  };

  static void poison([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) noexcept {
#if defined(BERTH_ASYNC_ASAN)
    ASAN_POISON_MEMORY_REGION(p, n);
#endif
  }
  static void unpoison([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) noexcept {
#if defined(BERTH_ASYNC_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
  }

  free_block* free_[classes] = {};
  std::size_t held_ = 0;
};

/// This thread's frame pool.
inline frame_pool& frames() noexcept {
  thread_local frame_pool pool;
  return pool;
}

// ---- promises ---------------------------------------------------------------------------

/// What every task's promise has: where to go when it ends, whether the loop owns it
/// (spawned), its place in the loop's list of spawned tasks, and its exception.
class promise_base {
 public:
  static void* operator new(std::size_t size) { return frames().allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { frames().deallocate(p, size); }

  std::suspend_always initial_suspend() const noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
      promise_base& p = h.promise();
      if (p.detached_) {  // spawned: the loop owned it, and it ends here
        h.destroy();
        return std::noop_coroutine();
      }
      if (p.continuation_) return hand_over(p.continuation_);
      return std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };
  final_awaiter final_suspend() const noexcept { return {}; }

  /// An exception escaping a spawned task ends the program (std::terminate): nobody is
  /// there to catch it. Anywhere else it is kept and rethrown where the task is awaited.
  void unhandled_exception() noexcept {
    if (detached_) std::terminate();
#if defined(__cpp_exceptions)
    error_ = std::current_exception();
#endif
  }

  void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }
  /// Made a spawned task (coroutine `self`) of the loop whose list `spawned` holds it.
  void detach(std::coroutine_handle<> self, intrusive_list& spawned) noexcept {
    detached_ = true;
    spawned_.handle = self;
    spawned.push_back(&spawned_);
  }
  /// The node that starts (resumes) this task on the loop's next turn.
  resume_node& start_node() noexcept { return start_; }

  promise_base() noexcept = default;
  promise_base(const promise_base&) = delete;
  promise_base& operator=(const promise_base&) = delete;

 protected:
  ~promise_base() {
    spawned_.unlink();
    start_.unlink();
  }
  void rethrow_if_failed() {
#if defined(__cpp_exceptions)
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
#endif
  }

 private:
  std::coroutine_handle<> continuation_;
  spawned_node spawned_;
  resume_node start_;
  bool detached_ = false;
#if defined(__cpp_exceptions)
  std::exception_ptr error_;
#endif
};

template <class T>
class task_promise : public promise_base {
 public:
  task_promise() noexcept {}
  ~task_promise() {
    if (has_value_) value_.~T();
  }
  task<T> get_return_object() noexcept;

  template <class U = T>
    requires std::is_constructible_v<T, U&&>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(&value_)) T(std::forward<U>(value));
    has_value_ = true;
  }

  T take() {
    rethrow_if_failed();
    return std::move(value_);
  }

 private:
  union {
    T value_;
  };
  bool has_value_ = false;
};

/// A task<T&> yields a reference: the promise keeps the address of what co_return named,
/// which must outlive the co_await (or run()) that takes it.
template <class T>
class task_promise<T&> : public promise_base {
 public:
  task<T&> get_return_object() noexcept;
  void return_value(T& value) noexcept { value_ = __builtin_addressof(value); }
  T& take() {
    rethrow_if_failed();
    return *value_;
  }

 private:
  T* value_ = nullptr;
};

template <>
class task_promise<void> : public promise_base {
 public:
  task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void take() { rethrow_if_failed(); }
};

struct task_access;

}  // namespace detail

/// A coroutine that starts when it is awaited (or run or spawned on an event_loop) and
/// yields a T. Move-only; destroying a task that has not finished destroys its frame,
/// cancelling the operation it was suspended in (see event_loop). Its frame comes from a
/// per-thread pool (no allocation once the pool holds a block of that size).
///
///     berth::task<std::size_t> echo_once(berth::stream_socket<berth::inet>& s) {
///       char buffer[1024];
///       const std::size_t n = co_await berth::async_read_some(s, buffer);
///       co_return co_await berth::async_write(s, std::string_view(buffer, n));
///     }
template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  /// Holds no coroutine.
  task() noexcept = default;
  task(task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (handle_) handle_.destroy();
  }

  /// Whether it holds a coroutine.
  explicit operator bool() const noexcept { return static_cast<bool>(handle_); }
  /// Whether the coroutine ran to its end.
  [[nodiscard]] bool done() const noexcept { return handle_ && handle_.done(); }

  struct awaiter {
    std::coroutine_handle<promise_type> handle;

    bool await_ready() const noexcept { return !handle || handle.done(); }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) const noexcept {
      handle.promise().set_continuation(caller);
      return detail::hand_over(handle);  // symmetric transfer: the caller's stack does not grow
    }
    T await_resume() const {
      if (!handle) [[unlikely]]
        detail::throw_error(EINVAL, "berth::task: an empty task awaited");
      return handle.promise().take();
    }
  };
  /// Runs the task to its end: its value, or its exception rethrown. An empty task (moved
  /// from, or default-constructed): std::errc::invalid_argument, as event_loop::run says.
  awaiter operator co_await() const& noexcept { return {handle_}; }
  awaiter operator co_await() const&& noexcept { return {handle_}; }

 private:
  friend class detail::task_promise<T>;
  friend struct detail::task_access;
  explicit task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}

  std::coroutine_handle<promise_type> handle_;
};

namespace detail {

template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>(std::coroutine_handle<task_promise<T>>::from_promise(*this));
}
template <class T>
task<T&> task_promise<T&>::get_return_object() noexcept {
  return task<T&>(std::coroutine_handle<task_promise<T&>>::from_promise(*this));
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>(std::coroutine_handle<task_promise<void>>::from_promise(*this));
}

/// Lets the loop take a task's coroutine (spawn, run).
struct task_access {
  template <class T>
  static std::coroutine_handle<task_promise<T>> handle(const task<T>& t) noexcept {
    return t.handle_;
  }
  template <class T>
  static std::coroutine_handle<task_promise<T>> release(task<T>& t) noexcept {
    return std::exchange(t.handle_, nullptr);
  }
};

}  // namespace detail
}  // namespace berth

#endif  // BERTH_ASYNC_TASK_HPP
