#ifndef BERTH_ADDRESS_HPP
#define BERTH_ADDRESS_HPP

#include <berth/error.hpp>
#include <berth/to_chars.hpp>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>  // std::is_constant_evaluated

namespace berth {
namespace detail {

/// The text [first, last) as a std::string: what every to_string() returns, made in one
/// place (each std::string construction written out is another overload resolution over
/// its constructors, in every translation unit that includes it).
/// (A template, so that the constructor is instantiated only where a to_string() is
/// called; the iterator pair, as it was written before: 7 instructions fewer than a
/// pointer and a length, g++ 12 -O2.)
template <class = void>
inline std::string string_of(const char* first, const char* last) {
  return std::string(first, last);
}

/// Reads one decimal digit at `p` (if `p` is before `end`) into `digit`.
constexpr bool read_digit(const char* p, const char* end, unsigned& digit) noexcept {
  if (p == end) return false;
  digit = static_cast<unsigned>(static_cast<unsigned char>(*p)) - unsigned{'0'};
  return digit <= 9;
}

/// inet_pton(AF_INET) exactly: four decimal parts 0..255 separated by dots, no leading
/// zeros, nothing before or after. One part at a time, each at most three digits: about
/// a third of the instructions of a character-at-a-time state machine.
constexpr bool parse_ipv4(std::string_view text, std::uint32_t& out) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    if (part != 0) {
      if (p == end || *p != '.') return false;
      ++p;
    }
    unsigned n = 0, digit = 0;
    if (!read_digit(p, end, n)) return false;
    ++p;
    if (read_digit(p, end, digit)) {
      if (n == 0) return false;  // a leading zero
      n = n * 10 + digit;
      ++p;
      if (read_digit(p, end, digit)) {
        n = n * 10 + digit;
        ++p;
        if (n > 255) return false;
      }
    }
    value = (value << 8) | n;
  }
  if (p != end) return false;
  out = value;
  return true;
}

/// The value of each character as a hex digit; 0xff for the characters that are not one.
/// Written out rather than computed by a constexpr lambda: evaluating that loop cost every
/// translation unit that includes an address about as much as compiling the rest of this
/// header.
inline constexpr std::uint8_t hex_digit_values[256] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 255, 255, 255, 255, 255,
    255, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

/// inet_pton(AF_INET6) exactly: eight groups of one to four hex digits, one "::" standing
/// for at least one zero group, an optional dotted IPv4 tail in place of the last two groups.
/// Writes out[0..15] only on success, straight into the caller's object: copying sixteen
/// bytes just stored one at a time would stall the processor (store forwarding fails).
/// Flattened (parse_ipv4, for the IPv4 tail, inlined into it), so that its code does not
/// depend on how many other callers parse_ipv4 has in a translation unit: one more (resolve)
/// took parse_ipv4 out of line and cost every IPv6 parse 3 instructions.
[[gnu::flatten]] constexpr bool parse_ipv6(std::string_view text, std::uint8_t* out) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::uint16_t groups[8]{};
  int count = 0;
  int gap = -1;  // index of the group where "::" stands
  if (p == end) return false;
  if (*p == ':') {
    if (end - p < 2 || p[1] != ':') return false;
    gap = 0;
    p += 2;
  }
  while (p != end) {
    const char* const start = p;
    unsigned value = 0;
    for (int k = 0; k < 4 && p != end; ++k, ++p) {
      const unsigned digit = hex_digit_values[static_cast<unsigned char>(*p)];
      if (digit > 15) break;
      value = (value << 4) | digit;
    }
    if (p == start) return false;
    if (p != end && *p == '.') {  // the IPv4 tail: the rest of the text
      std::uint32_t v4 = 0;
      if (count > 6 ||
          !parse_ipv4(std::string_view(start, static_cast<std::size_t>(end - start)), v4))
        return false;
      groups[count++] = static_cast<std::uint16_t>(v4 >> 16);
      groups[count++] = static_cast<std::uint16_t>(v4 & 0xffff);
      break;
    }
    if (count == 8) return false;
    groups[count++] = static_cast<std::uint16_t>(value);
    if (p == end) break;
    if (*p != ':') return false;   // also a fifth hex digit
    if (++p == end) return false;  // a trailing single ':'
    if (*p == ':') {
      if (gap >= 0) return false;  // a second "::"
      gap = count;
      ++p;
    }
  }
  if (gap >= 0) {
    if (count == 8) return false;  // "::" must stand for at least one group
    const int tail = count - gap;
    for (int k = 0; k < tail; ++k) groups[7 - k] = groups[count - 1 - k];
    for (int k = gap; k < 8 - tail; ++k) groups[k] = 0;
  } else if (count != 8) {
    return false;
  }
  for (int k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<std::uint8_t>(groups[k] >> 8);
    out[2 * k + 1] = static_cast<std::uint8_t>(groups[k] & 0xff);
  }
  return true;
}

