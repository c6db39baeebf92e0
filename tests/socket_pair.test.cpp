#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "support.hpp"

TEST_CASE("socket_pair: a byte stream between two connected sockets") {
  auto [a, b] = berth::socket_pair();
  REQUIRE(a.write("ping") == 4);
  char buffer[4];
  REQUIRE(b.read(buffer) == 4);
  REQUIRE(std::string_view(buffer, 4) == "ping");
}
