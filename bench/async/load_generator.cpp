// The load generator of the async benchmark: C connections to an echo server, each sending
// messages of a counter pattern and checking every byte that comes back.
//
//   load_generator --connect ENDPOINT [--connections C] [--depth D] [--size BYTES]
//                  (--duration SECONDS [--warmup SECONDS] | --count N)
//                  [--connect-parallel K] [--server-pid PID] [--reset] [--json]
//                  [--perf-control CTL,ACK] [--alloc-counter FILE]
//
// One thread, one epoll set, level-triggered. Every connection keeps D messages in flight
// (D = 1: request/response); each message is stamped when it is handed to send(), and its
// round trip ends when its last byte is back. Message m of connection i carries m (8 bytes,
// little-endian), i (4 bytes) and bytes derived from both, so a byte lost, repeated, moved
// or sent to the wrong connection is caught: every received byte is compared with what was
// sent at its offset, and the run fails (exit 1) at the first difference, on a connection
// the server closed or reset, or when an echo is short once sending stopped.
//
// --duration: sends for --warmup seconds (not counted), then for SECONDS (counted), then
// stops sending and waits for the echoes still in flight. --count: every connection sends
// N messages; all are counted. The rate is completed round trips per second over the
// counted time; p50/p99/max are of the counted round trips (a histogram with 1.6 %
// resolution). --server-pid: the server's CPU time over the counted time too (all its
// threads, from /proc), and the generator's own. --reset: close with a reset (SO_LINGER 0)
// instead of a FIN. --perf-control: enables a `perf stat --control fifo:CTL,ACK -D -1`
// attached to the server for exactly the counted time; --alloc-counter: reads the server's
// allocation counts (bench/async/alloc_counter.cpp) at both ends of it. Bounded: every phase has a deadline, and an alarm ends the process if all
// else fails.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server.hpp"  // the endpoint and the descriptor limit

namespace {

using async_bench::endpoint;

std::uint64_t now_ns() noexcept {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(t.tv_nsec);
}

[[noreturn]] void die(const char* format, ...) __attribute__((format(printf, 1, 2)));
void die(const char* format, ...) {
  std::fprintf(stderr, "load_generator: FAILED: ");
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fprintf(stderr, "\n");
  std::exit(1);
}

/// Round-trip times in nanoseconds: exact below 64 ns, then 64 buckets per power of two.
class histogram {
 public:
  void add(std::uint64_t v) noexcept {
    ++counts_[index(v)];
    ++total_;
    max_ = std::max(max_, v);
  }
  void clear() noexcept { *this = histogram{}; }
  std::uint64_t total() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return max_; }
  /// The value below which a fraction p of the samples lie (the middle of its bucket).
  double percentile(double p) const noexcept {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total_));
    if (rank < 1) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t k = 0; k < counts_.size(); ++k) {
      seen += counts_[k];
      if (seen >= rank) return middle(k);
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr unsigned sub = 64;
  static std::size_t index(std::uint64_t v) noexcept {
    if (v < sub) return static_cast<std::size_t>(v);
    const unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(v));  // >= 6
    return (e - 5u) * sub + static_cast<std::size_t>((v >> (e - 6u)) - sub);
  }
  static double middle(std::size_t k) noexcept {
    if (k < sub) return static_cast<double>(k);
    const auto group = static_cast<unsigned>(k / sub);
    const auto e = group + 5u;
    const double low = static_cast<double>((sub + k % sub) << (e - 6u));
    return low + static_cast<double>(std::uint64_t{1} << (e - 6u)) / 2;
  }
  std::array<std::uint64_t, 59 * sub> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

/// CPU time a process has used, in seconds: every thread's (from /proc/PID/task/*/schedstat,
/// in nanoseconds), and user and system time (from /proc/PID/stat, in clock ticks).
struct cpu_times {
  double total = 0;
  double user = 0;
  double system = 0;
};

