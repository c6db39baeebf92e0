// Every measured operation, once, over an implementation I (libc_impl, berth_impl,
// asio_impl). Each is a fixture: its constructor sets up (not measured), step() does the
// operation once, its destructor takes down. The benchmark times step(); the instruction
// audit (bench/instruction_audit.py) and the syscall audit (tests/audit/) run it N times
// under callgrind and strace. The same code is timed and audited.
//
// step() is always inlined into the loop that repeats it, and so is each implementation's
// glue (the static functions of libc_impl, berth_impl, asio_impl), so that every
// implementation is measured the same way: the glue's own function boundaries are not
// left to the compiler's inlining budget, which a translation unit of thirty operations
// exhausts and which then falls differently on each implementation from one change to the
// next. Whatever the implementation's own functions inline is up to the compiler, as it is
// in users' code.
#ifndef BERTH_BENCH_OPERATIONS_HPP
#define BERTH_BENCH_OPERATIONS_HPP

#include "common.hpp"

// After every implementation's own headers (asio.hpp among them), which this must not
// change: the system headers the audited call operations need.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace berth_bench {

/// A port on 127.0.0.1 where nothing listens: one the kernel chose for a socket that was then
/// closed (a connection attempt to it is refused).
inline std::uint16_t closed_loopback_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof a;
  if (s < 0 || ::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &size) != 0)
    throw std::runtime_error("no closed port: " + std::string(std::strerror(errno)));
  ::close(s);
  return ntohs(a.sin_port);
}

/// The name the audit of connecting by name resolves. It is in the /etc/hosts that
/// tests/audit/CMakeLists.txt mounts for that operation (berth_hosts_namespace), and
/// nowhere else: outside it, it would be asked of a name server.
inline constexpr const char* audit_host = "audit.test";

/// Whether /etc/hosts names `name` (a word of a line that is not a comment).
inline bool etc_hosts_names(std::string_view name) {
  FILE* f = std::fopen("/etc/hosts", "re");
  if (f == nullptr) return false;
  char line[512];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, f) != nullptr) {
    std::string_view rest(line);
    rest = rest.substr(0, rest.find('#'));
    while (!rest.empty() && !found) {
      const std::size_t start = rest.find_first_not_of(" \t\r\n");
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      const std::size_t end = rest.find_first_of(" \t\r\n");
      found = rest.substr(0, end) == name;
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
  }
  std::fclose(f);
  return found;
}

// ---- streams -----------------------------------------------------------------------------

/// What the echo side does: read what came, write it back, until end of stream.
template <class I, class S>
void echo_stream(S& s) noexcept {
  try {
    message buffer{};
    while (const std::size_t n = I::read_some(s, buffer))
      I::write(s, std::span<const char>(buffer.data(), n));
  } catch (const std::exception& e) {
    peer_failed(e);
  }
}

/// Round trip of 64 bytes to an echo thread: write 64, read 64 back.
template <class I, transport T>
class stream_round_trip {
 public:
  stream_round_trip() = default;
  stream_round_trip(const stream_round_trip&) = delete;
  stream_round_trip& operator=(const stream_round_trip&) = delete;
  ~stream_round_trip() {
    try {
      I::shutdown_send(pair_.a);  // the echo thread reads end of stream and returns
    } catch (const std::exception& e) {
      peer_failed(e);
    }
    peer_.join();
  }
  [[gnu::always_inline]] void step() {
    I::write(pair_.a, out_);
    I::read(pair_.a, in_);
  }

 private:
  decltype(I::template open_stream<T>()) pair_ = I::template open_stream<T>();
  message out_ = make_message(), in_{};
  std::thread peer_{[this] { echo_stream<I>(pair_.b); }};
};

/// The same round trip with both ends in one thread, for the audits: the client's write
/// and read, the echo side's read_some and write, in the order they happen.
template <class I, transport T>
class stream_ping_pong {
 public:
  [[gnu::always_inline]] void step() {
    I::write(pair_.a, out_);
    for (std::size_t echoed = 0; echoed < message_size;) {
      const std::size_t n = I::read_some(pair_.b, std::span<char>(echo_).subspan(echoed));
      if (n == 0) throw std::runtime_error("end of stream");
      I::write(pair_.b, std::span<const char>(echo_).subspan(echoed, n));
      echoed += n;
    }
    I::read(pair_.a, in_);
  }

 private:
  decltype(I::template open_stream<T>()) pair_ = I::template open_stream<T>();
  message out_ = make_message(), echo_{}, in_{};
};

