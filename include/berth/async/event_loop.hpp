#ifndef BERTH_ASYNC_EVENT_LOOP_HPP
#define BERTH_ASYNC_EVENT_LOOP_HPP

// berth::event_loop: runs tasks on one thread, waiting with epoll (the default) or
// io_uring. One loop per thread, never shared, never locked. Also berth::spawn (from
// inside a task) and the loop every async operation finds on its thread.

#include <berth/async/epoll.hpp>
#include <berth/async/io_uring.hpp>
#include <berth/async/operation_state.hpp>
#include <berth/async/task.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/report.hpp>
#include <berth/error.hpp>

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <type_traits>
#include <utility>

namespace berth {
namespace detail {

int close_forgetting(int fd) noexcept;

/// The loop's machinery, which the operations reach through current_loop.
class loop_core {
 public:
  loop_core() noexcept = default;
  loop_core(const loop_core&) = delete;
  loop_core& operator=(const loop_core&) = delete;

  bool uses_epoll() const noexcept { return kind_ == backend::epoll; }
  backend kind() const noexcept { return kind_; }
  /// Whether nothing else could run or become ready: no other operation waits, no timer,
  /// nothing queued. Then the budget of operations in a row does not apply (giving way
  /// would only cost an epoll_wait that finds nothing).
  bool idle_but_this() const noexcept { return shared.waiting == 0 && shared.timers.empty() && shared.ready.empty(); }

  loop_shared shared;
  epoll_reactor epoll;
  uring ring;

  /// Starts `t` on the next turn, owned by the loop.
  void spawn(task<> t) noexcept {
    auto h = task_access::release(t);
    if (!h) return;
    h.promise().detach(h, spawned_);
    resume_node& start = h.promise().start_node();
    start.handle = h;
    shared.ready.push_back(&start);
  }

 protected:
  ~loop_core() = default;

  /// Opens the backend `b`: 0 or the errno (ENOSYS: io_uring not available).
  int open(backend b) noexcept {
    kind_ = b;
    if (b == backend::io_uring) return ring.open();
    const int err = epoll.open(shared);
    if (err == 0) __atomic_store_n(&sys::close_call, &close_forgetting, __ATOMIC_RELAXED);
    return err;
  }

  /// Turns until `root` is done or stop() was called: each runs what is queued, then waits
  /// once in the kernel (not at all when there is more to run), then fires the timers that
  /// are due. 0, EDEADLK when nothing could ever wake the loop, or the backend's errno.
  /// One loop per backend, each inlined into run(): the backend is chosen once per run(),
  /// not on every turn, and as calls, saving and restoring registers was a tenth of what a
  /// turn costs.
  [[gnu::always_inline]] int turns(std::coroutine_handle<> root) {
    return uses_epoll() ? epoll_turns(root) : uring_turns(root);
  }

  /// The start of a turn: whether run() is over (`root` done, or stop() called), else what
  /// was queued is run and the same asked again.
  [[gnu::always_inline]] bool ran_to_the_end(std::coroutine_handle<> root) {
    if (root.done() || stop_requested_) return true;
    if (!shared.ready.empty()) {
      run_ready();
      if (root.done() || stop_requested_) return true;
    }
    return false;
  }

  [[gnu::always_inline]] int epoll_turns(std::coroutine_handle<> root) {
    for (;;) {
      if (ran_to_the_end(root)) return 0;
      const bool more = !shared.ready.empty();
      const bool timers = !shared.timers.empty();
      int timeout_ms = -1;
      if (more) {
        timeout_ms = 0;
      } else if (timers) {
        const auto left = shared.timers.top()->deadline - async_clock::now();
        timeout_ms = left <= left.zero() ? 0 : milliseconds_up(left);
      } else if (shared.waiting == 0) {
        return EDEADLK;
      }
      if (const int err = epoll.poll(timeout_ms, shared)) return err;
      if (!shared.timers.empty()) fire_timers(async_clock::now());
    }
  }

