# Runs one consumer test: cmake -DSETTINGS=<settings.cmake> -DCASE=<case> -P run.cmake
#
# Each case works in a fresh directory <WORK_ROOT>/<case> (emptied first, kept afterwards
# for a look), configures, builds and runs a tiny project with the compiler, generator,
# build type and CMAKE_CXX_FLAGS of berth's own build (so under the test presets the
# consumers run under ASan and UBSan too), and needs no network.
#
#   install             configure berth alone (tests, examples, benchmarks off) and
#                       `cmake --install` it into <WORK_ROOT>/prefix; check the file list
#   find_package        find_package(berth <major>.<minor> CONFIG REQUIRED) from that prefix
#   find_package_wrong_major   find_package refuses another major (and a newer minor)
#   fetchcontent        FetchContent from a file:// git snapshot of the working tree
#   add_subdirectory    add_subdirectory(<source>), plus install(EXPORT) of a static
#                       library that links berth::berth privately
#   pkg_config          pkg-config --cflags berth from the prefix, then one compiler call
#   integration_doc     integration_doc.py: docs/integration.md's snippets as written,
#                       against a clone of a snapshot of the working tree
#   conan_recipe        check_conanfile.py: conanfile.py parses, its version is CMake's
#   conan_test_package  test_package/ (Conan's layout) built against the prefix
cmake_minimum_required(VERSION 3.21)
include("${SETTINGS}")

set(work "${WORK_ROOT}/${CASE}")
set(prefix "${WORK_ROOT}/prefix")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

math(EXPR version_number "${VERSION_MAJOR} * 10000 + ${VERSION_MINOR} * 100 + ${VERSION_PATCH}")
math(EXPR next_major "${VERSION_MAJOR} + 1")
math(EXPR next_minor "${VERSION_MINOR} + 1")

# step(<what> <command>...): runs the command; its failure fails the test with its output.
# The output is left in `step_output`.
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "${CASE}: ${what} failed (${rc})\n  ${command}\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

function(require_tool variable name)
  if(NOT ${variable})
    message(FATAL_ERROR "${CASE}: ${name} is needed for this test and was not found")
  endif()
endfunction()

# Configures a consumer project with berth's compiler, generator and flags.
function(configure_consumer source build)
  step("configure ${source}" "${CMAKE_COMMAND}" -S "${source}" -B "${build}" --no-warn-unused-cli
    -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DBERTH_EXPECTED_VERSION=${version_number}"
    "-DBERTH_EXPECTED_VERSION_TEXT=${VERSION}"
    "-DBERTH_REQUEST_VERSION=${VERSION_MAJOR}.${VERSION_MINOR}"
    ${ARGN})
  message(STATUS "${step_output}")
endfunction()

# Builds a configured consumer and runs its CTest tests, which must be exactly
# roundtrip and roundtrip_strict: berth added none of its own.
function(build_and_run_consumer build)
  step("build" "${CMAKE_COMMAND}" --build "${build}" --parallel 2)
  step("list tests" "${CTEST}" --test-dir "${build}" -N)
  string(REGEX MATCHALL "Test +#[0-9]+: [^\n]+" tests "${step_output}")
  string(REGEX REPLACE "Test +#[0-9]+: " "" tests "${tests}")
  if(NOT tests STREQUAL "roundtrip;roundtrip_strict")
    message(FATAL_ERROR "${CASE}: the consumer's tests are '${tests}', expected roundtrip;roundtrip_strict")
  endif()
  step("run" "${CTEST}" --test-dir "${build}" --output-on-failure)
  message(STATUS "${step_output}")
endfunction()

# The compile line of roundtrip.cpp in target roundtrip must take berth's headers with
# -isystem <include_dir>, never -I, and carry no warning flag (the consumer adds none, so
# one there would have come from berth::berth).
function(check_compile_line build include_dir)
  file(READ "${build}/compile_commands.json" json)
  string(JSON count LENGTH "${json}")
  math(EXPR last "${count} - 1")
  set(command "")
  foreach(i RANGE ${last})
    string(JSON line GET "${json}" ${i} command)
    if(line MATCHES " -o [^ ]*/roundtrip\\.dir/[^ ]*roundtrip\\.cpp\\.o ")
      set(command "${line}")
    endif()
  endforeach()
  if(command STREQUAL "")
    message(FATAL_ERROR "${CASE}: no compile command for target roundtrip in compile_commands.json")
  endif()
  get_filename_component(include_dir "${include_dir}" REALPATH)
  string(REPLACE "${CXX_FLAGS}" "" own "${command}")
  if(NOT own MATCHES "-isystem ([^ ]+)")
    message(FATAL_ERROR "${CASE}: berth's headers are not system headers:\n${command}")
  endif()
  get_filename_component(system_dir "${CMAKE_MATCH_1}" REALPATH)
  if(NOT system_dir STREQUAL include_dir)
    message(FATAL_ERROR "${CASE}: -isystem ${CMAKE_MATCH_1}, expected ${include_dir}")
  endif()
  if(own MATCHES " -I" OR own MATCHES " -W")
    message(FATAL_ERROR "${CASE}: berth::berth added an -I or -W flag:\n${command}")
  endif()
