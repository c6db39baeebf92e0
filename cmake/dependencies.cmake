# What berth's own parts need besides a compiler: Catch2 for the tests, Google Benchmark
# for the benchmarks. Both come from the system or from CMAKE_PREFIX_PATH. When one is
# missing, configure stops here, before any download or build step, with one message that
# names each missing package, the Debian package that brings it, how to point CMake at a
# copy installed elsewhere and the option that leaves the part out. Downloading them is
# only ever done on request: -DBERTH_FETCH_DEPENDENCIES=ON (tests/configure/ checks both).
#
# Sets, for tests/CMakeLists.txt, BERTH_CATCH2_MODULE_DIR: the directory of Catch.cmake.
set(_berth_missing "")

if(BERTH_BUILD_TESTS)
  # Catch2 v3, or v2.13 (what Debian 12 ships); tests/support/catch.hpp takes either.
  find_package(Catch2 3 QUIET CONFIG)
  if(NOT Catch2_FOUND)
    find_package(Catch2 2.13 QUIET CONFIG)
  endif()
  if(Catch2_FOUND)
    set(BERTH_CATCH2_MODULE_DIR "${Catch2_DIR}")
  elseif(BERTH_FETCH_DEPENDENCIES)
    message(STATUS "berth: Catch2 not installed; fetching Catch2 v3.5.4 (BERTH_FETCH_DEPENDENCIES is ON)")
    include(FetchContent)
    FetchContent_Declare(Catch2
      GIT_REPOSITORY https://github.com/catchorg/Catch2.git
      GIT_TAG v3.5.4
      GIT_SHALLOW TRUE)
    FetchContent_MakeAvailable(Catch2)
    set(BERTH_CATCH2_MODULE_DIR "${catch2_SOURCE_DIR}/extras")
  else()
    set(_berth_seen "")
    if(Catch2_CONSIDERED_VERSIONS)
      list(JOIN Catch2_CONSIDERED_VERSIONS ", " _berth_seen)
      set(_berth_seen " (found only ${_berth_seen})")
    endif()
    string(APPEND _berth_missing
      "  Catch2 v3, or v2.13 or newer, for the tests (BERTH_BUILD_TESTS is ON): not found${_berth_seen}.\n"
      "    Debian:                  apt-get install catch2\n"
      "    installed elsewhere:     -DCMAKE_PREFIX_PATH=<its prefix> (or -DCatch2_DIR=<the directory of Catch2Config.cmake>)\n"
      "    without the tests:       -DBERTH_BUILD_TESTS=OFF\n")
  endif()
endif()

if(BERTH_BUILD_BENCHMARKS)
  find_package(benchmark 1.7 QUIET CONFIG)
  if(NOT benchmark_FOUND AND BERTH_FETCH_DEPENDENCIES)
    message(STATUS "berth: Google Benchmark not installed; fetching v1.7.1 (BERTH_FETCH_DEPENDENCIES is ON)")
    include(FetchContent)
    set(BENCHMARK_ENABLE_TESTING OFF CACHE BOOL "" FORCE)
    set(BENCHMARK_ENABLE_GTEST_TESTS OFF CACHE BOOL "" FORCE)
    set(BENCHMARK_ENABLE_INSTALL OFF CACHE BOOL "" FORCE)
    set(BENCHMARK_ENABLE_WERROR OFF CACHE BOOL "" FORCE)
    FetchContent_Declare(benchmark
      GIT_REPOSITORY https://github.com/google/benchmark.git
      GIT_TAG v1.7.1
      GIT_SHALLOW TRUE)
    FetchContent_MakeAvailable(benchmark)
  elseif(NOT benchmark_FOUND)
    set(_berth_seen "")
    if(benchmark_CONSIDERED_VERSIONS)
      list(JOIN benchmark_CONSIDERED_VERSIONS ", " _berth_seen)
      set(_berth_seen " (found only ${_berth_seen})")
    endif()
    string(APPEND _berth_missing
      "  Google Benchmark 1.7 or newer, for the benchmarks (BERTH_BUILD_BENCHMARKS is ON): not found${_berth_seen}.\n"
      "    Debian:                  apt-get install libbenchmark-dev\n"
      "    installed elsewhere:     -DCMAKE_PREFIX_PATH=<its prefix> (or -Dbenchmark_DIR=<the directory of benchmarkConfig.cmake>)\n"
      "    without the benchmarks:  -DBERTH_BUILD_BENCHMARKS=OFF\n")
  endif()
endif()

if(NOT _berth_missing STREQUAL "")
  message(FATAL_ERROR
    "berth: missing what its tests or benchmarks need; nothing was downloaded.\n"
    "${_berth_missing}"
    "  To download what is missing from GitHub instead (network needed), configure with\n"
    "  -DBERTH_FETCH_DEPENDENCIES=ON. The library itself needs neither: see docs/integration.md.\n")
endif()
unset(_berth_missing)
unset(_berth_seen)
