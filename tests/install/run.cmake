# SPDX-License-Identifier: MIT
# Install-and-consume driver (cmake -P): installs af's build tree into a fresh prefix, then
# configures, builds and runs the consumer project in this folder against that prefix only.
# Inputs: AF_BUILD_DIR, CONSUMER_DIR, WORK_DIR, GENERATOR, CXX, CXX_FLAGS, BUILD_TYPE, and
# WITH_HTTP / WITH_ASIO (ON when the build tree has that optional module). WITH_TLS is found
# here: ON when the install put af::tls's export set into the prefix.
foreach(var AF_BUILD_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install test: ${var} is not set")
  endif()
endforeach()

function(step what)
  message(STATUS "install test: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${what} failed (${rc}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/consumer")
file(REMOVE_RECURSE "${WORK_DIR}")

step("cmake --install into ${prefix}"
  ${CMAKE_COMMAND} --install "${AF_BUILD_DIR}" --prefix "${prefix}")
foreach(f include/af/af.hpp include/af/core/task.hpp)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install test: ${f} was not installed")
  endif()
endforeach()

if(NOT DEFINED WITH_TLS)
  file(GLOB_RECURSE af_tls_export "${prefix}/*/af-tls-targets.cmake")
  if(af_tls_export)
    set(WITH_TLS ON)
  else()
    set(WITH_TLS OFF)
  endif()
endif()

# The package registry is off so that only the fresh prefix can satisfy find_package(af).
step("configure the consumer"
  ${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${build}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DWITH_HTTP=${WITH_HTTP}" "-DWITH_ASIO=${WITH_ASIO}" "-DWITH_TLS=${WITH_TLS}")
string(FIND "${step_output}" "found in ${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "install test: af was not found in the installed prefix:\n${step_output}")
endif()

step("build the consumer" ${CMAKE_COMMAND} --build "${build}")
step("run the consumer" "${build}/app")
if(NOT step_output MATCHES "af consumer: ok")
  message(FATAL_ERROR "install test: unexpected consumer output:\n${step_output}")
endif()
step("run the runtime consumer" "${build}/rt_app")
if(NOT step_output MATCHES "runtime: 42")
  message(FATAL_ERROR "install test: unexpected runtime consumer output:\n${step_output}")
endif()
if(WITH_HTTP)
  step("run the http consumer" "${build}/http_app")
  if(NOT step_output MATCHES "http: 200 installed")
    message(FATAL_ERROR "install test: unexpected http consumer output:\n${step_output}")
  endif()
elseif(EXISTS "${prefix}/include/af/http")
  message(FATAL_ERROR "install test: af::http was not built, yet its headers were installed")
endif()
if(WITH_ASIO)
  step("run the asio consumer" "${build}/asio_app")
  if(NOT step_output MATCHES "asio: 42")
    message(FATAL_ERROR "install test: unexpected asio consumer output:\n${step_output}")
  endif()
endif()
if(WITH_TLS)
  step("run the tls consumer" "${build}/tls_app")
  if(NOT step_output MATCHES "tls: verified, expected")
    message(FATAL_ERROR "install test: unexpected tls consumer output:\n${step_output}")
  endif()
elseif(EXISTS "${prefix}/include/af/tls")
  message(FATAL_ERROR "install test: af::tls was not built, yet its headers were installed")
endif()
message(STATUS "install test: ok")
