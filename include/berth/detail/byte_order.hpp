#ifndef BERTH_DETAIL_BYTE_ORDER_HPP
#define BERTH_DETAIL_BYTE_ORDER_HPP

#include <bit>
#include <cstdint>

namespace berth::detail {

// htons/htonl in constant expressions (glibc's are not constexpr).

constexpr std::uint16_t host_to_net16(std::uint16_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little)
    return static_cast<std::uint16_t>((v << 8) | (v >> 8));
  else
    return v;
}

constexpr std::uint32_t host_to_net32(std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little)
    return (v << 24) | ((v << 8) & 0x00ff0000u) | ((v >> 8) & 0x0000ff00u) | (v >> 24);
  else
    return v;
}

constexpr std::uint16_t net_to_host16(std::uint16_t v) noexcept { return host_to_net16(v); }
constexpr std::uint32_t net_to_host32(std::uint32_t v) noexcept { return host_to_net32(v); }

}  // namespace berth::detail

#endif  // BERTH_DETAIL_BYTE_ORDER_HPP
