#ifndef BERTH_ANY_ENDPOINT_HPP
#define BERTH_ANY_ENDPOINT_HPP

#include <berth/error.hpp>
#include <berth/inet.hpp>
#include <berth/inet6.hpp>
#include <berth/local.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace berth {

/// An endpoint of any family, as read from a command line or a configuration file.
using any_endpoint = std::variant<inet_endpoint, inet6_endpoint, local_endpoint>;

namespace detail {
inline any_endpoint parse_any(std::string_view text, int& err) noexcept {
  std::error_code ec;
  any_endpoint result;
  if (!text.empty() && (text[0] == '/' || text[0] == '.'))
    result = local_endpoint(text, ec);
  else if (!text.empty() && text[0] == '@')
    result = local_endpoint::abstract(text.substr(1), ec);
  else if (!text.empty() && text[0] == '[')
    result = inet6_endpoint::parse(text, ec);
  else
    result = inet_endpoint::parse(text, ec);
  err = ec.value();
  return result;
}
}  // namespace detail

/// Reads an endpoint of any family: "a.b.c.d:port" as inet, "[v6]:port" or
/// "[v6%zone]:port" as inet6, a text beginning with '/' or '.' as a local path, "@name" as
/// an abstract local name. Throws std::system_error: std::errc::invalid_argument for
/// malformed text, std::errc::filename_too_long for a path or name that does not fit.
[[nodiscard]] inline any_endpoint parse_endpoint(std::string_view text) {
  int err = 0;
  any_endpoint result = detail::parse_any(text, err);
  if (err == EINVAL)
    detail::throw_parse_error("berth: not an endpoint:", text.data(), text.size());
  if (err != 0) detail::throw_error(err, "berth::parse_endpoint");
  return result;
}
/// As parse_endpoint(text), reporting through `ec`; on error returns 0.0.0.0:0.
[[nodiscard]] inline any_endpoint parse_endpoint(std::string_view text, std::error_code& ec) noexcept {
  int err = 0;
  any_endpoint result = detail::parse_any(text, err);
  detail::assign(ec, err);
  if (err != 0) result = inet_endpoint{};
  return result;
}

/// The text of whichever endpoint is held, in the form parse_endpoint reads.
inline std::string to_string(const any_endpoint& ep) {
  return std::visit([](const auto& e) { return e.to_string(); }, ep);
}

/// Writes the text of whichever endpoint is held.
template <class Traits>
std::basic_ostream<char, Traits>& operator<<(std::basic_ostream<char, Traits>& os,
                                             const any_endpoint& ep) {
  return std::visit([&os](const auto& e) -> std::basic_ostream<char, Traits>& { return os << e; },
                    ep);
}

}  // namespace berth

#endif  // BERTH_ANY_ENDPOINT_HPP