/// As parse_ipv6(text, out.data()).
constexpr bool parse_ipv6(std::string_view text, std::array<std::uint8_t, 16>& out) noexcept {
  return parse_ipv6(text, out.data());
}

constexpr char* write_ipv4(char* out, std::uint32_t v) noexcept {
  out = write_decimal8(out, v >> 24);
  *out++ = '.';
  out = write_decimal8(out, (v >> 16) & 0xff);
  *out++ = '.';
  out = write_decimal8(out, (v >> 8) & 0xff);
  *out++ = '.';
  return write_decimal8(out, v & 0xff);
}

/// RFC 5952: lower-case hex without leading zeros; the longest run of two or more zero
/// groups (the first of equals) as "::"; an IPv4-mapped address as ::ffff:a.b.c.d.
constexpr char* write_ipv6(char* out, const std::array<std::uint8_t, 16>& b) noexcept {
  unsigned groups[8]{};
  for (int k = 0; k < 8; ++k)
    groups[k] = (unsigned{b[static_cast<std::size_t>(2 * k)]} << 8) |
                b[static_cast<std::size_t>(2 * k + 1)];
  if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 &&
      groups[4] == 0 && groups[5] == 0xffff) {
    for (char c : std::string_view("::ffff:")) *out++ = c;
    return write_ipv4(out, (std::uint32_t{groups[6]} << 16) | groups[7]);
  }
  int best = -1, best_length = 1, run = -1;
  for (int k = 0; k <= 8; ++k) {
    if (k < 8 && groups[k] == 0) {
      if (run < 0) run = k;
    } else if (run >= 0) {
      if (k - run > best_length) {
        best = run;
        best_length = k - run;
      }
      run = -1;
    }
  }
  for (int k = 0; k < 8; ++k) {
    if (best >= 0 && k >= best && k < best + best_length) {
      if (k == best) *out++ = ':';
      continue;
    }
    if (k != 0) *out++ = ':';
    out = write_hex16(out, groups[k]);
  }
  if (best >= 0 && best + best_length == 8) *out++ = ':';
  return out;
}

}  // namespace detail

/// An IPv4 address, a constexpr value type; default-constructed it is 0.0.0.0.
class ipv4_address {
 public:
  /// The address in network order, most significant byte first.
  using bytes_type = std::array<std::uint8_t, 4>;
  /// Length of the longest text, "255.255.255.255".
  static constexpr std::size_t max_text_size = 15;

