# SPDX-License-Identifier: MIT
include(CMakePackageConfigHelpers)
install(TARGETS af_core af_rt EXPORT af-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/af DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT af-targets NAMESPACE af:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/af)
configure_package_config_file(cmake/af-config.cmake.in ${PROJECT_BINARY_DIR}/af-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/af)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/af-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/af-config.cmake ${PROJECT_BINARY_DIR}/af-config-version.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/af)
