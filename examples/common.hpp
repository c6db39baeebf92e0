// What the examples share, so that each program shows only its own socket code:
// command-line arguments, one-line error messages and exit statuses, stopping cleanly on
// SIGINT and SIGTERM, removing a unix socket's file, and one thread per connection.
#ifndef BERTH_EXAMPLES_COMMON_HPP
#define BERTH_EXAMPLES_COMMON_HPP

#include <berth/berth.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <iostream>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace example {

/// A mistake on the command line: the program prints it and exits with status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Anything else that stops a program: it prints it and exits with status 1.
struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Thrown for --help: the program prints its usage on stdout and exits with status 0.
struct help_requested {
  std::string usage;
};

/// `what` and the text of errno, as "what: No such file or directory".
inline std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

/// Runs `body` and returns the program's exit status: 0 when it returns, 2 for a
/// usage_error, 1 for any other exception. Errors are one line on stderr that starts
/// with the program's name, e.g. "echo_server: cannot listen on ...: Address already in use".
template <class Body>
int run(const char* program, Body body) {
  try {
    body();
    return 0;
  } catch (const help_requested& help) {
    std::cout << "usage: " << help.usage << '\n';
    return 0;
  } catch (const usage_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return 1;
  }
}

/// The command line: options that take a value (`--listen ENDPOINT` or `--listen=ENDPOINT`),
/// flags that do not (`--fork`), and up to `max_positional` arguments that are neither
/// (`http_get HOST PORT`). Anything else is a usage_error.
class arguments {
 public:
  arguments(int argc, char** argv, std::string usage,
            std::initializer_list<std::string_view> options,
            std::initializer_list<std::string_view> flags = {}, std::size_t max_positional = 0)
      : usage_(std::move(usage)) {
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (arg == "--help" || arg == "-h") throw help_requested{usage_};
      std::string_view value;
      bool has_value = false;
      if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_value = true;
      }
      if (contains(flags, arg) && !has_value) {
        given_.emplace_back(arg, std::string_view{});
      } else if (contains(options, arg)) {
        if (!has_value) {
          if (i + 1 == argc) fail(std::string(arg) + " needs a value");
          value = argv[++i];
        }
        given_.emplace_back(arg, value);
      } else if (!arg.starts_with("-") && positional_.size() < max_positional) {
        positional_.push_back(arg);
      } else {
        fail("unknown argument '" + std::string(argv[i]) + "'");
      }
    }
  }

  /// The `index`th positional argument (from 0); a usage_error names `what` when it is missing.
  std::string_view positional(std::size_t index, std::string_view what) const {
    if (index < positional_.size()) return positional_[index];
    fail("missing " + std::string(what));
  }
  /// The `index`th positional argument, or `fallback` when there are fewer.
  std::string_view positional_or(std::size_t index, std::string_view fallback) const {
    return index < positional_.size() ? positional_[index] : fallback;
  }

  /// The value of a required option; a usage_error names it when it is missing.
  std::string_view value(std::string_view option) const {
    if (const auto value = find(option)) return *value;
    fail("missing " + std::string(option));
  }
  /// The value of an option, or `fallback` when it was not given.
  std::string_view value_or(std::string_view option, std::string_view fallback) const {
    return find(option).value_or(fallback);
  }
  /// The value of an option that counts something, a whole number from 1 up ("--max-connections
  /// 64"), or `fallback` when it was not given.
  std::size_t count_or(std::string_view option, std::size_t fallback) const {
    const auto given = find(option);
    if (!given) return fallback;
    const std::string_view text = *given;
    std::size_t n = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (error != std::errc{} || end != text.data() + text.size() || n == 0)
      fail(std::string(option) + " needs a whole number from 1 up, not '" + std::string(text) +
           "'");
    return n;
  }
  /// The value of an option that is a time in seconds, more than zero and at most a day
  /// ("10", "0.5"), or `fallback` when it was not given.
  std::chrono::milliseconds seconds_or(std::string_view option,
                                       std::chrono::milliseconds fallback) const {
    const auto given = find(option);
    if (!given) return fallback;
    const std::string_view text = *given;
    double seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    // Written so that NaN fails too: every comparison with it is false.
    if (error != std::errc{} || end != text.data() + text.size() ||
        !(seconds > 0 && seconds <= 86400))
      fail(std::string(option) + " needs a time in seconds, more than 0 and at most 86400, not '" +
           std::string(text) + "'");
    return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::duration<double>(seconds));
  }
  /// Whether a flag was given.
  bool flag(std::string_view name) const {
    for (const auto& given : given_)
      if (given.first == name) return true;
    return false;
  }

 private:
  std::optional<std::string_view> find(std::string_view option) const {
    for (const auto& [name, value] : given_)
      if (name == option) return value;
    return std::nullopt;
  }
  static bool contains(std::initializer_list<std::string_view> names, std::string_view name) {
    for (std::string_view n : names)
      if (n == name) return true;
    return false;
  }
  [[noreturn]] void fail(const std::string& problem) const {
    throw usage_error(problem + " (usage: " + usage_ + ")");
  }

  std::string usage_;
  std::vector<std::pair<std::string_view, std::string_view>> given_;
  std::vector<std::string_view> positional_;
};

