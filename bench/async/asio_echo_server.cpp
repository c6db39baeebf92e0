// Asio's coroutine echo server: what berth's async layer is compared with.
//
//   asio_echo_server --listen ENDPOINT [--backend epoll|io_uring] [--threads N]
//
// Written as Asio's documentation teaches: an `asio::awaitable` per connection, started
// with `co_spawn`, reading with `async_read_some` and echoing with `async_write`, an
// accept loop that is a coroutine too, one `io_context` per thread (each with its own
// SO_REUSEPORT acceptor). Built twice: with Asio's default reactor (epoll), and with
// -DASIO_HAS_IO_URING -DASIO_DISABLE_EPOLL, where Asio's io_uring service (liburing)
// carries the socket operations; BERTH_ASYNC_BENCH_BACKEND names which.
#include <asio.hpp>

#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include "server.hpp"

#ifndef BERTH_ASYNC_BENCH_BACKEND
#error "build with -DBERTH_ASYNC_BENCH_BACKEND=\"epoll\" or \"io_uring\""
#endif

namespace {

using asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

asio::awaitable<void> echo(tcp::socket socket) {
  try {
    char data[4096];
    for (;;) {
      const std::size_t n = co_await socket.async_read_some(asio::buffer(data), asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(data, n), asio::use_awaitable);
    }
  } catch (const std::exception&) {
    // end of stream or a reset: the socket closes with the coroutine
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    asio::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;  // EMFILE and the like: keep serving the open connections
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
  }
}

tcp::acceptor make_acceptor(asio::io_context& context, const tcp::endpoint& at) {
  tcp::acceptor acceptor(context, at.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.set_option(reuse_port(true));
  acceptor.bind(at);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

}  // namespace

int main(int argc, char** argv) {
  async_bench::options o = async_bench::parse_options(argc, argv, BERTH_ASYNC_BENCH_BACKEND);
  async_bench::raise_descriptor_limit();
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const auto& a = o.listen.address;
    tcp::endpoint at;
    if (o.listen.family() == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &in6->sin6_addr, bytes.size());
      at = tcp::endpoint(asio::ip::address_v6(bytes), static_cast<unsigned short>(o.listen.port()));
    } else {
      const auto* in4 = reinterpret_cast<const sockaddr_in*>(&a);
      at = tcp::endpoint(asio::ip::address_v4(ntohl(in4->sin_addr.s_addr)),
                         static_cast<unsigned short>(o.listen.port()));
    }
    const auto threads = static_cast<std::size_t>(o.threads);
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<tcp::acceptor> acceptors;
    for (std::size_t k = 0; k < threads; ++k) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      acceptors.push_back(make_acceptor(*contexts.back(), at));
      if (k == 0) at = acceptors.back().local_endpoint();
    }
    for (std::size_t k = 0; k < threads; ++k)
      asio::co_spawn(*contexts[k], listen(acceptors[k]), asio::detached);
    asio::signal_set signals(*contexts[0], SIGINT, SIGTERM);
    signals.async_wait([&](const asio::error_code&, int) {
      for (auto& context : contexts) context->stop();
    });
    o.listen.set_port(at.port());
    async_bench::announce(o);
    std::vector<std::thread> workers;
    for (std::size_t k = 1; k < threads; ++k) workers.emplace_back([&, k] { contexts[k]->run(); });
    contexts[0]->run();
    for (auto& t : workers) t.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asio_echo_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
