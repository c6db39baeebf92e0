// async_http_hello: answers every HTTP request with "Hello, world!", every connection a
// task on an event loop, so 10,000 kept-alive clients cost 10,000 small frames, not
// 10,000 threads.
//
//   async_http_hello --listen 127.0.0.1:8080 [--backend epoll|io_uring] [--threads N]
//   curl -i http://127.0.0.1:8080/
//   wrk -c 1000 -d 10s http://127.0.0.1:8080/
//
// It reads each request's head up to the blank line however the bytes arrive (split over
// several reads, or several pipelined requests in one), skips a Content-Length body, and
// keeps the connection open as HTTP says: HTTP/1.1 unless "Connection: close", HTTP/1.0
// only with "Connection: keep-alive". A head longer than 8 kB is answered 431 and the
// connection closed; a connection silent for 30 s (between requests, or within one) is
// closed. SIGINT or SIGTERM stops it with exit status 0.

#include "async_common.hpp"

#include <berth/async.hpp>
#include <berth/berth.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <span>
#include <string_view>
#include <system_error>

namespace {

using namespace std::chrono_literals;

constexpr std::size_t max_head_size = 8192;
constexpr auto idle_timeout = 30s;

constexpr std::string_view ok_keep_alive =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
constexpr std::string_view ok_keep_alive_10 =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nHello, world!";
constexpr std::string_view ok_close =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, world!";
constexpr std::string_view bad_request =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view too_large =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

bool equal_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list `value` holds `token`.
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (equal_nocase(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Just past the head's blank line ("\r\n\r\n", or "\n\n"), or npos while incomplete.
std::size_t head_end(std::string_view data) {
  for (std::size_t line = 0;;) {
    const std::size_t newline = data.find('\n', line);
    if (newline == std::string_view::npos) return std::string_view::npos;
    const std::string_view text = data.substr(line, newline - line);
    if (text.empty() || text == "\r") return newline + 1;
    line = newline + 1;
  }
}

struct request {
  bool valid = false;
  bool keep_alive = false;
  bool http10 = false;
  bool head_only = false;
  std::size_t body_size = 0;
};

request parse_head(std::string_view head) {
  request r;
  std::size_t newline = head.find('\n');
  const std::string_view line = trim(head.substr(0, newline));
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last) return r;
  const std::string_view version = line.substr(last + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return r;
  r.http10 = version == "HTTP/1.0";
  r.keep_alive = !r.http10;
  r.head_only = line.substr(0, first) == "HEAD";
  while (newline != std::string_view::npos && newline + 1 < head.size()) {
    const std::size_t start = newline + 1;
    newline = head.find('\n', start);
    const std::string_view header = trim(head.substr(start, newline - start));
    if (header.empty()) break;
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos) return r;
    const std::string_view name = header.substr(0, colon);
    const std::string_view value = trim(header.substr(colon + 1));
    if (equal_nocase(name, "connection")) {
      if (has_token(value, "close")) r.keep_alive = false;
      if (has_token(value, "keep-alive")) r.keep_alive = true;
    } else if (equal_nocase(name, "content-length")) {
      if (value.empty() || value.size() > 15 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return r;
      std::size_t n = 0;
      for (const char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
      r.body_size = n;
    } else if (equal_nocase(name, "transfer-encoding")) {
      r.keep_alive = false;  // a chunked body we do not read: answer, then close
    }
  }
  r.valid = true;
  return r;
}

std::string_view response_to(const request& r) {
  if (!r.keep_alive) return ok_close;
  return r.http10 ? ok_keep_alive_10 : ok_keep_alive;
}

// One connection: requests answered in order until the client closes, asks to, or stays
// silent for idle_timeout. The 8 kB head buffer is the frame's; frames are recycled.
template <class Socket>
berth::task<> serve(Socket connection) {
  if constexpr (requires { connection.set(berth::option::no_delay{true}); }) {
    std::error_code ignored;
    connection.set(berth::option::no_delay{true}, ignored);
  }
  char buffer[max_head_size];
  std::size_t have = 0;
  std::size_t skip = 0;  // body bytes still to be skipped
  std::error_code ec;
  for (;;) {
    std::size_t end = std::string_view::npos;
    for (;;) {
      if (skip > 0) {  // drop body bytes, as many as have arrived
        const std::size_t dropped = std::min(skip, have);
        std::memmove(buffer, buffer + dropped, have - dropped);
        have -= dropped;
        skip -= dropped;
      }
      if (skip == 0) {
        end = head_end(std::string_view(buffer, have));
        if (end != std::string_view::npos) break;
        if (have == sizeof buffer) {
          co_await berth::async_write(connection, too_large, ec);
          co_return;
        }
      }
      const std::size_t n = co_await berth::with_timeout(
          idle_timeout, berth::async_read_some(connection, std::span<char>(buffer + have, sizeof buffer - have), ec));
      if (ec || n == 0) co_return;  // an error, silence, or the client closed
      have += n;
    }
    const request r = parse_head(std::string_view(buffer, end));
    if (!r.valid) {
      co_await berth::async_write(connection, bad_request, ec);
      co_return;
    }
    std::string_view answer = response_to(r);
    if (r.head_only) answer.remove_suffix(13);  // the same headers, no body
    co_await berth::async_write(connection, answer, ec);
    if (ec || !r.keep_alive) co_return;
    std::memmove(buffer, buffer + end, have - end);  // pipelined requests stay
    have -= end;
    skip = r.body_size;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return example::run_server_program("async_http_hello", [&] {
    const auto options = example::parse_async_options(argc, argv, "async_http_hello");
    example::run_async_server(options, "async_http_hello", [](auto connection) { return serve(std::move(connection)); });
  });
}