/// What the endpoint texts of the command line may be, for the usage errors.
inline constexpr std::string_view endpoint_forms =
    "127.0.0.1:8080, [::1]:8080, localhost:8080, /path/to.sock or @name";

/// A host, by name or address, and a port: "localhost:8080", "example.com:80".
struct host_and_port {
  std::string host;
  std::uint16_t port = 0;
  std::string text;  // as it was written
};

/// Reads "HOST:PORT" (the port the digits after the last ':', 0 to 65535), where HOST is a
/// name: not empty, no ':' (an IPv6 address is written [v6]:port), not a unix path or name.
inline std::optional<host_and_port> host_and_port_from(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.find(':') != std::string_view::npos || host.find('[') != std::string_view::npos ||
      host.front() == '/' || host.front() == '.' || host.front() == '@')
    return std::nullopt;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc{} || end != port.data() + port.size() || value > 65535)
    return std::nullopt;
  return host_and_port{std::string(host), static_cast<std::uint16_t>(value), std::string(text)};
}

/// The endpoint written in `text`, of whichever family the text names:
/// 127.0.0.1:8080, [::1]:8080, /path/to.sock (or ./relative.sock), @abstract-name, or a host
/// name and a port, localhost:8080, which is resolved (berth::resolve) to its first address.
/// Text that is none of these is a usage_error that quotes it; a name that does not resolve
/// is a failure that says why.
inline berth::any_endpoint endpoint_from(std::string_view text) {
  std::error_code ec;
  berth::any_endpoint ep = berth::parse_endpoint(text, ec);
  if (!ec) return ep;
  const std::optional<host_and_port> name = host_and_port_from(text);
  if (!name)
    throw usage_error("bad endpoint '" + std::string(text) + "': " + ec.message() + " (expected " +
                      std::string(endpoint_forms) + ")");
  const std::vector<berth::ip_endpoint> found = berth::resolve(name->host, name->port, ec);
  if (ec) throw failure("cannot resolve '" + name->text + "': " + ec.message());
  const berth::ip_endpoint& first = found.front();  // getaddrinfo's choice: RFC 6724's order
  if (first.is_v4()) return first.to_inet();
  return first.to_inet6();
}

/// Where a client connects: a unix socket (a path or an abstract name), an IP address and
/// port, or a host name and port, which berth::connect(host, port) resolves and connects
/// to with Happy Eyeballs.
using destination = std::variant<berth::local_endpoint, berth::ip_endpoint, host_and_port>;

