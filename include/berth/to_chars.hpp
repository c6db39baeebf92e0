#ifndef BERTH_TO_CHARS_HPP
#define BERTH_TO_CHARS_HPP

#include <cstdint>
#include <string_view>
#include <system_error>

namespace berth {

/// What the non-allocating `to_chars(first, last)` members return, as std::to_chars does:
/// `ptr` is one past the last character written; `ec` is std::errc{} on success or
/// std::errc::value_too_large when the text does not fit (then `ptr == last` and the
/// range's contents are unspecified). No NUL is written.
struct to_chars_result {
  /// One past the last character written (`last` when the text did not fit).
  char* ptr;
  /// std::errc{} or std::errc::value_too_large.
  std::errc ec;
  /// Equal when both members are.
  friend constexpr bool operator==(const to_chars_result&, const to_chars_result&) = default;
};

namespace detail {

/// Copies a formatted text from a scratch buffer into [first, last), or reports it too large.
constexpr to_chars_result copy_text(const char* text, std::size_t size, char* first,
                                    char* last) noexcept {
  if (static_cast<std::size_t>(last - first) < size) return {last, std::errc::value_too_large};
  for (std::size_t i = 0; i < size; ++i) first[i] = text[i];
  return {first + size, std::errc{}};
}

/// Writes 0..255 in decimal.
constexpr char* write_decimal8(char* out, unsigned v) noexcept {
  if (v >= 100) {
    *out++ = static_cast<char>('0' + v / 100);
    v %= 100;
    *out++ = static_cast<char>('0' + v / 10);
  } else if (v >= 10) {
    *out++ = static_cast<char>('0' + v / 10);
  }
  *out++ = static_cast<char>('0' + v % 10);
  return out;
}

/// Writes an unsigned 32-bit number in decimal.
constexpr char* write_decimal(char* out, std::uint32_t v) noexcept {
  char digits[10]{};
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *out++ = digits[--n];
  return out;
}

/// Writes 0..0xffff in lower-case hex without leading zeros (RFC 5952, 4.1 and 4.3).
constexpr char* write_hex16(char* out, unsigned v) noexcept {
  constexpr const char* digits = "0123456789abcdef";
  if (v >= 0x1000) *out++ = digits[v >> 12];
  if (v >= 0x100) *out++ = digits[(v >> 8) & 0xf];
  if (v >= 0x10) *out++ = digits[(v >> 4) & 0xf];
  *out++ = digits[v & 0xf];
  return out;
}

/// Reads a decimal number of 1 to `max_digits` digits with no sign and no leading zero
/// (except "0" itself) that is at most `max`. The whole of `text` must be the number.
constexpr bool parse_decimal(std::string_view text, std::uint32_t max, std::size_t max_digits,
                             std::uint32_t& out) noexcept {
  if (text.empty() || text.size() > max_digits) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return false;
  out = static_cast<std::uint32_t>(value);
  return true;
}

}  // namespace detail
}  // namespace berth

#endif  // BERTH_TO_CHARS_HPP