  [[gnu::always_inline]] int uring_turns(std::coroutine_handle<> root) {
    for (;;) {
      if (ran_to_the_end(root)) return 0;
      const bool more = !shared.ready.empty();
      const bool timers = !shared.timers.empty();
      const bool owed = ring.has_in_flight(shared) || ring.has_unsubmitted();
      if (!more && !timers && !owed) return EDEADLK;
      if (owed || !more) {
        __kernel_timespec wait{};
        const __kernel_timespec* timeout = nullptr;
        bool soon = false;  // a timer due within twice a batch wait's bound
        if (timers && !more) {
          const auto left = shared.timers.top()->deadline - async_clock::now();
          const long long ns = left <= left.zero() ? 0 : std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
          wait.tv_sec = ns / 1000000000;
          wait.tv_nsec = ns % 1000000000;
          timeout = &wait;
          soon = ns < 2000LL * uring_batching::wait_us;  // a batch wait may outlast the timeout
        }
        int err;
        if (shared.waiting >= ring.batching.threshold && !more && !soon) [[unlikely]]
          err = ring.enter_for_batch(shared.waiting, timeout);
        else
          err = ring.enter(more ? 0 : 1, timeout);
        if (err != 0 && err != EINTR && err != ETIME && err != EBUSY && err != EAGAIN) return err;
        ring.reap(shared, true);
      }
      if (!shared.timers.empty()) fire_timers(async_clock::now());
    }
  }

  /// Runs the work queued before this call; what it queues waits for the next turn.
  void run_ready() {
    intrusive_list now;
    now.splice_back(shared.ready);
    while (!now.empty()) {
      auto* n = static_cast<ready_node*>(now.pop_front());
      n->run(n);
    }
  }

  void fire_timers(async_clock::time_point now) {
    while (!shared.timers.empty() && shared.timers.top()->deadline <= now) {
      timer_node* t = shared.timers.top();
      shared.timers.remove(t);
      t->fire(t);
    }
  }

  /// Destroys what the loop owns, in the order that leaves nothing behind: the kernel's
  /// operations cancelled and collected first, then every spawned task still suspended
  /// (its awaiters and sockets with it).
  void tear_down() noexcept {
    if (!uses_epoll() && ring.is_open()) ring.cancel_all(shared);
    while (!shared.ready.empty()) shared.ready.pop_front();
    while (!spawned_.empty()) static_cast<spawned_node*>(spawned_.front())->handle.destroy();
    while (!shared.ready.empty()) shared.ready.pop_front();
  }

  static int milliseconds_up(async_clock::duration d) noexcept {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
    return ms > 2147483647 ? 2147483647 : static_cast<int>(ms);
  }

  backend kind_ = backend::epoll;
  intrusive_list spawned_;
  bool stop_requested_ = false;
  bool running_ = false;
};

/// What current_loop points at outside event_loop::run: a loop no operation can run on.
/// Its backend says io_uring and its ring was never opened, so a socket operation awaited
/// there goes past await_ready's one test of the backend (no test for a null loop on the
/// way) to its submission, where the ring has no room: uring::make_room ends the program
/// with no_loop()'s message before anything is written.
class outside_run final : public loop_core {
 public:
  outside_run() noexcept { kind_ = backend::io_uring; }
};
inline outside_run no_loop_core;

/// The loop running on this thread (set by event_loop::run), which async operations use;
/// &no_loop_core when none runs.
inline thread_local loop_core* current_loop = &no_loop_core;

/// sys::close_call once an epoll loop opened: the epoll loop running on this thread, if
/// any, ends the operations waiting on the number (EBADF) and forgets it, then close(2).
/// (Outside run(), nothing is forgotten: each run() starts by checking every number again,
/// and an operation still waiting on a closed number ends when the number is next used.)
inline int close_forgetting(int fd) noexcept {
  if (loop_core* l = current_loop; l->uses_epoll()) l->epoll.closing(fd);
  return ::close(fd);
}

}  // namespace detail

/// Runs tasks on the thread that calls run(): single-threaded, one per thread, never
/// locks. `event_loop()` waits with epoll; `event_loop(berth::backend::io_uring)` with
/// io_uring (see docs/async.md for what each does).
///
///     berth::event_loop loop;
///     loop.run(serve(berth::listen("127.0.0.1:8080"_inet)));
///
/// Destroying the loop destroys every task still suspended on it, after cancelling and
/// collecting their kernel operations: their sockets close, nothing leaks. A loop must be
/// run and destroyed on one thread (with io_uring, the first thread that runs it).
class event_loop : private detail::loop_core {
 public:
  /// An epoll loop (epoll_create1). Throws std::system_error when the kernel refuses.
  event_loop() : event_loop(berth::backend::epoll) {}
  /// An epoll loop, reporting through `ec`; on error the loop cannot run (run() reports
  /// the error again).
  explicit event_loop(std::error_code& ec) noexcept : event_loop(berth::backend::epoll, ec) {}
  /// A loop on backend `b`. io_uring not available (the kernel lacks it, a sysctl or a
  /// seccomp filter refuses it, or it lacks an opcode or feature berth needs): throws
  /// std::system_error with std::errc::function_not_supported.
  explicit event_loop(berth::backend b) {
    if (const int err = open(b)) detail::throw_error(err, "berth::event_loop");
  }
  /// As event_loop(b), reporting through `ec`. When io_uring is not available, `ec` is
  /// std::errc::function_not_supported and the loop uses epoll instead (backend() says so).
  event_loop(berth::backend b, std::error_code& ec) noexcept {
    const int err = open(b);
    if (err == ENOSYS && b == berth::backend::io_uring) (void)open(berth::backend::epoll);
    detail::assign(ec, err);
  }
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;
  /// Cancels and collects every kernel operation, then destroys every task still suspended.
  ~event_loop() {
    detail::loop_core* const previous = std::exchange(detail::current_loop, static_cast<detail::loop_core*>(this));
    tear_down();
    detail::current_loop = previous;
  }

