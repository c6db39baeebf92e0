// ipv4_address(std::uint32_t) is explicit: `ipv4_address a = 42;` (and `a == 7`, and
// `inet_endpoint e{0x7f000001, 80}`) would read a number as an address by accident.
// expect: conversion from
#include <berth/address.hpp>

int main() {
#ifdef BERTH_COMPILE_FAIL
  berth::ipv4_address a = 42;
#else
  berth::ipv4_address a(42);
#endif
  return a.is_unspecified() ? 1 : 0;
}
