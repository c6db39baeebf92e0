// A buffer is a range of bytes: a std::vector<int> is not one (its size is not bytes).
// expect: not_a_buffer_to_send
#include <berth/inet.hpp>
#include <berth/socket.hpp>

#include <vector>

int main() {
  berth::socket<berth::inet, berth::stream> s;
#ifdef BERTH_COMPILE_FAIL
  std::vector<int> buffer{1, 2, 3};
#else
  std::vector<unsigned char> buffer{1, 2, 3};
#endif
  return static_cast<int>(s.write(buffer));
}
