#ifndef BERTH_ERROR_HPP
#define BERTH_ERROR_HPP

#include <cstddef>
#include <string>
#include <system_error>

namespace berth {

/// berth's own error conditions, in the category named "berth".
/// Errors reported by the kernel keep their errno in std::system_category() instead,
/// so `ec == std::errc::connection_refused` works.
enum class error {
  eof = 1,        ///< the peer ended the stream before `read` filled its buffer
  truncated = 2,  ///< a message was longer than the buffer; the buffer holds its first bytes
};

namespace detail {

class error_category_impl final : public std::error_category {
 public:
  constexpr error_category_impl() noexcept = default;
  const char* name() const noexcept override { return "berth"; }
  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::eof: return "end of stream";
      case error::truncated: return "message truncated";
    }
    return "unknown berth error";
  }
};

}  // namespace detail

/// The category of berth::error codes; its name() is "berth".
inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = berth::error::eof;` and `ec == berth::error::eof` work.
inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

namespace detail {

// Internally an operation reports one int: 0 for success, an errno value (> 0), or a
// berth::error negated (< 0). The two public forms turn it into an exception or an
// std::error_code only at the edge, so the success path carries no error_code at all.
constexpr int code_of(error e) noexcept { return -static_cast<int>(e); }

inline std::error_code to_error_code(int err) noexcept {
  if (err < 0) return make_error_code(static_cast<error>(-err));
  return {err, std::system_category()};
}

/// Sets `ec` from an internal code; success clears it.
inline void assign(std::error_code& ec, int err) noexcept {
  if (err == 0)
    ec.clear();
  else
    ec = to_error_code(err);
}

/// Throws std::system_error for an internal code; `what` names the operation.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_error(int err, const char* what) {
  throw std::system_error(to_error_code(err), what);
}

/// Throws std::system_error(EINVAL in the system category, as the error-code forms report
/// it; == std::errc::invalid_argument) naming the text that was refused.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_parse_error(const char* what,
                                                                     const char* text,
                                                                     std::size_t size) {
  constexpr std::size_t shown = 64;
  std::string message(what);
  message += " \"";
  message.append(text, size < shown ? size : shown);
  if (size > shown) message += "...";
  message += '"';
  throw std::system_error(to_error_code(EINVAL), message);
}

/// The result of an operation that moves bytes: how many moved, and an internal code.
struct io_result {
  std::size_t bytes;
  int err;
};

/// The bytes moved, or the exception for the result's error (the throwing forms).
inline std::size_t bytes_or_throw(io_result r, const char* what) {
  if (r.err != 0) throw_error(r.err, what);
  return r.bytes;
}

/// The bytes moved, the result's error (or success) in `ec` (the error-code forms).
inline std::size_t bytes_or_assign(io_result r, std::error_code& ec) noexcept {
  assign(ec, r.err);
  return r.bytes;
}

}  // namespace detail
}  // namespace berth

namespace std {
template <>
struct is_error_code_enum<berth::error> : true_type {};
}  // namespace std

#endif  // BERTH_ERROR_HPP