/// One way in one thread: write 64 bytes on one end, read them on the other.
template <class I, transport T>
class stream_send_receive {
 public:
  [[gnu::always_inline]] void step() {
    I::write(pair_.a, out_);
    I::read(pair_.b, in_);
  }

 private:
  decltype(I::template open_stream<T>()) pair_ = I::template open_stream<T>();
  message out_ = make_message(), in_{};
};

/// connect, accept, close both: a whole (short) connection.
template <class I, transport T>
class connect_accept_close {
 public:
  [[gnu::always_inline]] void step() { I::connect_accept_close(listener_); }

 private:
  decltype(I::template listen<T>()) listener_ = I::template listen<T>();
};

/// connect, accept asking for the peer's address (and checking it), close both.
template <class I, transport T>
class connect_accept_peer_close {
 public:
  [[gnu::always_inline]] void step() { I::connect_accept_peer_close(listener_); }

 private:
  decltype(I::template listen<T>()) listener_ = I::template listen<T>();
};

/// Listening on 127.0.0.1, port 0, and closing.
template <class I>
struct listen_close {
  [[gnu::always_inline]] void step() { I::listen_close(); }
};

/// A socketpair made and closed.
template <class I>
struct socket_pair_close {
  [[gnu::always_inline]] void step() { I::socket_pair_close(); }
};

// ---- single calls, audited for their system calls only ----------------------------------

/// An implementation with the single calls below (libc and berth; Asio is not audited).
template <class I>
concept audits_single_calls = I::audits_single_calls;

/// set_nonblocking on, then off, on a TCP connection.
template <audits_single_calls I>
class nonblocking_toggle {
 public:
  [[gnu::always_inline]] void step() { I::toggle_nonblocking(pair_.a); }

 private:
  decltype(I::template open_stream<transport::tcp4>()) pair_ =
      I::template open_stream<transport::tcp4>();
};

/// An option set and read back.
template <audits_single_calls I>
class option_set_get {
 public:
  [[gnu::always_inline]] void step() { I::set_get_option(pair_.a); }

 private:
  decltype(I::template open_stream<transport::tcp4>()) pair_ =
      I::template open_stream<transport::tcp4>();
};

/// local_endpoint and remote_endpoint.
template <audits_single_calls I>
class endpoints_query {
 public:
  [[gnu::always_inline]] void step() { I::both_endpoints(pair_.a); }

 private:
  decltype(I::template open_stream<transport::tcp4>()) pair_ =
      I::template open_stream<transport::tcp4>();
};

/// write, wait_readable on the other end, read.
template <audits_single_calls I>
class wait_then_read {
 public:
  [[gnu::always_inline]] void step() {
    I::write(pair_.a, out_);
    if (!I::wait_readable(pair_.b)) throw std::runtime_error("not readable");
    I::read(pair_.b, in_);
  }

 private:
  decltype(I::template open_stream<transport::tcp4>()) pair_ =
      I::template open_stream<transport::tcp4>();
  message out_ = make_message(), in_{};
};

/// connect with a time limit, accept, close both.
template <audits_single_calls I, transport T>
class connect_within_accept_close {
 public:
  [[gnu::always_inline]] void step() { I::connect_within_accept_close(listener_); }

 private:
  decltype(I::template listen<T>()) listener_ = I::template listen<T>();
};
template <audits_single_calls I>
using connect_within_tcp4 = connect_within_accept_close<I, transport::tcp4>;

/// Connect by name to "127.0.0.1" and a port, accept, close both: no resolver (berth reads
/// the number; the libc code asks getaddrinfo with AI_NUMERICHOST, which reads it too), then
/// one attempt: socket (non-blocking), connect, poll, SO_ERROR, FIONBIO off.
template <audits_single_calls I>
class connect_name_numeric {
 public:
  [[gnu::always_inline]] void step() { I::connect_name_accept_close(listener_, "127.0.0.1", true); }

 private:
  decltype(I::template listen<transport::tcp4>()) listener_ = I::template listen<transport::tcp4>();
};

/// Connect to two addresses, the first refused (nothing listens on its port), the second
/// the listener's, accept, close both: two attempts, one poll for each (Happy Eyeballs
/// starts the second at once when the first fails).
template <audits_single_calls I>
class connect_name_refused_first {
 public:
  [[gnu::always_inline]] void step() { I::connect_two_accept_close(listener_, closed_); }

 private:
  decltype(I::template listen<transport::tcp4>()) listener_ = I::template listen<transport::tcp4>();
  std::uint16_t closed_ = closed_loopback_port();
};

