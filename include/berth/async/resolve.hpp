#ifndef BERTH_ASYNC_RESOLVE_HPP
#define BERTH_ASYNC_RESOLVE_HPP

// Names on the loop: async_resolve and async_connect by name (see docs/async.md, "Names").
//
// async_resolve: a numeric host with a numeric service is read at once, as resolve() reads
// it, without a thread and without suspending. Anything else is resolve()'s own code
// (detail::resolve_into, one getaddrinfo) run on a worker thread of its own, which says it
// is done through an eventfd (EFD_CLOEXEC | EFD_NONBLOCK) that the task awaits readable
// with the loop's own wait (async_wait_readable's operation): epoll or io_uring, the loops
// unchanged. The worker and the awaiter share one heap block (the name, the result, the
// eventfd) and each lets go of it once; the last to let go closes the eventfd and frees
// it. So a task destroyed while the lookup runs, or a with_timeout that expires first,
// leaves the worker to finish in the background and clean up after itself: getaddrinfo
// cannot be interrupted, but nothing waits for it.
//
// async_connect(host, service): async_resolve, then RFC 8305's race (detail::connect_race,
// the same state machine the synchronous connect drives with poll) driven on the loop:
// every attempt's non-blocking socket awaited writable by a child coroutine of its own,
// the race's coroutine woken (race_signal) when one of them ends or the next attempt is
// due. No threads. The losers' waits are cancelled (and, on io_uring, collected) before
// their sockets close.

#include <berth/async/event_loop.hpp>
#include <berth/async/operation_state.hpp>
#include <berth/async/operations.hpp>
#include <berth/async/task.hpp>
#include <berth/concepts.hpp>
#include <berth/detail/blocking.hpp>
#include <berth/detail/happy_eyeballs.hpp>
#include <berth/detail/report.hpp>
#include <berth/detail/sys.hpp>
#include <berth/detail/sys_event.hpp>
#include <berth/error.hpp>
#include <berth/ip.hpp>
#include <berth/resolve.hpp>
#include <berth/socket.hpp>
#include <berth/socket_type.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace berth {
namespace detail {

// Compile time: as in <berth/resolve.hpp>, everything here is a template whose body uses
// its parameters (the endpoint type, the race's type), so that a translation unit that
// includes <berth/async.hpp> and neither resolves nor connects by name compiles none of it.

/// Whether resolve_into would call getaddrinfo for `host` and `service`: not for an empty
/// host, a NUL in either or a service classify_service refuses (refused at once), or a
/// numeric host with a numeric service.
/// (Wide: ip_endpoint, what a numeric host is read into.)
template <class Wide = ip_endpoint>
inline bool needs_lookup(std::string_view host, std::string_view service) noexcept {
  if (host.empty() || host.find('\0') != std::string_view::npos || service.find('\0') != std::string_view::npos)
    return false;
  std::uint32_t port = 0;
  const service_kind kind = classify_service(service, port);
  if (kind == service_kind::refused) return false;  // refused at once
  if (kind == service_kind::name) return true;
  Wide e;
  return !parse_numeric_host(host, 0, e);
}

/// A host and service as an async call was given them: the service a text, or a port
/// number whose text is kept here (so a copy of the awaiter, before it is awaited, keeps
/// its own).
class name_ref {
 public:
  name_ref(std::string_view host, std::string_view service) noexcept : host_(host), service_(service) {}
  name_ref(std::string_view host, std::uint16_t port) noexcept : host_(host), port_(port), by_port_(true) {}
  std::string_view host() const noexcept { return host_; }
  std::string_view service() const noexcept { return by_port_ ? port_.view() : service_; }

 private:
  std::string_view host_, service_;
  port_text port_{0};
  bool by_port_ = false;
};

/// What a lookup on a worker thread shares with the task that awaits it. Two holders, the
/// worker and the awaiter; the last to let go closes the eventfd and frees the block.
template <class E>
struct shared_lookup {
  shared_lookup(std::string_view h, std::string_view s, int type) : host(h), service(s), socket_type(type) {}