  constexpr ipv4_address() noexcept = default;
  /// From a number in host order: ipv4_address(0x7f000001) is 127.0.0.1. Explicit, so that
  /// `ipv4_address a = 42;` and `a == 7` do not compile.
  constexpr explicit ipv4_address(std::uint32_t host_order) noexcept : value_(host_order) {}
  /// From four bytes in network order.
  constexpr explicit ipv4_address(const bytes_type& b) noexcept
      : value_((std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
               (std::uint32_t{b[2]} << 8) | b[3]) {}

  /// 0.0.0.0 (INADDR_ANY).
  static constexpr ipv4_address any() noexcept { return ipv4_address(); }
  /// 127.0.0.1 (INADDR_LOOPBACK).
  static constexpr ipv4_address loopback() noexcept { return ipv4_address(0x7f000001u); }
  /// 255.255.255.255 (INADDR_BROADCAST).
  static constexpr ipv4_address broadcast() noexcept { return ipv4_address(0xffffffffu); }

  /// The four bytes in network order.
  constexpr bytes_type bytes() const noexcept {
    return {static_cast<std::uint8_t>(value_ >> 24), static_cast<std::uint8_t>(value_ >> 16),
            static_cast<std::uint8_t>(value_ >> 8), static_cast<std::uint8_t>(value_)};
  }
  /// The address as a number in host order.
  constexpr std::uint32_t to_uint() const noexcept { return value_; }

  /// In 127.0.0.0/8.
  constexpr bool is_loopback() const noexcept { return (value_ >> 24) == 127; }
  /// 0.0.0.0.
  constexpr bool is_unspecified() const noexcept { return value_ == 0; }
  /// In 224.0.0.0/4.
  constexpr bool is_multicast() const noexcept { return (value_ >> 28) == 0xe; }

  /// Reads dotted decimal, accepting exactly what inet_pton(AF_INET) accepts ("1.2.3.4";
  /// not "01.2.3.4", "1.2.3", " 1.2.3.4"). Throws std::system_error(std::errc::invalid_argument).
  [[nodiscard]] static constexpr ipv4_address parse(std::string_view text) {
    std::uint32_t value = 0;
    if (!detail::parse_ipv4(text, value))
      detail::throw_parse_error("berth: not an IPv4 address:", text.data(), text.size());
    return ipv4_address(value);
  }
  /// As parse(text); on malformed text sets `ec` to std::errc::invalid_argument and
  /// returns 0.0.0.0.
  [[nodiscard]] static ipv4_address parse(std::string_view text, std::error_code& ec) noexcept {
    std::uint32_t value = 0;
    const bool ok = detail::parse_ipv4(text, value);
    detail::assign(ec, ok ? 0 : EINVAL);
    return ipv4_address(ok ? value : 0);
  }

  /// Writes dotted decimal into [first, last) without allocating (see to_chars_result).
  constexpr to_chars_result to_chars(char* first, char* last) const noexcept {
    if (last - first >= static_cast<std::ptrdiff_t>(max_text_size))
      return {detail::write_ipv4(first, value_), std::errc{}};
    char text[max_text_size]{};
    const char* end = detail::write_ipv4(text, value_);
    return detail::copy_text(text, static_cast<std::size_t>(end - text), first, last);
  }
  /// Dotted decimal, "127.0.0.1". Fits the small-string buffer: no allocation.
  std::string to_string() const {
    char text[max_text_size];
    return detail::string_of(text, detail::write_ipv4(text, value_));
  }

  /// Equal when all four bytes are.
  constexpr bool operator==(const ipv4_address&) const noexcept = default;
  /// Orders as the numbers do (network order, byte by byte).
  constexpr std::strong_ordering operator<=>(const ipv4_address&) const noexcept = default;

 private:
  std::uint32_t value_ = 0;
};

/// An IPv6 address, a constexpr value type; default-constructed it is ::.
class ipv6_address {
 public:
  /// The sixteen bytes in network order.
  using bytes_type = std::array<std::uint8_t, 16>;
  /// Length of the longest text, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".
  static constexpr std::size_t max_text_size = 39;

  constexpr ipv6_address() noexcept = default;
  /// From sixteen bytes in network order.
  constexpr explicit ipv6_address(const bytes_type& b) noexcept : bytes_(b) {}

  /// :: (in6addr_any).
  static constexpr ipv6_address any() noexcept { return {}; }
  /// ::1 (in6addr_loopback).
  static constexpr ipv6_address loopback() noexcept {
    bytes_type b{};
    b[15] = 1;
    return ipv6_address(b);
  }
  /// ::ffff:a.b.c.d, the IPv4-mapped form of `v4` (RFC 4291, 2.5.5.2).
  static constexpr ipv6_address v4_mapped(ipv4_address v4) noexcept {
    const ipv4_address::bytes_type four = v4.bytes();
    bytes_type b{};
    b[10] = 0xff;
    b[11] = 0xff;
    for (std::size_t k = 0; k < 4; ++k) b[12 + k] = four[k];
    return ipv6_address(b);
  }

  /// The sixteen bytes in network order.
  constexpr const bytes_type& bytes() const noexcept { return bytes_; }

  /// ::1 (an IPv4-mapped 127.x.y.z is not IPv6 loopback).
  constexpr bool is_loopback() const noexcept { return *this == loopback(); }
  /// ::.
  constexpr bool is_unspecified() const noexcept { return *this == ipv6_address{}; }
  /// In ff00::/8.
  constexpr bool is_multicast() const noexcept { return bytes_[0] == 0xff; }
  /// In ::ffff:0:0/96.
  constexpr bool is_v4_mapped() const noexcept {
    for (std::size_t k = 0; k < 10; ++k)
      if (bytes_[k] != 0) return false;
    return bytes_[10] == 0xff && bytes_[11] == 0xff;
  }
  /// The IPv4 address inside an IPv4-mapped one; throws std::system_error
  /// (std::errc::invalid_argument) for any other address.
  constexpr ipv4_address to_v4() const {
    if (!is_v4_mapped())
      detail::throw_error(EINVAL, "berth::ipv6_address::to_v4: not an IPv4-mapped address");
    return ipv4_address(ipv4_address::bytes_type{bytes_[12], bytes_[13], bytes_[14], bytes_[15]});
  }
  /// As to_v4(); otherwise sets `ec` to std::errc::invalid_argument and returns 0.0.0.0.
  ipv4_address to_v4(std::error_code& ec) const noexcept {
    const bool ok = is_v4_mapped();
    detail::assign(ec, ok ? 0 : EINVAL);
    if (!ok) return {};
    return ipv4_address(ipv4_address::bytes_type{bytes_[12], bytes_[13], bytes_[14], bytes_[15]});
  }

