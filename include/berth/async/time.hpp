#ifndef BERTH_ASYNC_TIME_HPP
#define BERTH_ASYNC_TIME_HPP

// Time in a task: sleep_for, sleep_until, and with_timeout, which bounds one operation
// (or a task, or any awaiter).
// Deadlines are std::chrono::steady_clock (CLOCK_MONOTONIC) time points; the loop keeps
// them in a heap whose earliest one is the timeout of its wait (epoll_wait, or the
// io_uring_enter's EXT_ARG), and with_timeout on io_uring links an IORING_OP_LINK_TIMEOUT
// to the operation itself.

#include <berth/async/event_loop.hpp>
#include <berth/async/operation_state.hpp>
#include <berth/async/task.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/report.hpp>

#include <cerrno>
#include <coroutine>
#include <type_traits>
#include <utility>

namespace berth {
namespace detail {

/// `now + d`, saturated at the clock's largest time point; `now` for zero or less.
template <class Rep, class Period>
async_clock::time_point deadline_after(std::chrono::duration<Rep, Period> d) noexcept {
  const async_clock::time_point now = async_clock::now();
  if (d <= d.zero()) return now;
  if (d >= std::chrono::duration<double, std::nano>(async_clock::time_point::max() - now)) return async_clock::time_point::max();
  return now + std::chrono::ceil<async_clock::duration>(d);
}

/// A deadline in the loop's heap that, once it passed, queues a coroutine to resume on the
/// next turn, after calling `on_fire(context)` when given: what sleep_for and the
/// with_timeout of a task wait with. Destroyed, it leaves the heap and the queue.
class alarm {
 public:
  alarm() noexcept = default;
  alarm(alarm&&) noexcept = default;  // only before it is armed
  alarm& operator=(alarm&&) = delete;
  ~alarm() {
    if (loop_ != nullptr) {
      disarm();
      node_.unlink();
    }
  }

  /// Pushes the deadline `at`; `h` is resumed once it passed.
  void arm(async_clock::time_point at, std::coroutine_handle<> h, void (*on_fire)(void*) = nullptr,
           void* context = nullptr) {
    loop_ = &this_loop();
    node_.handle = h;
    timer_.self = this;
    timer_.deadline = at;
    timer_.fire = &fire;
    on_fire_ = on_fire;
    context_ = context;
    loop_->shared.timers.push(&timer_);
  }
  /// Takes the deadline off the heap (when armed and not yet passed).
  void disarm() noexcept {
    if (loop_ != nullptr) loop_->shared.timers.remove(&timer_);
  }

 private:
  struct alarm_timer : timer_node {
    alarm* self = nullptr;
  };
  static void fire(timer_node* t) noexcept {
    alarm* a = static_cast<alarm_timer*>(t)->self;
    if (a->on_fire_ != nullptr) a->on_fire_(a->context_);
    a->loop_->shared.ready.push_back(&a->node_);
  }

  loop_core* loop_ = nullptr;
  resume_node node_;
  alarm_timer timer_;
  void (*on_fire_)(void*) = nullptr;
  void* context_ = nullptr;
};

/// Suspends the task until a time point; no system call (the loop's next wait ends then).
class sleep_awaiter {
 public:
  explicit sleep_awaiter(async_clock::time_point at) noexcept : at_(at) {}
  sleep_awaiter(sleep_awaiter&&) noexcept = default;
  sleep_awaiter& operator=(sleep_awaiter&&) = delete;

  bool await_ready() const noexcept { return at_ <= async_clock::now(); }
  void await_suspend(std::coroutine_handle<> h) { alarm_.arm(at_, h); }
  void await_resume() const noexcept {}

 private:
  async_clock::time_point at_;
  alarm alarm_;
};

/// An operation with_timeout can bound: one of the async_* awaitables.
template <class Op>
concept deadline_operation = !std::is_reference_v<Op> && requires(Op& op, async_clock::time_point t) {
  op.set_deadline(t);
};

/// with_timeout of a task: the task runs at once (symmetric transfer), a timer in the
/// loop's heap beside it. The task ending first takes the timer off the heap; the time
/// passing first destroys the task's frame (the operation it waits in is cancelled and
/// collected, as for any task destroyed while suspended) and resumes the awaiting task on
/// the loop's next turn, where await_resume throws std::errc::timed_out.
template <class T>
class task_timeout {
 public:
  task_timeout(task<T> t, async_clock::time_point at) noexcept : child_(std::move(t)), at_(at) {}
  task_timeout(task_timeout&&) noexcept = default;  // only before it is awaited
  task_timeout& operator=(task_timeout&&) = delete;

