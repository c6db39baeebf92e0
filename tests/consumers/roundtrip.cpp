// What a consumer of berth writes: a round trip over a socketpair. Exits 0 only when the
// four bytes sent come back unchanged.
#include <berth/berth.hpp>

#include <array>
#include <cstdio>
#include <string_view>

// The test passes the version CMake (or pkg-config) reported; the header must agree.
static_assert(BERTH_VERSION == BERTH_EXPECTED_VERSION, "berth/version.hpp disagrees with the package");

int main() {
  auto [a, b] = berth::socket_pair();
  a.write("ping");
  std::array<char, 4> reply{};
  b.read(reply);
  const bool same = std::string_view(reply.data(), reply.size()) == "ping";
  std::puts(same ? "berth consumer: ping came back" : "berth consumer: wrong reply");
  return same ? 0 : 1;
}
