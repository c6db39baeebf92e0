#ifndef BERTH_ERROR_HPP
#define BERTH_ERROR_HPP

#include <cstddef>
#include <string>
#include <system_error>

#if !defined(__cpp_exceptions)
#include <cstdio>
#include <cstdlib>
#endif

namespace berth {

/// berth's own error conditions, in the category named "berth".
/// Errors reported by the kernel keep their errno in std::system_category() instead,
/// so `ec == std::errc::connection_refused` works. The values start above the largest
/// errno Linux can report (4095), so they never alias a kernel error, an io_uring
/// completion's -errno or a getaddrinfo EAI_* code.
enum class error {
  eof = 4097,                    ///< the peer ended the stream before `read` filled its buffer
  truncated = 4098,              ///< a message was longer than the buffer; the buffer holds its first bytes
  descriptors_truncated = 4099,  ///< more descriptors arrived than there was room for; those that fit are kept
};

/// The errors of name resolution (getaddrinfo), in the category named "berth.resolve".
/// EAI_SYSTEM is reported as its errno in std::system_category() instead. The values start
/// at 8193, apart from errno values, berth::error and the (negative) EAI_* constants.
enum class resolve_error {
  host_not_found = 8193,  ///< the name is not known (EAI_NONAME)
  try_again = 8194,       ///< a temporary failure of the name server (EAI_AGAIN)
  service_not_found = 8195,  ///< the service is not known for this socket type (EAI_SERVICE)
  no_address = 8196,      ///< the name exists but has no address of the family asked (EAI_NODATA, EAI_ADDRFAMILY)
  failure = 8197,         ///< a permanent failure of the name server, or another EAI_* code (EAI_FAIL)
};

namespace detail {

class error_category_impl final : public std::error_category {
 public:
  constexpr error_category_impl() noexcept = default;
  const char* name() const noexcept override { return "berth"; }
  std::string message(int value) const override { return text(value); }

 private:
  // The texts as const char*, made into a std::string once: a string literal returned as
  // std::string is a conversion of its own array type, instantiated for each length.
  static const char* text(int value) noexcept {
    switch (static_cast<error>(value)) {
      case error::eof: return "end of stream";
      case error::truncated: return "message truncated";
      case error::descriptors_truncated: return "descriptors truncated: more arrived than fit";
    }
    return "unknown berth error";
  }
};

class resolve_category_impl final : public std::error_category {
 public:
  constexpr resolve_category_impl() noexcept = default;
  const char* name() const noexcept override { return "berth.resolve"; }
  std::string message(int value) const override { return text(value); }

 private:
  static const char* text(int value) noexcept {  // as error_category_impl's
    switch (static_cast<resolve_error>(value)) {
      case resolve_error::host_not_found: return "host not found: the name is not known";
      case resolve_error::try_again: return "temporary failure in name resolution; try again later";
      case resolve_error::service_not_found: return "service not known for this socket type";
      case resolve_error::no_address: return "the host has no address of the family asked for";
      case resolve_error::failure: return "non-recoverable failure in name resolution";
    }
    return "unknown resolve error";
  }
};

}  // namespace detail

/// The category of berth::error codes; its name() is "berth".
inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

/// The category of berth::resolve_error codes; its name() is "berth.resolve".
inline const std::error_category& resolve_category() noexcept {
  static const detail::resolve_category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = berth::error::eof;` and `ec == berth::error::eof` work.
inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// Makes `ec == berth::resolve_error::host_not_found` work.
inline std::error_code make_error_code(resolve_error e) noexcept {
  return {static_cast<int>(e), resolve_category()};
}

namespace detail {

// Internally an operation reports one int: 0 for success, an errno value (1 to 4095),
// a berth::error (4096 to 8191) or a berth::resolve_error (from 8192). The two public
// forms turn it into an exception or an std::error_code only at the edge, so the success
// path carries no error_code at all.
inline constexpr int max_errno = 4095;
inline constexpr int first_resolve_code = 8192;

/// The internal code of a berth::error: its value.
constexpr int code_of(error e) noexcept { return static_cast<int>(e); }
/// The internal code of a berth::resolve_error: its value.
constexpr int code_of(resolve_error e) noexcept { return static_cast<int>(e); }

/// The std::error_code of an internal code above max_errno (berth's own). Out of line:
/// kept out of every caller's body, so that it does not change what the compiler inlines.
[[gnu::cold, gnu::noinline]] inline std::error_code library_error_code(int err) noexcept {
  if (err > first_resolve_code) return make_error_code(static_cast<resolve_error>(err));
  return make_error_code(static_cast<error>(err));
}

/// The std::error_code of an internal code.
inline std::error_code to_error_code(int err) noexcept {
  if (err > max_errno) [[unlikely]] return library_error_code(err);
  return {err, std::system_category()};
}

/// Sets `ec` from an internal code; success clears it.
inline void assign(std::error_code& ec, int err) noexcept {
  if (err == 0)
    ec.clear();
  else
    ec = to_error_code(err);
}

#if !defined(__cpp_exceptions)
/// Built without exceptions, a throwing form that fails prints what failed and why on
/// stderr, then calls std::abort(). The std::error_code forms never get here.
[[noreturn, gnu::cold, gnu::noinline]] inline void abort_with(const char* what,
                                                              const std::error_code& ec) noexcept {
  // `what` names berth already ("berth::connect ...", "berth: not an IPv4 address: ...").
  std::fprintf(stderr, "%s: %s (built without exceptions: aborting)\n", what,
               ec.message().c_str());
  std::abort();
}
#endif

/// Throws std::system_error for an internal code; `what` names the operation. Built
/// without exceptions (-fno-exceptions), prints it and calls std::abort() instead.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_error(int err, const char* what) {
#if defined(__cpp_exceptions)
  throw std::system_error(to_error_code(err), what);
#else
  abort_with(what, to_error_code(err));
#endif
}

/// As throw_error, the message naming `what` and then `where` (an endpoint, a name).
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_error(int err, const char* what,
                                                               const std::string& where) {
  std::string message(what);
  message += ' ';
  message += where;
#if defined(__cpp_exceptions)
  throw std::system_error(to_error_code(err), message);
#else
  abort_with(message.c_str(), to_error_code(err));
#endif
}

/// Throws std::system_error(EINVAL in the system category, as the error-code forms report
/// it; == std::errc::invalid_argument) naming the text that was refused.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_parse_error(const char* what,
                                                                     const char* text,
                                                                     std::size_t size) {
  constexpr std::size_t shown = 64;
  std::string message(what);  // appended to char by char (a literal is an instantiation per length)
  message += ' ';
  message += '"';
  message.append(text, size < shown ? size : shown);
  if (size > shown) message.append(3, '.');
  message += '"';
#if defined(__cpp_exceptions)
  throw std::system_error(to_error_code(EINVAL), message);
#else
  abort_with(message.c_str(), to_error_code(EINVAL));
#endif
}

/// The result of an operation that moves bytes: how many moved, and an internal code.
struct io_result {
  std::size_t bytes;
  int err;
};

}  // namespace detail
}  // namespace berth

namespace std {
template <>
struct is_error_code_enum<berth::error> : true_type {};
template <>
struct is_error_code_enum<berth::resolve_error> : true_type {};
}  // namespace std

#endif  // BERTH_ERROR_HPP
