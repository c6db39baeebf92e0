// What the socket tests share: loopback endpoints, connected pairs, descriptor checks,
// signal dispositions, a thread that interrupts a blocked system call, and a way to run
// out of descriptors on purpose. Include it after the header a test file is about.
#ifndef BERTH_TESTS_SUPPORT_SOCKETS_HPP
#define BERTH_TESTS_SUPPORT_SOCKETS_HPP

#include <berth/acceptor.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>

#include "support.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace berth_test {

/// Short names for the socket and acceptor types the tests use:
/// `using namespace berth_test::types;`.
namespace types {
using tcp = berth::socket<berth::inet, berth::stream>;
using udp = berth::socket<berth::inet, berth::datagram>;
using tcp6 = berth::socket<berth::inet6, berth::stream>;
using udp6 = berth::socket<berth::inet6, berth::datagram>;
using unix_stream = berth::socket<berth::local, berth::stream>;
using unix_datagram = berth::socket<berth::local, berth::datagram>;
using unix_seqpacket = berth::socket<berth::local, berth::seqpacket>;
using tcp_acceptor = berth::acceptor<berth::inet>;
using tcp6_acceptor = berth::acceptor<berth::inet6>;
using unix_acceptor = berth::acceptor<berth::local>;
using seqpacket_acceptor = berth::acceptor<berth::local, berth::seqpacket>;
}  // namespace types

/// What every socket and acceptor promises: one descriptor (sizeof(int)), move-only,
/// nothrow moves, default construction and destruction.
template <class S>
constexpr bool owns_one_descriptor =
    sizeof(S) == sizeof(int) && !std::is_copy_constructible_v<S> && !std::is_copy_assignable_v<S> &&
    std::is_nothrow_move_constructible_v<S> && std::is_nothrow_move_assignable_v<S> &&
    std::is_nothrow_default_constructible_v<S> && std::is_nothrow_destructible_v<S>;

/// 127.0.0.1 with `port` (0: the kernel chooses).
inline berth::inet_endpoint loopback4(std::uint16_t port = 0) {
  return {berth::ipv4_address::loopback(), port};
}
/// ::1 with `port` (0: the kernel chooses).
inline berth::inet6_endpoint loopback6(std::uint16_t port = 0) {
  return {berth::ipv6_address::loopback(), port};
}

/// An endpoint to listen on that nobody else uses: loopback port 0, or a fresh abstract
/// unix name (no file to remove).
template <class F>
typename F::endpoint fresh_endpoint() {
  if constexpr (F::domain == AF_INET)
    return loopback4();
  else if constexpr (F::domain == AF_INET6)
    return loopback6();
  else
    return berth::local_endpoint::abstract(unique_abstract_name());
}

/// A listener and the two ends of one connection accepted from it.
template <class F, class T = berth::stream>
struct connection {
  berth::acceptor<F, T> listener;
  berth::socket<F, T> client;
  berth::socket<F, T> server;
};

/// Listens on fresh_endpoint<F>(), connects and accepts.
template <class F, class T = berth::stream>
connection<F, T> connect_pair() {
  connection<F, T> c;
  c.listener = berth::listen<T>(fresh_endpoint<F>());
  c.client = berth::connect<T>(c.listener.local_endpoint());
  c.server = c.listener.accept();
  return c;
}

