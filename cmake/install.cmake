# SPDX-License-Identifier: MIT
include(CMakePackageConfigHelpers)
install(TARGETS af_core af_rt EXPORT af-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The headers of an optional module that was not built are left out: a user must not find
# <af/http/server.hpp> in a prefix that has no library behind it.
set(af_not_installed "")
foreach(module IN LISTS AF_OPTIONAL_MODULES)
  if(NOT TARGET af_${module})
    list(APPEND af_not_installed PATTERN ${module} EXCLUDE)
  endif()
endforeach()
install(DIRECTORY include/af DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${af_not_installed})
install(EXPORT af-targets NAMESPACE af:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/af)
# Optional modules get an export set each: find_package(af COMPONENTS http asio) loads them,
# and a prefix built without one reports that component as not found.
foreach(module IN LISTS AF_OPTIONAL_MODULES)
  if(TARGET af_${module})
    install(TARGETS af_${module} EXPORT af-${module}-targets
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(EXPORT af-${module}-targets NAMESPACE af:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/af)
  endif()
endforeach()
configure_package_config_file(cmake/af-config.cmake.in ${PROJECT_BINARY_DIR}/af-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/af)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/af-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/af-config.cmake ${PROJECT_BINARY_DIR}/af-config-version.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/af)