  std::string host, service;  // copies: the worker may outlive the caller's strings
  int socket_type;
  std::vector<E> addresses;   // written by the worker before `done`
  int err = 0;                // likewise: resolve_into's code
  int event = -1;             // the eventfd the worker adds 1 to when it is done
  // Atomic through the compiler's builtins (GCC's and clang's): <atomic> would cost every
  // translation unit that includes <berth/async.hpp> more than the rest of this header.
  bool done = false;  // stored with release by the worker, loaded with acquire by the awaiter
  int holders = 2;

  void release() noexcept {
    if (__atomic_sub_fetch(&holders, 1, __ATOMIC_ACQ_REL) == 0) {
      sys::close_quietly(event);
      delete this;
    }
  }

  /// The worker: resolve_into, `done`, the eventfd, then let go.
  static void* work(void* self) noexcept {
    auto* l = static_cast<shared_lookup*>(self);
    l->err = resolve_into(l->host, l->service, l->socket_type, l->addresses);
    __atomic_store_n(&l->done, true, __ATOMIC_RELEASE);
    (void)sys::eventfd_add(l->event, 1);  // cannot fail: the counter is far from its limit
    l->release();
    return nullptr;
  }
};

/// An awaited resolution of `host` and `service` into addresses of E's family: at once
/// when resolve_into needs no lookup, else on a worker thread (see the top of this file).
/// Yields resolve_into's code; the addresses are then in addresses(). Takes a deadline
/// (with_timeout): past it, ETIMEDOUT, and the worker finishes alone.
template <class E>
class resolution {
 public:
  resolution(name_ref name, int socket_type) noexcept : name_(name), type_(socket_type) {}
  resolution(resolution&& other) noexcept  // only before it is awaited (into with_timeout)
      : name_(other.name_), type_(other.type_), deadline_(other.deadline_) {}
  resolution& operator=(resolution&&) = delete;
  ~resolution() { let_go(); }

  void set_deadline(async_clock::time_point at) noexcept { deadline_ = at; }

  bool await_ready() {
    loop_core& l = this_loop();
    const std::string_view host = name_.host(), service = name_.service();
    if (!needs_lookup(host, service)) {
      err_ = resolve_into(host, service, type_, addresses_);
      return true;
    }
    if ((err_ = start(host, service)) != 0) return true;
    loop_ = &l;
    const int fd = lookup_->event;
    if (l.uses_epoll()) {
      l.epoll.fresh(fd, false);       // a new descriptor: nothing known of that number holds
      l.epoll.entry(fd).readable = 0;  // registered on the wait, which reports it if ready
    }
    wait_ = ::new (static_cast<void*>(wait_storage_)) wait_type(fd, lookup_, direction::read, wait_error_);
    wait_->set_deadline(deadline_);
    return wait_->await_ready();
  }
  bool await_suspend(std::coroutine_handle<> h) { return wait_->await_suspend(h); }
  int await_resume() noexcept {
    if (lookup_ != nullptr) {
      wait_->await_resume();  // the wait's outcome into wait_error_
      if (wait_error_) {
        err_ = wait_error_.value();  // ETIMEDOUT, or the wait's own failure (system category)
      } else if (__atomic_load_n(&lookup_->done, __ATOMIC_ACQUIRE)) {
        err_ = lookup_->err;
        addresses_ = std::move(lookup_->addresses);
      } else {
        err_ = code_of(resolve_error::failure);  // woken without an answer: cannot happen
      }
      let_go();
    }
    return err_;
  }

  std::vector<E>& addresses() noexcept { return addresses_; }
  const name_ref& name() const noexcept { return name_; }

 private:
  // The shared block, its eventfd and its worker: 0 or the errno (nothing left behind).
  int start(std::string_view host, std::string_view service) noexcept {
    shared_lookup<E>* l = nullptr;
#if defined(__cpp_exceptions)
    try {
#endif
      l = new shared_lookup<E>(host, service, type_);
#if defined(__cpp_exceptions)
    } catch (const std::bad_alloc&) {
      return ENOMEM;
    }
#endif
    const sys::result e = sys::eventfd(0);
    if (e.err != 0) {
      delete l;
      return e.err;
    }
    l->event = static_cast<int>(e.value);
    // The worker takes no signal: they stay the program's threads' business.
    sigset_t all, old;
    ::sigfillset(&all);
    (void)sys::thread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t thread;
    const sys::result t = sys::thread_create(&thread, &shared_lookup<E>::work, l);
    (void)sys::thread_sigmask(SIG_SETMASK, &old, nullptr);
    if (t.err != 0) {
      sys::close_quietly(l->event);
      delete l;
      return t.err;
    }
    (void)sys::thread_detach(thread);
    lookup_ = l;
    return 0;
  }

