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
// only with "Connection: keep-alive"; a chunked body is not read, so that request is the
// connection's last (examples/http_request.hpp). A head longer than 8 kB is answered 431,
// one it cannot read 400, and the connection closed; a connection silent for 30 s (between
// requests, or within one) is closed. SIGINT or SIGTERM stops it with exit status 0.

#include "async_common.hpp"
#include "http_request.hpp"

#include <berth/async.hpp>
#include <berth/berth.hpp>

#include <algorithm>
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

using example::http::request;

std::string_view response_to(const request& r) {
  if (!r.keep_alive) return ok_close;
  return r.http10 ? ok_keep_alive_10 : ok_keep_alive;
}

// Ends a connection the way HTTP clients need: our sending side first (the client reads the
// end of the stream after the last answer), then whatever the client still sends is read
// and dropped until it closes too, for a second at most. Closing with unread bytes would
// make the kernel answer with a reset, which can destroy an answer still in flight.
template <class Socket>
berth::task<> close_gracefully(Socket& connection, std::span<char> sink) {
  using clock = std::chrono::steady_clock;
  std::error_code ec;
  connection.shutdown(berth::shutdown_type::send, ec);
  const clock::time_point until = clock::now() + 1s;
  while (!ec && clock::now() < until)
    if (co_await berth::with_timeout(until - clock::now(), berth::async_read_some(connection, sink, ec)) == 0)
      break;  // the client's end of stream
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
        end = example::http::head_end(std::string_view(buffer, have));
        if (end != std::string_view::npos) break;
        if (have == sizeof buffer) {
          co_await berth::async_write(connection, too_large, ec);
          co_await close_gracefully(connection, buffer);
          co_return;
        }
      }
      const std::size_t n = co_await berth::with_timeout(
          idle_timeout, berth::async_read_some(connection, std::span<char>(buffer + have, sizeof buffer - have), ec));
      if (ec || n == 0) co_return;  // an error, silence, or the client closed
      have += n;
    }
    const request r = example::http::parse_head(std::string_view(buffer, end));
    if (!r.valid) {
      co_await berth::async_write(connection, bad_request, ec);
      co_await close_gracefully(connection, buffer);
      co_return;
    }
    std::string_view answer = response_to(r);
    if (r.head_only) answer.remove_suffix(13);  // the same headers, no body
    co_await berth::async_write(connection, answer, ec);
    if (ec) co_return;
    if (!r.keep_alive) {
      co_await close_gracefully(connection, buffer);
      co_return;
    }
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
