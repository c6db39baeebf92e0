// The baseline: raw libc, written with care, as a good C++ programmer would by hand.
// Every descriptor is close-on-exec (SOCK_CLOEXEC, accept4), stream sends pass
// MSG_NOSIGNAL, every call is checked, EINTR is retried (a TCP connect interrupted by a
// signal is completed by poll and SO_ERROR), close is never retried, a datagram longer
// than its buffer is detected (MSG_TRUNC). This is the code berth must match.
// Gather writes use sendmsg with MSG_NOSIGNAL (writev could raise SIGPIPE) and resume
// mid-list; sendfile, which has no MSG_NOSIGNAL, runs with SIGPIPE blocked.
#ifndef BERTH_BENCH_LIBC_IMPL_HPP
#define BERTH_BENCH_LIBC_IMPL_HPP

#include "common.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace berth_bench {

struct libc_impl {
  static constexpr std::string_view name = "libc";

  /// Throws std::system_error with errno, as berth's throwing forms do.
  [[noreturn, gnu::cold, gnu::noinline]] static void fail(const char* what) {
    throw std::system_error(errno, std::system_category(), what);
  }
  [[noreturn, gnu::cold, gnu::noinline]] static void fail(int err, const char* what) {
    throw std::system_error(err, std::system_category(), what);
  }

  /// An owned descriptor, closed once by its destructor.
  class fd {
   public:
    fd() noexcept = default;
    explicit fd(int value) noexcept : value_(value) {}
    fd(fd&& other) noexcept : value_(std::exchange(other.value_, -1)) {}
    fd& operator=(fd&& other) noexcept {
      if (this != &other) {
        reset();
        value_ = std::exchange(other.value_, -1);
      }
      return *this;
    }
    ~fd() { reset(); }
    int get() const noexcept { return value_; }

   private:
    void reset() noexcept {
      if (value_ >= 0) ::close(value_);  // once: Linux has released it even on EINTR
      value_ = -1;
    }
    int value_ = -1;
  };

  /// A socket address of any family and its length.
  struct address {
    sockaddr_storage storage{};
    socklen_t size = 0;
    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
    int family() const noexcept { return storage.ss_family; }
  };

  // ---- building blocks ---------------------------------------------------------------

  [[gnu::always_inline]] static fd open_socket(int domain, int type) {
    const int s = ::socket(domain, type | SOCK_CLOEXEC, 0);
    if (s < 0) fail("socket");
    return fd(s);
  }

  [[gnu::always_inline]] static void set_flag(const fd& s, int level, int option) {
    const int on = 1;
    if (::setsockopt(s.get(), level, option, &on, sizeof on) != 0) fail("setsockopt");
  }

  [[gnu::always_inline]] static address loopback(int family) {
    address a;
    if (family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
      in->sin_family = AF_INET;
      in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.size = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      a.size = sizeof(sockaddr_in6);
    }
    return a;
  }