cpu_times read_cpu(int pid) {
  cpu_times t;
  if (pid <= 0) return t;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const std::string path = dir + "/" + e->d_name + "/schedstat";
      if (FILE* f = std::fopen(path.c_str(), "r")) {
        unsigned long long ns = 0;
        if (std::fscanf(f, "%llu", &ns) == 1) t.total += static_cast<double>(ns) / 1e9;
        std::fclose(f);
      }
    }
    closedir(d);
  }
  const std::string stat = "/proc/" + std::to_string(pid) + "/stat";
  if (FILE* f = std::fopen(stat.c_str(), "r")) {
    char text[4096] = {};
    const std::size_t n = std::fread(text, 1, sizeof text - 1, f);
    std::fclose(f);
    text[n] = '\0';
    // Fields 14 and 15 (utime, stime) follow the command name's closing parenthesis.
    if (const char* p = std::strrchr(text, ')')) {
      unsigned long long user = 0;
      unsigned long long system = 0;
      if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &user,
                      &system) == 2) {
        const auto hz = static_cast<double>(sysconf(_SC_CLK_TCK));
        t.user = static_cast<double>(user) / hz;
        t.system = static_cast<double>(system) / hz;
      }
    }
  }
  return t;
}

double own_cpu() noexcept {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

/// (allocations, frees) from the file libberth_alloc_counter.so maps in the server.
struct allocation_counts {
  std::uint64_t allocations = 0;
  std::uint64_t frees = 0;
};

allocation_counts read_allocations(int fd) {
  unsigned char data[24] = {};
  allocation_counts a;
  if (fd < 0 || pread(fd, data, sizeof data, 0) != static_cast<ssize_t>(sizeof data) ||
      std::memcmp(data, "BERTHALC", 8) != 0)
    return a;
  for (int k = 7; k >= 0; --k) {
    a.allocations = (a.allocations << 8) | data[8 + k];
    a.frees = (a.frees << 8) | data[16 + k];
  }
  return a;
}

struct settings {
  endpoint to;
  int server_pid = 0;  // > 0: report the server's CPU time over the counted time
  std::string perf_control;   // "CTL,ACK": perf stat's control FIFOs, enabled for the counted time
  std::string alloc_counter;  // the server's allocation counter file, read at both ends
  std::uint32_t connections = 1;
  std::uint32_t depth = 1;
  std::uint32_t size = 64;
  double duration = 0;  // > 0: duration mode
  double warmup = -1;   // < 0: the default (0.5 s in duration mode, 0 with --count)
  std::uint64_t count = 0;  // > 0: count mode
  std::uint32_t connect_parallel = 256;
  bool reset = false;
  bool json = false;
};

/// The byte at offset `b` of message `m` on connection `id`.
inline char pattern(std::uint32_t id, std::uint64_t m, std::uint32_t b) noexcept {
  if (b < 8) return static_cast<char>(m >> (8 * b));
  if (b < 12) return static_cast<char>(id >> (8 * (b - 8)));
  return static_cast<char>(m * 131u + id * 31u + b * 7u);
}

struct connection {
  int fd = -1;
  std::uint32_t id = 0;
  int attempts = 0;
  bool connected = false;
  bool want_out = false;           // EPOLLOUT registered: a partial send is pending
  std::uint64_t sent = 0;          // messages handed to send()
  std::uint64_t completed = 0;     // messages whose every byte came back, checked
  std::uint64_t received = 0;      // bytes checked
  std::uint64_t counted_from = 0;  // `completed` when counting began
  std::unique_ptr<char[]> out;     // what send() has not taken yet: out[out_begin, out_end)
  std::size_t out_begin = 0;
  std::size_t out_end = 0;
  std::unique_ptr<std::uint64_t[]> stamps;  // when message m was sent: stamps[m % depth]
};

class generator {
 public:
  explicit generator(const settings& s) : s_(s), conns_(s.connections) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) die("epoll_create1: %s", std::strerror(errno));
    for (std::uint32_t k = 0; k < s_.connections; ++k) {
      conns_[k].id = k;
      conns_[k].out.reset(new char[std::size_t{s_.depth} * s_.size]);
      conns_[k].stamps.reset(new std::uint64_t[s_.depth]);
    }
  }

  int run() {
    open_controls();
    connect_all();
    const std::uint64_t start = now_ns();
    const double warmup = s_.warmup >= 0 ? s_.warmup : (s_.count > 0 ? 0.0 : 0.5);
    std::uint64_t count_at = start + static_cast<std::uint64_t>(warmup * 1e9);
    std::uint64_t stop_at = s_.count > 0 ? UINT64_MAX
                                         : count_at + static_cast<std::uint64_t>(s_.duration * 1e9);
    counting_ = warmup <= 0;
    if (counting_) begin_counting(start);
    sending_ = true;
    for (auto& c : conns_) send_more(c, s_.depth, start);

    // Deadline of the whole sending phase: the duration, or a bound for --count.
    const std::uint64_t hard_stop =
        s_.count > 0 ? start + 600'000'000'000ull
                     : stop_at + 1'000'000'000ull;
    for (;;) {
      std::uint64_t now = now_ns();
      if (!counting_ && now >= count_at) begin_counting(now);
      if (sending_ && now >= stop_at) end_counting(now);
      if (!sending_ && in_flight_ == 0) break;
      if (s_.count > 0 && sending_ && finished_ == conns_.size()) {
        end_counting(now);
        break;
      }
      if (now >= hard_stop) break;
      const std::uint64_t next = std::min({counting_ ? UINT64_MAX : count_at,
                                           sending_ ? stop_at : UINT64_MAX, hard_stop});
      const int timeout_ms = next == UINT64_MAX ? 1000
                                                : static_cast<int>((next - now) / 1'000'000 + 1);
      const int n = epoll_wait(epoll_, events_, max_events,
                               std::min(timeout_ms, 1000));
      if (n < 0) {
        if (errno == EINTR) continue;
        die("epoll_wait: %s", std::strerror(errno));
      }
      for (int k = 0; k < n; ++k) {
        auto& c = conns_[events_[k].data.u32];
        const std::uint64_t at = now_ns();
        if ((events_[k].events & EPOLLOUT) != 0) flush(c);
        if ((events_[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) receive(c, at);
      }
    }
    // Sending stopped: the echoes still in flight must all come back, in time.
    const std::uint64_t drain_until = now_ns() + 10'000'000'000ull;
    while (in_flight_ != 0 && now_ns() < drain_until) {
      const int n = epoll_wait(epoll_, events_, max_events, 100);
      for (int k = 0; k < n; ++k) {
        auto& c = conns_[events_[k].data.u32];
        if ((events_[k].events & EPOLLOUT) != 0) flush(c);
        if ((events_[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) receive(c, now_ns());
      }
    }
    for (const auto& c : conns_) {
      if (c.received != c.sent * s_.size)
        die("short echo: connection %u got %llu of the %llu bytes it sent (the run %s)", c.id,
            static_cast<unsigned long long>(c.received),
            static_cast<unsigned long long>(c.sent * s_.size),
            now_ns() >= hard_stop ? "hit its time limit" : "stopped sending 10 s before");
    }
    if (count_end_ == 0) die("the run hit its time limit of 600 s");
    report();
    for (auto& c : conns_) {
      if (s_.reset) {
        const linger l{1, 0};
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      }
      close(c.fd);
    }
    return 0;
  }

 private:
  /// Opens every connection, at most connect_parallel at a time; a failed one is retried
  /// (5 attempts); the errors are counted and reported.
  void connect_all() {
    const std::uint64_t begin = now_ns();
    const std::uint64_t deadline = begin + 60'000'000'000ull;
    std::deque<std::uint32_t> waiting;
    for (std::uint32_t k = 0; k < s_.connections; ++k) waiting.push_back(k);
    std::uint32_t pending = 0;
    std::uint32_t done = 0;
    while (done < s_.connections) {
      while (pending < s_.connect_parallel && !waiting.empty()) {
        connection& c = conns_[waiting.front()];
        waiting.pop_front();
        if (start_connect(c)) {
          ++done;
        } else if (c.fd >= 0) {
          ++pending;
        } else {
          waiting.push_back(c.id);  // failed at once: counted; tried again
        }
      }
      if (now_ns() >= deadline)
        die("connected %u of %u connections in 60 s (%u connect errors)", done, s_.connections,
            connect_errors_);
      if (pending == 0) continue;
      const int n = epoll_wait(epoll_, events_, max_events, 100);
      if (n < 0 && errno != EINTR) die("epoll_wait: %s", std::strerror(errno));
      for (int k = 0; k < n; ++k) {
        connection& c = conns_[events_[k].data.u32];
        if (c.connected) continue;
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        --pending;
        if (error == 0) {
          connected(c);
          ++done;
        } else {
          failed_attempt(c, error);
          waiting.push_back(c.id);
        }
      }
    }
    connect_seconds_ = static_cast<double>(now_ns() - begin) / 1e9;
  }

  /// True when connected at once; false with c.fd >= 0 when in progress, c.fd < 0 when
  /// the attempt failed.
  bool start_connect(connection& c) {
    c.fd = socket(s_.to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die("socket: %s (descriptor limit?)", std::strerror(errno));
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u32 = c.id;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) die("epoll_ctl: %s", std::strerror(errno));
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&s_.to.address), s_.to.length) == 0) {
      connected(c);
      return true;
    }
    if (errno == EINPROGRESS) return false;
    failed_attempt(c, errno);
    return false;
  }

  void connected(connection& c) {
    c.connected = true;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = c.id;
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev) != 0) die("epoll_ctl: %s", std::strerror(errno));
  }

  void failed_attempt(connection& c, int error) {
    ++connect_errors_;
    close(c.fd);
    c.fd = -1;
    if (++c.attempts >= 5)
      die("connection %u: connect failed 5 times, last: %s", c.id, std::strerror(error));
  }

  /// Hands up to `n` new messages to send(), stamped `now`.
  void send_more(connection& c, std::uint64_t n, std::uint64_t now) {
    if (!sending_) return;
    if (s_.count > 0) n = std::min(n, s_.count - c.sent);
    if (n == 0) return;
    if (c.out_begin != 0) {  // keep what is pending at the front
      std::memmove(c.out.get(), c.out.get() + c.out_begin, c.out_end - c.out_begin);
      c.out_end -= c.out_begin;
      c.out_begin = 0;
    }
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint64_t m = c.sent++;
      char* p = c.out.get() + c.out_end;
      for (std::uint32_t b = 0; b < s_.size; ++b) p[b] = pattern(c.id, m, b);
      c.out_end += s_.size;
      c.stamps[m % s_.depth] = now;
      ++in_flight_;
    }
    flush(c);
  }

  void flush(connection& c) {
    while (c.out_begin < c.out_end) {
      const ssize_t n = send(c.fd, c.out.get() + c.out_begin, c.out_end - c.out_begin,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out_begin += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        if (!c.want_out) watch(c, true);
        return;
      }
      die("connection %u: send: %s (after %llu of its bytes came back)", c.id, std::strerror(errno),
          static_cast<unsigned long long>(c.received));
    }
    c.out_begin = c.out_end = 0;
    if (c.want_out) watch(c, false);
  }

  void watch(connection& c, bool out) {
    c.want_out = out;
    epoll_event ev{};
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0u);
    ev.data.u32 = c.id;
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev) != 0) die("epoll_ctl: %s", std::strerror(errno));
  }

  /// Reads what came back and checks it byte by byte against what was sent.
  void receive(connection& c, std::uint64_t now) {
    const ssize_t n = recv(c.fd, buffer_, sizeof buffer_, MSG_DONTWAIT);
    if (n == 0)
      die("connection %u: the server closed it after %llu of %llu bytes came back", c.id,
          static_cast<unsigned long long>(c.received),
          static_cast<unsigned long long>(c.sent * s_.size));
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("connection %u: recv: %s after %llu bytes came back", c.id, std::strerror(errno),
          static_cast<unsigned long long>(c.received));
    }
    const char* p = buffer_;
    auto left = static_cast<std::uint64_t>(n);
    std::uint64_t completed = 0;
    while (left > 0) {
      const std::uint64_t m = c.received / s_.size;
      const auto b = static_cast<std::uint32_t>(c.received % s_.size);
      const std::uint64_t take = std::min<std::uint64_t>(left, s_.size - b);
      if (m >= c.sent)
        die("connection %u: %llu bytes came back, more than the %llu sent", c.id,
            static_cast<unsigned long long>(c.received + left),
            static_cast<unsigned long long>(c.sent * s_.size));
      for (std::uint32_t k = 0; k < take; ++k) {
        const char want = pattern(c.id, m, b + k);
        if (p[k] != want)
          die("connection %u: byte %llu (message %llu, offset %u) is 0x%02x, sent 0x%02x", c.id,
              static_cast<unsigned long long>(c.received + k), static_cast<unsigned long long>(m),
              b + k, static_cast<unsigned char>(p[k]), static_cast<unsigned char>(want));
      }
      p += take;
      left -= take;
      c.received += take;
      if (b + take == s_.size) {  // message m is back, all of it
        ++c.completed;
        ++completed;
        --in_flight_;
        if (counting_ && sending_) latencies_.add(now - c.stamps[m % s_.depth]);
      }
    }
    if (completed > 0 && s_.count > 0 && c.completed == s_.count) ++finished_;
    if (completed > 0) send_more(c, completed, now);
  }

  /// Opens perf's control FIFOs (perf runs already, attached to the server, disabled).
  void open_controls() {
    if (!s_.perf_control.empty()) {
      const auto comma = s_.perf_control.find(',');
      if (comma == std::string::npos) die("--perf-control takes CTL,ACK");
      perf_ctl_ = open(s_.perf_control.substr(0, comma).c_str(), O_WRONLY | O_CLOEXEC);
      perf_ack_ = open(s_.perf_control.substr(comma + 1).c_str(), O_RDONLY | O_CLOEXEC);
      if (perf_ctl_ < 0 || perf_ack_ < 0) die("cannot open perf's control FIFOs: %s", std::strerror(errno));
    }
    if (!s_.alloc_counter.empty()) {
      alloc_fd_ = open(s_.alloc_counter.c_str(), O_RDONLY | O_CLOEXEC);
      if (alloc_fd_ < 0) die("cannot open %s: %s", s_.alloc_counter.c_str(), std::strerror(errno));
    }
  }

  /// Tells perf to start or stop counting and waits for its acknowledgement (10 s at most).
  void perf_command(const char* word) {
    if (perf_ctl_ < 0) return;
    const std::string line = std::string(word) + "\n";
    if (write(perf_ctl_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      die("writing to perf's control FIFO: %s", std::strerror(errno));
    pollfd p{perf_ack_, POLLIN, 0};
    char ack[64];
    if (poll(&p, 1, 10'000) != 1 || read(perf_ack_, ack, sizeof ack) <= 0)
      die("perf did not acknowledge '%s'", word);
  }

  void begin_counting(std::uint64_t now) {
    perf_command("enable");
    allocations_start_ = read_allocations(alloc_fd_);
    counting_ = true;
    count_start_ = now;
    latencies_.clear();
    for (auto& c : conns_) c.counted_from = c.completed;
    server_cpu_start_ = read_cpu(s_.server_pid);
    own_cpu_start_ = own_cpu();
  }

  void end_counting(std::uint64_t now) {
    sending_ = false;
    count_end_ = now;
    counted_ = counted_total();
    const cpu_times end = read_cpu(s_.server_pid);
    server_cpu_.total = end.total - server_cpu_start_.total;
    server_cpu_.user = end.user - server_cpu_start_.user;
    server_cpu_.system = end.system - server_cpu_start_.system;
    own_cpu_ = own_cpu() - own_cpu_start_;
    const allocation_counts a = read_allocations(alloc_fd_);
    allocations_ = a.allocations - allocations_start_.allocations;
    frees_ = a.frees - allocations_start_.frees;
    perf_command("disable");
  }

  std::uint64_t counted_total() const noexcept {
    std::uint64_t total = 0;
    for (const auto& c : conns_) total += c.completed - c.counted_from;
    return total;
  }

  void report() const {
    const double seconds = static_cast<double>(count_end_ - count_start_) / 1e9;
    const double rate = seconds > 0 ? static_cast<double>(counted_) / seconds : 0;
    std::uint64_t least = UINT64_MAX;
    std::uint64_t most = 0;
    std::uint64_t bytes = 0;
    for (const auto& c : conns_) {
      least = std::min(least, c.completed);
      most = std::max(most, c.completed);
      bytes += c.received;
    }
    const double p50 = latencies_.percentile(0.50) / 1e3;
    const double p99 = latencies_.percentile(0.99) / 1e3;
    const double max = static_cast<double>(latencies_.max()) / 1e3;
    if (s_.json) {
      std::printf("{\"connections\": %u, \"depth\": %u, \"size\": %u, \"messages\": %llu, "
                  "\"seconds\": %.6f, \"rate\": %.1f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
                  "\"max_us\": %.2f, \"round_trips_timed\": %llu, \"connect_errors\": %u, "
                  "\"connect_seconds\": %.3f, \"bytes_checked\": %llu, "
                  "\"least_per_connection\": %llu, \"most_per_connection\": %llu, "
                  "\"server_cpu_s\": %.6f, \"server_user_s\": %.3f, \"server_system_s\": %.3f, "
                  "\"load_generator_cpu_s\": %.6f, \"server_allocations\": %llu, "
                  "\"server_frees\": %llu}\n",
                  s_.connections, s_.depth, s_.size, static_cast<unsigned long long>(counted_),
                  seconds, rate, p50, p99, max,
                  static_cast<unsigned long long>(latencies_.total()), connect_errors_,
                  connect_seconds_, static_cast<unsigned long long>(bytes),
                  static_cast<unsigned long long>(least), static_cast<unsigned long long>(most),
                  server_cpu_.total, server_cpu_.user, server_cpu_.system, own_cpu_,
                  static_cast<unsigned long long>(allocations_),
                  static_cast<unsigned long long>(frees_));
    } else {
      std::printf("%u connections, depth %u, %u-byte messages: %llu round trips in %.3f s = "
                  "%.0f messages/s; round trip p50 %.1f us, p99 %.1f us, max %.1f us; "
                  "%u connect errors (connecting took %.3f s); %llu bytes checked; "
                  "per connection %llu to %llu messages\n",
                  s_.connections, s_.depth, s_.size, static_cast<unsigned long long>(counted_),
                  seconds, rate, p50, p99, max, connect_errors_, connect_seconds_,
                  static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(least),
                  static_cast<unsigned long long>(most));
    }
    std::fflush(stdout);
  }

  settings s_;
  std::vector<connection> conns_;
  int epoll_ = -1;
  bool sending_ = false;
  bool counting_ = false;
  std::uint64_t in_flight_ = 0;
  std::size_t finished_ = 0;
  std::uint64_t count_start_ = 0;
  std::uint64_t count_end_ = 0;
  std::uint64_t counted_ = 0;
  int perf_ctl_ = -1;
  int perf_ack_ = -1;
  int alloc_fd_ = -1;
  allocation_counts allocations_start_;
  std::uint64_t allocations_ = 0;
  std::uint64_t frees_ = 0;
  cpu_times server_cpu_start_;
  cpu_times server_cpu_;
  double own_cpu_start_ = 0;
  double own_cpu_ = 0;
  unsigned connect_errors_ = 0;
  double connect_seconds_ = 0;
  histogram latencies_;
  static constexpr int max_events = 1024;
  epoll_event events_[max_events];
  char buffer_[64 * 1024];
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "load_generator: %s\n"
               "usage: load_generator --connect ENDPOINT [--connections C] [--depth D] "
               "[--size BYTES]\n"
               "                      (--duration SECONDS [--warmup SECONDS] | --count N)\n"
               "                      [--connect-parallel K] [--server-pid PID] [--reset] [--json]\n"
               "                      [--perf-control CTL,ACK] [--alloc-counter FILE]\n",
               why);
  std::exit(2);
}

template <class T>
T number(std::string_view text, T low, T high, const char* name) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    usage((std::string(name) + " is out of range or not a number").c_str());
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  bool have_to = false;
  for (int k = 1; k < argc; ++k) {
    const std::string_view arg = argv[k];
    if (arg == "--reset") { s.reset = true; continue; }
    if (arg == "--json") { s.json = true; continue; }
    if (k + 1 >= argc) usage(("missing value after " + std::string(arg)).c_str());
    const std::string_view value = argv[++k];
    if (arg == "--connect") {
      if (!s.to.parse(value)) usage("--connect takes A.B.C.D:PORT or [V6]:PORT");
      have_to = true;
    } else if (arg == "--connections") {
      s.connections = number<std::uint32_t>(value, 1, 1'000'000, "--connections");
    } else if (arg == "--depth") {
      s.depth = number<std::uint32_t>(value, 1, 1024, "--depth");
    } else if (arg == "--size") {
      s.size = number<std::uint32_t>(value, 1, 65536, "--size");
    } else if (arg == "--duration") {
      s.duration = number<double>(value, 0.001, 600, "--duration");
    } else if (arg == "--warmup") {
      s.warmup = number<double>(value, 0, 600, "--warmup");
    } else if (arg == "--count") {
      s.count = number<std::uint64_t>(value, 1, 1'000'000'000, "--count");
    } else if (arg == "--server-pid") {
      s.server_pid = number<int>(value, 1, 1 << 30, "--server-pid");
    } else if (arg == "--perf-control") {
      s.perf_control = value;
    } else if (arg == "--alloc-counter") {
      s.alloc_counter = value;
    } else if (arg == "--connect-parallel") {
      s.connect_parallel = number<std::uint32_t>(value, 1, 65536, "--connect-parallel");
    } else {
      usage(("unknown option " + std::string(arg)).c_str());
    }
  }
  if (!have_to) usage("--connect is required");
  if ((s.duration > 0) == (s.count > 0)) usage("give one of --duration and --count");
  async_bench::raise_descriptor_limit();
  std::signal(SIGPIPE, SIG_IGN);
  // The last resort: whatever happens, the process ends (connect 60 s, run, drain 10 s).
  const double bound = 60 + (s.count > 0 ? 600 : std::max(s.warmup, 0.5) + s.duration + 1) + 10 + 30;
  alarm(static_cast<unsigned>(bound));
  return generator(s).run();
}