/// Connect by name to audit_host through /etc/hosts, accept, close both: one getaddrinfo
/// (the same call in both: what it does is its own), then the attempts. Only under
/// berth_hosts_namespace with the audit's hosts file (tests/audit): anywhere else the name
/// would be asked of a name server, so it refuses to run.
template <audits_single_calls I>
class connect_name_hosts {
 public:
  connect_name_hosts() {
    if (!etc_hosts_names(audit_host))
      throw std::runtime_error(std::string("calls/connect_name/hosts resolves ") + audit_host +
                               ", which only tests/audit's hosts file names: run it under "
                               "berth_hosts_namespace (ctest -R audit)");
  }
  [[gnu::always_inline]] void step() { I::connect_name_accept_close(listener_, audit_host, false); }

 private:
  decltype(I::template listen<transport::tcp4>()) listener_ = I::template listen<transport::tcp4>();
};
template <audits_single_calls I>
using connect_within_unix = connect_within_accept_close<I, transport::unix_stream>;

// ---- UDP ---------------------------------------------------------------------------------

/// Round trip of a 64-byte datagram to an echo thread: send_to, receive_from.
template <class I>
class udp_round_trip {
 public:
  udp_round_trip() = default;
  udp_round_trip(const udp_round_trip&) = delete;
  udp_round_trip& operator=(const udp_round_trip&) = delete;
  ~udp_round_trip() {
    try {
      I::send_to(client_, std::span<const char>(), server_ep_);  // empty: stop
    } catch (const std::exception& e) {
      peer_failed(e);
    }
    peer_.join();
  }
  [[gnu::always_inline]] void step() {
    I::send_to(client_, out_, server_ep_);
    I::receive_from(client_, in_, from_);
  }

 private:
  void echo() noexcept {
    try {
      message buffer{};
      typename I::udp_endpoint from{};
      while (const std::size_t n = I::receive_from(server_, buffer, from))
        I::send_to(server_, std::span<const char>(buffer.data(), n), from);
    } catch (const std::exception& e) {
      peer_failed(e);
    }
  }

  decltype(I::open_udp()) client_ = I::open_udp(), server_ = I::open_udp();
  typename I::udp_endpoint server_ep_ = I::local_endpoint(server_), from_{};
  message out_ = make_message(), in_{};
  std::thread peer_{[this] { echo(); }};
};

/// The same round trip in one thread, for the audits.
template <class I>
class udp_ping_pong {
 public:
  [[gnu::always_inline]] void step() {
    I::send_to(client_, out_, server_ep_);
    const std::size_t n = I::receive_from(server_, echo_, from_);
    I::send_to(server_, std::span<const char>(echo_.data(), n), from_);
    I::receive_from(client_, in_, from_);
  }

 private:
  decltype(I::open_udp()) client_ = I::open_udp(), server_ = I::open_udp();
  typename I::udp_endpoint server_ep_ = I::local_endpoint(server_), from_{};
  message out_ = make_message(), echo_{}, in_{};
};

/// One way in one thread: send_to, receive_from.
template <class I>
class udp_send_receive {
 public:
  [[gnu::always_inline]] void step() {
    I::send_to(client_, out_, server_ep_);
    I::receive_from(server_, in_, from_);
  }

 private:
  decltype(I::open_udp()) client_ = I::open_udp(), server_ = I::open_udp();
  typename I::udp_endpoint server_ep_ = I::local_endpoint(server_), from_{};
  message out_ = make_message(), in_{};
};

// ---- Revision 2: gather writes, datagram batches, GSO, files ---------------------------------
// An operation with `units` says how much one step moves (`unit`: datagrams, bytes): the
// benchmark also prints its rate and the CPU time (process, user and system) of a step.

/// A gather write of a 16-byte head and a 48-byte body as one message (one sendmsg), read
/// back on the other end as 64 bytes.
template <class I, transport T>
class stream_gather_send_receive {
 public:
  [[gnu::always_inline]] void step() {
    I::write_gather(pair_.a, head_, body_);
    I::read(pair_.b, in_);
  }

 private:
  decltype(I::template open_stream<T>()) pair_ = I::template open_stream<T>();
  std::array<char, 16> head_ = make_head();
  std::array<char, message_size - 16> body_{};
  message in_{};
  static std::array<char, 16> make_head() noexcept {
    std::array<char, 16> h{};
    for (std::size_t k = 0; k < h.size(); ++k) h[k] = static_cast<char>('A' + k);
    return h;
  }
};