  [[gnu::always_inline]] static address unix_address(const std::string& path) {
    address a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.storage);
    un->sun_family = AF_UNIX;
    if (path.size() >= sizeof un->sun_path) fail(ENAMETOOLONG, "unix socket path");
    std::memcpy(un->sun_path, path.c_str(), path.size() + 1);
    a.size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return a;
  }

  [[gnu::always_inline]] static address local_address(const fd& s) {
    address a;
    a.size = sizeof a.storage;
    if (::getsockname(s.get(), a.get(), &a.size) != 0) fail("getsockname");
    return a;
  }

  /// connect. Interrupted by a signal, a TCP handshake goes on in the kernel: wait for it
  /// (poll, then SO_ERROR); a unix connect is simply made again.
  [[gnu::always_inline]] static void connect(const fd& s, const address& to) {
    if (::connect(s.get(), to.get(), to.size) == 0) return;
    if (errno != EINTR) fail("connect");
    if (to.family() == AF_UNIX) {
      while (::connect(s.get(), to.get(), to.size) != 0)
        if (errno != EINTR) fail("connect");
      return;
    }
    pollfd p{s.get(), POLLOUT, 0};
    while (::poll(&p, 1, -1) < 0)
      if (errno != EINTR) fail("poll");
    int err = 0;
    socklen_t size = sizeof err;
    if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &size) != 0) fail("getsockopt");
    if (err != 0) fail(err, "connect");
  }

  [[gnu::always_inline]] static fd accept(const fd& listener) {
    for (;;) {
      const int s = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (s >= 0) return fd(s);
      if (errno != EINTR) fail("accept4");
    }
  }

  /// socket, SO_REUSEADDR (inet, inet6), bind, listen.
  [[gnu::always_inline]] static fd listen_on(const address& ep) {
    fd l = open_socket(ep.family(), SOCK_STREAM);
    if (ep.family() != AF_UNIX) set_flag(l, SOL_SOCKET, SO_REUSEADDR);
    if (::bind(l.get(), ep.get(), ep.size) != 0) fail("bind");
    if (::listen(l.get(), SOMAXCONN) != 0) fail("listen");
    return l;
  }

  // ---- streams -------------------------------------------------------------------------

  /// A listener and the address it listens on.
  struct listener {
    fd socket;
    address ep;
    unlink_on_exit file{""};
  };

  template <transport T>
  [[gnu::always_inline]] static listener listen() {
    if constexpr (T == transport::unix_stream) {
      std::string path = unix_socket_path();
      fd l = listen_on(unix_address(path));
      address ep = unix_address(path);
      return {std::move(l), ep, unlink_on_exit(std::move(path))};
    } else {
      fd l = listen_on(loopback(T == transport::tcp4 ? AF_INET : AF_INET6));
      address ep = local_address(l);
      return {std::move(l), ep, unlink_on_exit("")};
    }
  }

  struct stream_pair {
    fd a, b;
  };

  template <transport T>
  [[gnu::always_inline]] static stream_pair open_stream() {
    if constexpr (T == transport::socketpair) {
      int fds[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fail("socketpair");
      return {fd(fds[0]), fd(fds[1])};
    } else {
      const listener l = listen<T>();
      stream_pair p;
      p.a = open_socket(l.ep.family(), SOCK_STREAM);
      connect(p.a, l.ep);
      p.b = accept(l.socket);
      if constexpr (T != transport::unix_stream) {
        set_flag(p.a, IPPROTO_TCP, TCP_NODELAY);
        set_flag(p.b, IPPROTO_TCP, TCP_NODELAY);
      }
      return p;
    }
  }

  /// send (MSG_NOSIGNAL) until all is sent.
  [[gnu::always_inline]] static void write(const fd& s, std::span<const char> data) {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::send(s.get(), p, left, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("send");
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  /// recv (MSG_WAITALL) until the buffer is full; end of stream first is an error.
  [[gnu::always_inline]] static void read(const fd& s, std::span<char> data) {
    char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::recv(s.get(), p, left, MSG_WAITALL);
      if (n > 0) {
        p += n;
        left -= static_cast<std::size_t>(n);
      } else if (n == 0) {
        fail(ECONNRESET, "recv: end of stream");
      } else if (errno != EINTR) {
        fail("recv");
      }
    }
  }

  /// One recv: what is there, 0 at end of stream.
  [[gnu::always_inline]] static std::size_t read_some(const fd& s, std::span<char> data) {
    for (;;) {
      const ssize_t n = ::recv(s.get(), data.data(), data.size(), 0);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) fail("recv");
    }
  }

  [[gnu::always_inline]] static void shutdown_send(const fd& s) {
    if (::shutdown(s.get(), SHUT_WR) != 0) fail("shutdown");
  }

  /// One connection made and taken down: socket, connect, accept4, close, close.
  [[gnu::always_inline]] static void connect_accept_close(const listener& l) {
    const fd client = open_socket(l.ep.family(), SOCK_STREAM);
    connect(client, l.ep);
    const fd server = accept(l.socket);
  }

  /// As connect_accept_close, the server asking accept4 for the peer's address and checking
  /// what the kernel wrote (its length and family) before trusting it.
  [[gnu::always_inline]] static void connect_accept_peer_close(const listener& l) {
    const fd client = open_socket(l.ep.family(), SOCK_STREAM);
    connect(client, l.ep);
    sockaddr_in peer;
    for (;;) {
      socklen_t size = sizeof peer;
      const int s = ::accept4(l.socket.get(), reinterpret_cast<sockaddr*>(&peer), &size, SOCK_CLOEXEC);
      if (s >= 0) {
        const fd server(s);
        if (size != sizeof peer || peer.sin_family != AF_INET) fail(EINVAL, "accept4 peer");
        keep(peer);
        return;
      }
      if (errno != EINTR) fail("accept4");
    }
  }

  /// socket, SO_REUSEADDR, bind, listen, close.
  [[gnu::always_inline]] static void listen_close() { const fd l = listen_on(loopback(AF_INET)); }

  // ---- single calls, for the syscall audit ------------------------------------------------

  static constexpr bool audits_single_calls = true;

  /// Non-blocking on, then off: one ioctl(FIONBIO) each (fcntl would need F_GETFL too).
  [[gnu::always_inline]] static void toggle_nonblocking(const fd& s) {
    for (int on : {1, 0})
      if (::ioctl(s.get(), FIONBIO, &on) != 0) fail("ioctl(FIONBIO)");
  }

  /// TCP_NODELAY set, then read back.
  [[gnu::always_inline]] static void set_get_option(const fd& s) {
    set_flag(s, IPPROTO_TCP, TCP_NODELAY);
    int on = 0;
    socklen_t size = sizeof on;
    if (::getsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &on, &size) != 0) fail("getsockopt");
    if (on == 0) fail(EINVAL, "TCP_NODELAY");
  }

  /// Where this end is bound, and where its peer is.
  [[gnu::always_inline]] static void both_endpoints(const fd& s) {
    address here, there;
    here.size = there.size = sizeof here.storage;
    if (::getsockname(s.get(), here.get(), &here.size) != 0) fail("getsockname");
    if (::getpeername(s.get(), there.get(), &there.size) != 0) fail("getpeername");
  }

  /// poll for input (up to a second; EINTR would resume with the time left), then true.
  [[gnu::always_inline]] static bool wait_readable(const fd& s) {
    pollfd p{s.get(), POLLIN, 0};
    for (;;) {
      const int n = ::poll(&p, 1, 1000);
      if (n >= 0) return n > 0;
      if (errno != EINTR) fail("poll");
    }
  }

  /// A connection within a second, taken down. TCP: socket (SOCK_NONBLOCK), connect,
  /// poll, SO_ERROR, FIONBIO off. unix: socket, SO_SNDTIMEO, connect, SO_SNDTIMEO off.
  [[gnu::always_inline]] static void connect_within_accept_close(const listener& l) {
    const bool local = l.ep.family() == AF_UNIX;
    const fd client = open_socket(l.ep.family(), SOCK_STREAM | (local ? 0 : SOCK_NONBLOCK));
    if (local) {
      const timeval limit{1, 0}, forever{0, 0};
      if (::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) != 0)
        fail("setsockopt");
      while (::connect(client.get(), l.ep.get(), l.ep.size) != 0)
        if (errno != EINTR) fail("connect");
      if (::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &forever, sizeof forever) != 0)
        fail("setsockopt");
    } else {
      if (::connect(client.get(), l.ep.get(), l.ep.size) != 0) {
        if (errno != EINPROGRESS) fail("connect");
        if (!wait_writable(client)) fail(ETIMEDOUT, "connect");
        int err = 0;
        socklen_t size = sizeof err;
        if (::getsockopt(client.get(), SOL_SOCKET, SO_ERROR, &err, &size) != 0) fail("getsockopt");
        if (err != 0) fail(err, "connect");
      }
      int off = 0;
      if (::ioctl(client.get(), FIONBIO, &off) != 0) fail("ioctl(FIONBIO)");
    }
    const fd server = accept(l.socket);
  }

  [[gnu::always_inline]] static bool wait_writable(const fd& s) {
    pollfd p{s.get(), POLLOUT, 0};
    for (;;) {
      const int n = ::poll(&p, 1, 1000);
      if (n >= 0) return n > 0;
      if (errno != EINTR) fail("poll");
    }
  }

  /// socketpair, close, close.
  [[gnu::always_inline]] static void socket_pair_close() { const stream_pair p = open_stream<transport::socketpair>(); }

  /// Attempts to each address in turn until one connects, as careful code without Happy
  /// Eyeballs does: socket (non-blocking), connect, poll, SO_ERROR; the connected socket
  /// made blocking again. The last error when none connects.
  [[gnu::always_inline]] static fd connect_first(const sockaddr* const* addresses, const socklen_t* sizes,
                                                 std::size_t count) {
    int err = EDESTADDRREQ;
    for (std::size_t k = 0; k < count; ++k) {
      fd s = open_socket(addresses[k]->sa_family, SOCK_STREAM | SOCK_NONBLOCK);
      if (::connect(s.get(), addresses[k], sizes[k]) != 0) {
        if (errno != EINPROGRESS) {
          err = errno;
          continue;
        }
        if (!wait_writable(s)) {
          err = ETIMEDOUT;
          continue;
        }
        socklen_t size = sizeof err;
        if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &size) != 0) fail("getsockopt");
        if (err != 0) continue;
      }
      int off = 0;
      if (::ioctl(s.get(), FIONBIO, &off) != 0) fail("ioctl(FIONBIO)");
      return s;
    }
    fail(err, "connect");
  }

  /// getaddrinfo (AF_UNSPEC, SOCK_STREAM, AI_NUMERICSERV, and AI_NUMERICHOST when the host
  /// is known to be numeric), the addresses tried in its order, freeaddrinfo; accept,
  /// close both.
  template <class Listener>
  [[gnu::always_inline]] static void connect_name_accept_close(const Listener& l, const char* host, bool numeric) {
    char port[8];
    *std::to_chars(port, port + sizeof port - 1,
                   ntohs(reinterpret_cast<const sockaddr_in*>(&l.ep.storage)->sin_port)).ptr = '\0';
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
    addrinfo* list = nullptr;
    if (const int r = ::getaddrinfo(host, port, &hints, &list); r != 0) fail(EINVAL, ::gai_strerror(r));
    const sockaddr* addresses[16];
    socklen_t sizes[16];
    std::size_t count = 0;
    for (const addrinfo* p = list; p != nullptr && count < 16; p = p->ai_next) {
      addresses[count] = p->ai_addr;
      sizes[count++] = p->ai_addrlen;
    }
    fd client;
    try {
      client = connect_first(addresses, sizes, count);
    } catch (...) {
      ::freeaddrinfo(list);
      throw;
    }
    ::freeaddrinfo(list);
    const fd server = accept(l.socket);
  }

  /// Two addresses on 127.0.0.1, the first `closed`, the second the listener's: tried in
  /// turn; accept, close both.
  template <class Listener>
  [[gnu::always_inline]] static void connect_two_accept_close(const Listener& l, std::uint16_t closed) {
    address refused = loopback(AF_INET);
    reinterpret_cast<sockaddr_in*>(&refused.storage)->sin_port = htons(closed);
    const sockaddr* addresses[] = {refused.get(), l.ep.get()};
    const socklen_t sizes[] = {refused.size, l.ep.size};
    const fd client = connect_first(addresses, sizes, 2);
    const fd server = accept(l.socket);
  }

  // ---- UDP -----------------------------------------------------------------------------

  using udp_endpoint = sockaddr_in;

  [[gnu::always_inline]] static fd open_udp() {
    fd s = open_socket(AF_INET, SOCK_DGRAM);
    const address ep = loopback(AF_INET);
    if (::bind(s.get(), ep.get(), ep.size) != 0) fail("bind");
    return s;
  }

  [[gnu::always_inline]] static sockaddr_in local_endpoint(const fd& s) {
    sockaddr_in ep{};
    socklen_t size = sizeof ep;
    if (::getsockname(s.get(), reinterpret_cast<sockaddr*>(&ep), &size) != 0) fail("getsockname");
    return ep;
  }

  [[gnu::always_inline]] static void send_to(const fd& s, std::span<const char> data, const sockaddr_in& to) {
    for (;;) {
      const ssize_t n = ::sendto(s.get(), data.data(), data.size(), 0,
                                 reinterpret_cast<const sockaddr*>(&to), sizeof to);
      if (n >= 0) return;
      if (errno != EINTR) fail("sendto");
    }
  }

  /// One recvfrom with MSG_TRUNC, so a datagram longer than the buffer is an error, not
  /// silently cut; the sender's address is checked.
  [[gnu::always_inline]] static std::size_t receive_from(const fd& s, std::span<char> data, sockaddr_in& from) {
    for (;;) {
      socklen_t size = sizeof from;
      const ssize_t n = ::recvfrom(s.get(), data.data(), data.size(), MSG_TRUNC,
                                   reinterpret_cast<sockaddr*>(&from), &size);
      if (n >= 0) {
        if (static_cast<std::size_t>(n) > data.size()) fail(EMSGSIZE, "recvfrom: truncated");
        if (size != sizeof from || from.sin_family != AF_INET)
          fail(EAFNOSUPPORT, "recvfrom: sender");
        return static_cast<std::size_t>(n);
      }
      if (errno != EINTR) fail("recvfrom");
    }
  }

  // ---- Revision 2: gather writes, batches, GSO, files -------------------------------------

  /// Two buffers as one sendmsg (MSG_NOSIGNAL); after a partial send the iovecs are
  /// advanced past what went and sendmsg is made again; EINTR retried.
  [[gnu::always_inline]] static void write_gather(const fd& s, std::span<const char> a, std::span<const char> b) {
    iovec iov[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    std::size_t left = a.size() + b.size();
    while (left > 0) {
      const ssize_t n = ::sendmsg(s.get(), &m, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("sendmsg");
      }
      left -= static_cast<std::size_t>(n);
      if (left == 0) return;
      auto sent = static_cast<std::size_t>(n);
      while (sent >= m.msg_iov->iov_len) {
        sent -= m.msg_iov->iov_len;
        ++m.msg_iov;
        --m.msg_iovlen;
      }
      m.msg_iov->iov_base = static_cast<char*>(m.msg_iov->iov_base) + sent;
      m.msg_iov->iov_len -= sent;
    }
  }

  static constexpr bool batches_datagrams = true;

  /// A batch's datagrams, their lengths and their peers (destinations or senders).
  struct udp_batch {
    std::array<message, batch_size> data;
    std::array<std::size_t, batch_size> sizes;
    std::array<sockaddr_in, batch_size> peers;
  };

  /// Set-up: every datagram the 64-byte message, to `to`.
  static void address_batch(udp_batch& b, const sockaddr_in& to) {
    for (std::size_t k = 0; k < b.data.size(); ++k) {
      b.data[k] = make_message();
      b.sizes[k] = message_size;
      b.peers[k] = to;
    }
  }

  /// Each datagram of the batch to its peer: sendto each, or sendmmsg until all went.
  template <batching M>
  [[gnu::always_inline]] static void send_batch(const fd& s, udp_batch& b) {
    constexpr std::size_t n = batch_size;
    if constexpr (M == batching::per_datagram) {
      for (std::size_t k = 0; k < n; ++k) send_to(s, std::span<const char>(b.data[k].data(), b.sizes[k]), b.peers[k]);
    } else {
      mmsghdr h[n];
      iovec iov[n];
      for (std::size_t k = 0; k < n; ++k) {
        iov[k] = {b.data[k].data(), b.sizes[k]};
        h[k].msg_hdr = msghdr{&b.peers[k], sizeof b.peers[k], &iov[k], 1, nullptr, 0, 0};
      }
      for (std::size_t done = 0; done < n;) {
        const int r = ::sendmmsg(s.get(), h + done, static_cast<unsigned>(n - done), 0);
        if (r < 0) {
          if (errno == EINTR) continue;
          fail("sendmmsg");
        }
        done += static_cast<std::size_t>(r);
      }
    }
  }

  /// Datagrams into the batch from slot `from` on, their lengths and senders checked (a
  /// datagram longer than its slot is an error): one recvfrom, or one recvmmsg taking
  /// what has arrived (MSG_WAITFORONE). Returns how many.
  template <batching M>
  [[gnu::always_inline]] static std::size_t receive_batch(const fd& s, udp_batch& b, std::size_t from) {
    if constexpr (M == batching::per_datagram) {
      b.sizes[from] = receive_from(s, std::span<char>(b.data[from]), b.peers[from]);
      return 1;
    } else {
      constexpr std::size_t n = batch_size;
      mmsghdr h[n];
      iovec iov[n];
      for (std::size_t k = from; k < n; ++k) {
        iov[k] = {b.data[k].data(), message_size};
        h[k].msg_hdr = msghdr{&b.peers[k], sizeof b.peers[k], &iov[k], 1, nullptr, 0, 0};
      }
      int r;
      while ((r = ::recvmmsg(s.get(), h + from, static_cast<unsigned>(n - from), MSG_TRUNC | MSG_WAITFORONE,
                             nullptr)) < 0)
        if (errno != EINTR) fail("recvmmsg");
      const auto got = static_cast<std::size_t>(r);
      for (std::size_t k = from; k < from + got; ++k) {
        if (h[k].msg_len > message_size || (h[k].msg_hdr.msg_flags & MSG_TRUNC) != 0)
          fail(EMSGSIZE, "recvmmsg: truncated");
        if (h[k].msg_hdr.msg_namelen != sizeof(sockaddr_in) || b.peers[k].sin_family != AF_INET)
          fail(EAFNOSUPPORT, "recvmmsg: sender");
        b.sizes[k] = h[k].msg_len;
      }
      return got;
    }
  }

  static constexpr bool segments_datagrams = true;

  /// Set-up: UDP_SEGMENT on the sender, UDP_GRO on the receiver (GSO only).
  template <segmenting M>
  static void prepare_segments(const fd& sender, const fd& receiver) {
    if constexpr (M == segmenting::gso) {
      const int segment = static_cast<int>(gso_segment), on = 1;
      if (::setsockopt(sender.get(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment) != 0) fail("UDP_SEGMENT");
      if (::setsockopt(receiver.get(), SOL_UDP, UDP_GRO, &on, sizeof on) != 0) fail("UDP_GRO");
    }
  }

  /// The payload as 1200-byte datagrams: one sendto each, or one sendto that the kernel
  /// segments (UDP_SEGMENT).
  template <segmenting M>
  [[gnu::always_inline]] static void send_segments(const fd& s, std::span<const char> payload, const sockaddr_in& to) {
    if constexpr (M == segmenting::per_datagram) {
      for (std::size_t at = 0; at < payload.size(); at += gso_segment) send_to(s, payload.subspan(at, gso_segment), to);
    } else {
      send_to(s, payload, to);
    }
  }

  /// What arrives into `into`: one 1200-byte datagram (recvfrom), or, with GRO, what the
  /// kernel coalesced (recvmsg with room for the UDP_GRO message, the segment size checked).
  template <segmenting M>
  [[gnu::always_inline]] static std::size_t receive_segments(const fd& s, std::span<char> into) {
    sockaddr_in from;
    if constexpr (M == segmenting::per_datagram) {
      const std::size_t n = receive_from(s, into, from);
      if (n != gso_segment) fail(EMSGSIZE, "recvfrom: segment");
      return n;
    } else {
      iovec iov{into.data(), into.size()};
      alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))];
      msghdr m{&from, sizeof from, &iov, 1, control, sizeof control, 0};
      ssize_t n;
      while ((n = ::recvmsg(s.get(), &m, MSG_TRUNC)) < 0)
        if (errno != EINTR) fail("recvmsg");
      if (static_cast<std::size_t>(n) > into.size() || (m.msg_flags & MSG_TRUNC) != 0) fail(EMSGSIZE, "recvmsg: truncated");
      if (m.msg_namelen != sizeof from || from.sin_family != AF_INET) fail(EAFNOSUPPORT, "recvmsg: sender");
      int segment = static_cast<int>(n);
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) std::memcpy(&segment, CMSG_DATA(c), sizeof segment);
      if (static_cast<std::size_t>(segment) != gso_segment && static_cast<std::size_t>(n) > gso_segment)
        fail(EMSGSIZE, "recvmsg: segment size");
      return static_cast<std::size_t>(n);
    }
  }

  static constexpr bool sends_files = true;

  /// `size` bytes of `file` from its start: pread into a 128 KiB buffer and write each
  /// piece, or sendfile until done with SIGPIPE blocked in this thread around it (a SIGPIPE
  /// raised on EPIPE taken with sigtimedwait before the mask is restored).
  template <file_copy M>
  [[gnu::always_inline]] static void send_file(const fd& s, int file, std::size_t size) {
    if constexpr (M == file_copy::read_write) {
      static std::array<char, 1 << 17> buffer;
      for (std::size_t at = 0; at < size;) {
        const std::size_t want = size - at < buffer.size() ? size - at : buffer.size();
        const ssize_t n = ::pread(file, buffer.data(), want, static_cast<off_t>(at));
        if (n < 0) {
          if (errno == EINTR) continue;
          fail("pread");
        }
        if (n == 0) fail(EIO, "pread: end of file");
        write(s, std::span<const char>(buffer.data(), static_cast<std::size_t>(n)));
        at += static_cast<std::size_t>(n);
      }
    } else {
      sigset_t pipe, old;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      ::pthread_sigmask(SIG_BLOCK, &pipe, &old);
      const bool was_blocked = sigismember(&old, SIGPIPE) == 1;
      off_t at = 0;
      int err = 0;
      while (static_cast<std::size_t>(at) < size) {
        const ssize_t n = ::sendfile(s.get(), file, &at, size - static_cast<std::size_t>(at));
        if (n < 0) {
          if (errno == EINTR) continue;
          err = errno;
          break;
        }
        if (n == 0) {
          err = EIO;
          break;
        }
      }
      if (err == EPIPE && !was_blocked) {
        const timespec zero{0, 0};
        ::sigtimedwait(&pipe, nullptr, &zero);
      }
      if (!was_blocked) ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
      if (err != 0) fail(err, "sendfile");
    }
  }

  // ---- text ------------------------------------------------------------------------------
  // inet_pton and inet_ntop want NUL-terminated text: the samples are.

  [[gnu::always_inline]] static in_addr parse_ipv4(std::string_view text) {
    in_addr a;
    if (::inet_pton(AF_INET, text.data(), &a) != 1) fail(EINVAL, "inet_pton");
    return a;
  }

  [[gnu::always_inline]] static in6_addr parse_ipv6(std::string_view text) {
    in6_addr a;
    if (::inet_pton(AF_INET6, text.data(), &a) != 1) fail(EINVAL, "inet_pton");
    return a;
  }

  /// A port: 1 to 5 decimal digits, no sign, no leading zero, at most 65535.
  [[gnu::always_inline]] static std::uint16_t parse_port(std::string_view text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0'))
      fail(EINVAL, "port");
    const auto r = std::from_chars(text.data(), end, value);
    if (r.ec != std::errc{} || r.ptr != end || value > 65535) fail(EINVAL, "port");
    return static_cast<std::uint16_t>(value);
  }

  /// "a.b.c.d:port": split at the last ':', inet_pton on a NUL-terminated copy.
  [[gnu::always_inline]] static sockaddr_in parse_inet(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    char host[INET_ADDRSTRLEN];
    if (colon == std::string_view::npos || colon >= sizeof host) fail(EINVAL, "endpoint");
    std::memcpy(host, text.data(), colon);
    host[colon] = '\0';
    sockaddr_in ep{};
    ep.sin_family = AF_INET;
    if (::inet_pton(AF_INET, host, &ep.sin_addr) != 1) fail(EINVAL, "inet_pton");
    ep.sin_port = htons(parse_port(text.substr(colon + 1)));
    return ep;
  }

  /// "[v6]:port".
  [[gnu::always_inline]] static sockaddr_in6 parse_inet6(std::string_view text) {
    const std::size_t close = text.find(']');
    char host[INET6_ADDRSTRLEN];
    if (text.empty() || text[0] != '[' || close == std::string_view::npos ||
        close - 1 >= sizeof host || close + 1 >= text.size() || text[close + 1] != ':')
      fail(EINVAL, "endpoint");
    std::memcpy(host, text.data() + 1, close - 1);
    host[close - 1] = '\0';
    sockaddr_in6 ep{};
    ep.sin6_family = AF_INET6;
    if (::inet_pton(AF_INET6, host, &ep.sin6_addr) != 1) fail(EINVAL, "inet_pton");
    ep.sin6_port = htons(parse_port(text.substr(close + 2)));
    return ep;
  }

  [[gnu::always_inline]] static char* to_chars(const in_addr& a, char* first, char* last) {
    if (::inet_ntop(AF_INET, &a, first, static_cast<socklen_t>(last - first)) == nullptr)
      fail("inet_ntop");
    return first + std::strlen(first);
  }
  [[gnu::always_inline]] static char* to_chars(const in6_addr& a, char* first, char* last) {
    if (::inet_ntop(AF_INET6, &a, first, static_cast<socklen_t>(last - first)) == nullptr)
      fail("inet_ntop");
    return first + std::strlen(first);
  }
  [[gnu::always_inline]] static char* port_to_chars(in_port_t port, char* first, char* last) {
    if (last - first < 6) fail(ENOSPC, "port");
    *first++ = ':';
    return std::to_chars(first, last, ntohs(port)).ptr;
  }
  [[gnu::always_inline]] static char* to_chars(const sockaddr_in& ep, char* first, char* last) {
    return port_to_chars(ep.sin_port, to_chars(ep.sin_addr, first, last), last);
  }
  [[gnu::always_inline]] static char* to_chars(const sockaddr_in6& ep, char* first, char* last) {
    if (last - first < 2) fail(ENOSPC, "endpoint");
    *first++ = '[';
    char* end = to_chars(ep.sin6_addr, first, last - 1);
    *end++ = ']';
    return port_to_chars(ep.sin6_port, end, last);
  }

  // ---- names ------------------------------------------------------------------------------

  /// An IPv4 or IPv6 endpoint, as careful code keeps what a host resolves to.
  struct ip_endpoint {
    union {
      sockaddr_in v4;
      sockaddr_in6 v6;
    };
  };

  /// A port as parse_port reads it, digit by digit: std::from_chars called from here too
  /// would have enough callers in this translation unit for GCC to stop inlining it into
  /// parse_inet and parse_inet6, and their figures would change.
  [[gnu::always_inline]] static std::uint16_t port_number(std::string_view text) {
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) fail(EINVAL, "port");
    unsigned value = 0;
    for (const char c : text) {
      if (c < '0' || c > '9') fail(EINVAL, "port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) fail(EINVAL, "port");
    return static_cast<std::uint16_t>(value);
  }

  /// A numeric host and port to a vector of one endpoint: inet_pton for IPv4, else for
  /// IPv6, and the port; or getaddrinfo(AI_NUMERICHOST | AI_NUMERICSERV), its list copied
  /// and freed. (The samples are NUL-terminated, as both want.)
  template <bool Getaddrinfo>
  [[gnu::always_inline]] static std::vector<ip_endpoint> resolve_numeric(std::string_view host,
                                                                        std::string_view port) {
    std::vector<ip_endpoint> endpoints;
    if constexpr (Getaddrinfo) {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
      addrinfo* list = nullptr;
      if (::getaddrinfo(host.data(), port.data(), &hints, &list) != 0) fail(EINVAL, "getaddrinfo");
      for (const addrinfo* p = list; p != nullptr; p = p->ai_next) {
        ip_endpoint e{};
        std::memcpy(&e, p->ai_addr, p->ai_addrlen < sizeof e ? p->ai_addrlen : sizeof e);
        endpoints.push_back(e);
      }
      ::freeaddrinfo(list);
    } else {
      ip_endpoint e{};
      if (::inet_pton(AF_INET, host.data(), &e.v4.sin_addr) == 1) {
        e.v4.sin_family = AF_INET;
        e.v4.sin_port = htons(port_number(port));
      } else if (::inet_pton(AF_INET6, host.data(), &e.v6.sin6_addr) == 1) {
        e.v6.sin6_family = AF_INET6;
        e.v6.sin6_port = htons(port_number(port));
      } else {
        fail(EINVAL, "inet_pton");
      }
      endpoints.push_back(e);
    }
    return endpoints;
  }

  /// inet_ntop into a buffer, then a std::string of it.
  template <class V>
  [[gnu::always_inline]] static std::string to_string(const V& value) {
    char text[INET6_ADDRSTRLEN + 8];
    return std::string(text, to_chars(value, text, text + sizeof text));
  }
};

}  // namespace berth_bench

#endif  // BERTH_BENCH_LIBC_IMPL_HPP
