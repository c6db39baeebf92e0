// A consumer's static library that uses berth in its implementation only.
#include <berth/socket_pair.hpp>

#include <array>
#include <string_view>

bool pinger_round_trip();

bool pinger_round_trip() {
  auto [a, b] = berth::socket_pair();
  a.write("ping");
  std::array<char, 4> reply{};
  b.read(reply);
  return std::string_view(reply.data(), reply.size()) == "ping";
}
