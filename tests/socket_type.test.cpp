#include <berth/socket_type.hpp>

#include <berth/concepts.hpp>

#include <sys/socket.h>

#include <type_traits>

// The tags are compile-time facts, all checked when this file compiles, so it has no test
// case to run (tests/CMakeLists.txt compiles a test file without one and runs nothing).
// That each tag makes a socket of its type is berth's socket<F, T>::open, checked with
// SO_DOMAIN and SO_TYPE for every valid pair in socket.test.cpp (check_open).

namespace {

static_assert(berth::stream::type == SOCK_STREAM);
static_assert(berth::datagram::type == SOCK_DGRAM);
static_assert(berth::seqpacket::type == SOCK_SEQPACKET);
static_assert(berth::stream::connection_oriented);
static_assert(!berth::datagram::connection_oriented);
static_assert(berth::seqpacket::connection_oriented);

// Tags: empty, trivial, usable as template arguments and values alike.
static_assert(std::is_empty_v<berth::stream> && std::is_empty_v<berth::datagram> && std::is_empty_v<berth::seqpacket>);
static_assert(std::is_trivial_v<berth::stream> && std::is_trivial_v<berth::datagram> && std::is_trivial_v<berth::seqpacket>);
static_assert(std::is_same_v<decltype(berth::stream::type), const int>);
static_assert(std::is_same_v<decltype(berth::seqpacket::connection_oriented), const bool>);

static_assert(berth::socket_type<berth::stream> && berth::socket_type<berth::datagram> && berth::socket_type<berth::seqpacket>);
static_assert(berth::connection_oriented<berth::stream> && berth::connection_oriented<berth::seqpacket>);
static_assert(!berth::connection_oriented<berth::datagram>);

constexpr int type_of(auto tag) { return decltype(tag)::type; }
static_assert(type_of(berth::datagram{}) == SOCK_DGRAM);

}  // namespace
