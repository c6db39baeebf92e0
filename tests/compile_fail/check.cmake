# Runs one compile-fail check (MODE=fail) or its control (MODE=control) on SOURCE with
# COMPILER, by calling the compiler directly (never through the build tool, so parallel
# tests do not share a build directory).
#   fail:    compiled with -DBERTH_COMPILE_FAIL, it must NOT compile, and the diagnostics
#            must match every "// expect: <regex>" line of SOURCE. A missing header
#            (broken include path) never counts as the expected failure.
#   control: compiled without the macro and with berth's warnings as errors, it must compile
#            (-fsyntax-only; or, for each "// control-flags: <flags>" line, to an object
#            file with those flags, so that warnings of the optimiser count too).
cmake_minimum_required(VERSION 3.21)

foreach(_var IN ITEMS MODE COMPILER SOURCE INCLUDE)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "check.cmake: -D${_var}=... is required")
  endif()
endforeach()

set(_common -std=c++20 "-I${INCLUDE}")
set(_warnings -Wall -Wextra -Wpedantic -Werror -Wconversion -Wsign-conversion -Wshadow)
if(MODE STREQUAL "fail")
  set(_runs "-fsyntax-only -DBERTH_COMPILE_FAIL")
elseif(MODE STREQUAL "control")
  # A "// control-flags: <flags>" line asks for a real compilation (to an object file, so
  # the optimiser's warnings show) with those flags; one run per line.
  file(STRINGS "${SOURCE}" _control_lines REGEX "^// control-flags: ")
  set(_runs "")
  foreach(_line IN LISTS _control_lines)
    string(REGEX REPLACE "^// control-flags: " "" _line "${_line}")
    list(APPEND _runs "-c -o /dev/null ${_line}")
  endforeach()
  if(NOT _runs)
    set(_runs "-fsyntax-only")
  endif()
else()
  message(FATAL_ERROR "check.cmake: MODE must be fail or control, not '${MODE}'")
endif()

foreach(_run IN LISTS _runs)
  separate_arguments(_run_flags UNIX_COMMAND "${_run}")
  if(MODE STREQUAL "control")
    list(APPEND _run_flags ${_warnings})
  endif()
  # LC_ALL=C: plain ASCII quotes in the diagnostics, whatever the user's locale.
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C "${COMPILER}" ${_common} ${_run_flags} "${SOURCE}"
    RESULT_VARIABLE _result
    OUTPUT_VARIABLE _output
    ERROR_VARIABLE _output)
  if(MODE STREQUAL "control" AND NOT _result EQUAL 0)
    message(FATAL_ERROR "the control must compile cleanly (${_run}), but did not:\n${_output}")
  endif()
endforeach()
if(MODE STREQUAL "control")
  return()
endif()

if(_result EQUAL 0)
  message(FATAL_ERROR "compiled with -DBERTH_COMPILE_FAIL, but must not:\n${_output}")
endif()
if(_output MATCHES "No such file or directory|file not found")
  message(FATAL_ERROR "failed for a missing file, not for the expected reason:\n${_output}")
endif()
file(STRINGS "${SOURCE}" _expects REGEX "^// expect: ")
if(NOT _expects)
  message(FATAL_ERROR "${SOURCE} has no '// expect: <regex>' line")
endif()
foreach(_line IN LISTS _expects)
  string(REGEX REPLACE "^// expect: " "" _regex "${_line}")
  if(NOT _output MATCHES "${_regex}")
    message(FATAL_ERROR "failed to compile, but no diagnostic matches '${_regex}':\n${_output}")
  endif()
endforeach()
message(STATUS "refused as expected (${_regex})")