endfunction()

# snapshot_working_tree(<repository>): a git snapshot of the working tree as `git add -A`
# would commit it (tracked and untracked files, .gitignore honoured) on branch main of a
# new bare repository, whose commit is left in `commit`. The project's .git is only read.
function(snapshot_working_tree repository)
  require_tool(GIT git)
  set(git "${GIT}" -C "${BERTH_SOURCE_DIR}" "--git-dir=${repository}" "--work-tree=${BERTH_SOURCE_DIR}"
    -c user.name=berth-test -c user.email=berth-test@invalid -c commit.gpgsign=false
    -c core.hooksPath=/dev/null -c safe.directory=*)
  step("git init" "${GIT}" init -q --bare "${repository}")
  step("git symbolic-ref" "${GIT}" "--git-dir=${repository}" symbolic-ref HEAD refs/heads/main)
  # A build directory inside the source tree that .gitignore does not cover stays out.
  set(pathspec -- .)
  file(RELATIVE_PATH inside "${BERTH_SOURCE_DIR}" "${BINARY_DIR}")
  if(NOT inside MATCHES "^\\.\\./" AND NOT IS_ABSOLUTE "${inside}" AND NOT inside STREQUAL "")
    execute_process(COMMAND ${git} check-ignore -q "${inside}" RESULT_VARIABLE ignored)
    if(NOT ignored EQUAL 0)
      list(APPEND pathspec ":(exclude)${inside}")
    endif()
  endif()
  step("git add" ${git} add -A ${pathspec})
  step("git commit" ${git} commit -q -m "berth consumer test snapshot")
  step("git rev-parse" "${GIT}" "--git-dir=${repository}" rev-parse HEAD)
  string(STRIP "${step_output}" head)
  set(commit "${head}" PARENT_SCOPE)
endfunction()

if(CASE STREQUAL "install")
  set(build "${work}/build")
  step("configure berth" "${CMAKE_COMMAND}" -S "${BERTH_SOURCE_DIR}" -B "${build}"
    -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DBERTH_BUILD_TESTS=OFF
    -DBERTH_BUILD_EXAMPLES=OFF -DBERTH_BUILD_BENCHMARKS=OFF)
  file(STRINGS "${build}/CMakeCache.txt" searched REGEX "^(Catch2_DIR|benchmark_DIR|asio_DIR|BUILD_TESTING)[:=]")
  if(searched)
    message(FATAL_ERROR "install: with tests, examples and benchmarks off berth still set ${searched}")
  endif()
  file(REMOVE_RECURSE "${prefix}")
  step("install" "${CMAKE_COMMAND}" --install "${build}" --prefix "${prefix}")
  file(GLOB_RECURSE installed RELATIVE "${prefix}" LIST_DIRECTORIES false "${prefix}/*")
  file(GLOB_RECURSE headers RELATIVE "${BERTH_SOURCE_DIR}" "${BERTH_SOURCE_DIR}/include/berth/*.hpp")
  set(expected ${headers}
    share/cmake/berth/berthConfig.cmake
    share/cmake/berth/berthConfigVersion.cmake
    share/cmake/berth/berthTargets.cmake
    share/pkgconfig/berth.pc)
  list(SORT installed)
  list(SORT expected)
  if(NOT installed STREQUAL expected)
    string(REPLACE ";" "\n  " installed "${installed}")
    string(REPLACE ";" "\n  " expected "${expected}")
    message(FATAL_ERROR "install: installed\n  ${installed}\nexpected\n  ${expected}")
  endif()
  file(READ "${prefix}/share/cmake/berth/berthConfigVersion.cmake" version_file)
  if(NOT version_file MATCHES "set\\(PACKAGE_VERSION \"${VERSION}\"\\)")
    message(FATAL_ERROR "install: berthConfigVersion.cmake does not say version ${VERSION}")
  endif()

elseif(CASE STREQUAL "find_package")
  configure_consumer("${CONSUMERS_DIR}/find_package" "${work}/build" "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DBERTH_EXPECTED_PREFIX=${prefix}")
  check_compile_line("${work}/build" "${prefix}/include")
  build_and_run_consumer("${work}/build")

elseif(CASE STREQUAL "find_package_wrong_major")
  configure_consumer("${CONSUMERS_DIR}/find_package_wrong_major" "${work}/build"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DBERTH_EXPECTED_PREFIX=${prefix}" "-DBERTH_WRONG_MAJOR=${next_major}.0"
    "-DBERTH_NEWER_MINOR=${VERSION_MAJOR}.${next_minor}")