/// An implementation with batches of datagrams (libc and berth; Asio has none).
template <class I>
concept batches_datagrams = I::batches_datagrams;

/// UDP echo of 32 datagrams of 64 bytes in one thread: the client sends the batch, the
/// server receives it and sends each datagram back to its sender, the client receives
/// them. 32 datagrams echoed per step (each moved twice).
template <batches_datagrams I, batching M>
class udp_batch_echo {
 public:
  static constexpr std::size_t units = batch_size;
  static constexpr const char* unit = "datagrams";
  udp_batch_echo() { I::address_batch(out_, server_ep_); }
  [[gnu::always_inline]] void step() {
    I::template send_batch<M>(client_, out_);
    for (std::size_t got = 0; got < batch_size;) got += I::template receive_batch<M>(server_, echo_, got);
    I::template send_batch<M>(server_, echo_);
    for (std::size_t got = 0; got < batch_size;) got += I::template receive_batch<M>(client_, in_, got);
  }

 private:
  decltype(I::open_udp()) client_ = I::open_udp(), server_ = I::open_udp();
  typename I::udp_endpoint server_ep_ = I::local_endpoint(server_);
  typename I::udp_batch out_{}, echo_{}, in_{};
};

/// An implementation with UDP GSO and GRO (libc and berth).
template <class I>
concept segments_datagrams = I::segments_datagrams;

/// 64800 bytes as 1200-byte UDP datagrams over loopback, in one thread: sent, and received
/// whole (with GRO on, as the one datagram the kernel keeps them in).
template <segments_datagrams I, segmenting M>
class udp_gso_send_receive {
 public:
  static constexpr std::size_t units = gso_segment * gso_segments;
  static constexpr const char* unit = "bytes";
  udp_gso_send_receive() { I::template prepare_segments<M>(client_, server_); }
  [[gnu::always_inline]] void step() {
    I::template send_segments<M>(client_, std::span<const char>(payload_), server_ep_);
    for (std::size_t got = 0; got < payload_.size();)
      got += I::template receive_segments<M>(server_, std::span<char>(in_).subspan(got));
  }

 private:
  decltype(I::open_udp()) client_ = I::open_udp(), server_ = I::open_udp();
  typename I::udp_endpoint server_ep_ = I::local_endpoint(server_);
  std::vector<char> payload_ = std::vector<char>(units, 'g'), in_ = std::vector<char>(units + gso_segment);
};

/// An implementation with send_file (libc and berth).
template <class I>
concept sends_files = I::sends_files;

/// A file of `Size` bytes sent over TCP on 127.0.0.1 to a thread that reads and drops it.
template <sends_files I, file_copy M, std::size_t Size>
class file_send {
 public:
  static constexpr std::size_t units = Size;
  static constexpr const char* unit = "bytes";
  file_send() = default;
  file_send(const file_send&) = delete;
  file_send& operator=(const file_send&) = delete;
  ~file_send() {
    try {
      I::shutdown_send(pair_.a);  // the reader sees end of stream and returns
    } catch (const std::exception& e) {
      peer_failed(e);
    }
    reader_.join();
  }
  [[gnu::always_inline]] void step() { I::template send_file<M>(pair_.a, file_.fd(), Size); }

 private:
  void drop_all() noexcept {
    try {
      std::vector<char> sink(1 << 18);
      while (I::read_some(pair_.b, std::span<char>(sink)) != 0) {
      }
    } catch (const std::exception& e) {
      peer_failed(e);
    }
  }
  decltype(I::template open_stream<transport::tcp4>()) pair_ = I::template open_stream<transport::tcp4>();
  temp_file<Size> file_;
  std::thread reader_{[this] { drop_all(); }};
};

/// The same in one thread, for the audits: a file small enough (64 KiB) for the socket
/// buffers to hold whole, sent, then read on the other end in one read, so that every run
/// makes the same system calls (a reading thread's recv calls depend on timing).
template <sends_files I, file_copy M>
class file_send_receive {
 public:
  static constexpr std::size_t size = std::size_t{64} << 10;
  static constexpr std::size_t units = size;
  static constexpr const char* unit = "bytes";
  [[gnu::always_inline]] void step() {
    I::template send_file<M>(pair_.a, file_.fd(), size);
    I::read(pair_.b, std::span<char>(in_));
  }

 private:
  decltype(I::template open_stream<transport::tcp4>()) pair_ = I::template open_stream<transport::tcp4>();
  temp_file<size> file_;
  std::vector<char> in_ = std::vector<char>(size);
};

