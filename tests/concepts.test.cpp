#include <berth/concepts.hpp>

#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>
#include <berth/socket_type.hpp>

#include "catch.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using berth::datagram;
using berth::inet;
using berth::inet6;
using berth::local;
using berth::seqpacket;
using berth::stream;

// ---- address_family ------------------------------------------------------------------------
static_assert(berth::address_family<inet> && berth::address_family<inet6> && berth::address_family<local>);
static_assert(inet::domain == AF_INET && inet6::domain == AF_INET6 && local::domain == AF_UNIX);
static_assert(std::is_same_v<inet::endpoint, berth::inet_endpoint>);
static_assert(std::is_same_v<inet6::endpoint, berth::inet6_endpoint>);
static_assert(std::is_same_v<local::endpoint, berth::local_endpoint>);
static_assert(!berth::address_family<stream> && !berth::address_family<int> && !berth::address_family<berth::inet_endpoint>);

struct family_without_endpoint {
  static constexpr int domain = AF_INET;
};
static_assert(!berth::address_family<family_without_endpoint>);

// ---- socket_type, connection_oriented ----------------------------------------------------------
static_assert(berth::socket_type<stream> && berth::socket_type<datagram> && berth::socket_type<seqpacket>);
static_assert(!berth::socket_type<inet> && !berth::socket_type<int> && !berth::socket_type<void>);
static_assert(berth::connection_oriented<stream> && berth::connection_oriented<seqpacket>);
static_assert(!berth::connection_oriented<datagram> && !berth::connection_oriented<inet>);

struct type_without_flag {
  static constexpr int type = SOCK_STREAM;
};
static_assert(!berth::socket_type<type_without_flag> && !berth::connection_oriented<type_without_flag>);

// ---- valid_protocol: all nine combinations --------------------------------------------------------
static_assert(berth::valid_protocol<inet, stream>);
static_assert(berth::valid_protocol<inet, datagram>);
static_assert(!berth::valid_protocol<inet, seqpacket>);
static_assert(berth::valid_protocol<inet6, stream>);
static_assert(berth::valid_protocol<inet6, datagram>);
static_assert(!berth::valid_protocol<inet6, seqpacket>);
static_assert(berth::valid_protocol<local, stream>);
static_assert(berth::valid_protocol<local, datagram>);
static_assert(berth::valid_protocol<local, seqpacket>);
static_assert(!berth::valid_protocol<stream, inet> && !berth::valid_protocol<int, stream> && !berth::valid_protocol<inet, int>);

// ---- endpoint -------------------------------------------------------------------------------------
static_assert(berth::endpoint<berth::inet_endpoint> && berth::endpoint<berth::inet6_endpoint> &&
              berth::endpoint<berth::local_endpoint>);
static_assert(!berth::endpoint<int> && !berth::endpoint<berth::ipv4_address> && !berth::endpoint<inet>);
static_assert(!berth::endpoint<sockaddr_in> && !berth::endpoint<std::string>);

// A user's own endpoint type qualifies when it has all of it, and its family names it back.
struct my_family;
struct my_endpoint {
  using family = my_family;
  const sockaddr* data() const noexcept { return nullptr; }
  sockaddr* data() noexcept { return nullptr; }
  socklen_t size() const noexcept { return 0; }
  static constexpr socklen_t capacity() noexcept { return 0; }
  void resize(socklen_t, std::error_code&) noexcept {}
};
struct my_family {
  static constexpr int domain = AF_UNIX;
  using endpoint = my_endpoint;
};
static_assert(berth::endpoint<my_endpoint> && berth::address_family<my_family>);

struct endpoint_without_resize {
  using family = my_family;
  const sockaddr* data() const noexcept { return nullptr; }
  sockaddr* data() noexcept { return nullptr; }
  socklen_t size() const noexcept { return 0; }
  static constexpr socklen_t capacity() noexcept { return 0; }
};
static_assert(!berth::endpoint<endpoint_without_resize>);

