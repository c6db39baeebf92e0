# cmake --install: the headers, berthConfig.cmake + berthConfigVersion.cmake +
# berthTargets.cmake, and berth.pc. berth is header-only, so everything but the headers is
# architecture independent and goes under DATADIR (share/), where both find_package and
# pkg-config look:
#   <prefix>/include/berth/*.hpp, <prefix>/include/berth/detail/*.hpp
#   <prefix>/share/cmake/berth/berth{Config,ConfigVersion,Targets}.cmake
#   <prefix>/share/pkgconfig/berth.pc
# Every rule is in the install component "berth" (cmake --install <dir> --component berth).
include(CMakePackageConfigHelpers)

set(BERTH_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/berth"
    CACHE STRING "Where berthConfig.cmake is installed (relative to the prefix)")
set(BERTH_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
    CACHE STRING "Where berth.pc is installed (relative to the prefix)")
mark_as_advanced(BERTH_INSTALL_CMAKEDIR BERTH_INSTALL_PKGCONFIGDIR)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/berth"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT berth
  FILES_MATCHING PATTERN "*.hpp")

install(TARGETS berth EXPORT berthTargets COMPONENT berth)
install(EXPORT berthTargets
  NAMESPACE berth::
  FILE berthTargets.cmake
  DESTINATION "${BERTH_INSTALL_CMAKEDIR}"
  COMPONENT berth)

# The package: find_package(berth 0.1 CONFIG REQUIRED) accepts any 0.x.y >= 0.1 and refuses
# another major version. ARCH_INDEPENDENT: a 32-bit consumer may use a 64-bit install.
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/berthConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/berthConfig.cmake"
  INSTALL_DESTINATION "${BERTH_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/berthConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/berthConfig.cmake" "${PROJECT_BINARY_DIR}/berthConfigVersion.cmake"
  DESTINATION "${BERTH_INSTALL_CMAKEDIR}"
  COMPONENT berth)

# berth.pc is relocatable: its prefix is found from where the file is (${pcfiledir}), so
# `cmake --install <dir> --prefix <anywhere>` and a moved install tree both work, whatever
# CMAKE_INSTALL_PREFIX was at configure time. Absolute directories are written as they are.
if(IS_ABSOLUTE "${BERTH_INSTALL_PKGCONFIGDIR}")
  set(BERTH_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _berth_pc_up "/prefix/${BERTH_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" _berth_pc_up "${_berth_pc_up}")
  set(BERTH_PC_PREFIX "\${pcfiledir}/${_berth_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(BERTH_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(BERTH_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/berth.pc.in" "${PROJECT_BINARY_DIR}/berth.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/berth.pc"
  DESTINATION "${BERTH_INSTALL_PKGCONFIGDIR}"
  COMPONENT berth)