// ---- text --------------------------------------------------------------------------------

enum class text { ipv4, ipv6, inet, inet6 };

template <text K>
constexpr std::string_view sample() {
  if constexpr (K == text::ipv4) return samples::ipv4;
  if constexpr (K == text::ipv6) return samples::ipv6;
  if constexpr (K == text::inet) return samples::inet;
  if constexpr (K == text::inet6) return samples::inet6;
}

template <class I, text K>
auto parse(std::string_view t) {
  if constexpr (K == text::ipv4) return I::parse_ipv4(t);
  if constexpr (K == text::ipv6) return I::parse_ipv6(t);
  if constexpr (K == text::inet) return I::parse_inet(t);
  if constexpr (K == text::inet6) return I::parse_inet6(t);
}

/// Text to address or endpoint.
template <class I, text K>
struct parse_text {
  [[gnu::always_inline]] void step() {
    std::string_view t = sample<K>();
    opaque(t);
    const auto value = parse<I, K>(t);
    keep(value);
  }
};

/// Address or endpoint to a new std::string.
template <class I, text K>
class format_string {
 public:
  [[gnu::always_inline]] void step() {
    opaque(value_);
    const std::string s = I::to_string(value_);
    keep(s);
  }

 private:
  decltype(parse<I, K>({})) value_ = parse<I, K>(sample<K>());
};

template <class I, class V>
concept formats_into_buffer = requires(const V& v, char* p) {
  { I::to_chars(v, p, p) } -> std::same_as<char*>;
};

/// Address or endpoint into the caller's buffer, no allocation.
template <class I, text K>
  requires formats_into_buffer<I, decltype(parse<I, K>({}))>
class format_buffer {
 public:
  [[gnu::always_inline]] void step() {
    opaque(value_);
    char* end = I::to_chars(value_, buffer_, buffer_ + sizeof buffer_);
    keep(end);
    keep(buffer_);
  }

 private:
  decltype(parse<I, K>({})) value_ = parse<I, K>(sample<K>());
  char buffer_[64]{};
};

// ---- names -------------------------------------------------------------------------------

/// How the libc code reads a numeric host and port: inet_pton and a port of its own making
/// (the pton rows), or getaddrinfo with AI_NUMERICHOST | AI_NUMERICSERV (the getaddrinfo
/// rows). berth and Asio resolve them the same way in both.
enum class numeric_by { pton, getaddrinfo };

/// An implementation that resolves numeric hosts (libc, berth; Asio's is in a translation
/// unit of its own, asio_names_impl in impl_asio_resolver.cpp).
template <class I>
concept resolves_numeric = requires(std::string_view s) { I::template resolve_numeric<false>(s, s); };

/// A numeric host and port, as a command line gives them, to the vector of endpoints a
/// connect takes (of one element).
template <resolves_numeric I, text K, numeric_by B>
struct resolve_numeric {
  [[gnu::always_inline]] void step() {
    std::string_view host = sample<K>(), port = samples::port;
    opaque(host);
    opaque(port);
    const auto endpoints = I::template resolve_numeric<B == numeric_by::getaddrinfo>(host, port);
    keep(endpoints);
    if constexpr (requires { endpoints.begin(); }) keep(*endpoints.begin());  // a vector's element
  }
};

// ---- the lists ---------------------------------------------------------------------------

/// Whether an operation's numbers are times of system calls (measured in real time, in
/// microseconds) or of computation (CPU time, nanoseconds).
enum class kind { io, text };