/// The code of the std::system_error that `call()` throws; an empty code when it throws
/// nothing.
template <class Call>
std::error_code thrown_code(Call call) {
  try {
    call();
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

/// An inet endpoint on 127.0.0.1 where nobody listens: a port the kernel chose for a
/// socket that was then closed.
inline berth::inet_endpoint closed_port4() {
  return berth::bind(loopback4()).local_endpoint();
}
/// As closed_port4(), on ::1.
inline berth::inet6_endpoint closed_port6() {
  return berth::bind(loopback6()).local_endpoint();
}

/// Whether `fd` names no open descriptor (fcntl F_GETFD fails with EBADF).
inline bool is_closed(int fd) { return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF; }

/// Whether O_NONBLOCK is set on `fd`.
inline bool is_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

/// Runs /bin/sh -c 'test -e /proc/self/fd/N' in a child (fork, then exec): 1 when the
/// program after exec still has descriptor `fd`, 0 when it does not, -1 when the child
/// could not be run. The child is reaped.
inline int exec_sees_descriptor(int fd) {
  const std::string script = "test -e /proc/self/fd/" + std::to_string(fd);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r != pid || !WIFEXITED(status)) return -1;
  const int code = WEXITSTATUS(status);
  return code == 0 ? 1 : code == 1 ? 0 : -1;
}

/// Sets the disposition of `signal_number` for this object's lifetime, then restores it.
class signal_disposition {
 public:
  signal_disposition(int signal_number, void (*handler)(int), int flags = 0)
      : number_(signal_number) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = flags;
    installed_ = ::sigaction(number_, &action, &old_) == 0;
  }
  ~signal_disposition() {
    if (installed_) ::sigaction(number_, &old_, nullptr);
  }
  signal_disposition(const signal_disposition&) = delete;
  signal_disposition& operator=(const signal_disposition&) = delete;
  /// Whether sigaction accepted the new disposition.
  bool installed() const noexcept { return installed_; }

 private:
  int number_;
  struct sigaction old_ {};
  bool installed_ = false;
};

/// How many times the SIGUSR1 handler installed by sigusr1_handler ran.
inline std::atomic<int> sigusr1_count{0};

/// Installs a SIGUSR1 handler WITHOUT SA_RESTART (so a blocked call returns EINTR) that
/// counts in sigusr1_count; restores the previous disposition when it goes away.
class sigusr1_handler {
 public:
  sigusr1_handler() : disposition_(SIGUSR1, &on_signal, 0) { sigusr1_count = 0; }
  bool installed() const noexcept { return disposition_.installed(); }

 private:
  static void on_signal(int) { sigusr1_count.fetch_add(1); }
  signal_disposition disposition_;
};

/// Whether thread `tid` of this process sleeps (state S) inside one of `syscalls`, read
/// from /proc/self/task/<tid>/syscall (first field: the system call number) and .../stat.
inline bool is_blocked_in(pid_t tid, const std::vector<long>& syscalls) {
  const auto read_file = [](const std::string& path, char* text, std::size_t size) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const ssize_t n = ::read(fd, text, size - 1);
    ::close(fd);
    if (n <= 0) return false;
    text[n] = '\0';
    return true;
  };
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  char text[512];
  if (!read_file(task + "/syscall", text, sizeof text)) return false;
  char* end = nullptr;
  const long number = std::strtol(text, &end, 10);
  if (end == text) return false;  // "running"
  if (std::find(syscalls.begin(), syscalls.end(), number) == syscalls.end()) return false;
  if (!read_file(task + "/stat", text, sizeof text)) return false;
  const std::string_view stat(text);
  const std::size_t paren = stat.rfind(')');
  return paren != std::string_view::npos && paren + 2 < stat.size() && stat[paren + 2] == 'S';
}

/// Waits (up to `limit`, in 1 ms steps) until `condition()` holds; returns whether it did.
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += std::chrono::milliseconds(1)) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return condition();
}

/// A helper thread, made on the thread to interrupt: it waits until that thread sleeps in
/// one of `syscalls`, sends it SIGUSR1 (see sigusr1_handler), waits for the handler to
/// run, then calls `after` (which should let the blocked call complete). Even when the
/// thread is never seen blocked, `after` still runs so nothing hangs; saw_blocked() tells.
/// Joined by join() or the destructor.
class interrupter {
 public:
  template <class After>
  interrupter(std::initializer_list<long> syscalls, After after)
      : target_(::pthread_self()), tid_(static_cast<pid_t>(::syscall(SYS_gettid))), syscalls_(syscalls) {
    thread_ = std::thread([this, after]() mutable {
      blocked_ = wait_until([this] { return is_blocked_in(tid_, syscalls_); });
      if (blocked_) {
        signalled_ = ::pthread_kill(target_, SIGUSR1) == 0 &&
                     wait_until([] { return sigusr1_count.load() > 0; });
      }
      after();
    });
  }
  ~interrupter() { join(); }
  interrupter(const interrupter&) = delete;
  interrupter& operator=(const interrupter&) = delete;