  /// Reads IPv6 text, accepting exactly what inet_pton(AF_INET6) accepts (no zone, no
  /// brackets). Throws std::system_error(std::errc::invalid_argument).
  [[nodiscard]] static constexpr ipv6_address parse(std::string_view text) {
    ipv6_address a;  // parsed in place: no copy of the bytes follows
    if (!detail::parse_ipv6(text, a.bytes_.data()))
      detail::throw_parse_error("berth: not an IPv6 address:", text.data(), text.size());
    return a;
  }
  /// As parse(text); on malformed text sets `ec` to std::errc::invalid_argument and
  /// returns ::.
  [[nodiscard]] static ipv6_address parse(std::string_view text, std::error_code& ec) noexcept {
    ipv6_address a;  // parsed in place; left :: on failure
    detail::assign(ec, detail::parse_ipv6(text, a.bytes_.data()) ? 0 : EINVAL);
    return a;
  }

  /// Writes the RFC 5952 text into [first, last) without allocating (see to_chars_result).
  constexpr to_chars_result to_chars(char* first, char* last) const noexcept {
    if (last - first >= static_cast<std::ptrdiff_t>(max_text_size))
      return {detail::write_ipv6(first, bytes_), std::errc{}};
    char text[max_text_size]{};
    const char* end = detail::write_ipv6(text, bytes_);
    return detail::copy_text(text, static_cast<std::size_t>(end - text), first, last);
  }
  /// The RFC 5952 canonical text: "2001:db8::1", "::ffff:192.0.2.1".
  std::string to_string() const {
    char text[max_text_size];
    return detail::string_of(text, detail::write_ipv6(text, bytes_));
  }

  /// Equal when all sixteen bytes are.
  constexpr bool operator==(const ipv6_address& other) const noexcept {
    // What the defaulted comparison would do (std::array's: memcmp at run time), written
    // out: a defaulted one instantiates std::array's comparisons, and through them the
    // three-way algorithms, in every translation unit that includes an IPv6 endpoint.
    if (!std::is_constant_evaluated()) return __builtin_memcmp(bytes_.data(), other.bytes_.data(), 16) == 0;
    for (std::size_t k = 0; k < 16; ++k)
      if (bytes_[k] != other.bytes_[k]) return false;
    return true;
  }
  /// Orders byte by byte in network order.
  constexpr std::strong_ordering operator<=>(const ipv6_address& other) const noexcept {
    if (!std::is_constant_evaluated()) return __builtin_memcmp(bytes_.data(), other.bytes_.data(), 16) <=> 0;
    for (std::size_t k = 0; k < 16; ++k)
      if (bytes_[k] != other.bytes_[k]) return bytes_[k] <=> other.bytes_[k];
    return std::strong_ordering::equal;
  }

 private:
  bytes_type bytes_{};
};

namespace detail {

template <class Traits, class T>
std::basic_ostream<char, Traits>& print(std::basic_ostream<char, Traits>& os, const T& value) {
  char text[T::max_text_size];
  const to_chars_result r = value.to_chars(text, text + sizeof text);
  return os << std::basic_string_view<char, Traits>(text, static_cast<std::size_t>(r.ptr - text));
}

/// Mixes a 64-bit value into a hash (the finalizer of MurmurHash3). Where size_t is
/// narrower, its low bits are as well mixed as the rest.
constexpr std::size_t hash_mix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

constexpr std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 8) | p[k];
  return v;
}

}  // namespace detail

/// Writes the address's text, as to_string().
template <class Traits>
std::basic_ostream<char, Traits>& operator<<(std::basic_ostream<char, Traits>& os,
                                             const ipv4_address& a) {
  return detail::print(os, a);
}

/// Writes the address's text, as to_string().
template <class Traits>
std::basic_ostream<char, Traits>& operator<<(std::basic_ostream<char, Traits>& os,
                                             const ipv6_address& a) {
  return detail::print(os, a);
}

}  // namespace berth

namespace std {

template <>
struct hash<berth::ipv4_address> {
  std::size_t operator()(const berth::ipv4_address& a) const noexcept {
    return berth::detail::hash_mix(a.to_uint());
  }
};

template <>
struct hash<berth::ipv6_address> {
  std::size_t operator()(const berth::ipv6_address& a) const noexcept {
    const std::uint8_t* p = a.bytes().data();
    return berth::detail::hash_mix(berth::detail::load64(p) ^
                                   berth::detail::hash_mix(berth::detail::load64(p + 8)));
  }
};

}  // namespace std

#endif  // BERTH_ADDRESS_HPP
