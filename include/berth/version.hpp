#ifndef BERTH_VERSION_HPP
#define BERTH_VERSION_HPP

// The one place berth's version is written; CMakeLists.txt reads these three lines.
/// Major version: a change here breaks source compatibility.
#define BERTH_VERSION_MAJOR 0
/// Minor version: additions that keep source compatibility.
#define BERTH_VERSION_MINOR 1
/// Patch version: fixes only.
#define BERTH_VERSION_PATCH 0
/// The version as one comparable number: major * 10000 + minor * 100 + patch.
#define BERTH_VERSION (BERTH_VERSION_MAJOR * 10000 + BERTH_VERSION_MINOR * 100 + BERTH_VERSION_PATCH)

#endif  // BERTH_VERSION_HPP