/// The destination written in `text`: /path/to.sock, @name, 127.0.0.1:8080, [::1]:8080,
/// localhost:8080. Anything else is a usage_error that quotes it.
inline destination destination_from(std::string_view text) {
  std::error_code ec;
  const berth::any_endpoint ep = berth::parse_endpoint(text, ec);
  if (!ec) {
    if (const auto* local = std::get_if<berth::local_endpoint>(&ep)) return *local;
    if (const auto* v4 = std::get_if<berth::inet_endpoint>(&ep)) return berth::ip_endpoint(*v4);
    return berth::ip_endpoint(std::get<berth::inet6_endpoint>(ep));
  }
  if (std::optional<host_and_port> name = host_and_port_from(text)) return *std::move(name);
  throw usage_error("bad endpoint '" + std::string(text) + "': " + ec.message() + " (expected " +
                    std::string(endpoint_forms) + ")");
}

/// A stream socket connected to `to` (see destination), or none and `ec` set.
inline auto connect_to(const berth::local_endpoint& to, std::error_code& ec) { return berth::connect(to, ec); }
inline auto connect_to(const berth::ip_endpoint& to, std::error_code& ec) { return berth::connect(to, ec); }
inline auto connect_to(const host_and_port& to, std::error_code& ec) {
  return berth::connect(to.host, to.port, ec);  // resolve, then Happy Eyeballs
}

/// The text of a destination, as to_string() writes an endpoint, or the host and port as given.
inline std::string text_of(const berth::local_endpoint& to) { return to.to_string(); }
inline std::string text_of(const berth::ip_endpoint& to) { return to.to_string(); }
inline std::string text_of(const host_and_port& to) { return to.text; }

