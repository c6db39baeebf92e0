#include <berth/version.hpp>

#include "catch.hpp"

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

}  // namespace

TEST_CASE("BERTH_VERSION orders versions as their parts do") {
  // Recover the parts from the one number: what a user comparing versions relies on.
  CHECK(version / 10000 == major);
  CHECK(version / 100 % 100 == minor);
  CHECK(version % 100 == patch);
}
