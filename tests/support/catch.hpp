// Catch2 v3 or v2, whichever the build found (Debian ships v2.13).
#ifndef BERTH_TESTS_SUPPORT_CATCH_HPP
#define BERTH_TESTS_SUPPORT_CATCH_HPP

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define BERTH_CATCH2_MAJOR 3
#else
#include <catch2/catch.hpp>
#define BERTH_CATCH2_MAJOR 2
#endif

#endif
