#ifndef BERTH_BERTH_HPP
#define BERTH_BERTH_HPP

// Everything in berth. Each header below also compiles on its own. Asynchronous I/O is
// <berth/async.hpp>, included separately: it brings <coroutine> and the event loops, and
// a translation unit that uses neither should not pay for them.
#include <berth/acceptor.hpp>
#include <berth/address.hpp>
#include <berth/ancillary.hpp>
#include <berth/any_endpoint.hpp>
#include <berth/buffer.hpp>
#include <berth/concepts.hpp>
#include <berth/descriptor.hpp>
#include <berth/error.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/ip.hpp>
#include <berth/literals.hpp>
#include <berth/local.hpp>
#include <berth/message.hpp>
#include <berth/option.hpp>
#include <berth/resolve.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>
#include <berth/socket_type.hpp>
#include <berth/to_chars.hpp>
#include <berth/version.hpp>

#endif  // BERTH_BERTH_HPP