/// SIGINT and SIGTERM (and any other signals named), received when the program asks for
/// them instead of interrupting whatever it is doing.
///
/// Why: berth retries a blocking accept() or read() when a signal interrupts it, as it
/// should, so a signal handler that only sets a flag would never be noticed by a server
/// sitting in accept(). Instead the signals are blocked, the kernel keeps them pending,
/// and a signalfd turns them into something poll() can wait for next to a socket: wait()
/// returns when the socket is readable or when a signal arrived, whichever comes first.
///
/// Make it at the start of main, before any thread starts: threads inherit the blocked
/// mask, so no thread is ever interrupted and every signal goes to the signalfd.
class signals {
 public:
  explicit signals(std::initializer_list<int> extra = {}) {
    ::sigemptyset(&set_);
    ::sigaddset(&set_, SIGINT);
    ::sigaddset(&set_, SIGTERM);
    for (const int s : extra) ::sigaddset(&set_, s);
    // Linux keeps a blocked signal pending even when its action is "ignore" (a shell
    // starts background jobs with SIGINT ignored), so the signalfd sees it all the same.
    if (const int err = ::pthread_sigmask(SIG_BLOCK, &set_, &old_mask_))
      throw failure("pthread_sigmask: " + std::string(std::strerror(err)));
    fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC);
    if (fd_ < 0) throw failure(errno_text("signalfd"));
  }
  ~signals() { close_fd(); }
  signals(const signals&) = delete;
  signals& operator=(const signals&) = delete;

  /// Waits until `fd` is readable (for a listening socket: a connection is waiting) and
  /// returns 0, or until one of the signals arrives and returns its number.
  int wait(int fd) {
    pollfd watched[2] = {{fd_, POLLIN, 0}, {fd, POLLIN, 0}};
    for (;;) {
      if (::poll(watched, 2, -1) < 0) {
        if (errno == EINTR) continue;  // a signal outside the set, e.g. SIGCONT after SIGSTOP
        throw failure(errno_text("poll"));
      }
      if (watched[0].revents & POLLIN) {  // a signal first: stop promptly even under load
        signalfd_siginfo info;
        if (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
          return static_cast<int>(info.ssi_signo);
        continue;
      }
      if (watched[1].revents != 0) return 0;
    }
  }

  /// In a child made by fork(), which serves one connection and exits: closes its copy of
  /// the signalfd and restores the signal mask, so Ctrl-C and kill reach the child as usual.
  void restore_in_child() noexcept {
    close_fd();
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

 private:
  void close_fd() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  sigset_t set_{};
  sigset_t old_mask_{};
  int fd_ = -1;
};

/// Whether an accept() error only concerns the one connection, so that the server simply
/// goes on: "nothing to accept after all" (EAGAIN), the client went away before we took it
/// (ECONNABORTED), or, as accept(2) warns, an error the new connection already had, which
/// Linux reports through accept (ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET,
/// EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH, ETIMEDOUT), or a firewall rule that refused it (EPERM).
inline bool transient_accept_error(std::error_code ec) {
  if (ec.category() != std::system_category()) return false;
  switch (ec.value()) {
    case EAGAIN:  // EWOULDBLOCK is the same number on Linux
    case ECONNABORTED:
    case ENETDOWN:
    case EPROTO:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case ETIMEDOUT:
    case EPERM:
      return true;
    default:
      return false;
  }
}

/// What a server does when accept() fails, so that it stays up, keeps every connection it
/// serves, does not spin, and accepts again as soon as it can:
///
///     auto connection = acceptor.accept(ec);
///     if (ec) { accept_errors.handle(acceptor, ec); continue; }  // or throws example::failure
///
/// A connection that the kernel could not hand over stays in the queue, so the listening
/// socket stays readable: a server that went straight back to poll() would be woken at once,
/// again and again, and burn a core for as long as the shortage lasts. What helps depends
/// on what is short:
///  - EMFILE: this process has no descriptor left (each connection holds one: some 1,020
///    clients at the usual limit of 1,024). A spare descriptor, opened at start for this
///    moment, is closed; the waiting connection is accepted into its place and closed at
///    once; the spare is opened again. Why not just wait: the client is told now (it reads
///    the end of the stream) instead of waiting in the queue for an answer that may never
///    come, and each refused client costs one accept and one close, so the work follows the
///    clients and never spins. As soon as a connection ends, the next client is served.
///  - ENFILE (the whole system is out of files), ENOBUFS or ENOMEM (out of memory), or
///    EMFILE when the spare could not be opened again: a descriptor of ours would not help.
///    The server pauses for 50 ms, leaving connections in the queue, then tries again:
///    twenty tries a second at most, however long it lasts. A signal that comes meanwhile
///    waits in the signalfd (example::signals) and stops the server right after the pause.
///  - An error of that one connection (transient_accept_error): nothing to do.
///  - Anything else (EBADF, EINVAL, ENOTSOCK, ...) is a bug here: handle throws.
class accept_errors {
 public:
  /// `program` starts the lines this writes on stderr.
  explicit accept_errors(std::string program) : program_(std::move(program)) { open_spare(); }
  ~accept_errors() { close_spare(); }
  accept_errors(const accept_errors&) = delete;
  accept_errors& operator=(const accept_errors&) = delete;

  /// Deals with `ec` from `acceptor.accept()` as above, or throws example::failure.
  template <class Acceptor>
  void handle(Acceptor& acceptor, std::error_code ec) {
    if (transient_accept_error(ec)) return;
    if (ec == std::errc::too_many_files_open && spare_ >= 0) {
      close_spare();
      std::error_code refused_ec;
      { auto refused = acceptor.accept(refused_ec); }  // closed at once, before the spare returns
      open_spare();
      if (spare_ >= 0) {
        if (!refused_ec) std::cerr << program_ << ": accept: " << ec.message()
                                   << ": closed a new connection at once\n";
        return;
      }
    }
    if (ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
        ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory) {
      // One line a second at most: the shortage may last, and this runs 20 times a second.
      const auto now = std::chrono::steady_clock::now();
      if (!reported_pause_ || now - *reported_pause_ >= std::chrono::seconds(1)) {
        std::cerr << program_ << ": accept: " << ec.message() << ": trying again every "
                  << pause.count() << " ms\n";
        reported_pause_ = now;
      }
      std::this_thread::sleep_for(pause);
      if (spare_ < 0) open_spare();  // a connection may have ended meanwhile and made room
      return;
    }
    throw failure("accept: " + ec.message());
  }

  /// In a child made by fork(), which serves one connection: closes its copy of the spare.
  void close_in_child() noexcept { close_spare(); }

 private:
  static constexpr std::chrono::milliseconds pause{50};

  void open_spare() noexcept { spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }
  void close_spare() noexcept {
    if (spare_ >= 0) ::close(spare_);
    spare_ = -1;
  }

  std::string program_;
  int spare_ = -1;  // /dev/null, held for the moment EMFILE comes; -1 when it could not be opened
  std::optional<std::chrono::steady_clock::time_point> reported_pause_;
};

/// Removes a unix socket's file when it goes out of scope, however the scope is left
/// (return or exception). bind() creates the file, close() does not remove it, and a file
/// left behind makes the next bind to that path fail with "Address already in use".
/// Does nothing for an abstract name or an internet endpoint.
class socket_file {
 public:
  template <class Endpoint>
  explicit socket_file(const Endpoint& ep) {
    if constexpr (std::is_same_v<Endpoint, berth::local_endpoint>)
      if (!ep.is_abstract() && !ep.is_unnamed()) path_ = ep.path();
  }
  ~socket_file() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  socket_file(const socket_file&) = delete;
  socket_file& operator=(const socket_file&) = delete;

 private:
  std::string path_;
};

/// One thread per connection, each running `serve(connection)`.
///
/// When it goes out of scope it shuts down the connections still open, which ends their
/// blocking reads and writes (read returns end of stream, write fails), then joins every
/// thread: nothing is left running when main returns. Threads that finished are joined as
/// new ones start, so a long-running server does not accumulate them.
class connection_threads {
 public:
  /// `program` starts the line on stderr that reports a thread that could not start.
  explicit connection_threads(std::string program) : program_(std::move(program)) {}
  connection_threads(const connection_threads&) = delete;
  connection_threads& operator=(const connection_threads&) = delete;

  /// Starts a thread that runs `serve(connection)` and then closes the connection.
  ///
  /// A thread may fail to start: a limit on threads (RLIMIT_NPROC, a cgroup's pids.max) or
  /// no memory left for its stack, and std::thread throws std::system_error. Then the
  /// connection is closed at once, so its client reads the end of the stream instead of
  /// waiting for an answer; one line on stderr says so; start returns false and the server
  /// goes on with the connections it has.
  template <class Socket, class Serve>
  bool start(Socket connection, Serve serve) {
    const std::lock_guard lock(mutex_);
    join_finished();
    // The thread refers to its entry, so the entry exists first, but in a list of its own:
    // it joins entries_ only once its thread runs, and a thread that never started leaves
    // nothing behind (an entry without a thread would make join() throw, and the
    // destructor end the program). splice moves the node itself: `e` stays valid.
    std::list<entry> started;
    entry& e = started.emplace_back();
    e.fd = connection.native_handle();
    try {
      e.thread = std::thread([this, &e, connection = std::move(connection), serve]() mutable {
        serve(connection);
        {
          const std::lock_guard done_lock(mutex_);
          e.fd = -1;  // before the socket closes, so its number is never shut down by mistake
          e.done = true;
          --running_;
        }
        std::error_code ignored;
        connection.close(ignored);
      });
    } catch (const std::system_error& error) {
      // std::thread has destroyed the function it was given, and with it the connection
      // (it was moved in): closed, the client sees it end.
      std::cerr << program_ << ": no thread for a new connection, closed it: " << error.what()
                << '\n';
      return false;
    }
    entries_.splice(entries_.end(), started);
    ++running_;
    return true;
  }

  /// How many connections are being served now.
  std::size_t running() {
    const std::lock_guard lock(mutex_);
    return running_;
  }

  ~connection_threads() {
    {
      const std::lock_guard lock(mutex_);
      for (entry& e : entries_)
        if (e.fd >= 0) ::shutdown(e.fd, SHUT_RDWR);
    }
    for (entry& e : entries_) e.thread.join();
  }

 private:
  struct entry {
    std::thread thread;
    int fd = -1;
    bool done = false;
  };

  void join_finished() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->done) {
        it->thread.join();
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::string program_;
  std::mutex mutex_;
  std::list<entry> entries_;  // a list: each thread keeps a reference to its own entry
  std::size_t running_ = 0;   // entries whose thread has not finished serving
};

}  // namespace example

#endif  // BERTH_EXAMPLES_COMMON_HPP