  // The awaiter's hold on the shared block: its wait cancelled (and collected) first, and
  // the epoll loop told to forget the eventfd, which the worker may close at any time now.
  void let_go() noexcept {
    if (lookup_ == nullptr) return;
    if (wait_ != nullptr) std::exchange(wait_, nullptr)->~wait_type();
    if (loop_->uses_epoll()) loop_->epoll.forget(lookup_->event);
    std::exchange(lookup_, nullptr)->release();
  }

  name_ref name_;
  int type_;
  int err_ = 0;
  async_clock::time_point deadline_ = async_clock::time_point::max();
  std::vector<E> addresses_;
  loop_core* loop_ = nullptr;
  shared_lookup<E>* lookup_ = nullptr;
  std::error_code wait_error_;
  // The wait on the eventfd, made in await_ready (in place: <optional> would cost every
  // includer more than it saves here); null when there is none.
  using wait_type = wait_op<std::error_code&>;
  wait_type* wait_ = nullptr;
  alignas(wait_type) unsigned char wait_storage_[sizeof(wait_type)];
};

/// async_resolve's awaiter: a resolution whose code goes to the sink S.
template <class E, class S>
class resolve_op : public resolution<E> {
 public:
  template <class Service, class... Sink>
  resolve_op(std::string_view host, Service service, int socket_type, Sink&&... sink) noexcept
      : resolution<E>(name_ref(host, service), socket_type), sink_(std::forward<Sink>(sink)...) {}

  [[nodiscard]] std::vector<E> await_resume() noexcept(reports_to_code<S>) {
    const int err = resolution<E>::await_resume();
    if constexpr (reports_to_code<S>)
      assign(*sink_.ec, err);
    else
      report(err, sink_.sink, "berth::async_resolve", name_and_service{this->name().host(), this->name().service()});
    return std::move(this->addresses());
  }

 private:
  op_sink<S> sink_;
};

// ---- Happy Eyeballs on the loop ---------------------------------------------------------

/// Wakes the race's coroutine when one of its attempts' waits ended (attempt_ended, from
/// the attempt's coroutine) or its time came (a timer in the loop's heap): the coroutine
/// awaits `wait(until)`. Nothing here allocates but the heap's growth. Race: the
/// connect_race it serves.
template <class Race>
class race_signal {
 public:
  struct ended {
    int fd;
    int err;  // the wait's own failure (0: the socket became writable, or failed)
  };

  explicit race_signal(loop_core& l) noexcept : loop_(l) {
    timer_.self = this;
    timer_.fire = &fire;
  }
  race_signal(const race_signal&) = delete;
  race_signal& operator=(const race_signal&) = delete;
  ~race_signal() { disarm(); }

  /// From an attempt's coroutine, as its wait ends: recorded, and the race woken on the
  /// loop's next turn (never resumed from here: that coroutine is still running).
  void attempt_ended(int fd, int err) noexcept {
    ended_[count_++] = {fd, err};
    if (node_.handle && !node_.linked()) loop_.shared.ready.push_back(&node_);
  }
  std::span<const ended> endings() const noexcept { return {ended_, count_}; }
  void clear() noexcept { count_ = 0; }

  struct awaiter {
    race_signal& s;
    async_clock::time_point until;
    bool await_ready() const noexcept { return s.count_ != 0 || until <= async_clock::now(); }
    void await_suspend(std::coroutine_handle<> h) { s.arm(h, until); }
    void await_resume() const noexcept { s.disarm(); }
  };
  /// Resumes the coroutine once an attempt ended or `until` came (max(): no timer).
  awaiter wait(async_clock::time_point until) noexcept { return {*this, until}; }

