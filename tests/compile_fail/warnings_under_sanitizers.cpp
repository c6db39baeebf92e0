// Not a compile-fail snippet: a control compiled to an object file with optimisation and
// the sanitizers, as berth's own tests are built, with warnings as errors. Code a user
// writes must not make berth's headers warn. Each function below inlines header code with
// arguments the optimiser can see.
// control-flags: -O1 -fsanitize=address,undefined
// control-flags: -O2 -fsanitize=address
#include <berth/berth.hpp>

#include <string_view>

// External functions, so that each is compiled (and warned about) on its own.
namespace berth_test_warnings {

// An unnamed endpoint into an empty range. local_endpoint::to_chars checks the room with
// `room < at || room - at < p.size()`, which cannot wrap. Its earlier check,
// `static_cast<std::size_t>(last - first) < p.size() + at`, let GCC 12 assume that
// p.size() + at had wrapped to 0 and report a memcpy of SIZE_MAX bytes here
// (-Wstringop-overflow, under either line of flags above); this call keeps that case
// compiled, so a check that can wrap fails this control.
int unnamed_into_empty_range() {
  char c = '#';
  const berth::to_chars_result r = berth::local_endpoint{}.to_chars(&c, &c);
  return r.ptr == &c ? c : 0;
}

int small_ranges() {
  char text[4];
  int n = 0;
  n += berth::ipv4_address::broadcast().to_chars(text, text + sizeof text).ptr == text + 4;
  n += berth::ipv6_address::loopback().to_chars(text, text + sizeof text).ptr - text == 3;
  n += berth::inet_endpoint{}.to_chars(text, text + sizeof text).ptr == text + 4;
  n += berth::inet6_endpoint{}.to_chars(text, text + 1).ptr == text + 1;
  n += berth::local_endpoint::abstract("ab").to_chars(text, text + 2).ptr == text + 2;
  n += berth::local_endpoint("/tmp/a").to_chars(text, text).ptr == text;
  return n;
}

int texts() {
  int n = 0;
  n += static_cast<int>(berth::ipv4_address::loopback().to_string().size());
  n += static_cast<int>(berth::inet6_endpoint{}.to_string().size());
  n += static_cast<int>(berth::local_endpoint{}.to_string().size());
  n += static_cast<int>(berth::to_string(berth::parse_endpoint("@x")).size());
  return n;
}

}  // namespace berth_test_warnings

int main() {
  using namespace berth_test_warnings;
  return unnamed_into_empty_range() + small_ranges() + texts();
}
