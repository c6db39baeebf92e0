// A socketpair round trip: exits 0 only when "ping" comes back.
#include <berth/berth.hpp>

#include <array>
#include <cstdio>
#include <string_view>

int main() {
  auto [a, b] = berth::socket_pair();
  a.write("ping");
  std::array<char, 4> reply{};
  b.read(reply);
  const bool same = std::string_view(reply.data(), reply.size()) == "ping";
  std::printf("berth %d.%d.%d: %s\n", BERTH_VERSION_MAJOR, BERTH_VERSION_MINOR,
              BERTH_VERSION_PATCH, same ? "ping came back" : "wrong reply");
  return same ? 0 : 1;
}
