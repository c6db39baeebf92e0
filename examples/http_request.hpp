// Reading an HTTP/1.x request head, for http_hello and async_http_hello: where the head
// ends, and what it asks of the server (keep the connection, skip a body, HEAD).
#ifndef BERTH_EXAMPLES_HTTP_REQUEST_HPP
#define BERTH_EXAMPLES_HTTP_REQUEST_HPP

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string_view>

namespace example::http {

// Whether two texts are equal ignoring ASCII case, as HTTP header names and tokens are.
inline bool equal_nocase(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  return std::ranges::equal(a, b, [&](char x, char y) { return lower(x) == lower(y); });
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list `value` holds `token` ("Connection: keep-alive, Upgrade").
inline bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (equal_nocase(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Where the head in `data` ends: just past its blank line ("\r\n\r\n", or "\n\n" from a
// client typing into nc), or npos while it has not all arrived.
inline std::size_t head_end(std::string_view data) {
  for (std::size_t line = 0;;) {
    const std::size_t newline = data.find('\n', line);
    if (newline == std::string_view::npos) return std::string_view::npos;
    const std::string_view text = data.substr(line, newline - line);
    if (text.empty() || text == "\r") return newline + 1;
    line = newline + 1;
  }
}

// What a request head asks of us.
struct request {
  bool valid = false;       // a request line "METHOD target HTTP/1.x" and well-formed headers
  bool keep_alive = false;  // answer, then read the next request on this connection
  bool http10 = false;      // an HTTP/1.0 client, which must be told "Connection: keep-alive"
  bool head_only = false;   // HEAD: the same headers, no body
  std::size_t body_size = 0;  // Content-Length bytes that follow the head, to be skipped
};

// Reads a head that head_end found whole. Not valid (answer 400): no "METHOD target
// HTTP/1.0|1.1" line, a header line without a colon, a Content-Length that is not a number
// of at most 15 digits, or two Content-Lengths that differ (RFC 9112 6.3: which one a proxy
// in front believed is unknown, so the next request's start is too). A Transfer-Encoding
// body (chunked) is not read: the request is answered and the connection closed, whatever
// its Connection header says, since where the next request would begin is unknown.
inline request parse_head(std::string_view head) {
  request r;
  std::size_t newline = head.find('\n');
  const std::string_view line = trim(head.substr(0, newline));
  const std::size_t space1 = line.find(' ');
  const std::size_t space2 = line.rfind(' ');
  if (space1 == std::string_view::npos || space1 == space2) return r;
  const std::string_view method = line.substr(0, space1);
  const std::string_view version = line.substr(space2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return r;
  r.http10 = version == "HTTP/1.0";
  r.keep_alive = !r.http10;  // HTTP/1.1 keeps connections open unless told otherwise
  r.head_only = method == "HEAD";

  bool has_length = false;
  bool has_coding = false;
  while (newline != std::string_view::npos && newline + 1 < head.size()) {
    const std::size_t start = newline + 1;
    newline = head.find('\n', start);
    const std::string_view header = trim(head.substr(start, newline - start));
    if (header.empty()) break;  // the blank line
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos) return r;
    const std::string_view name = header.substr(0, colon);
    const std::string_view value = trim(header.substr(colon + 1));
    if (equal_nocase(name, "connection")) {
      if (has_token(value, "close")) r.keep_alive = false;
      if (has_token(value, "keep-alive")) r.keep_alive = true;
    } else if (equal_nocase(name, "content-length")) {
      if (value.empty() || value.size() > 15 ||
          !std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; }))
        return r;
      std::size_t n = 0;
      for (const char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
      if (has_length && n != r.body_size) return r;
      r.body_size = n;
      has_length = true;
    } else if (equal_nocase(name, "transfer-encoding")) {
      has_coding = true;
    }
  }
  if (has_coding) {  // a body we do not read: answer, then close
    r.keep_alive = false;
    r.body_size = 0;
  }
  r.valid = true;
  return r;
}

}  // namespace example::http

#endif
