#ifndef BERTH_ASYNC_TIME_HPP
#define BERTH_ASYNC_TIME_HPP

// Time in a task: sleep_for, sleep_until, and with_timeout, which bounds one operation.
// Deadlines are std::chrono::steady_clock (CLOCK_MONOTONIC) time points; the loop keeps
// them in a heap whose earliest one is the timeout of its wait (epoll_wait, or the
// io_uring_enter's EXT_ARG), and with_timeout on io_uring links an IORING_OP_LINK_TIMEOUT
// to the operation itself.

#include <berth/async/event_loop.hpp>
#include <berth/async/operation_state.hpp>
#include <berth/detail/chrono.hpp>

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

/// Suspends the task until a time point; no system call (the loop's next wait ends then).
class sleep_awaiter {
 public:
  explicit sleep_awaiter(async_clock::time_point at) noexcept : at_(at) {}
  sleep_awaiter(sleep_awaiter&&) noexcept = default;
  sleep_awaiter& operator=(sleep_awaiter&&) = delete;
  ~sleep_awaiter() {
    if (loop_ != nullptr) {
      loop_->shared.timers.remove(&timer_);
      node_.unlink();
    }
  }

  bool await_ready() const noexcept { return at_ <= async_clock::now(); }
  void await_suspend(std::coroutine_handle<> h) {
    loop_ = &this_loop();
    node_.handle = h;
    timer_.self = this;
    timer_.deadline = at_;
    timer_.fire = &fire;
    loop_->shared.timers.push(&timer_);
  }
  void await_resume() const noexcept {}

 private:
  struct sleep_timer : timer_node {
    sleep_awaiter* self = nullptr;
  };
  static void fire(timer_node* t) noexcept {
    sleep_awaiter* s = static_cast<sleep_timer*>(t)->self;
    s->loop_->shared.ready.push_back(&s->node_);
  }

  async_clock::time_point at_;
  loop_core* loop_ = nullptr;
  resume_node node_;
  sleep_timer timer_;
};

/// An operation with_timeout can bound: one of the async_* awaitables.
template <class Op>
concept deadline_operation = !std::is_reference_v<Op> && requires(Op& op, async_clock::time_point t) {
  op.set_deadline(t);
};

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
/// IORING_OP_LINK_TIMEOUT. Works with the async_* operations (not with a task).
template <class Rep, class Period, class Op>
  requires detail::deadline_operation<Op>
[[nodiscard]] Op with_timeout(std::chrono::duration<Rep, Period> d, Op&& operation) noexcept {
  operation.set_deadline(detail::deadline_after(d));
  return std::move(operation);
}

}  // namespace berth

#endif  // BERTH_ASYNC_TIME_HPP
