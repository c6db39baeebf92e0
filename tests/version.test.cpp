#include <berth/version.hpp>

// Everything here is checked when this file compiles, so it has no test case to run
// (tests/CMakeLists.txt compiles a test file without one and runs nothing): a run
// could only repeat these checks. The consumer tests compare BERTH_VERSION with the
// version CMake and pkg-config report.

#if !defined(BERTH_VERSION_MAJOR) || !defined(BERTH_VERSION_MINOR) || !defined(BERTH_VERSION_PATCH) || \
    !defined(BERTH_VERSION)
#error "berth/version.hpp must define BERTH_VERSION_MAJOR, _MINOR, _PATCH and BERTH_VERSION"
#endif

// The macros work in #if, where users test for features.
#if BERTH_VERSION != BERTH_VERSION_MAJOR * 10000 + BERTH_VERSION_MINOR * 100 + BERTH_VERSION_PATCH
#error "BERTH_VERSION does not match its parts"
#endif

namespace {

constexpr int major = BERTH_VERSION_MAJOR;
constexpr int minor = BERTH_VERSION_MINOR;
constexpr int patch = BERTH_VERSION_PATCH;
constexpr long version = BERTH_VERSION;

// The encoding major * 10000 + minor * 100 + patch is only unambiguous while minor and
// patch stay below 100.
static_assert(major >= 0 && minor >= 0 && minor < 100 && patch >= 0 && patch < 100);
static_assert(version == major * 10000L + minor * 100L + patch);
static_assert(version > 0);  // 0.0.0 was never released

// The parts come back out of the one number: what a user comparing versions relies on.
static_assert(version / 10000 == major && version / 100 % 100 == minor && version % 100 == patch);

}  // namespace
