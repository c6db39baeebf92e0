// What berth's tests share: descriptor counts, an allocation counter, temporary paths.
#ifndef BERTH_TESTS_SUPPORT_SUPPORT_HPP
#define BERTH_TESTS_SUPPORT_SUPPORT_HPP

#include <cstddef>
#include <string>

namespace berth_test {

/// The number of descriptors open in this process (entries of /proc/self/fd).
int open_descriptor_count();

/// Whether `fd` has FD_CLOEXEC set.
bool is_close_on_exec(int fd);

/// Counts operator new calls made by this thread while it lives.
class allocation_counter {
 public:
  allocation_counter() noexcept;
  ~allocation_counter();
  allocation_counter(const allocation_counter&) = delete;
  allocation_counter& operator=(const allocation_counter&) = delete;
  /// Allocations since construction.
  std::size_t count() const noexcept;

 private:
  std::size_t start_;
};

/// A path for a unix socket that does not exist yet, unique to this process and call,
/// under $TMPDIR (or /tmp); removed when the object goes away.
class temp_socket_path {
 public:
  temp_socket_path();
  ~temp_socket_path();
  temp_socket_path(const temp_socket_path&) = delete;
  temp_socket_path& operator=(const temp_socket_path&) = delete;
  const std::string& str() const noexcept { return path_; }

 private:
  std::string path_;
};

/// A name for an abstract unix socket, unique to this process and call.
std::string unique_abstract_name();

}  // namespace berth_test

#endif
