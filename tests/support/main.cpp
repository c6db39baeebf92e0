// The test runner: Catch2's session, plus two checks around every test case.
// - Descriptors: the count of open descriptors after a test case must equal the count
//   before it; a leak fails the run and names the test.
// - Allocations: operator new is replaced here with a counting one (see
//   berth_test::allocation_counter).
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include "support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

// The replacement pairs malloc with free on purpose; GCC's heuristic cannot see that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
thread_local std::size_t allocations = 0;
std::atomic<unsigned> name_counter{0};
bool leak_found = false;
}  // namespace

// Every replaceable form of operator new counts and allocates with malloc (or
// aligned_alloc); every form of operator delete frees with free, so each pair matches.
namespace {
void* counted_allocation(std::size_t size, std::size_t alignment) noexcept {
  ++allocations;
  if (size == 0) size = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(size);
  return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}
}  // namespace

void* operator new(std::size_t size) {
  if (void* p = counted_allocation(size, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_allocation(size, 0); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_allocation(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) {
  if (void* p = counted_allocation(size, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t a) { return ::operator new(size, a); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_allocation(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_allocation(size, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace berth_test {

int open_descriptor_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;  // the directory's own descriptor
}

bool is_close_on_exec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  return flags >= 0 && (flags & FD_CLOEXEC) != 0;
}

allocation_counter::allocation_counter() noexcept : start_(allocations) {}
allocation_counter::~allocation_counter() = default;
std::size_t allocation_counter::count() const noexcept { return allocations - start_; }

temp_socket_path::temp_socket_path() {
  const char* dir = std::getenv("TMPDIR");
  path_ = std::string(dir && *dir ? dir : "/tmp") + "/berth-test-" + std::to_string(::getpid()) +
          "-" + std::to_string(name_counter++) + ".sock";
  ::unlink(path_.c_str());
}
temp_socket_path::~temp_socket_path() { ::unlink(path_.c_str()); }

std::string unique_abstract_name() {
  return "berth-test-" + std::to_string(::getpid()) + "-" + std::to_string(name_counter++);
}

}  // namespace berth_test

namespace {

#if __has_include(<catch2/catch_all.hpp>)
using listener_base = Catch::EventListenerBase;
#else
using listener_base = Catch::TestEventListenerBase;
#endif

class descriptor_listener : public listener_base {
 public:
  using listener_base::listener_base;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    listener_base::testCaseStarting(info);
    name_ = info.name;
    before_ = berth_test::open_descriptor_count();
  }
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    const int after = berth_test::open_descriptor_count();
    if (after != before_) {
      std::fprintf(stderr, "descriptor leak: test case \"%s\" began with %d open and ended with %d\n",
                   name_.c_str(), before_, after);
      leak_found = true;
    }
    listener_base::testCaseEnded(stats);
  }

 private:
  std::string name_;
  int before_ = 0;
};

}  // namespace

CATCH_REGISTER_LISTENER(descriptor_listener)

int main(int argc, char** argv) {
  const int result = Catch::Session().run(argc, argv);
  return leak_found ? 1 : result;
}
