// What the asynchronous example servers share: the command line (--listen, --backend,
// --threads), one event_loop per thread each with its own SO_REUSEPORT listener, stopping
// every loop on SIGINT or SIGTERM, and an accept loop that survives running out of
// descriptors without spinning. Each program then shows only what it does with a
// connection.
#ifndef BERTH_EXAMPLES_ASYNC_COMMON_HPP
#define BERTH_EXAMPLES_ASYNC_COMMON_HPP

#include "common.hpp"

#include <berth/async.hpp>
#include <berth/berth.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

namespace example {

/// The backend asked for is not available on this machine (io_uring refused by the
/// kernel): the program says so and exits with status 3.
struct backend_unavailable : failure {
  using failure::failure;
};
inline constexpr int backend_unavailable_status = 3;

/// example::run, and status 3 for backend_unavailable.
template <class Body>
int run_server_program(const char* program, Body body) {
  int status = 0;
  const int result = run(program, [&] {
    try {
      body();
    } catch (const backend_unavailable& e) {
      std::cerr << program << ": " << e.what() << '\n';
      status = backend_unavailable_status;
    }
  });
  return status != 0 ? status : result;
}

/// --backend epoll|io_uring and --threads N, beside --listen.
struct async_options {
  berth::any_endpoint where;
  berth::backend backend = berth::backend::epoll;
  std::size_t threads = 1;
};

inline async_options parse_async_options(int argc, char** argv, const std::string& program) {
  const arguments args(argc, argv,
                       program + " --listen ENDPOINT [--backend epoll|io_uring] [--threads N]",
                       {"--listen", "--backend", "--threads"});
  async_options o;
  o.where = endpoint_from(args.value("--listen"));
  const std::string_view backend = args.value_or("--backend", "epoll");
  if (backend == "io_uring")
    o.backend = berth::backend::io_uring;
  else if (backend != "epoll")
    throw usage_error("--backend takes epoll or io_uring, not '" + std::string(backend) + "'");
  o.threads = args.count_or("--threads", 1);
  if (o.threads > 64) throw usage_error("--threads takes 1 to 64");
  return o;
}

/// Raises the soft descriptor limit to the hard one: each connection holds a descriptor,
/// and 10,000 of them need more than the usual 1,024.
inline void raise_descriptor_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

/// SIGINT and SIGTERM, blocked (make this first in main, before any thread starts, so
/// that every thread inherits the mask) and read through a signalfd that the first loop
/// waits on; that loop then makes an eventfd readable, and every other loop, waiting on it,
/// stops too. No thread sits in sigwait: with a second thread glibc makes every recv and
/// send a cancellation point, some 90 instructions each, which a single-threaded server
/// does not pay. SIGPIPE cannot come: berth sends with MSG_NOSIGNAL.
class stop_signals {
 public:
  stop_signals() {
    ::sigemptyset(&set_);
    ::sigaddset(&set_, SIGINT);
    ::sigaddset(&set_, SIGTERM);
    if (const int err = ::pthread_sigmask(SIG_BLOCK, &set_, nullptr))
      throw failure("pthread_sigmask: " + std::string(std::strerror(err)));
    const int sfd = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) throw failure(errno_text("signalfd"));
    signal_ = berth::descriptor(sfd);
    const int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) throw failure(errno_text("eventfd"));
    event_ = berth::descriptor(efd);
  }
  /// Makes the eventfd readable: every loop stops.
  void notify() noexcept {
    const std::uint64_t one = 1;
    (void)!::write(event_.native_handle(), &one, sizeof one);
  }
  /// Readable once SIGINT or SIGTERM arrived (the first loop waits on it).
  berth::descriptor& signal() noexcept { return signal_; }
  /// Readable once notify() was called (the other loops wait on it).
  berth::descriptor& event() noexcept { return event_; }

 private:
  sigset_t set_{};
  berth::descriptor signal_;
  berth::descriptor event_;
};

