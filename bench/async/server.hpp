// What the baseline echo servers of bench/async share: the command line, the endpoint,
// the descriptor limit, the listeners, and the stop signal. Plain libc, no berth: these
// are the hand-written programs berth's async_echo_server is measured against.
//
//   <server> --listen ENDPOINT [--backend NAME] [--threads N]
//
// ENDPOINT is A.B.C.D:PORT or [V6]:PORT, numeric only (no name is ever resolved); port 0
// picks one. The server prints "listening on ENDPOINT" (the port it got) as its first line,
// echoes every byte on every connection, and exits 0 on SIGTERM or SIGINT. With --threads
// N it runs N loops, one per thread, each with its own SO_REUSEPORT listener on the port.
#ifndef BERTH_BENCH_ASYNC_SERVER_HPP
#define BERTH_BENCH_ASYNC_SERVER_HPP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace async_bench {

/// Exit status of a server whose backend this machine does not offer (io_uring disabled).
inline constexpr int backend_unavailable = 3;

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] inline void usage(const char* program, const char* backend, const char* why) {
  std::fprintf(stderr, "%s: %s\nusage: %s --listen ENDPOINT [--backend %s] [--threads N]\n",
               program, why, program, backend);
  std::exit(2);
}

/// A numeric IPv4 or IPv6 endpoint.
struct endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;

  int family() const noexcept { return address.ss_family; }

  /// Parses A.B.C.D:PORT or [V6]:PORT; false when the text is neither.
  bool parse(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 ||
        port_text.empty())
      return false;
    address = {};
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      const std::string h(host.substr(1, host.size() - 2));
      auto* a6 = reinterpret_cast<sockaddr_in6*>(&address);
      if (inet_pton(AF_INET6, h.c_str(), &a6->sin6_addr) != 1) return false;
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons(static_cast<std::uint16_t>(port));
      length = sizeof(sockaddr_in6);
      return true;
    }
    const std::string h(host);
    auto* a4 = reinterpret_cast<sockaddr_in*>(&address);
    if (inet_pton(AF_INET, h.c_str(), &a4->sin_addr) != 1) return false;
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof(sockaddr_in);
    return true;
  }

  unsigned port() const noexcept {
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }

  void set_port(unsigned port) noexcept {
    const auto p = htons(static_cast<std::uint16_t>(port));
    if (family() == AF_INET6)
      reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = p;
    else
      reinterpret_cast<sockaddr_in*>(&address)->sin_port = p;
  }

  std::string to_string() const {
    char host[INET6_ADDRSTRLEN] = {};
    char text[INET6_ADDRSTRLEN + 16] = {};
    if (family() == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, host,
                sizeof host);
      std::snprintf(text, sizeof text, "[%s]:%u", host, port());
    } else {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, host,
                sizeof host);
      std::snprintf(text, sizeof text, "%s:%u", host, port());
    }
    return text;
  }
};

/// The command line every server takes.
struct options {
  endpoint listen;
  int threads = 1;
};

/// Parses the command line; `backend` is the only --backend value this program accepts.
inline options parse_options(int argc, char** argv, const char* backend) {
  options o;
  bool have_listen = false;
  for (int k = 1; k < argc; ++k) {
    const std::string_view arg = argv[k];
    if (k + 1 >= argc) usage(argv[0], backend, ("missing value after " + std::string(arg)).c_str());
    const std::string_view value = argv[++k];
    if (arg == "--listen") {
      if (!o.listen.parse(value)) usage(argv[0], backend, "--listen takes A.B.C.D:PORT or [V6]:PORT");
      have_listen = true;
    } else if (arg == "--backend") {
      if (value != backend) usage(argv[0], backend, "this server has one backend");
    } else if (arg == "--threads") {
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), o.threads);
      if (ec != std::errc{} || end != value.data() + value.size() || o.threads < 1 ||
          o.threads > 64)
        usage(argv[0], backend, "--threads takes 1 to 64");
    } else {
      usage(argv[0], backend, ("unknown option " + std::string(arg)).c_str());
    }
  }
  if (!have_listen) usage(argv[0], backend, "--listen is required");
  return o;
}

/// Raises the soft descriptor limit to the hard one: 10,000 connections need it.
inline void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) fail("getrlimit");
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) fail("setrlimit");
  }
}

/// A non-blocking, close-on-exec listener with SO_REUSEADDR and SO_REUSEPORT (so that
/// each thread can have its own on the same port). Returns its descriptor.
inline int make_listener(const endpoint& at) {
  const int fd = socket(at.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  const int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) fail("SO_REUSEADDR");
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) fail("SO_REUSEPORT");
  if (bind(fd, reinterpret_cast<const sockaddr*>(&at.address), at.length) != 0) fail("bind");
  if (listen(fd, SOMAXCONN) != 0) fail("listen");
  return fd;
}

/// The endpoint a listener is bound to (the port that port 0 picked).
inline endpoint local_endpoint(int fd) {
  endpoint e;
  e.length = sizeof e.address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&e.address), &e.length) != 0)
    fail("getsockname");
  return e;
}

/// Makes one listener per thread on the endpoint (the first picks the port when it is 0,
/// and o.listen becomes the endpoint it got). Returns the descriptors in `fds`.
inline void listen_all(options& o, int* fds) {
  fds[0] = make_listener(o.listen);
  o.listen = local_endpoint(fds[0]);
  for (int k = 1; k < o.threads; ++k) fds[k] = make_listener(o.listen);
}

/// Prints "listening on ENDPOINT", the server's first line, and flushes it.
inline void announce(const options& o) {
  std::printf("listening on %s\n", o.listen.to_string().c_str());
  std::fflush(stdout);
}

/// Sets TCP_NODELAY on an accepted connection: echoes go out at once whatever is in flight.
inline void set_no_delay(int fd) noexcept {
  const int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// SIGTERM and SIGINT: set a flag and make an eventfd readable, so that every loop
/// (which watches the eventfd, level-triggered, and never reads it) wakes up and stops.
/// SIGPIPE is ignored (sends use MSG_NOSIGNAL anyway).
class stop_signal {
 public:
  stop_signal() {
    fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd_ < 0) fail("eventfd");
    struct sigaction action{};
    action.sa_handler = &stop_signal::handle;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGTERM, &action, nullptr) != 0 || sigaction(SIGINT, &action, nullptr) != 0)
      fail("sigaction");
    std::signal(SIGPIPE, SIG_IGN);
  }
  stop_signal(const stop_signal&) = delete;
  stop_signal& operator=(const stop_signal&) = delete;
  ~stop_signal() { close(fd_); }

  /// The eventfd that becomes readable on the signal.
  int fd() const noexcept { return fd_; }
  /// True once SIGTERM or SIGINT arrived.
  static bool requested() noexcept { return flag_ != 0; }

 private:
  static void handle(int) noexcept {
    const int saved = errno;
    flag_ = 1;
    const std::uint64_t one = 1;
    (void)!write(fd_, &one, sizeof one);
    errno = saved;
  }
  static inline volatile std::sig_atomic_t flag_ = 0;
  static inline int fd_ = -1;
};

}  // namespace async_bench

#endif  // BERTH_BENCH_ASYNC_SERVER_HPP
