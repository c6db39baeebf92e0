# Runs one configure test (see CMakeLists.txt here):
#   cmake -DCASE=<case> -DSOURCE_DIR=<berth> -DWORK_DIR=<dir> -DGENERATOR=<g>
#         -DMAKE_PROGRAM=<tool> -DCXX_COMPILER=<c++> -P run.cmake
# WORK_DIR is emptied first and kept afterwards for a look. Every configure here uses a
# stand-in for git (GIT_EXECUTABLE, and first on PATH for anything that looks it up
# itself) that logs its arguments and fails, so no case can reach the network, and the
# log shows whether a clone was attempted.
cmake_minimum_required(VERSION 3.21)

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/bin")
set(git_log "${WORK_DIR}/git.log")
file(WRITE "${WORK_DIR}/bin/git" "#!/bin/sh
printf '%s\\n' \"$*\" >> '${git_log}'
if [ \"$1\" = --version ]; then echo 'git version 2.39.2'; exit 0; fi
echo 'fatal: (berth configure test) no network here' >&2
exit 128
")
file(CHMOD "${WORK_DIR}/bin/git" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
set(ENV{PATH} "${WORK_DIR}/bin:$ENV{PATH}")

# configure(<expect: pass|fail> <-D arguments>...): configures SOURCE_DIR into
# WORK_DIR/build; leaves its output in `output` and its duration (seconds) in `seconds`.
function(configure expect)
  file(REMOVE_RECURSE "${WORK_DIR}/build")
  string(TIMESTAMP start "%s" UTC)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" --no-warn-unused-cli
            -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}"
            "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DGIT_EXECUTABLE=${WORK_DIR}/bin/git"
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(TIMESTAMP end "%s" UTC)
  math(EXPR took "${end} - ${start}")
  file(WRITE "${WORK_DIR}/configure.log" "${out}")
  message(STATUS "configure ${ARGN}: exit ${rc} after ${took} s\n${out}")
  if(expect STREQUAL "pass" AND NOT rc EQUAL 0)
    message(FATAL_ERROR "${CASE}: configure failed (${rc}) where it should pass")
  elseif(expect STREQUAL "fail" AND rc EQUAL 0)
    message(FATAL_ERROR "${CASE}: configure passed where it should fail")
  endif()
  set(output "${out}" PARENT_SCOPE)
  set(seconds "${took}" PARENT_SCOPE)
endfunction()

function(require_output)
  foreach(text IN LISTS ARGN)
    string(FIND "${output}" "${text}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${CASE}: configure's output does not say '${text}'")
    endif()
  endforeach()
endfunction()

# Configure stopped by itself, quickly, in one error, before generating, having cloned
# nothing.
function(require_stopped_without_clone)
  set(clones "")
  if(EXISTS "${git_log}")
    file(STRINGS "${git_log}" clones REGEX "clone")
  endif()
  if(clones OR output MATCHES "git clone|Cloning|Populating|FetchContent")
    message(FATAL_ERROR "${CASE}: configure tried to download (git was run as: ${clones})")
  endif()
  if(seconds GREATER 60)
    message(FATAL_ERROR "${CASE}: configure took ${seconds} s to fail")
  endif()
  string(REGEX MATCHALL "CMake Error" errors "${output}")
  list(LENGTH errors count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${CASE}: ${count} errors, expected exactly one message")
  endif()
  if(EXISTS "${WORK_DIR}/build/build.ninja" OR EXISTS "${WORK_DIR}/build/Makefile")
    message(FATAL_ERROR "${CASE}: configure failed but still generated a build system")
  endif()
endfunction()

set(catch2_hint "Catch2 v3, or v2.13" "apt-get install catch2" "-DBERTH_BUILD_TESTS=OFF")
set(benchmark_hint "Google Benchmark 1.7" "apt-get install libbenchmark-dev"
    "-DBERTH_BUILD_BENCHMARKS=OFF")
set(common_hint "-DCMAKE_PREFIX_PATH=" "-DBERTH_FETCH_DEPENDENCIES=ON")

if(CASE STREQUAL "without_catch2")
  configure(fail -DBERTH_BUILD_TESTS=ON -DBERTH_BUILD_EXAMPLES=OFF -DBERTH_BUILD_BENCHMARKS=OFF
    -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON)
  require_stopped_without_clone()
  require_output(${catch2_hint} ${common_hint})
  if(output MATCHES "Google Benchmark")
    message(FATAL_ERROR "${CASE}: the benchmarks are off, yet the message names Google Benchmark")
  endif()

elseif(CASE STREQUAL "without_benchmark")
  configure(fail -DBERTH_BUILD_TESTS=OFF -DBERTH_BUILD_EXAMPLES=OFF -DBERTH_BUILD_BENCHMARKS=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)
  require_stopped_without_clone()
  require_output(${benchmark_hint} ${common_hint})
  if(output MATCHES "Catch2")
    message(FATAL_ERROR "${CASE}: the tests are off, yet the message names Catch2")
  endif()

elseif(CASE STREQUAL "without_either")
  # Every part on, as a plain `cmake -S . -B build` has it: one message names both.
  configure(fail -DBERTH_BUILD_TESTS=ON -DBERTH_BUILD_EXAMPLES=ON -DBERTH_BUILD_BENCHMARKS=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)
  require_stopped_without_clone()
  require_output(${catch2_hint} ${benchmark_hint} ${common_hint})

elseif(CASE STREQUAL "parts_off")
  # The way out the message offers works: with both packages hidden, turning the tests and
  # the benchmarks off configures the library and the examples.
  configure(pass -DBERTH_BUILD_TESTS=OFF -DBERTH_BUILD_EXAMPLES=ON -DBERTH_BUILD_BENCHMARKS=OFF
    -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)
  if(EXISTS "${git_log}")
    file(STRINGS "${git_log}" clones REGEX "clone")
    if(clones)
      message(FATAL_ERROR "${CASE}: configure ran git clone: ${clones}")
    endif()
  endif()

elseif(CASE STREQUAL "fetch_on_request")
  # The opt-in still downloads: it reaches git clone of Catch2 (the stand-in fails it).
  configure(fail -DBERTH_BUILD_TESTS=ON -DBERTH_BUILD_EXAMPLES=OFF -DBERTH_BUILD_BENCHMARKS=OFF
    -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON -DBERTH_FETCH_DEPENDENCIES=ON)
  set(clones "")
  if(EXISTS "${git_log}")
    file(STRINGS "${git_log}" clones REGEX "clone.*github\\.com/catchorg/Catch2")
  endif()
  if(NOT clones)
    message(FATAL_ERROR "${CASE}: BERTH_FETCH_DEPENDENCIES=ON did not try to clone Catch2")
  endif()

elseif(CASE STREQUAL "tutorial")
  # docs/tutorial.md's first console block: its `$ cmake` lines run as shown, from a
  # directory of their own (so `-S .` becomes the source directory and `build` is
  # WORK_DIR/build), then its `$ ls build/examples` must list what is there.
  set(ENV{CMAKE_BUILD_PARALLEL_LEVEL} 2)  # Ninja would otherwise run a job per core + 2
  file(READ "${SOURCE_DIR}/docs/tutorial.md" text)
  string(FIND "${text}" "```console\n" begin)
  if(begin EQUAL -1)
    message(FATAL_ERROR "tutorial: docs/tutorial.md has no ```console block")
  endif()
  math(EXPR begin "${begin} + 11")
  string(SUBSTRING "${text}" ${begin} -1 text)
  string(FIND "${text}" "```" end)
  string(SUBSTRING "${text}" 0 ${end} block)
  string(REPLACE "\n" ";" lines "${block}")
  set(commands 0)
  set(listing "")
  set(in_listing FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^\\$ cmake (.*)$")
      separate_arguments(arguments UNIX_COMMAND "${CMAKE_MATCH_1}")
      list(TRANSFORM arguments REPLACE "^\\.$" "${SOURCE_DIR}")
      message(STATUS "tutorial: cmake ${arguments}")
      execute_process(COMMAND "${CMAKE_COMMAND}" ${arguments} WORKING_DIRECTORY "${WORK_DIR}"
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
      message(STATUS "${out}")
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "tutorial: `cmake ${CMAKE_MATCH_1}` failed (${rc})")
      endif()
      string(REGEX MATCHALL "Linking CXX executable [^\n]+" linked "${out}")
      list(APPEND programs ${linked})
      math(EXPR commands "${commands} + 1")
      set(in_listing FALSE)
    elseif(line STREQUAL "$ ls build/examples")
      set(in_listing TRUE)
    elseif(in_listing)
      string(REGEX MATCHALL "[^ ]+" names "${line}")
      list(APPEND listing ${names})
    endif()
  endforeach()
  if(commands LESS 2 OR NOT listing)
    message(FATAL_ERROR "tutorial: the first console block lost its cmake commands or its ls")
  endif()
  file(GLOB present RELATIVE "${WORK_DIR}/build/examples" "${WORK_DIR}/build/examples/*")
  list(SORT present)
  list(SORT listing)
  if(NOT present STREQUAL listing)
    message(FATAL_ERROR "tutorial: build/examples holds '${present}', the tutorial shows '${listing}'")
  endif()
  # Only the examples were built: one link per example program, and neither the tests nor
  # the benchmarks were configured (so Catch2 and Google Benchmark were not even searched).
  list(LENGTH programs linked_count)
  file(GLOB examples "${SOURCE_DIR}/examples/*.cpp")
  list(LENGTH examples example_count)
  if(NOT linked_count EQUAL example_count)
    message(FATAL_ERROR "tutorial: ${linked_count} programs linked, examples/ has ${example_count}:\n${programs}")
  endif()
  file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" searched REGEX "^(Catch2_DIR|benchmark_DIR)[:=]")
  if(searched OR EXISTS "${WORK_DIR}/build/tests" OR EXISTS "${WORK_DIR}/build/bench")
    message(FATAL_ERROR "tutorial: the examples' build configured tests or benchmarks too (${searched})")
  endif()

else()
  message(FATAL_ERROR "unknown CASE '${CASE}'")
endif()