template <class I> using round_trip_socketpair = stream_round_trip<I, transport::socketpair>;
template <class I> using round_trip_unix = stream_round_trip<I, transport::unix_stream>;
template <class I> using round_trip_tcp4 = stream_round_trip<I, transport::tcp4>;
template <class I> using round_trip_tcp6 = stream_round_trip<I, transport::tcp6>;
template <class I> using ping_pong_socketpair = stream_ping_pong<I, transport::socketpair>;
template <class I> using ping_pong_unix = stream_ping_pong<I, transport::unix_stream>;
template <class I> using ping_pong_tcp4 = stream_ping_pong<I, transport::tcp4>;
template <class I> using ping_pong_tcp6 = stream_ping_pong<I, transport::tcp6>;
template <class I> using send_receive_socketpair = stream_send_receive<I, transport::socketpair>;
template <class I> using send_receive_tcp4 = stream_send_receive<I, transport::tcp4>;
template <class I> using connect_tcp4 = connect_accept_close<I, transport::tcp4>;
template <class I> using connect_tcp6 = connect_accept_close<I, transport::tcp6>;
template <class I> using connect_unix = connect_accept_close<I, transport::unix_stream>;
template <class I> using connect_peer_tcp4 = connect_accept_peer_close<I, transport::tcp4>;
template <class I> using parse_ipv4 = parse_text<I, text::ipv4>;
template <class I> using parse_ipv6 = parse_text<I, text::ipv6>;
template <class I> using parse_inet = parse_text<I, text::inet>;
template <class I> using parse_inet6 = parse_text<I, text::inet6>;
template <class I> using to_string_ipv4 = format_string<I, text::ipv4>;
template <class I> using to_string_ipv6 = format_string<I, text::ipv6>;
template <class I> using to_string_inet = format_string<I, text::inet>;
template <class I> using to_string_inet6 = format_string<I, text::inet6>;
template <class I> using to_chars_ipv4 = format_buffer<I, text::ipv4>;
template <class I> using to_chars_ipv6 = format_buffer<I, text::ipv6>;
template <class I> using to_chars_inet = format_buffer<I, text::inet>;
template <class I> using to_chars_inet6 = format_buffer<I, text::inet6>;
template <class I> using gather_socketpair = stream_gather_send_receive<I, transport::socketpair>;
template <class I> using gather_tcp4 = stream_gather_send_receive<I, transport::tcp4>;
template <class I> using udp_batch_vs_datagrams = udp_batch_echo<I, batching::per_datagram>;
template <class I> using udp_batch_vs_mmsg = udp_batch_echo<I, batching::mmsg>;
template <class I> using udp_gso_vs_datagrams = udp_gso_send_receive<I, segmenting::per_datagram>;
template <class I> using udp_gso_vs_gso = udp_gso_send_receive<I, segmenting::gso>;
template <class I> using send_file_64m_vs_read_write = file_send<I, file_copy::read_write, std::size_t{64} << 20>;
template <class I> using send_file_64m_vs_sendfile = file_send<I, file_copy::sendfile, std::size_t{64} << 20>;
template <class I> using send_file_64k_vs_read_write = file_send_receive<I, file_copy::read_write>;
template <class I> using send_file_64k_vs_sendfile = file_send_receive<I, file_copy::sendfile>;

/// Calls `v.template operator()<Op>(key, label, kind)` for the Revision 2 operations that
/// the benchmark and the instruction audit share.
template <class V>
void for_each_gather_operation(V&& v) {
  v.template operator()<gather_socketpair>("gather_send_receive/socketpair",
                                           "gather write 16+48 B, read 64 B, socketpair", kind::io);
  v.template operator()<gather_tcp4>("gather_send_receive/tcp4",
                                     "gather write 16+48 B, read 64 B, TCP 127.0.0.1", kind::io);
  v.template operator()<udp_batch_vs_datagrams>("udp_batch_echo/vs_datagrams",
                                                "UDP echo 32x64 B: batch vs one call a datagram", kind::io);
  v.template operator()<udp_batch_vs_mmsg>("udp_batch_echo/mmsg", "UDP echo 32x64 B: batch vs sendmmsg/recvmmsg",
                                           kind::io);
  v.template operator()<udp_gso_vs_datagrams>("udp_gso/vs_datagrams",
                                              "UDP 54x1200 B: GSO+GRO vs one call a datagram", kind::io);
  v.template operator()<udp_gso_vs_gso>("udp_gso/gso", "UDP 54x1200 B: GSO+GRO vs libc GSO+GRO", kind::io);
}
template <resolves_numeric I> using resolve_ipv4 = resolve_numeric<I, text::ipv4, numeric_by::pton>;
template <resolves_numeric I> using resolve_ipv6 = resolve_numeric<I, text::ipv6, numeric_by::pton>;
template <resolves_numeric I> using resolve_ipv4_gai = resolve_numeric<I, text::ipv4, numeric_by::getaddrinfo>;
template <resolves_numeric I> using resolve_ipv6_gai = resolve_numeric<I, text::ipv6, numeric_by::getaddrinfo>;