struct endpoint_of_another_family {  // its family's endpoint is not itself
  using family = inet;
  const sockaddr* data() const noexcept { return nullptr; }
  sockaddr* data() noexcept { return nullptr; }
  socklen_t size() const noexcept { return 0; }
  static constexpr socklen_t capacity() noexcept { return 0; }
  void resize(socklen_t, std::error_code&) noexcept {}
};
static_assert(!berth::endpoint<endpoint_of_another_family>);

// ---- byte_buffer, mutable_byte_buffer ----------------------------------------------------------------
static_assert(berth::byte_buffer<std::string> && berth::byte_buffer<const std::string> && berth::byte_buffer<std::string&>);
static_assert(berth::byte_buffer<std::string_view>);
static_assert(berth::byte_buffer<std::vector<char>> && berth::byte_buffer<std::vector<signed char>>);
static_assert(berth::byte_buffer<std::vector<unsigned char>> && berth::byte_buffer<std::vector<std::byte>>);
static_assert(berth::byte_buffer<std::vector<std::uint8_t>> && berth::byte_buffer<std::vector<std::int8_t>>);
static_assert(berth::byte_buffer<std::array<unsigned char, 4>> && berth::byte_buffer<const std::array<char, 1>>);
static_assert(berth::byte_buffer<std::span<std::byte>> && berth::byte_buffer<std::span<const char>>);
static_assert(berth::byte_buffer<std::span<unsigned char, 8>>);
static_assert(berth::byte_buffer<char[4]> && berth::byte_buffer<const char[4]> && berth::byte_buffer<std::byte[2]>);
static_assert(berth::byte_buffer<signed char[3]> && berth::byte_buffer<const unsigned char[3]>);
static_assert(berth::byte_buffer<const char (&)[6]>);  // a string literal

static_assert(!berth::byte_buffer<std::vector<int>>);
static_assert(!berth::byte_buffer<std::list<char>>);   // not contiguous
static_assert(!berth::byte_buffer<std::deque<char>>);  // not contiguous
static_assert(!berth::byte_buffer<char*> && !berth::byte_buffer<const char*>);  // no size
static_assert(!berth::byte_buffer<int>);
static_assert(!berth::byte_buffer<std::vector<bool>>);
static_assert(!berth::byte_buffer<std::wstring> && !berth::byte_buffer<std::u8string>);
static_assert(!berth::byte_buffer<std::array<int, 4>> && !berth::byte_buffer<int[4]> && !berth::byte_buffer<std::span<short>>);

static_assert(berth::mutable_byte_buffer<std::string> && berth::mutable_byte_buffer<std::vector<std::byte>>);
static_assert(berth::mutable_byte_buffer<std::array<unsigned char, 4>> && berth::mutable_byte_buffer<std::span<char>>);
static_assert(berth::mutable_byte_buffer<char[4]> && berth::mutable_byte_buffer<signed char[2]>);
static_assert(!berth::mutable_byte_buffer<std::string_view> && !berth::mutable_byte_buffer<const std::string>);
static_assert(!berth::mutable_byte_buffer<const char[4]> && !berth::mutable_byte_buffer<std::span<const char>>);
static_assert(!berth::mutable_byte_buffer<const std::array<char, 4>> && !berth::mutable_byte_buffer<const std::vector<char>&>);
static_assert(!berth::mutable_byte_buffer<std::vector<int>> && !berth::mutable_byte_buffer<char*>);

// Concepts, not static_asserts in bodies: a template can ask.
template <class B>
constexpr const char* kind_of() {
  if constexpr (berth::mutable_byte_buffer<B>)
    return "mutable";
  else if constexpr (berth::byte_buffer<B>)
    return "const";
  else
    return "none";
}

}  // namespace

TEST_CASE("a template can ask the buffer concepts which kind a type is") {
  CHECK(std::string_view(kind_of<std::string>()) == "mutable");
  CHECK(std::string_view(kind_of<std::string_view>()) == "const");
  CHECK(std::string_view(kind_of<const char[3]>()) == "const");
  CHECK(std::string_view(kind_of<std::list<char>>()) == "none");
  CHECK(std::string_view(kind_of<std::vector<int>>()) == "none");
}
