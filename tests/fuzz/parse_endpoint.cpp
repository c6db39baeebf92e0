// Fuzzes berth::parse_endpoint (and so local_endpoint's path and abstract-name checks):
// the family follows the first character ('/' or '.' a path, '@' an abstract name, '['
// inet6, anything else inet); both forms agree; errors are filename_too_long for a path or
// name that does not fit and invalid_argument otherwise; to_string round trips.
#include <berth/any_endpoint.hpp>

#include "fuzz_check.hpp"

#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

using berth::any_endpoint;
using berth::inet6_endpoint;
using berth::inet_endpoint;
using berth::local_endpoint;
using berth_fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = berth_fuzz::text_of(data, size);
  const auto result = berth_fuzz::parse_both(
      input, [](std::string_view t, std::error_code& ec) { return berth::parse_endpoint(t, ec); },
      [](std::string_view t) { return berth::parse_endpoint(t); }, any_endpoint{});

  const char first = input.empty() ? '\0' : input[0];
  const bool is_path = first == '/' || first == '.';
  const bool is_name = first == '@';
  const bool has_nul = input.find('\0') != std::string_view::npos;

  // the verdict and the error, by family
  std::error_code expected;
  if (is_path) {
    if (has_nul)
      expected = std::make_error_code(std::errc::invalid_argument);
    else if (input.size() > local_endpoint::max_path_size)
      expected = std::make_error_code(std::errc::filename_too_long);
  } else if (is_name) {
    if (input.size() == 1)
      expected = std::make_error_code(std::errc::invalid_argument);
    else if (input.size() - 1 > local_endpoint::max_name_size)
      expected = std::make_error_code(std::errc::filename_too_long);
  } else {
    std::error_code ec;
    if (first == '[')
      (void)inet6_endpoint::parse(input, ec);
    else
      (void)inet_endpoint::parse(input, ec);
    expected = ec;
  }
  require(result.ec.default_error_condition() == expected.default_error_condition(),
          "parse_endpoint reported another error than expected", input);
  if (result.ec) return 0;

  const any_endpoint& e = result.value;
  if (is_path || is_name) {
    require(std::holds_alternative<local_endpoint>(e), "not a local endpoint", input);
    const local_endpoint& l = std::get<local_endpoint>(e);
    require(l.is_abstract() == is_name && !l.is_unnamed(), "wrong kind of local endpoint", input);
    require(l.path() == (is_name ? input.substr(1) : input), "wrong path or name", input);
    require(berth_fuzz::require_text(l, input) == input, "to_string is not the text", input);
    // the family, then the path and its NUL, or a NUL and the name
    require(l.size() == offsetof(sockaddr_un, sun_path) + (is_name ? input.size() : input.size() + 1),
            "wrong sockaddr length", input);
  } else if (first == '[') {
    require(std::holds_alternative<inet6_endpoint>(e), "not an inet6 endpoint", input);
    berth_fuzz::require_text(std::get<inet6_endpoint>(e), input);
  } else {
    require(std::holds_alternative<inet_endpoint>(e), "not an inet endpoint", input);
    require(berth_fuzz::require_text(std::get<inet_endpoint>(e), input) == input,
            "to_string is not the text", input);
  }
  const std::string text = berth::to_string(e);
  std::error_code ec;
  const any_endpoint again = berth::parse_endpoint(text, ec);
  require(!ec && again == e, "parse_endpoint(to_string(x)) != x", input);
  return 0;
}