  /// The backend this loop waits with.
  [[nodiscard]] berth::backend backend() const noexcept { return kind(); }

  /// Runs the loop until `t` ends and returns its value (or rethrows its exception). Tasks
  /// spawned meanwhile run too; those still suspended when `t` ends stay on the loop for
  /// the next run() (or its destruction). After stop(), returns once the current turn
  /// ends; `t` unfinished is destroyed (its operations cancelled), and run() then returns
  /// for task<void> and throws std::system_error(std::errc::operation_canceled) for any
  /// other T. A task waiting for something nothing can bring (no operation pending, no
  /// timer, nothing queued) is std::errc::resource_deadlock_would_occur.
  template <class T>
  T run(task<T> t) {
    auto h = detail::task_access::handle(t);
    if (!h) detail::throw_error(EINVAL, "berth::event_loop::run: an empty task");
    if (running_) detail::throw_error(EBUSY, "berth::event_loop::run: already running");
    if (uses_epoll() ? !epoll.is_open() : !ring.is_open()) detail::throw_error(EBADF, "berth::event_loop::run");
    detail::loop_core* const previous = std::exchange(detail::current_loop, static_cast<detail::loop_core*>(this));
    running_ = true;
    if (uses_epoll())
      epoll.new_epoch();
    else
      ring.prepare_thread();
    // The task starts behind what was spawned before: the queue is first come, first run.
    detail::resume_node& start = h.promise().start_node();
    start.handle = h;
    shared.ready.push_back(&start);
    const int err = turns(h);
    stop_requested_ = false;
    running_ = false;
    const bool finished = h.done();
    if (!finished) t = task<T>();  // destroyed: its awaiters cancel their operations
    detail::current_loop = previous;
    if (err != 0) detail::throw_error(err, "berth::event_loop::run");
    if (finished) return h.promise().take();
    if constexpr (!std::is_void_v<T>) detail::throw_error(ECANCELED, "berth::event_loop::run: stopped");
  }

  /// Starts `t` on the loop's next turn, owned by the loop: it runs whenever the loop
  /// runs, and is destroyed when it ends (or with the loop). An exception escaping it
  /// calls std::terminate. Allocates nothing (the task's frame already exists).
  void spawn(task<> t) noexcept { loop_core::spawn(std::move(t)); }

  /// Makes run() return once the current turn ends. Call it from a task on this loop;
  /// outside run() it does nothing (the next run() is not affected).
  void stop() noexcept {
    if (running_) stop_requested_ = true;
  }

  /// Whether the io_uring ring runs with DEFER_TASKRUN and SINGLE_ISSUER (false for epoll).
  [[nodiscard]] bool defers_task_work() const noexcept { return !uses_epoll() && ring.defers_task_work(); }
};

namespace detail {

/// The loop of the task being run on this thread; an operation awaited outside any
/// event_loop::run ends the program with a message. (The socket operations read
/// current_loop without this test: see no_loop_core.)
[[gnu::always_inline]] inline loop_core& this_loop() noexcept {
  loop_core* l = current_loop;
  if (l == &no_loop_core) [[unlikely]]
    no_loop();
  return *l;
}

struct spawn_awaiter {
  task<> t;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() noexcept { this_loop().spawn(std::move(t)); }
};

}  // namespace detail

/// Inside a task on a loop: `co_await berth::spawn(t)` starts `t` on that loop, as
/// event_loop::spawn does, and goes on at once.
[[nodiscard]] inline detail::spawn_awaiter spawn(task<> t) noexcept { return {std::move(t)}; }

}  // namespace berth

#endif  // BERTH_ASYNC_EVENT_LOOP_HPP