 private:
  struct signal_timer : timer_node {
    race_signal* self = nullptr;
  };
  void arm(std::coroutine_handle<> h, async_clock::time_point until) {
    node_.handle = h;
    if (until != async_clock::time_point::max()) {
      timer_.deadline = until;
      loop_.shared.timers.push(&timer_);
    }
  }
  void disarm() noexcept {
    node_.handle = nullptr;
    loop_.shared.timers.remove(&timer_);
    node_.unlink();
  }
  static void fire(timer_node* t) noexcept {
    race_signal* s = static_cast<signal_timer*>(t)->self;
    if (!s->node_.linked()) s->loop_.shared.ready.push_back(&s->node_);
  }

  loop_core& loop_;
  resume_node node_;
  signal_timer timer_;
  ended ended_[Race::max_pending];
  std::size_t count_ = 0;
};

// The two coroutines below are templates, so that a translation unit that never connects
// by name does not pay for compiling them. clang 14 puts the resume and destroy parts of
// such a coroutine (inline, or a template) in sections of their own, and its
// -fsanitize=function (part of -fsanitize=undefined) then fails to assemble them ("Cannot
// represent a difference across sections"): that one check is off for them, under clang.

/// One attempt's coroutine: awaits its socket writable (connected, or failed: SO_ERROR
/// then says which), then tells the race.
template <class Signal>
#if defined(__clang__)
[[clang::no_sanitize("function")]]
#endif
task<> watch_attempt(int fd, Signal& signal) {
  std::error_code ec;
  co_await wait_op<std::error_code&>(fd, &signal, direction::write, ec);
  signal.attempt_ended(fd, ec.value());
}

/// The attempts' coroutines, by descriptor; and the epoll loop told to forget every
/// attempt's descriptor before the race closes it. (A template, as the coroutines are.)
template <class Signal, class Race>
class race_watchers {
  static constexpr std::size_t max_pending = Race::max_pending;

 public:
  race_watchers(loop_core& l, Race& race, Signal& signal) noexcept
      : loop_(l), race_(race), signal_(signal) {}
  race_watchers(const race_watchers&) = delete;
  race_watchers& operator=(const race_watchers&) = delete;
  /// Every wait cancelled, then every descriptor the race still holds forgotten (it closes
  /// them next).
  ~race_watchers() {
    stop_all();
    forget_pending();
  }

  /// Starts a coroutine for each attempt in flight that has none yet.
  void watch_new() {
    for (const typename Race::attempt& a : race_.pending()) {
      std::size_t free = max_pending;
      bool watched = false;
      for (std::size_t k = 0; k < max_pending && !watched; ++k) {
        if (fd_[k] == a.fd) watched = true;
        if (fd_[k] < 0 && free == max_pending) free = k;
      }
      if (watched) continue;
      if (loop_.uses_epoll()) {
        loop_.epoll.fresh(a.fd, false);       // a new socket: registered on its wait
        loop_.epoll.entry(a.fd).writable = 0;  // writable once the handshake ends
      }
      fd_[free] = a.fd;
      watchers_[free] = watch_attempt(a.fd, signal_);
      detail::resume(task_access::handle(watchers_[free]));  // to its wait
    }
  }
  /// The coroutine of `fd` destroyed (its wait cancelled when pending), the descriptor
  /// forgotten by the epoll loop.
  void stop(int fd) noexcept {
    for (std::size_t k = 0; k < max_pending; ++k) {
      if (fd_[k] != fd) continue;
      watchers_[k] = task<>();
      fd_[k] = -1;
    }
    if (loop_.uses_epoll()) loop_.epoll.forget(fd);
  }
  void stop_all() noexcept {
    for (std::size_t k = 0; k < max_pending; ++k) {
      watchers_[k] = task<>();
      fd_[k] = -1;
    }
  }
  void forget_pending() noexcept {
    if (!loop_.uses_epoll()) return;
    for (const typename Race::attempt& a : race_.pending()) loop_.epoll.forget(a.fd);
  }

