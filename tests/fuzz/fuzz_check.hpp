// What berth's fuzz targets share: a check that aborts (so libFuzzer keeps the input),
// both parse forms compared, and the text properties every printable value must have.
#ifndef BERTH_TESTS_FUZZ_FUZZ_CHECK_HPP
#define BERTH_TESTS_FUZZ_FUZZ_CHECK_HPP

#include <berth/to_chars.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace berth_fuzz {

/// Prints the failed property and the input (escaped), then aborts.
[[noreturn]] inline void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "berth fuzz: %s\ninput (%zu bytes): \"", what, input.size());
  for (const char c : input) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\')
      std::fputc(c, stderr);
    else
      std::fprintf(stderr, "\\x%02x", u);
  }
  std::fputs("\"\n", stderr);
  std::abort();
}

inline void require(bool ok, const char* what, std::string_view input) {
  if (!ok) fail(what, input);
}

/// The input as text.
inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return size == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(data), size);
}

/// What a parse gave: the value and the error code of the error-code form.
template <class T>
struct parsed {
  T value;
  std::error_code ec;
};

/// Parses with both forms and checks that they agree: the throwing form throws
/// std::system_error exactly when the error-code form fails, with the same error
/// condition, and
/// returns the same value otherwise. A failed error-code form returns `fallback`.
template <class T, class WithCode, class Throwing>
parsed<T> parse_both(std::string_view input, WithCode with_code, Throwing throwing,
                     const T& fallback) {
  std::error_code ec = std::make_error_code(std::errc::timed_out);  // must be overwritten
  const T value = with_code(input, ec);
  require(ec != std::errc::timed_out, "the error-code form left the error code alone", input);
  bool thrown = false;
  try {
    const T thrown_form = throwing(input);
    require(!ec, "the throwing form succeeded where the error-code form failed", input);
    require(thrown_form == value, "the two forms returned different values", input);
  } catch (const std::system_error& error) {
    thrown = true;
    require(static_cast<bool>(ec), "the throwing form threw where the error-code form succeeded",
            input);
    // the same error_code, value and category (address.test.cpp checks it for parse too)
    require(error.code() == ec, "the two forms reported different errors", input);
  }
  require(thrown == static_cast<bool>(ec), "throw and error code disagree", input);
  if (ec) require(value == fallback, "a failed error-code form returned another value", input);
  return {value, ec};
}

/// to_chars writes what to_string returns, fits max_text_size, and is value_too_large with
/// ptr == last one byte short.
template <class T>
std::string require_text(const T& value, std::string_view input) {
  const std::string text = value.to_string();
  require(text.size() <= T::max_text_size, "to_string is longer than max_text_size", input);
  char buffer[T::max_text_size + 1];
  berth::to_chars_result r = value.to_chars(buffer, buffer + T::max_text_size);
  require(r.ec == std::errc{}, "to_chars failed with max_text_size bytes", input);
  require(std::string_view(buffer, static_cast<std::size_t>(r.ptr - buffer)) == text,
          "to_chars and to_string disagree", input);
  if (!text.empty()) {
    r = value.to_chars(buffer, buffer + text.size() - 1);
    require(r.ec == std::errc::value_too_large && r.ptr == buffer + text.size() - 1,
            "to_chars into one byte too few is not value_too_large with ptr == last", input);
  }
  return text;
}

}  // namespace berth_fuzz

#endif  // BERTH_TESTS_FUZZ_FUZZ_CHECK_HPP