/// Calls `v.template operator()<Op>(key, label, kind)` for the text operations.
template <class V>
void for_each_text_operation(V&& v) {
  v.template operator()<parse_ipv4>("parse/ipv4", "parse IPv4 address", kind::text);
  v.template operator()<parse_ipv6>("parse/ipv6", "parse IPv6 address", kind::text);
  v.template operator()<parse_inet>("parse/inet", "parse IPv4 endpoint", kind::text);
  v.template operator()<parse_inet6>("parse/inet6", "parse IPv6 endpoint", kind::text);
  v.template operator()<to_string_ipv4>("to_string/ipv4", "to_string IPv4 address", kind::text);
  v.template operator()<to_string_ipv6>("to_string/ipv6", "to_string IPv6 address", kind::text);
  v.template operator()<to_string_inet>("to_string/inet", "to_string IPv4 endpoint", kind::text);
  v.template operator()<to_string_inet6>("to_string/inet6", "to_string IPv6 endpoint", kind::text);
  v.template operator()<to_chars_ipv4>("to_chars/ipv4", "to_chars IPv4 address", kind::text);
  v.template operator()<to_chars_ipv6>("to_chars/ipv6", "to_chars IPv6 address", kind::text);
  v.template operator()<to_chars_inet>("to_chars/inet", "to_chars IPv4 endpoint", kind::text);
  v.template operator()<to_chars_inet6>("to_chars/inet6", "to_chars IPv6 endpoint", kind::text);
  v.template operator()<resolve_ipv4>("resolve/ipv4", "resolve numeric IPv4, libc inet_pton", kind::text);
  v.template operator()<resolve_ipv6>("resolve/ipv6", "resolve numeric IPv6, libc inet_pton", kind::text);
  v.template operator()<resolve_ipv4_gai>("resolve/ipv4/getaddrinfo",
                                          "resolve numeric IPv4, libc getaddrinfo", kind::text);
  v.template operator()<resolve_ipv6_gai>("resolve/ipv6/getaddrinfo",
                                          "resolve numeric IPv6, libc getaddrinfo", kind::text);
}

// The operations come in two lists, each compiled in translation units of its own
// (impl_<name>.cpp and impl_<name>_revision2.cpp): the compiler's choices for one function
// (register allocation, the layout of cold paths) depend on what else is in its unit, so
// operations added later must not share one with those measured before them, or their
// figures would move though their code did not.

/// The benchmark's operations of 0.1, in the order of its table.
template <class V>
void for_each_benchmark_of_0_1(V&& v) {
  v.template operator()<round_trip_socketpair>("round_trip/socketpair",
                                               "round trip 64 B, socketpair", kind::io);
  v.template operator()<round_trip_unix>("round_trip/unix", "round trip 64 B, unix stream",
                                         kind::io);
  v.template operator()<round_trip_tcp4>("round_trip/tcp4", "round trip 64 B, TCP 127.0.0.1",
                                         kind::io);
  v.template operator()<round_trip_tcp6>("round_trip/tcp6", "round trip 64 B, TCP ::1", kind::io);
  v.template operator()<udp_round_trip>("round_trip/udp4", "round trip 64 B, UDP 127.0.0.1",
                                        kind::io);
  v.template operator()<send_receive_socketpair>(
      "send_receive/socketpair", "send+receive 64 B, one thread, socketpair", kind::io);
  v.template operator()<send_receive_tcp4>("send_receive/tcp4",
                                           "send+receive 64 B, one thread, TCP 127.0.0.1", kind::io);
  v.template operator()<udp_send_receive>("send_receive/udp4",
                                          "send+receive 64 B, one thread, UDP 127.0.0.1", kind::io);
  v.template operator()<connect_tcp4>("connect_accept_close/tcp4",
                                      "connect+accept+close, TCP 127.0.0.1", kind::io);
  v.template operator()<connect_tcp6>("connect_accept_close/tcp6", "connect+accept+close, TCP ::1",
                                      kind::io);
  for_each_text_operation(v);
}

/// The benchmark's operations of Revision 2 (gather writes, batches, GSO, files).
template <class V>
void for_each_benchmark_of_revision2(V&& v) {
  for_each_gather_operation(v);
  v.template operator()<send_file_64m_vs_read_write>("send_file/64MiB/vs_read_write",
                                                     "send_file 64 MiB vs read+write, TCP 127.0.0.1", kind::io);
  v.template operator()<send_file_64m_vs_sendfile>("send_file/64MiB/sendfile",
                                                   "send_file 64 MiB vs libc sendfile, TCP 127.0.0.1", kind::io);
}

/// The benchmark's operations, in the order of its table.
template <class V>
void for_each_benchmark(V&& v) {
  for_each_benchmark_of_0_1(v);
  for_each_benchmark_of_revision2(v);
}