/// A listener on `where` for one of `threads` loops. inet and inet6: SO_REUSEADDR and
/// SO_REUSEPORT, so each thread has its own on the same port and the kernel spreads the
/// connections; `where` gets the port that port 0 picked. local: one listener, shared.
template <class Endpoint>
berth::acceptor<typename Endpoint::family> reuse_port_listener(Endpoint& where) {
  using family = typename Endpoint::family;
  std::error_code ec;
  if constexpr (std::is_same_v<family, berth::local>) {
    auto a = berth::listen(where, ec);
    if (ec) throw failure("cannot listen on " + where.to_string() + ": " + ec.message());
    return a;
  } else {
    auto s = berth::socket<family, berth::stream>::open(ec);
    if (!ec) s.set(berth::option::reuse_address{true}, ec);
    if (!ec) s.set(berth::option::reuse_port{true}, ec);
    if (!ec) s.bind(where, ec);
    berth::acceptor<family> a;
    if (!ec) a = berth::listen(std::move(s), SOMAXCONN, ec);
    if (ec) throw failure("cannot listen on " + where.to_string() + ": " + ec.message());
    where = a.local_endpoint();
    return a;
  }
}

/// A descriptor (/dev/null) held in reserve for the moment accept reports EMFILE; closed
/// by its destructor, also when the loop destroys a suspended accept_loop.
class spare_descriptor {
 public:
  spare_descriptor() noexcept { open(); }
  spare_descriptor(const spare_descriptor&) = delete;
  spare_descriptor& operator=(const spare_descriptor&) = delete;
  ~spare_descriptor() { close(); }
  [[nodiscard]] bool held() const noexcept { return fd_ >= 0; }
  void open() noexcept {
    if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// Accepts connections for ever, spawning `serve(connection)` on this loop for each.
/// Out of descriptors (EMFILE) with a connection waiting, the spare is closed, the
/// waiting connection accepted and closed at once (its client reads the end of the
/// stream), and the spare opened again: the work follows the clients, nothing spins, and
/// the connections already served go on. Other shortages (ENFILE, ENOBUFS, ENOMEM, or no
/// spare) pause accepting for 50 ms. An error of the one connection is skipped.
template <class Acceptor, class Serve>
berth::task<> accept_loop(Acceptor& acceptor, spare_descriptor& spare, std::string program, Serve serve) {
  auto last_report = std::chrono::steady_clock::time_point{};
  for (;;) {
    std::error_code ec;
    auto connection = co_await berth::async_accept(acceptor, ec);
    if (!ec) {
      co_await berth::spawn(serve(std::move(connection)));
      continue;
    }
    if (transient_accept_error(ec)) continue;
    if (ec == std::errc::too_many_files_open && spare.held()) {
      // accept4 reports EMFILE before it looks at the queue: with nobody waiting, a refusing
      // accept would wait, and take the next client once there is room again. So wait
      // until somebody is in the queue, then try again (there may be room by then).
      pollfd waiting{acceptor.native_handle(), POLLIN, 0};
      if (::poll(&waiting, 1, 0) == 0) {
        std::error_code wait_ec;
        co_await berth::async_wait_readable(acceptor, wait_ec);
        if (!wait_ec) continue;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    const bool report = now - last_report >= std::chrono::seconds(1);  // a line a second at most
    if (report) last_report = now;
    if (ec == std::errc::too_many_files_open && spare.held()) {
      spare.close();
      std::error_code refused_ec;
      { auto refused = co_await berth::async_accept(acceptor, refused_ec); }  // closed at once
      spare.open();
      if (spare.held()) {
        if (report) std::cerr << program << ": accept: " << ec.message() << ": closing new connections at once\n";
        continue;
      }
    }
    if (report) std::cerr << program << ": accept: " << ec.message() << ": trying again every 50 ms\n";
    if (ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
        ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory) {
      co_await berth::sleep_for(std::chrono::milliseconds(50));
      spare.open();
      continue;
    }
    throw failure("accept: " + ec.message());
  }
}

/// Stops `loop` once `stop` is readable; the first loop waits for the signal and then
/// tells the others (`signals.notify()`).
inline berth::task<> stop_when(berth::event_loop& loop, stop_signals& signals, bool first) {
  co_await berth::async_wait_readable(first ? signals.signal() : signals.event());
  if (first) signals.notify();
  loop.stop();
}

/// Runs the server: `threads` loops, one per thread, each with its listener and
/// `serve(connection)` for each connection it accepts; prints "listening on ENDPOINT"
/// once all listen; returns after SIGINT or SIGTERM, every loop stopped and destroyed
/// (its connections closed).
template <class Serve>
void run_async_server(const async_options& options, const std::string& program, Serve serve) {
  raise_descriptor_limit();
  stop_signals signals;
  std::visit(
      [&](auto where) {
        using endpoint_type = decltype(where);
        using acceptor_type = berth::acceptor<typename endpoint_type::family>;
        const socket_file file(where);
        std::vector<acceptor_type> acceptors;
        acceptors.push_back(reuse_port_listener(where));
        const bool shared = std::is_same_v<typename endpoint_type::family, berth::local>;
        for (std::size_t i = 1; i < options.threads && !shared; ++i) acceptors.push_back(reuse_port_listener(where));

        // Loop 0 runs on this thread, the others on threads of their own, each loop made on
        // the thread that runs it (an io_uring ring's one issuer). A loop that cannot be
        // made is reported before anything is announced.
        std::vector<std::string> errors(options.threads);
        std::vector<int> ready(options.threads, 0);
        std::mutex mutex;
        std::condition_variable made;
        const auto serve_on = [&](std::size_t i, bool announce) {
          // The spare is held before "listening on" is said (a test that counts the
          // server's descriptors sees the count it keeps), and outlives the loop.
          spare_descriptor spare;
          std::error_code ec;
          auto loop = std::make_unique<berth::event_loop>(options.backend, ec);
          {
            const std::lock_guard lock(mutex);
            if (ec) errors[i] = "cannot make an event loop: " + ec.message();
            ready[i] = ec ? 2 : 1;
          }
          made.notify_all();
          if (ec) {
            signals.notify();  // one loop missing: none serves
            return;
          }
          if (announce) {  // once every loop exists
            std::unique_lock lock(mutex);
            made.wait(lock, [&] { return std::find(ready.begin(), ready.end(), 0) == ready.end(); });
            for (const std::string& e : errors) {
              if (!e.empty()) {
                lock.unlock();
                signals.notify();
                if (e.find(std::make_error_code(std::errc::function_not_supported).message()) != std::string::npos)
                  throw backend_unavailable(e);
                throw failure(e);
              }
            }
            std::cout << "listening on " << acceptors[0].local_endpoint() << std::endl;
          }
          acceptor_type& acceptor = acceptors[shared ? 0 : i];
          loop->spawn(stop_when(*loop, signals, i == 0));
          loop->run(accept_loop(acceptor, spare, program, serve));
        };
        std::vector<std::thread> threads;
        for (std::size_t i = 1; i < options.threads; ++i)
          threads.emplace_back([&, i] {
            try {
              serve_on(i, false);
            } catch (const std::exception& e) {
              std::cerr << program << ": " << e.what() << '\n';
              signals.notify();
            }
          });
        try {
          serve_on(0, true);
        } catch (...) {
          signals.notify();
          for (std::thread& t : threads) t.join();
          throw;
        }
        for (std::thread& t : threads) t.join();
        for (const std::string& e : errors) {
          if (e.empty()) continue;
          if (e.find(std::make_error_code(std::errc::function_not_supported).message()) != std::string::npos)
            throw backend_unavailable(e);
          throw failure(e);
        }
      },
      options.where);
}

}  // namespace example

#endif  // BERTH_EXAMPLES_ASYNC_COMMON_HPP
