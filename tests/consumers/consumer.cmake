# Shared by the consumer projects in this directory: the programs a user would build, and
# checks that taking berth brought nothing else into the consumer's project.
#
# The driver (run.cmake) passes BERTH_EXPECTED_VERSION, the version as one number
# (major * 10000 + minor * 100 + patch), which roundtrip.cpp compares with BERTH_VERSION.
set(BERTH_CONSUMER_DIR "${CMAKE_CURRENT_LIST_DIR}")

# Strict warnings as errors, on the consumer's own code. berth's headers must compile
# under them because a consumer sees them as system headers.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(BERTH_CONSUMER_STRICT_WARNINGS
    -Wall -Wextra -Wpedantic -Werror -Wconversion -Wsign-conversion -Wshadow
    -Wold-style-cast -Wuseless-cast -Wcast-qual -Wcast-align=strict
    -Wzero-as-null-pointer-constant -Wundef -Wnull-dereference -Wduplicated-cond
    -Wduplicated-branches -Wlogical-op -Wformat=2 -Wredundant-decls
    -Wmissing-declarations -Wextra-semi)
elseif(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(BERTH_CONSUMER_STRICT_WARNINGS
    -Weverything -Werror -Wno-c++98-compat -Wno-c++98-compat-pedantic -Wno-padded)
else()
  set(BERTH_CONSUMER_STRICT_WARNINGS -Wall -Wextra -Werror)
endif()

# Two programs from one source, each a CTest test of the consumer:
#   roundtrip          no flags of the consumer's own, so whatever is on its compile line
#                      beyond CMAKE_CXX_FLAGS came from berth::berth (run.cmake checks it);
#   roundtrip_strict   the strict warnings above.
function(berth_consumer_add_roundtrip)
  if(NOT DEFINED BERTH_EXPECTED_VERSION)
    message(FATAL_ERROR "pass -DBERTH_EXPECTED_VERSION=<major*10000+minor*100+patch>")
  endif()
  foreach(name IN ITEMS roundtrip roundtrip_strict)
    add_executable(${name} "${BERTH_CONSUMER_DIR}/roundtrip.cpp")
    target_link_libraries(${name} PRIVATE berth::berth)
    target_compile_definitions(${name} PRIVATE BERTH_EXPECTED_VERSION=${BERTH_EXPECTED_VERSION})
    add_test(NAME ${name} COMMAND ${name})
  endforeach()
  target_compile_options(roundtrip_strict PRIVATE ${BERTH_CONSUMER_STRICT_WARNINGS})
endfunction()

# berth must leave the consumer's project as it found it: none of its development
# targets, no tests, no include(CTest), no search for Catch2/benchmark/asio, no compile
# options or definitions on berth::berth, and its options off as a subproject.
function(berth_consumer_check_kept_out)
  set(problems "")
  foreach(target IN ITEMS berth_dev berth_test berth_test_main berth_header_check
                          Catch2::Catch2 Catch2::Catch2WithMain benchmark::benchmark
                          Threads::Threads Experimental Nightly Continuous)
    if(TARGET ${target})
      list(APPEND problems "target ${target} exists")
    endif()
  endforeach()
  foreach(variable IN ITEMS BUILD_TESTING DART_TESTING_TIMEOUT Catch2_DIR benchmark_DIR
                            asio_DIR Asio_DIR Threads_FOUND CMAKE_THREAD_LIBS_INIT)
    if(DEFINED ${variable} OR DEFINED CACHE{${variable}})
      list(APPEND problems "${variable} is defined")
    endif()
  endforeach()
  foreach(option IN ITEMS BERTH_BUILD_TESTS BERTH_BUILD_EXAMPLES BERTH_BUILD_BENCHMARKS)
    if(${option})
      list(APPEND problems "${option} is ON")
    endif()
  endforeach()
  foreach(property IN ITEMS INTERFACE_COMPILE_OPTIONS INTERFACE_COMPILE_DEFINITIONS
                            INTERFACE_LINK_OPTIONS INTERFACE_LINK_LIBRARIES)
    get_target_property(value berth::berth ${property})
    if(value)
      list(APPEND problems "berth::berth has ${property} ${value}")
    endif()
  endforeach()
  if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "berth leaked into the consumer:\n  ${text}")
  endif()
endfunction()
