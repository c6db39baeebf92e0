// What the async tests share: the two backends as Catch2 template types, a loop of each
// (io_uring refused by the kernel: the case says so and passes), running a child process
// to its end, and a seccomp filter that makes io_uring_setup fail.
#ifndef BERTH_TESTS_ASYNC_SUPPORT_HPP
#define BERTH_TESTS_ASYNC_SUPPORT_HPP

#include <berth/async.hpp>

#include "catch.hpp"
#include "sockets.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <span>
#include <memory>
#include <system_error>

namespace berth_test {

struct epoll_backend {
  static constexpr berth::backend value = berth::backend::epoll;
};
struct io_uring_backend {
  static constexpr berth::backend value = berth::backend::io_uring;
};

/// A loop on backend B, or null (with a warning naming the reason) when the kernel
/// refuses io_uring here.
template <class B>
std::unique_ptr<berth::event_loop> make_loop() {
  std::error_code ec;
  auto loop = std::make_unique<berth::event_loop>(B::value, ec);
  if (ec) {
    WARN("io_uring not available here (" << ec.message() << "): this case is skipped");
    return nullptr;
  }
  return loop;
}

/// Runs `body` in a child process (fork) and returns its wait status; the child's exit
/// status is body's return value. The child never returns into the test runner.
template <class Body>
int in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) ::_exit(body());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

/// Installs a seccomp filter (in a child process: it cannot be removed) under which
/// io_uring_setup fails with `err`; everything else is allowed. True when installed.
inline bool refuse_io_uring_setup(int err) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0;
}

/// The task run_for runs: sleeps `d`, then stops `loop`. (Inline, so clang 14's
/// -fsanitize=function is off for it, as for berth's own inline coroutines.)
#if defined(__clang__)
[[clang::no_sanitize("function")]]
#endif
inline berth::task<> stop_after(berth::event_loop& loop, std::chrono::milliseconds d) {
  co_await berth::sleep_for(d);
  loop.stop();
}

/// Runs `loop` for `d`, then stops it: what was spawned runs meanwhile, and what is still
/// suspended stays on the loop (for its destruction to undo).
inline void run_for(berth::event_loop& loop, std::chrono::milliseconds d) { loop.run(stop_after(loop, d)); }

}  // namespace berth_test

/// A test case run once per backend: `TestType::value` is the backend.
#define BERTH_ASYNC_TEST(name) TEMPLATE_TEST_CASE(name, "[async]", berth_test::epoll_backend, berth_test::io_uring_backend)

#endif  // BERTH_TESTS_ASYNC_SUPPORT_HPP
