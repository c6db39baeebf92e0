#ifndef BERTH_CONCEPTS_HPP
#define BERTH_CONCEPTS_HPP

#include <sys/socket.h>

#include <concepts>
#include <cstddef>
#include <string_view>  // std::data, std::size
#include <system_error>
#include <type_traits>

namespace berth {

/// An address family tag: `domain` (AF_INET, AF_INET6, AF_UNIX) and its `endpoint` type.
template <class F>
concept address_family = requires {
  { F::domain } -> std::convertible_to<int>;
  typename F::endpoint;
};

/// A socket type tag: `type` (SOCK_STREAM, ...) and whether it is `connection_oriented`.
template <class T>
concept socket_type = requires {
  { T::type } -> std::convertible_to<int>;
  { T::connection_oriented } -> std::convertible_to<bool>;
};

/// A socket type with connections: stream and seqpacket.
template <class T>
concept connection_oriented = socket_type<T> && T::connection_oriented;

/// The combinations the kernel implements, as each family says with `supports<T>`:
/// inet and inet6 with stream or datagram, local with stream, datagram or seqpacket.
template <class F, class T>
concept valid_protocol = address_family<F> && socket_type<T> && requires {
  { F::template supports<T> } -> std::convertible_to<bool>;
} && F::template supports<T>;

/// A socket address of one family: it exposes its sockaddr for the kernel to read
/// (`data()`, `size()`) and to fill (`data()`, `capacity()`, then `resize(n, ec)`, which
/// checks what the kernel wrote).
template <class E>
concept endpoint = requires(const E& ce, E& e, socklen_t n, std::error_code& ec) {
  typename E::family;
  { ce.data() } -> std::same_as<const sockaddr*>;
  { e.data() } -> std::same_as<sockaddr*>;
  { ce.size() } -> std::same_as<socklen_t>;
  { E::capacity() } -> std::same_as<socklen_t>;
  e.resize(n, ec);
} && address_family<typename E::family> && std::same_as<typename E::family::endpoint, E>;

namespace detail {

template <class T>
concept byte_like = std::same_as<T, char> || std::same_as<T, signed char> ||
                    std::same_as<T, unsigned char> || std::same_as<T, std::byte>;

template <class B>
using buffer_pointer_t = decltype(std::data(std::declval<B&>()));

}  // namespace detail

/// A contiguous sized range of char, signed char, unsigned char or std::byte:
/// std::string, std::string_view, std::vector, std::array, std::span, C arrays.
template <class B>
concept byte_buffer = requires(B& b) {
  std::data(b);
  std::size(b);
} && std::is_pointer_v<detail::buffer_pointer_t<B>> &&
    detail::byte_like<std::remove_cv_t<std::remove_pointer_t<detail::buffer_pointer_t<B>>>>;

/// A byte_buffer whose bytes may be written: the destination of a read or receive.
template <class B>
concept mutable_byte_buffer =
    byte_buffer<B> && !std::is_const_v<std::remove_pointer_t<detail::buffer_pointer_t<B>>>;

// ---- gather and scatter lists (Revision 2) ------------------------------------------------

class const_buffer;
class mutable_buffer;

/// A gather list: a contiguous sized range of berth::const_buffer or berth::mutable_buffer
/// (what berth::buffers(a, b, ...) returns, a std::vector or std::array or std::span of
/// them). Every operation that sends a byte_buffer also sends one of these.
template <class L>
concept buffer_sequence = requires(L& l) {
  std::data(l);
  std::size(l);
} && std::is_pointer_v<detail::buffer_pointer_t<L>> &&
    (std::same_as<std::remove_cv_t<std::remove_pointer_t<detail::buffer_pointer_t<L>>>, const_buffer> ||
     std::same_as<std::remove_cv_t<std::remove_pointer_t<detail::buffer_pointer_t<L>>>, mutable_buffer>);

/// A scatter list: a buffer_sequence of berth::mutable_buffer only, which a read can fill.
template <class L>
concept mutable_buffer_sequence =
    buffer_sequence<L> &&
    std::same_as<std::remove_cv_t<std::remove_pointer_t<detail::buffer_pointer_t<L>>>, mutable_buffer>;

namespace detail {

/// What a read or receive fills: a mutable byte buffer or a scatter list.
template <class B>
concept buffer_to_fill = mutable_byte_buffer<B> || mutable_buffer_sequence<B>;
/// What a write or send sends: a byte buffer or a gather list.
template <class B>
concept buffer_to_send = byte_buffer<B> || buffer_sequence<B>;

// What a misused buffer reports: the return type of a deleted overload that a read given
// bytes it may not write (a const string, a list with a const buffer), or a write given a
// range of something other than bytes (std::vector<int>), selects, so that the compiler's
// first line names it. A requires-expression still sees the call as invalid.
template <class B>
struct not_a_buffer_to_fill {};
template <class B>
struct not_a_buffer_to_send {};

}  // namespace detail

}  // namespace berth

#endif  // BERTH_CONCEPTS_HPP
