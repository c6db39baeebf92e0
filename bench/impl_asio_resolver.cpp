// Asio's resolver for the resolve rows, in a translation unit of its own. Compiled into
// impl_asio.cpp, these operations change what GCC inlines of Asio's own code there (that
// unit's size sets the inliner's budget), and with it Asio's figures for every other row,
// by up to 20 instructions; here they change nothing else. impl_asio.cpp hands over the
// operations it does not have (make_asio_block, run_asio).
#include "implementations.hpp"

#if defined(BERTH_BENCH_ASIO)
#include "asio_impl.hpp"
#include "implementation.hpp"

#include <string_view>

namespace berth_bench {

/// Asio with its resolver.
struct asio_names_impl : asio_impl {
  /// A resolver for the process, as context() is an I/O context.
  static asio::ip::tcp::resolver& resolver() {
    static asio::ip::tcp::resolver instance(context());
    return instance;
  }
  /// resolve with numeric_host and numeric_service, as Asio's documentation shows it:
  /// Asio copies host and service into std::strings and calls getaddrinfo with
  /// AI_NUMERICHOST | AI_NUMERICSERV.
  template <bool>
  [[gnu::always_inline]] static asio::ip::tcp::resolver::results_type resolve_numeric(std::string_view host,
                                                                                     std::string_view port) {
    std::error_code ec;
    auto results = resolver().resolve(
        host, port, asio::ip::resolver_base::numeric_host | asio::ip::resolver_base::numeric_service, ec);
    if (ec) fail(EINVAL, "resolve");
    return results;
  }
};

std::unique_ptr<block> make_asio_names_block(std::string_view key) { return make_block<asio_names_impl>(key); }
status run_asio_names(std::string_view key, long count) { return run_operation<asio_names_impl>(key, count); }

}  // namespace berth_bench
#else
namespace berth_bench {
std::unique_ptr<block> make_asio_names_block(std::string_view) { return nullptr; }
status run_asio_names(std::string_view, long) { return unsupported; }
}  // namespace berth_bench
#endif