elseif(CASE STREQUAL "fetchcontent")
  # FetchContent clones the snapshot through a file:// URL, at its commit.
  set(repository "${work}/berth.git")
  snapshot_working_tree("${repository}")
  configure_consumer("${CONSUMERS_DIR}/fetchcontent" "${work}/build"
    "-DBERTH_GIT_URL=file://${repository}" "-DBERTH_GIT_TAG=${commit}")
  check_compile_line("${work}/build" "${work}/build/_deps/berth-src/include")
  build_and_run_consumer("${work}/build")

elseif(CASE STREQUAL "add_subdirectory")
  configure_consumer("${CONSUMERS_DIR}/add_subdirectory" "${work}/build"
    "-DBERTH_SOURCE_DIR=${BERTH_SOURCE_DIR}")
  check_compile_line("${work}/build" "${BERTH_SOURCE_DIR}/include")
  build_and_run_consumer("${work}/build")
  step("install the consumer" "${CMAKE_COMMAND}" --install "${work}/build" --prefix "${work}/prefix")
  foreach(file IN ITEMS lib/cmake/pinger/pingerTargets.cmake include/berth/berth.hpp
                        share/cmake/berth/berthConfig.cmake)
    if(NOT EXISTS "${work}/prefix/${file}")
      message(FATAL_ERROR "add_subdirectory: the consumer's install lacks ${file}")
    endif()
  endforeach()

elseif(CASE STREQUAL "pkg_config")
  require_tool(PKG_CONFIG pkg-config)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/share/pkgconfig")
  step("pkg-config --modversion" "${PKG_CONFIG}" --modversion berth)
  string(STRIP "${step_output}" pc_version)
  if(NOT pc_version STREQUAL VERSION)
    message(FATAL_ERROR "pkg_config: berth.pc says version ${pc_version}, CMake says ${VERSION}")
  endif()
  step("pkg-config --libs" "${PKG_CONFIG}" --libs berth)
  string(STRIP "${step_output}" libs)
  if(NOT libs STREQUAL "")
    message(FATAL_ERROR "pkg_config: a header-only library with libs '${libs}'")
  endif()
  step("pkg-config --cflags" "${PKG_CONFIG}" --cflags berth)
  string(STRIP "${step_output}" cflags)
  message(STATUS "pkg-config --cflags berth: ${cflags}")
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  separate_arguments(flags UNIX_COMMAND "${CXX_FLAGS}")
  # pkg-config gives -I, not -isystem: berth's own warning set, which its headers pass.
  step("compile" "${CXX_COMPILER}" ${flags} ${cflags}
    -Wall -Wextra -Wpedantic -Werror -Wconversion -Wsign-conversion -Wshadow
    "-DBERTH_EXPECTED_VERSION=${version_number}"
    "${CONSUMERS_DIR}/roundtrip.cpp" -o "${work}/roundtrip")
  step("run" "${work}/roundtrip")
  message(STATUS "${step_output}")

elseif(CASE STREQUAL "integration_doc")
  # docs/integration.md's snippets as written (integration_doc.py), with /path/to/berth a
  # clone of the snapshot: the repository a reader cloned berth from.
  require_tool(PYTHON3 python3)
  snapshot_working_tree("${work}/snapshot.git")
  step("git clone" "${GIT}" clone -q "file://${work}/snapshot.git" "${work}/berth")
  step("integration_doc.py" "${PYTHON3}" "${CONSUMERS_DIR}/integration_doc.py"
    --doc "${BERTH_SOURCE_DIR}/docs/integration.md" --work "${work}/snippets"
    --repository "${work}/berth" --main "${CONSUMERS_DIR}/roundtrip.cpp"
    --cxx "${CXX_COMPILER}" "--cxx-flags=${CXX_FLAGS} -DBERTH_EXPECTED_VERSION=${version_number}"
    --generator "${GENERATOR}" --build-type "${BUILD_TYPE}")
  message(STATUS "${step_output}")

elseif(CASE STREQUAL "conan_recipe")
  require_tool(PYTHON3 python3)
  step("check_conanfile.py" "${PYTHON3}" "${CONSUMERS_DIR}/check_conanfile.py"
    "${BERTH_SOURCE_DIR}" "${VERSION}")
  message(STATUS "${step_output}")

elseif(CASE STREQUAL "conan_test_package")
  # Conan's test_package finds the CMakeDeps-generated berth-config.cmake; berth's own
  # berthConfig.cmake offers the same package and target names, so it builds against the
  # temporary install unchanged.
  set(build "${work}/build")
  step("configure test_package" "${CMAKE_COMMAND}" -S "${BERTH_SOURCE_DIR}/test_package"
    -B "${build}" -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  step("build test_package" "${CMAKE_COMMAND}" --build "${build}" --parallel 2)
  step("run test_package" "${build}/test_package")
  message(STATUS "${step_output}")

else()
  message(FATAL_ERROR "unknown CASE '${CASE}'")
endif()
