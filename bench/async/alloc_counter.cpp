// Counts a process's heap allocations, for the async benchmark's "allocations per message".
//
//   BERTH_ALLOC_COUNTER_FILE=/tmp/counts LD_PRELOAD=libberth_alloc_counter.so server ...
//
// Preloaded, it stands in for malloc, calloc, realloc, free and the aligned forms, forwards
// each to glibc's own (__libc_malloc and the like) and counts it. operator new and delete
// go through malloc and free in libstdc++, so they are counted too, in any program, built
// by anyone: berth's server is measured exactly as the baselines are.
//
// The counts live in the file named by BERTH_ALLOC_COUNTER_FILE, shared-mapped, so another
// process reads them at any moment while the counted one runs (and after it ended):
// eight little-endian 64-bit words,
//
//   0 magic "BERTHALC"   1 allocations   2 frees   3 bytes allocated   4 pid
//
// An allocation is a successful malloc, calloc, aligned allocation, or a realloc that
// returned a block (growing in place included: the caller asked for memory). Without the
// variable, it counts into memory nobody reads and changes nothing else.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* block, std::size_t size);
void __libc_free(void* block);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {

struct counts {
  std::uint64_t magic;
  std::atomic<std::uint64_t> allocations;
  std::atomic<std::uint64_t> frees;
  std::atomic<std::uint64_t> bytes;
  std::uint64_t pid;
  std::uint64_t reserved[3];
};
static_assert(sizeof(counts) == 64);

counts early{};  // until the constructor maps the file
std::atomic<counts*> current{&early};

void count_allocation(std::size_t size) noexcept {
  counts* c = current.load(std::memory_order_relaxed);
  c->allocations.fetch_add(1, std::memory_order_relaxed);
  c->bytes.fetch_add(size, std::memory_order_relaxed);
}

void count_free() noexcept {
  current.load(std::memory_order_relaxed)->frees.fetch_add(1, std::memory_order_relaxed);
}

__attribute__((constructor(101))) void map_counts() {
  const char* path = std::getenv("BERTH_ALLOC_COUNTER_FILE");
  if (path == nullptr || *path == '\0') return;
  const int saved = errno;
  const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    if (ftruncate(fd, 4096) == 0) {
      void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (m != MAP_FAILED) {
        auto* c = static_cast<counts*>(m);
        c->allocations.store(early.allocations.load());
        c->frees.store(early.frees.load());
        c->bytes.store(early.bytes.load());
        c->pid = static_cast<std::uint64_t>(getpid());
        std::memcpy(&c->magic, "BERTHALC", 8);
        current.store(c);
      }
    }
    close(fd);
  }
  errno = saved;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* malloc(std::size_t size) {
  void* p = __libc_malloc(size);
  if (p != nullptr) count_allocation(size);
  return p;
}

__attribute__((visibility("default"))) void* calloc(std::size_t count, std::size_t size) {
  void* p = __libc_calloc(count, size);
  if (p != nullptr) count_allocation(count * size);
  return p;
}

__attribute__((visibility("default"))) void* realloc(void* block, std::size_t size) {
  void* p = __libc_realloc(block, size);
  if (p != nullptr) count_allocation(size);
  if (block != nullptr && (p != nullptr || size == 0)) count_free();
  return p;
}

__attribute__((visibility("default"))) void free(void* block) {
  if (block != nullptr) count_free();
  __libc_free(block);
}

__attribute__((visibility("default"))) void* memalign(std::size_t alignment, std::size_t size) {
  void* p = __libc_memalign(alignment, size);
  if (p != nullptr) count_allocation(size);
  return p;
}

__attribute__((visibility("default"))) void* aligned_alloc(std::size_t alignment,
                                                           std::size_t size) {
  return memalign(alignment, size);
}

__attribute__((visibility("default"))) int posix_memalign(void** out, std::size_t alignment,
                                                          std::size_t size) {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

__attribute__((visibility("default"))) void* valloc(std::size_t size) {
  return memalign(static_cast<std::size_t>(sysconf(_SC_PAGESIZE)), size);
}

}  // extern "C"