  void join() {
    if (thread_.joinable()) thread_.join();
  }
  /// Whether the target was seen sleeping in the system call (valid after join()).
  bool saw_blocked() const noexcept { return blocked_; }
  /// Whether the signal was sent and its handler ran (valid after join()).
  bool signalled() const noexcept { return signalled_; }

 private:
  pthread_t target_;
  pid_t tid_;
  std::vector<long> syscalls_;
  std::atomic<bool> blocked_{false};
  std::atomic<bool> signalled_{false};
  std::thread thread_;
};

/// Makes every new descriptor fail with EMFILE while it lives: lowers RLIMIT_NOFILE to
/// `limit` and fills the free numbers below it with /dev/null. Restores both afterwards.
/// While it lives, make no Catch2 assertion: UBSan's vptr check probes memory through a
/// pipe, which fails without descriptors; record results and assert after release().
/// For the same reason the constructor first throws and catches one std::system_error
/// for EMFILE, so the dynamic types a thrown error involves are already in UBSan's cache.
class descriptor_exhaustion {
 public:
  explicit descriptor_exhaustion(rlim_t limit = 64) {
    (void)thrown_code([] { throw std::system_error(EMFILE, std::system_category(), "warm-up"); });
    if (::getrlimit(RLIMIT_NOFILE, &old_) != 0) return;
    rlimit lowered = old_;
    lowered.rlim_cur = std::min<rlim_t>({limit, rlim_t{max_fillers}, old_.rlim_cur});
    if (::setrlimit(RLIMIT_NOFILE, &lowered) != 0) return;
    lowered_ = true;
    for (rlim_t i = 0; i < lowered.rlim_cur; ++i) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        exhausted_ = errno == EMFILE;
        break;
      }
      fillers_[filled_++] = fd;
    }
  }
  ~descriptor_exhaustion() { release(); }
  descriptor_exhaustion(const descriptor_exhaustion&) = delete;
  descriptor_exhaustion& operator=(const descriptor_exhaustion&) = delete;

  /// Whether a new descriptor now fails with EMFILE.
  bool exhausted() const noexcept { return exhausted_; }
  /// Closes the fillers and restores the limit (early, before asserting).
  void release() noexcept {
    while (filled_ > 0) ::close(fillers_[--filled_]);
    if (lowered_) ::setrlimit(RLIMIT_NOFILE, &old_);
    lowered_ = false;
  }

 private:
  rlimit old_{};
  bool lowered_ = false;
  bool exhausted_ = false;
  static constexpr std::size_t max_fillers = 64;
  int fillers_[max_fillers] = {};
  std::size_t filled_ = 0;
};

// ---- Revision 2: vectored I/O, descriptors, batches, files ----------------------------------

/// Puts SIGPIPE back to its default action (the process ends) and unblocks it in this
/// thread while it lives: a send that raised SIGPIPE would end the test run, so a test
/// that survives proves none was raised. Restores both afterwards.
class sigpipe_terminates {
 public:
  sigpipe_terminates() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    unblocked_ = ::pthread_sigmask(SIG_UNBLOCK, &pipe_only, &old_mask_) == 0;
  }
  ~sigpipe_terminates() {
    if (unblocked_) ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  sigpipe_terminates(const sigpipe_terminates&) = delete;
  sigpipe_terminates& operator=(const sigpipe_terminates&) = delete;
  /// Whether SIGPIPE is now at its default action and unblocked.
  bool in_force() const noexcept { return unblocked_ && disposition_.installed(); }

 private:
  signal_disposition disposition_{SIGPIPE, SIG_DFL};
  sigset_t old_mask_{};
  bool unblocked_ = false;
};

}  // namespace berth_test

#endif  // BERTH_TESTS_SUPPORT_SOCKETS_HPP
