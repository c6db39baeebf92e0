#ifndef BERTH_ASYNC_HPP
#define BERTH_ASYNC_HPP

// Asynchronous I/O: berth::task, berth::event_loop (epoll or io_uring), the async_*
// socket operations, async_resolve and async_connect by name, with_timeout, sleep_for and
// sleep_until, spawn. See docs/async.md.
// Each header below also compiles on its own.
#include <berth/async/event_loop.hpp>
#include <berth/async/operations.hpp>
#include <berth/async/resolve.hpp>
#include <berth/async/task.hpp>
#include <berth/async/time.hpp>

#endif  // BERTH_ASYNC_HPP