 private:
  loop_core& loop_;
  Race& race_;
  Signal& signal_;
  int fd_[max_pending] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
  task<> watchers_[max_pending];
};

/// Where a connection by name ends: the descriptor (-1: none) and the internal code.
struct connect_outcome {
  int fd = -1;
  int err = 0;
};

/// Resolves `host` and `service` (resolution), then races connection attempts to the
/// addresses on the loop (connect_race) until one connects, all failed, or `deadline`
/// (ETIMEDOUT). The winner, made blocking again, goes to `out.fd`; every loser is closed
/// after its wait was cancelled. Destroyed while suspended, it leaves nothing behind.
template <class Endpoint = ip_endpoint>
#if defined(__clang__)
[[clang::no_sanitize("function")]]
#endif
task<> race_by_name(std::string_view host, std::string_view service, async_clock::time_point deadline,
                           connect_outcome& out) {
  resolution<Endpoint> lookup(name_ref(host, service), SOCK_STREAM);
  lookup.set_deadline(deadline);
  if ((out.err = co_await lookup) != 0) co_return;
  const std::vector<Endpoint> addresses = std::move(lookup.addresses());

  loop_core& l = this_loop();
  using race_type = connect_race<Endpoint>;
  using signal_type = race_signal<race_type>;
  race_type race(addresses);
  signal_type signal(l);
  race_watchers<signal_type, race_type> watchers(l, race, signal);
  for (;;) {
    clock::time_point now = clock::now();
    while (race.wants_start(now)) race.start_next(now);
    watchers.watch_new();
    if (race.has_winner() || race.exhausted()) break;
    if (now >= deadline) {
      watchers.stop_all();
      watchers.forget_pending();
      race.give_up(ETIMEDOUT);
      break;
    }
    const clock::time_point until = race.next_start() < deadline ? race.next_start() : deadline;
    co_await signal.wait(until);
    now = clock::now();
    int failed = 0;
    for (const typename signal_type::ended& e : signal.endings()) {
      watchers.stop(e.fd);  // ended already: its frame goes
      if (e.err != 0 && failed == 0) failed = e.err;
      if (failed == 0) race.attempt_ready(e.fd, now);
    }
    signal.clear();
    if (failed != 0) {  // the loop could not wait (epoll_ctl refused): the race ends
      watchers.stop_all();
      watchers.forget_pending();
      race.give_up(failed);
      break;
    }
  }
  watchers.stop_all();  // every loser's wait cancelled (and collected) before it closes
  watchers.forget_pending();
  const int fd = race.take_winner();
  if (fd < 0) {
    out.err = race.error();
    co_return;
  }
  race.close_pending();
  if (const int e = sys::set_nonblocking(fd, false).err; e != 0) {
    sys::close_quietly(fd);
    out.err = e;
    co_return;
  }
  if (l.uses_epoll()) l.epoll.fresh(fd, false);  // registered already: EEXIST on its first wait is fine
  out = {fd, 0};
}

/// async_connect(host, service)'s awaiter: race_by_name, run as a child of the awaiting
/// task (made when awaited, destroyed with this awaiter), reported to the sink S.
template <class S>
class connect_by_name_op {
 public:
  template <class Service, class... Sink>
  connect_by_name_op(std::string_view host, Service service, Sink&&... sink) noexcept
      : name_(host, service), sink_(std::forward<Sink>(sink)...) {}
  connect_by_name_op(connect_by_name_op&&) noexcept = default;  // only before it is awaited
  connect_by_name_op& operator=(connect_by_name_op&&) = delete;
  ~connect_by_name_op() {
    job_ = task<>();  // a race still going is cancelled first
    if (out_.fd >= 0) sys::close_quietly(out_.fd);
  }

