#ifndef BERTH_DETAIL_REPORT_HPP
#define BERTH_DETAIL_REPORT_HPP

// The two error forms from one definition. Every fallible public call is written once,
// as a template whose last parameter is where a failure goes:
//
//   template <mutable_byte_buffer B, detail::error_sink S = detail::throws>
//   std::size_t read_some(B&& buffer, S&& on_error = {}) noexcept(detail::reports_to_code<S>);
//
// `s.read_some(buf)` takes the default, detail::throws: a failure throws std::system_error.
// `s.read_some(buf, ec)` deduces S = std::error_code&: the call is noexcept and a failure
// is assigned to `ec` (success clears it). report() below is the only place that tells
// the two apart, at compile time, so each form compiles to what it would be if written
// by hand: the throwing one builds no std::error_code on success, the other never throws.

#include <berth/error.hpp>

#include <concepts>
#include <cstddef>
#include <system_error>

namespace berth::detail {

/// The default last argument of a fallible call: a failure throws std::system_error
/// (built without exceptions: prints it and aborts; see throw_error).
struct throws {};

/// What may be passed last to a fallible call: nothing (throws), or an std::error_code
/// lvalue to report into.
template <class S>
concept error_sink = std::same_as<S, throws> || std::same_as<S, std::error_code&>;

/// Whether the sink S reports into an std::error_code (so the call is noexcept).
template <class S>
inline constexpr bool reports_to_code = std::same_as<S, std::error_code&>;

/// Throws as throw_error(err, what), the message also naming `where` (an endpoint), whose
/// text is made in here: out of line, so that callers hold only the call.
template <class Where>
[[noreturn, gnu::cold, gnu::noinline]] void throw_error_at(int err, const char* what,
                                                           const Where& where) {
  throw_error(err, what, where.to_string());
}

/// Reports an internal code (0, errno, berth::error) to the sink: assigns it to an
/// std::error_code (0 clears it), or throws it naming `what` (0 does nothing).
template <class S>
[[gnu::always_inline]] constexpr void report(int err, S& sink, const char* what) noexcept(reports_to_code<S&>) {
  if constexpr (reports_to_code<S&>)
    assign(sink, err);
  else if (err != 0) [[unlikely]]
    throw_error(err, what);
}

/// As report(err, sink, what); a thrown message also names `where` (an endpoint's text,
/// made only on the way to throwing).
template <class S, class Where>
[[gnu::always_inline]] constexpr void report(int err, S& sink, const char* what, const Where& where) noexcept(
    reports_to_code<S&>) {
  if constexpr (reports_to_code<S&>)
    assign(sink, err);
  else if (err != 0) [[unlikely]]
    throw_error_at(err, what, where);
}

/// Reports the outcome of a call whose result says by itself whether it failed (a
/// descriptor below zero, a sys::result's value of -1): `failed` with `err`, or success.
/// Branching on the result rather than on `err` lets the success path use what the
/// compiler already knows about the result (a descriptor known to be open, say).
template <class S>
[[gnu::always_inline]] constexpr void report_outcome(bool failed, int err, S& sink, const char* what) noexcept(
    reports_to_code<S&>) {
  if (failed) [[unlikely]] {
    if constexpr (reports_to_code<S&>)
      assign(sink, err);
    else
      throw_error(err, what);
  } else if constexpr (reports_to_code<S&>) {
    sink.clear();
  }
}

/// As report_outcome, a thrown message also naming `where`.
template <class S, class Where>
[[gnu::always_inline]] constexpr void report_outcome(bool failed, int err, S& sink, const char* what,
                              const Where& where) noexcept(reports_to_code<S&>) {
  if (failed) [[unlikely]] {
    if constexpr (reports_to_code<S&>)
      assign(sink, err);
    else
      throw_error_at(err, what, where);
  } else if constexpr (reports_to_code<S&>) {
    sink.clear();
  }
}

/// Reports an io_result's code to the sink and returns its bytes.
template <class S>
[[gnu::always_inline]] constexpr std::size_t report(io_result r, S& sink, const char* what) noexcept(reports_to_code<S&>) {
  report(r.err, sink, what);
  return r.bytes;
}

}  // namespace berth::detail

#endif  // BERTH_DETAIL_REPORT_HPP
