// What the three implementations of every measured operation share: the transports, the
// message, the sample texts, and the barriers that keep the optimizer honest.
#ifndef BERTH_BENCH_COMMON_HPP
#define BERTH_BENCH_COMMON_HPP

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace berth_bench {

/// Where a stream runs: a socketpair, a unix-domain stream socket bound to a path, TCP on
/// 127.0.0.1 or on ::1 (both with TCP_NODELAY).
enum class transport { socketpair, unix_stream, tcp4, tcp6 };

/// Every message is 64 bytes.
inline constexpr std::size_t message_size = 64;
using message = std::array<char, message_size>;

/// How many datagrams a batch holds (udp_batch_echo).
inline constexpr std::size_t batch_size = 32;

/// What the libc side of a batch does: one sendto/recvfrom per datagram (what the batch
/// saves), or sendmmsg/recvmmsg as careful libc code would (what berth must match).
/// berth always batches (send_many, receive_many).
enum class batching { per_datagram, mmsg };

/// GSO segments: 54 of 1200 bytes (64800 bytes, one datagram's worth before segmenting).
inline constexpr std::size_t gso_segment = 1200, gso_segments = 54;

/// What the libc side does: one sendto/recvfrom per 1200-byte datagram, or UDP GSO and GRO
/// (UDP_SEGMENT, UDP_GRO) as careful libc code would. berth always segments.
enum class segmenting { per_datagram, gso };

/// What the libc side does: read into a 128 KiB buffer and write it (what sendfile saves),
/// or sendfile as careful libc code would (SIGPIPE blocked around it). berth: send_file.
enum class file_copy { read_write, sendfile };

/// A message with recognisable contents.
inline message make_message() noexcept {
  message m{};
  for (std::size_t k = 0; k < m.size(); ++k) m[k] = static_cast<char>('a' + k % 26);
  return m;
}

/// The texts that parse and format work on: typical of logs and access lists.
namespace samples {
inline constexpr std::string_view ipv4 = "192.168.100.254";
inline constexpr std::string_view ipv6 = "2001:db8:85a3::8a2e:370:7334";
inline constexpr std::string_view inet = "192.168.100.254:8080";
inline constexpr std::string_view inet6 = "[2001:db8:85a3::8a2e:370:7334]:8080";
inline constexpr std::string_view port = "8080";
}  // namespace samples

/// Makes the compiler forget what it knows about `value`: it may have changed. Keeps
/// constexpr parsers from being folded at compile time.
template <class T>
inline void opaque(T& value) noexcept {
  asm volatile("" : "+m"(value) : : "memory");
}

/// Makes the compiler believe `value` is read, so computing it is not dropped.
template <class T>
inline void keep(const T& value) noexcept {
  asm volatile("" : : "m"(value) : "memory");
}

/// A path for a unix-domain listener, unique to this process and call; nothing there yet.
inline std::string unix_socket_path() {
  static std::atomic<unsigned> counter{0};
  const char* dir = std::getenv("TMPDIR");
  std::string path = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
  path += "/berth-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  ::unlink(path.c_str());
  return path;
}

/// Removes a unix socket's file when the listener that made it goes away.
class unlink_on_exit {
 public:
  explicit unlink_on_exit(std::string path) : path_(std::move(path)) {}
  unlink_on_exit(unlink_on_exit&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  unlink_on_exit& operator=(unlink_on_exit&&) = delete;
  ~unlink_on_exit() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// A file of `Size` bytes in $TMPDIR (or /tmp), unlinked as soon as it is made, so that
/// nothing is left behind; its descriptor is closed with it. A template, so that nothing of
/// it is compiled where no operation uses it (see operations.hpp on translation units).
template <std::size_t Size>
class temp_file {
 public:
  temp_file() {
    constexpr std::size_t size = Size;
    const char* dir = std::getenv("TMPDIR");
    std::string path = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
    path += "/berth-bench-file-XXXXXX";
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::system_category(), "mkostemp");
    ::unlink(path.c_str());
    std::array<char, 1 << 16> chunk;
    for (std::size_t k = 0; k < chunk.size(); ++k) chunk[k] = static_cast<char>(k * 7);
    for (std::size_t done = 0; done < size;) {
      const std::size_t n = size - done < chunk.size() ? size - done : chunk.size();
      const ssize_t w = ::write(fd_, chunk.data(), n);
      if (w <= 0) throw std::system_error(errno, std::system_category(), "write");
      done += static_cast<std::size_t>(w);
    }
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() { ::close(fd_); }
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

/// For a peer thread: an error there cannot be reported to the measuring thread, which
/// would wait forever; say what happened and stop.
[[noreturn]] inline void peer_failed(const std::exception& e) noexcept {
  std::fprintf(stderr, "berth bench: peer thread failed: %s\n", e.what());
  std::abort();
}

}  // namespace berth_bench

#endif  // BERTH_BENCH_COMMON_HPP
