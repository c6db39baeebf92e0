// berth::buffers makes a list of two or more buffers; one buffer is passed as it is.
// expect: no matching function for call to 'buffers
#include <berth/buffer.hpp>

#include <string>

int main() {
  const std::string head = "head", body = "body";
#ifdef BERTH_COMPILE_FAIL
  const auto list = berth::buffers(head);
#else
  const auto list = berth::buffers(head, body);
#endif
  return static_cast<int>(list.size());
}