  void set_deadline(async_clock::time_point at) noexcept { deadline_ = at; }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) noexcept(reports_to_code<S>) {
#if defined(__cpp_exceptions)
    if constexpr (reports_to_code<S>) {
      try {
        job_ = race_by_name(name_.host(), name_.service(), deadline_, out_);
      } catch (const std::bad_alloc&) {
        out_.err = ENOMEM;
        return h;
      }
    } else {
      job_ = race_by_name(name_.host(), name_.service(), deadline_, out_);
    }
#else
    job_ = race_by_name(name_.host(), name_.service(), deadline_, out_);
#endif
    return typename task<>::awaiter{task_access::handle(job_)}.await_suspend(h);
  }
  [[nodiscard]] socket<ip, stream> await_resume() noexcept(reports_to_code<S>) {
    if (job_) {
#if defined(__cpp_exceptions)
      if constexpr (reports_to_code<S>) {
        try {
          task_access::handle(job_).promise().take();
        } catch (const std::bad_alloc&) {
          out_.err = ENOMEM;
        }
      } else {
        task_access::handle(job_).promise().take();
      }
#endif
      job_ = task<>();
    }
    const int fd = std::exchange(out_.fd, -1);
    report_outcome(fd < 0, out_.err, sink_, "berth::async_connect",
                   name_and_service{name_.host(), name_.service()});
    return socket<ip, stream>::adopt(fd);
  }

 private:
  name_ref name_;
  async_clock::time_point deadline_ = async_clock::time_point::max();
  connect_outcome out_;
  std::conditional_t<reports_to_code<S>, std::error_code&, throws> sink_;
  task<> job_;
};

}  // namespace detail

/// Awaits the addresses of `host` for `service`, as berth::resolve returns them:
/// `auto addresses = co_await berth::async_resolve("example.com", "https");`. F (ip, inet,
/// inet6) and T (stream, datagram) as for resolve. A numeric host with a numeric service
/// completes at once, without suspending (no thread, no system call). Anything else is
/// resolve's getaddrinfo on a worker thread (eventfd(EFD_CLOEXEC | EFD_NONBLOCK),
/// pthread_create with every signal blocked, pthread_detach), the task resumed through
/// the loop's wait on the eventfd: the loop never blocks. Errors are resolve's
/// (berth::resolve_error, ...); with_timeout expiring first is std::errc::timed_out, the
/// lookup then finishing in the background. Throws std::system_error naming host and
/// service; reporting through `ec`, yields an empty vector on error. `host` and `service`
/// must live until the co_await completes.
template <class F = ip, socket_type T = stream, detail::error_sink S = detail::throws>
  requires detail::resolvable_family<F> && valid_protocol<F, T>
[[nodiscard]] auto async_resolve(std::string_view host, std::string_view service, S&& on_error = {}) noexcept {
  return detail::resolve_op<typename F::endpoint, S>(host, service, T::type, on_error);
}

/// As async_resolve(host, service) with the service a port number.
template <class F = ip, socket_type T = stream, detail::error_sink S = detail::throws>
  requires detail::resolvable_family<F> && valid_protocol<F, T>
[[nodiscard]] auto async_resolve(std::string_view host, std::uint16_t port, S&& on_error = {}) noexcept {
  return detail::resolve_op<typename F::endpoint, S>(host, port, T::type, on_error);
}

/// Awaits a socket connected to `host` and `service`, as berth::connect(host, service)
/// makes it: `auto s = co_await berth::async_connect("example.com", "http");`. The name is
/// async_resolve'd, then the addresses raced as RFC 8305 says (interleaved by family, an
/// attempt every 250 ms while the earlier ones pend, at once when one fails, the first to
/// connect wins): each attempt a socket(SOCK_NONBLOCK | SOCK_CLOEXEC) and connect, awaited
/// writable on the loop (epoll, or IORING_OP_POLL_ADD), getsockopt(SO_ERROR) when it ends;
/// every loser's wait cancelled, then its socket closed; the winner made blocking
/// (ioctl(FIONBIO)). No thread for the race. All failing reports the last attempt's error;
/// with_timeout bounds the whole, resolution included (std::errc::timed_out). A thrown
/// error names host and service; reporting through `ec`, yields a socket holding none.
template <detail::error_sink S = detail::throws>
[[nodiscard]] auto async_connect(std::string_view host, std::string_view service, S&& on_error = {}) noexcept {
  return detail::connect_by_name_op<S>(host, service, on_error);
}

/// As async_connect(host, service) with the service a port number.
template <detail::error_sink S = detail::throws>
[[nodiscard]] auto async_connect(std::string_view host, std::uint16_t port, S&& on_error = {}) noexcept {
  return detail::connect_by_name_op<S>(host, port, on_error);
}

}  // namespace berth

#endif  // BERTH_ASYNC_RESOLVE_HPP
