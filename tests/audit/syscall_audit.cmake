# cmake -DSTRACE=<strace> -DPROGRAM=<berth_audit_operations> -DOPERATION=<key>
#       -DWORK_DIR=<dir> [-DHOSTS_NAMESPACE=<berth_hosts_namespace> -DHOSTS_FILE=<hosts>]
#       -P syscall_audit.cmake
#
# With HOSTS_NAMESPACE, the program runs under `berth_hosts_namespace HOSTS_FILE`, for an
# operation that resolves names (from that file, never from a name server); what the
# wrapper does itself is the same in every run and cancels out.
# Runs `PROGRAM <impl> OPERATION <n>` under `strace -f -c` for impl = libc and berth and
# n = N1 and N2. Per system call name, count(N2) - count(N1) is what N2 - N1 operations
# made; it must be the same for berth as for libc, and libc's must not be empty.
cmake_minimum_required(VERSION 3.21)
foreach(_var STRACE PROGRAM OPERATION WORK_DIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "syscall_audit.cmake: -D${_var}=... is required")
  endif()
endforeach()

set(_n1 10)
set(_n2 60)
math(EXPR _runs "${_n2} - ${_n1}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(_wrapper "")
if(DEFINED HOSTS_NAMESPACE)
  set(_wrapper "${HOSTS_NAMESPACE}" "${HOSTS_FILE}")
endif()

set(_names "")
foreach(_impl libc berth)
  foreach(_n ${_n1} ${_n2})
    set(_out "${WORK_DIR}/${_impl}.${_n}.strace")
    execute_process(
      COMMAND "${STRACE}" -f -c -o "${_out}" ${_wrapper} "${PROGRAM}" ${_impl} "${OPERATION}" ${_n}
      RESULT_VARIABLE _status OUTPUT_VARIABLE _stdout ERROR_VARIABLE _stderr TIMEOUT 60)
    if(_status EQUAL 77 AND DEFINED HOSTS_NAMESPACE)
      # No namespace can be made here: the wrapper said why, which CTest takes as skipped
      # (SKIP_REGULAR_EXPRESSION in CMakeLists.txt).
      message(FATAL_ERROR "skipped: ${_stderr}")
    endif()
    if(NOT _status EQUAL 0)
      message(FATAL_ERROR "${_impl} ${OPERATION} ${_n} under strace: ${_status}\n${_stdout}${_stderr}")
    endif()
    # strace -c: "% time  seconds  usecs/call  calls  errors  syscall"; errors may be blank.
    file(STRINGS "${_out}" _lines)
    foreach(_line IN LISTS _lines)
      if(_line MATCHES "^ *[0-9.]+ +[0-9.]+ +[0-9]+ +([0-9]+) +([0-9]+ +)?([a-z_0-9]+)$"
         AND NOT CMAKE_MATCH_3 STREQUAL "total")
        set(_count_${_impl}_${_n}_${CMAKE_MATCH_3} ${CMAKE_MATCH_1})
        list(APPEND _names ${CMAKE_MATCH_3})
      endif()
    endforeach()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES _names)
list(SORT _names)

set(_report "")
set(_mismatch "")
set(_libc_calls 0)
foreach(_name IN LISTS _names)
  foreach(_impl libc berth)
    foreach(_n ${_n1} ${_n2})
      if(NOT DEFINED _count_${_impl}_${_n}_${_name})
        set(_count_${_impl}_${_n}_${_name} 0)
      endif()
    endforeach()
    math(EXPR _delta_${_impl} "${_count_${_impl}_${_n2}_${_name}} - ${_count_${_impl}_${_n1}_${_name}}")
  endforeach()
  if(_delta_libc EQUAL 0 AND _delta_berth EQUAL 0)
    continue()  # start-up only
  endif()
  # A call made per operation moves by at least ${_runs} between the two runs; one that
  # moves by less in both implementations is start-up noise (glibc's getrandom for a temp
  # file's name or the resolver's query id, made in one run and not the other under load).
  math(EXPR _abs_libc "${_delta_libc} * ${_delta_libc}")
  math(EXPR _abs_berth "${_delta_berth} * ${_delta_berth}")
  math(EXPR _half_squared "(${_runs} / 2) * (${_runs} / 2)")
  if(_abs_libc LESS _half_squared AND _abs_berth LESS _half_squared)
    string(APPEND _report "  ${_name}: libc ${_delta_libc}, berth ${_delta_berth} (start-up, not per operation)\n")
    continue()
  endif()
  math(EXPR _libc_calls "${_libc_calls} + ${_delta_libc}")
  string(APPEND _report "  ${_name}: libc ${_delta_libc}, berth ${_delta_berth} in ${_runs} operations\n")
  if(NOT _delta_libc EQUAL _delta_berth)
    list(APPEND _mismatch ${_name})
  endif()
endforeach()

message("system calls of ${OPERATION} (strace -f -c, ${_n2} runs minus ${_n1}):\n${_report}")
if(_libc_calls EQUAL 0)
  message(FATAL_ERROR "the libc code made no system calls: the audit measured nothing")
endif()
if(_mismatch)
  message(FATAL_ERROR "berth and libc differ in: ${_mismatch}")
endif()
message("berth makes exactly the system calls of the libc code")
