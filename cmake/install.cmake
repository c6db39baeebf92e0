# cmake --install: headers, berthConfig.cmake, berthConfigVersion.cmake, berth.pc.
include(CMakePackageConfigHelpers)

set(BERTH_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/berth"
    CACHE STRING "Where berthConfig.cmake is installed")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/berth" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS berth EXPORT berthTargets)
install(EXPORT berthTargets NAMESPACE berth:: DESTINATION "${BERTH_INSTALL_CMAKEDIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/berthConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/berthConfig.cmake"
  INSTALL_DESTINATION "${BERTH_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/berthConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/berthConfig.cmake" "${PROJECT_BINARY_DIR}/berthConfigVersion.cmake"
  DESTINATION "${BERTH_INSTALL_CMAKEDIR}")

configure_file("${PROJECT_SOURCE_DIR}/cmake/berth.pc.in" "${PROJECT_BINARY_DIR}/berth.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/berth.pc" DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