  bool await_ready() const noexcept { return child_.done(); }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) {
    auto h = task_access::handle(child_);
    if (!h) return parent;  // nothing to run: await_resume says so
    if (at_ != async_clock::time_point::max()) alarm_.arm(at_, parent, &time_passed, this);
    h.promise().set_continuation(parent);
    return hand_over(h);
  }
  T await_resume() {
    if (timed_out_) throw_error(ETIMEDOUT, "berth::with_timeout");
    if (!child_) throw_error(EINVAL, "berth::with_timeout: an empty task");
    alarm_.disarm();  // it ended first
    return task_access::handle(child_).promise().take();
  }

 private:
  static void time_passed(void* self) noexcept {
    auto* s = static_cast<task_timeout*>(self);
    s->timed_out_ = true;
    s->child_ = task<T>();  // its frame destroyed: the operation it waits in is cancelled
  }

  task<T> child_;
  async_clock::time_point at_;
  alarm alarm_;
  bool timed_out_ = false;
};

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<task<T>> : std::true_type {};

/// An awaiter with_timeout bounds by running it in a task of its own: what its
/// await_resume yields.
template <class A>
  requires(!std::is_reference_v<A> && !deadline_operation<A> && !is_task<A>::value)
using awaited_t = decltype(std::declval<A&>().await_resume());

/// The task that awaits `a` (a frame from the loop's pool).
template <class A>
#if defined(__clang__)
[[clang::no_sanitize("function")]]
#endif
task<awaited_t<A>> awaiting(A a) {
  if constexpr (std::is_void_v<awaited_t<A>>)
    co_await std::move(a);
  else
    co_return co_await std::move(a);
}

}  // namespace detail

/// `co_await berth::sleep_for(d)`: resumes the task once `d` passed (at once for zero or
/// less). Other tasks run meanwhile.
template <class Rep, class Period>
[[nodiscard]] detail::sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> d) noexcept {
  return detail::sleep_awaiter(detail::deadline_after(d));
}

/// `co_await berth::sleep_until(t)`: resumes the task once the steady clock reached `t`.
[[nodiscard]] inline detail::sleep_awaiter sleep_until(std::chrono::steady_clock::time_point t) noexcept {
  return detail::sleep_awaiter(t);
}

/// `co_await berth::with_timeout(d, berth::async_read(s, buf))`: the operation's result,
/// or, once `d` passed first, the operation cancelled and std::errc::timed_out (thrown,
/// or assigned when the operation is an error-code form: `async_read(s, buf, ec)`).
/// Bytes a composed operation (async_read, async_write) moved before are reported as its
/// error-code form reports them. epoll: a timer in the loop's heap; io_uring: a linked
/// IORING_OP_LINK_TIMEOUT.
template <class Rep, class Period, class Op>
  requires detail::deadline_operation<Op>
[[nodiscard]] Op with_timeout(std::chrono::duration<Rep, Period> d, Op&& operation) noexcept {
  operation.set_deadline(detail::deadline_after(d));
  return std::move(operation);
}

/// `co_await berth::with_timeout(d, t)` of a berth::task: the task's value (or its
/// exception), or, once `d` passed first, the task destroyed where it waits (the
/// operation it is suspended in cancelled and collected, its sockets closed) and
/// std::system_error with std::errc::timed_out thrown (a task has no error-code form).
/// A timer in the loop's heap; the task runs at once, on the awaiting task's turn.
template <class Rep, class Period, class T>
[[nodiscard]] detail::task_timeout<T> with_timeout(std::chrono::duration<Rep, Period> d, task<T>&& t) noexcept {
  return detail::task_timeout<T>(std::move(t), detail::deadline_after(d));
}

/// `co_await berth::with_timeout(d, a)` of any other awaiter (sleep_for, one of your
/// own): awaited in a task of its own (its frame from the loop's pool), bounded as a task
/// is: std::errc::timed_out thrown once `d` passed first.
template <class Rep, class Period, class A>
  requires requires { typename detail::awaited_t<A>; }
[[nodiscard]] detail::task_timeout<detail::awaited_t<A>> with_timeout(std::chrono::duration<Rep, Period> d, A&& awaitable) {
  return detail::task_timeout<detail::awaited_t<A>>(detail::awaiting(std::move(awaitable)), detail::deadline_after(d));
}

}  // namespace berth

#endif  // BERTH_ASYNC_TIME_HPP
