#include <berth/buffer.hpp>

#include "catch.hpp"

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
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