/// The audits' operations of 0.1: as the benchmark's, with each round trip's two ends in
/// one thread (ping_pong) so that every run does exactly the same work.
template <class V>
void for_each_audited_of_0_1(V&& v) {
  v.template operator()<ping_pong_socketpair>("ping_pong/socketpair",
                                              "round trip 64 B, socketpair", kind::io);
  v.template operator()<ping_pong_unix>("ping_pong/unix", "round trip 64 B, unix stream", kind::io);
  v.template operator()<ping_pong_tcp4>("ping_pong/tcp4", "round trip 64 B, TCP 127.0.0.1",
                                        kind::io);
  v.template operator()<ping_pong_tcp6>("ping_pong/tcp6", "round trip 64 B, TCP ::1", kind::io);
  v.template operator()<udp_ping_pong>("ping_pong/udp4", "round trip 64 B, UDP 127.0.0.1",
                                       kind::io);
  v.template operator()<send_receive_socketpair>("send_receive/socketpair",
                                                 "send+receive 64 B, socketpair", kind::io);
  v.template operator()<send_receive_tcp4>("send_receive/tcp4", "send+receive 64 B, TCP 127.0.0.1",
                                           kind::io);
  v.template operator()<udp_send_receive>("send_receive/udp4", "send+receive 64 B, UDP 127.0.0.1",
                                          kind::io);
  v.template operator()<connect_tcp4>("connect_accept_close/tcp4",
                                      "connect+accept+close, TCP 127.0.0.1", kind::io);
  v.template operator()<connect_tcp6>("connect_accept_close/tcp6", "connect+accept+close, TCP ::1",
                                      kind::io);
  v.template operator()<connect_unix>("connect_accept_close/unix",
                                      "connect+accept+close, unix stream", kind::io);
  v.template operator()<connect_peer_tcp4>("connect_accept_peer_close/tcp4",
                                           "connect+accept(peer)+close, TCP 127.0.0.1", kind::io);
  v.template operator()<listen_close>("listen_close/tcp4", "listen+close, TCP 127.0.0.1", kind::io);
  v.template operator()<socket_pair_close>("socket_pair_close", "socketpair+close", kind::io);
  for_each_text_operation(v);
}

/// The audits' operations of Revision 2: as the benchmark's, with send_file in one thread
/// (file_send_receive) so that every run makes the same system calls.
template <class V>
void for_each_audited_of_revision2(V&& v) {
  for_each_gather_operation(v);
  v.template operator()<send_file_64k_vs_read_write>("send_file/64KiB/vs_read_write",
                                                     "send_file 64 KiB vs read+write, read back, TCP", kind::io);
  v.template operator()<send_file_64k_vs_sendfile>("send_file/64KiB/sendfile",
                                                   "send_file 64 KiB vs libc sendfile, read back, TCP", kind::io);
}

/// The audits' operations.
template <class V>
void for_each_audited_operation(V&& v) {
  for_each_audited_of_0_1(v);
  for_each_audited_of_revision2(v);
}

/// Operations checked by the syscall audit only (tests/audit): single calls whose whole
/// cost is their system call, so they are not in the benchmark's or callgrind's tables.
template <class V>
void for_each_call_operation(V&& v) {
  v.template operator()<nonblocking_toggle>("calls/set_nonblocking", "set_nonblocking on, off",
                                            kind::io);
  v.template operator()<option_set_get>("calls/option", "no_delay set and read back", kind::io);
  v.template operator()<endpoints_query>("calls/endpoints", "local_endpoint, remote_endpoint",
                                         kind::io);
  v.template operator()<wait_then_read>("calls/wait_readable", "write, wait_readable, read",
                                        kind::io);
  v.template operator()<connect_within_tcp4>("calls/connect_timeout/tcp4",
                                             "connect with a timeout+accept+close, TCP", kind::io);
  v.template operator()<connect_within_unix>("calls/connect_timeout/unix",
                                             "connect with a timeout+accept+close, unix", kind::io);
  v.template operator()<connect_name_numeric>("calls/connect_name/numeric",
                                              "connect by name, a numeric host+accept+close", kind::io);
  v.template operator()<connect_name_refused_first>(
      "calls/connect_name/refused_first", "connect to two addresses, the first refused+accept+close",
      kind::io);
  v.template operator()<connect_name_hosts>("calls/connect_name/hosts",
                                            "connect by name through /etc/hosts+accept+close", kind::io);
}

}  // namespace berth_bench

#endif  // BERTH_BENCH_OPERATIONS_HPP
