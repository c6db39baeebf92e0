#ifndef BERTH_DETAIL_SYS_EVENT_HPP
#define BERTH_DETAIL_SYS_EVENT_HPP

// The event loops' part of the kernel seam (detail/sys.hpp has the socket calls): epoll,
// eventfd (made, and added to), io_uring's three calls and the mappings of its rings, and
// the thread async_resolve runs getaddrinfo on. The same conventions: exactly one call per
// function, no loops, no policy, a sys::result. io_uring is reached
// through syscall(2) with the kernel's own structures (<linux/io_uring.h>), so berth
// stays header-only with nothing to link.

#include <berth/detail/sys.hpp>

#include <linux/io_uring.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace berth::detail::sys {

/// epoll_create1(2) with EPOLL_CLOEXEC.
[[gnu::always_inline]] inline result epoll_create() noexcept { return of(::epoll_create1(EPOLL_CLOEXEC)); }
/// epoll_ctl(2).
[[gnu::always_inline]] inline result epoll_ctl(int epoll, int op, int fd, epoll_event* event) noexcept {
  return of(::epoll_ctl(epoll, op, fd, event));
}
/// epoll_wait(2): how many events, 0 on timeout (-1: wait forever).
[[gnu::always_inline]] inline result epoll_wait(int epoll, epoll_event* events, int capacity, int timeout_ms) noexcept {
  return of(::epoll_wait(epoll, events, capacity, timeout_ms));
}
/// eventfd(2) with EFD_CLOEXEC | EFD_NONBLOCK.
[[gnu::always_inline]] inline result eventfd(unsigned initial) noexcept {
  return of(::eventfd(initial, EFD_CLOEXEC | EFD_NONBLOCK));
}
/// write(2) of `value` to an eventfd: adds it to the counter, which makes it readable.
[[gnu::always_inline]] inline result eventfd_add(int fd, std::uint64_t value) noexcept {
  return of(::write(fd, &value, sizeof value));
}
/// pthread_create(3) of a thread running `start(argument)` (default attributes); its
/// error number, which pthread_create returns rather than sets, in `err`.
[[gnu::always_inline]] inline result thread_create(pthread_t* thread, void* (*start)(void*), void* argument) noexcept {
  const int err = ::pthread_create(thread, nullptr, start, argument);
  return err == 0 ? result{0, 0} : result{-1, err};
}
/// pthread_detach(3): the thread's resources go back to the system when it ends.
[[gnu::always_inline]] inline result thread_detach(pthread_t thread) noexcept {
  const int err = ::pthread_detach(thread);
  return err == 0 ? result{0, 0} : result{-1, err};
}
/// clock_gettime(2) of CLOCK_MONOTONIC (the vDSO answers it: no system call is made).
[[gnu::always_inline]] inline result monotonic_now(timespec* now) noexcept {
  return of(::clock_gettime(CLOCK_MONOTONIC, now));
}

/// io_uring_setup(2): the ring's descriptor; `params` filled with its offsets and features.
[[gnu::always_inline]] inline result io_uring_setup(unsigned entries, io_uring_params* params) noexcept {
  return of(::syscall(__NR_io_uring_setup, entries, params));
}
/// io_uring_enter(2): how many submissions were consumed. Made on every turn of an
/// io_uring loop: on x86-64 it is the `syscall` instruction itself (as liburing makes it),
/// without libc's variadic syscall(3) and its errno; elsewhere syscall(3).
[[gnu::always_inline]] inline result io_uring_enter(int ring, unsigned to_submit, unsigned min_complete, unsigned flags,
                                                    const void* arg, std::size_t arg_size) noexcept {
#if defined(__x86_64__)
  long r;
  register long r10 __asm__("r10") = static_cast<long>(flags);
  register const void* r8 __asm__("r8") = arg;
  register std::size_t r9 __asm__("r9") = arg_size;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "0"(static_cast<long>(__NR_io_uring_enter)), "D"(static_cast<long>(ring)),
                     "S"(static_cast<long>(to_submit)), "d"(static_cast<long>(min_complete)), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  // The kernel's convention: -4095..-1 is -errno.
  if (r < 0 && r >= -4095) return {-1, static_cast<int>(-r)};
  return {r, 0};
#else
  return of(::syscall(__NR_io_uring_enter, ring, to_submit, min_complete, flags, arg, arg_size));
#endif
}
/// io_uring_register(2).
[[gnu::always_inline]] inline result io_uring_register(int ring, unsigned opcode, void* arg, unsigned count) noexcept {
  return of(::syscall(__NR_io_uring_register, ring, opcode, arg, count));
}
/// mmap(2) of `size` bytes of descriptor `fd` at `offset`, shared, readable and writable;
/// the address travels in `value` (MAP_FAILED is reported as the error).
[[gnu::always_inline]] inline result map_shared(int fd, std::size_t size, long long offset, void** address) noexcept {
  void* const p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
  *address = p;
  return of(p == MAP_FAILED ? -1 : 0);
}
/// munmap(2).
[[gnu::always_inline]] inline result unmap(void* address, std::size_t size) noexcept {
  return of(::munmap(address, size));
}

}  // namespace berth::detail::sys

#endif  // BERTH_DETAIL_SYS_EVENT_HPP
