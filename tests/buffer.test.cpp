#include <berth/buffer.hpp>

#include "catch.hpp"

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using berth::detail::bytes_of;
using berth::detail::writable_bytes_of;

// A string literal is a const char[N] ending in NUL: its first N-1 bytes.
static_assert(bytes_of("hello").size == 5);
static_assert(bytes_of("").size == 0);
static_assert(bytes_of("a\0b").size == 3);  // only the final NUL is dropped

constexpr bool literal_rule() {
  const char with_nul[4] = {'a', 'b', 'c', '\0'};  // any const char[N] ending in NUL
  const char without_nul[3] = {'a', 'b', 'c'};      // not ending in NUL: all of it
  char mutable_chars[6] = "hello";                 // not const: all of it, NUL included
  const unsigned char unsigned_chars[3] = {'x', 'y', '\0'};  // not char: all of it
  const signed char signed_chars[2] = {'x', '\0'};
  const std::byte raw[2] = {std::byte{1}, std::byte{0}};
  return bytes_of(with_nul).size == 3 && bytes_of(without_nul).size == 3 && bytes_of(mutable_chars).size == 6 &&
         bytes_of(unsigned_chars).size == 3 && bytes_of(signed_chars).size == 2 && bytes_of(raw).size == 2 &&
         bytes_of(with_nul).data == with_nul && bytes_of(mutable_chars).data == mutable_chars;
}
static_assert(literal_rule());

constexpr bool ranges_are_all_their_bytes() {
  const std::string_view view("abc\0", 4);  // a view keeps its NUL
  const std::array<char, 3> array{'a', 'b', '\0'};
  std::array<unsigned char, 5> bytes{};
  return bytes_of(view).size == 4 && bytes_of(view).data == view.data() && bytes_of(array).size == 3 &&
         bytes_of(std::span<const char>(array)).size == 3 && writable_bytes_of(bytes).size == 5 &&
         writable_bytes_of(bytes).data == bytes.data();
}
static_assert(ranges_are_all_their_bytes());
// These two are checked at compile time only: bytes_of takes no path at run time that a
// constant evaluation does not, and the evaluation rejects any undefined behaviour the
// sanitizers could find there, so a REQUIRE of them at run time could not fail.

}  // namespace

TEST_CASE("bytes_of: a string literal means its characters without the final NUL") {
  const auto b = bytes_of("hi\n");
  CHECK(b.size == 3);
  CHECK(std::string_view(static_cast<const char*>(b.data), b.size) == "hi\n");
}

TEST_CASE("bytes_of: every other range means all of its bytes") {
  const std::string s("ab\0", 3);
  CHECK(bytes_of(s).size == 3);
  CHECK(bytes_of(s).data == s.data());
  const std::vector<std::byte> v(7);
  CHECK(bytes_of(v).size == 7);
  CHECK(bytes_of(v).data == v.data());
  std::vector<char> w(9);
  CHECK(writable_bytes_of(w).size == 9);
  CHECK(writable_bytes_of(w).data == w.data());
  std::string empty;
  CHECK(writable_bytes_of(empty).size == 0);
  char c_array[4];
  CHECK(writable_bytes_of(c_array).size == 4);
  CHECK(writable_bytes_of(std::span<char>(c_array, 2)).size == 2);
}

// ---- gather and scatter lists (Revision 2) ---------------------------------------------------

namespace {

using berth::const_buffer;
using berth::mutable_buffer;

// Views laid out as iovec, so that a range of them is handed to the kernel as it is.
static_assert(sizeof(const_buffer) == sizeof(iovec) && sizeof(mutable_buffer) == sizeof(iovec));
static_assert(std::is_trivially_copyable_v<const_buffer> && std::is_trivially_copyable_v<mutable_buffer>);
// Made implicitly from byte buffers: a const_buffer from any, a mutable_buffer from mutable ones.
static_assert(std::is_convertible_v<std::string&, const_buffer> && std::is_convertible_v<const char (&)[3], const_buffer>);
static_assert(std::is_convertible_v<std::string_view, const_buffer> && std::is_convertible_v<mutable_buffer, const_buffer>);
static_assert(std::is_convertible_v<std::vector<std::byte>&, mutable_buffer>);
static_assert(!std::is_convertible_v<std::string_view, mutable_buffer> && !std::is_convertible_v<const std::string&, mutable_buffer>);
static_assert(!std::is_convertible_v<const_buffer, mutable_buffer>);
static_assert(!std::is_constructible_v<const_buffer, std::vector<int>&> && !std::is_constructible_v<const_buffer, int>);
// Each is a byte buffer itself; a range of them is a list, never a byte buffer.
static_assert(berth::byte_buffer<const_buffer> && !berth::mutable_byte_buffer<const_buffer>);
static_assert(berth::mutable_byte_buffer<mutable_buffer>);
static_assert(berth::buffer_sequence<std::vector<const_buffer>> && berth::buffer_sequence<std::array<mutable_buffer, 2>>);
static_assert(berth::buffer_sequence<std::span<const const_buffer>> && berth::buffer_sequence<const std::vector<mutable_buffer>>);
static_assert(berth::mutable_buffer_sequence<std::vector<mutable_buffer>> && berth::mutable_buffer_sequence<std::span<mutable_buffer, 3>>);
static_assert(!berth::mutable_buffer_sequence<std::vector<const_buffer>>);
static_assert(!berth::byte_buffer<std::vector<const_buffer>> && !berth::buffer_sequence<std::string>);
static_assert(!berth::buffer_sequence<std::vector<std::string>> && !berth::buffer_sequence<const_buffer>);

// berth::buffers: two or more, at most IOV_MAX (1024); mutable when every one is.
template <class... B>
concept can_make_list = requires(B&&... b) { berth::buffers(std::forward<B>(b)...); };
static_assert(can_make_list<std::string&, const char (&)[3]> && can_make_list<char (&)[4], std::span<std::byte>, mutable_buffer>);
static_assert(!can_make_list<std::string&> && !can_make_list<>);
static_assert(!can_make_list<std::string&, int> && !can_make_list<std::vector<int>&, std::string&>);
template <std::size_t N>
constexpr bool list_of_views_compiles() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return can_make_list<decltype((void(I), std::declval<std::string_view>()))...>;
  }(std::make_index_sequence<N>{});
}
static_assert(list_of_views_compiles<1024>() && !list_of_views_compiles<1025>());
static_assert(berth::mutable_buffer_sequence<decltype(berth::buffers(std::declval<std::string&>(), std::declval<char (&)[2]>()))>);
static_assert(!berth::mutable_buffer_sequence<decltype(berth::buffers(std::declval<std::string&>(), std::declval<std::string_view>()))>);
static_assert(berth::buffer_sequence<decltype(berth::buffers(std::declval<std::string&>(), std::declval<std::string_view>()))>);
static_assert(decltype(berth::buffers(std::declval<std::string&>(), std::declval<std::string&>()))::size() == 2);

}  // namespace

TEST_CASE("const_buffer and mutable_buffer: the bytes a buffer stands for, as the kernel's iovec") {
  const std::string s = "text";
  const const_buffer a(s);
  CHECK(a.size() == 4);
  CHECK(static_cast<const void*>(a.data()) == s.data());
  const const_buffer literal("hi\n");  // a string literal without its final NUL
  CHECK(literal.size() == 3);
  const const_buffer none;
  CHECK(none.size() == 0);
  CHECK(none.data() == nullptr);
  char raw[5];
  const mutable_buffer m(raw);
  CHECK(m.size() == 5);  // a mutable char array: all of it
  CHECK(static_cast<void*>(m.data()) == raw);
  const const_buffer from_mutable = m;
  CHECK(from_mutable.size() == 5);
  CHECK(static_cast<const void*>(from_mutable.data()) == raw);
  const const_buffer pointer_and_size(s.data() + 1, 2);
  CHECK(std::string_view(reinterpret_cast<const char*>(pointer_and_size.data()), pointer_and_size.size()) == "ex");
}

TEST_CASE("berth::buffers holds its views in place, in order") {
  std::string head = "head";
  char body[3] = {'a', 'b', 'c'};
  const auto list = berth::buffers(head, body, "lit");
  static_assert(!berth::mutable_buffer_sequence<decltype(list)>);  // "lit" is const
  REQUIRE(list.size() == 3);
  CHECK(static_cast<const void*>(list[0].data()) == head.data());
  CHECK(list[1].size() == 3);
  CHECK(list[2].size() == 3);
  CHECK(list.end() - list.begin() == 3);
  auto writable = berth::buffers(head, body);
  static_assert(berth::mutable_buffer_sequence<decltype(writable)>);
  CHECK(static_cast<void*>(writable[1].data()) == body);
}
