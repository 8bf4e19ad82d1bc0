# SPDX-License-Identifier: MIT
# Tests that drive a compiler or CMake instead of running a gtest binary (included from
# tests/CMakeLists.txt). Labels let scripts/test run them as their own stages:
#   compile_fail  misuse snippets in tests/compile_fail/ (each with its accepted twin)
#   install       install the build tree, then find_package(af) from tests/install/
#   budget        preprocessed size of <af/af.hpp> (docs/design/0003-compile-time.md)
#   docs          the README taste is examples/hello.cpp verbatim

# Compile-fail tests use no sanitizer or build-type flags: they check af's diagnostics only.
file(GLOB AF_COMPILE_FAIL_SNIPPETS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/compile_fail/*.cpp)
foreach(snippet IN LISTS AF_COMPILE_FAIL_SNIPPETS)
  get_filename_component(name ${snippet} NAME_WE)
  foreach(mode fail pass)
    set(test compile_fail.${name}.${mode})
    add_test(NAME ${test}
      COMMAND ${CMAKE_COMMAND} -DCXX=${CMAKE_CXX_COMPILER} -DINCLUDE=${PROJECT_SOURCE_DIR}/include
              -DSNIPPET=${snippet} -DMODE=${mode}
              -DOUT=${CMAKE_CURRENT_BINARY_DIR}/compile_fail/${name}.${mode}.log
              -P ${PROJECT_SOURCE_DIR}/tests/compile_fail/run.cmake)
    set_tests_properties(${test} PROPERTIES LABELS compile_fail TIMEOUT 120)
  endforeach()
endforeach()
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/compile_fail)

# The consumer gets this tree's compiler and flags, so sanitizer builds stay ABI-consistent.
add_test(NAME install.find_package_consumer
  COMMAND ${CMAKE_COMMAND} -DAF_BUILD_DIR=${PROJECT_BINARY_DIR}
          -DCONSUMER_DIR=${PROJECT_SOURCE_DIR}/tests/install
          -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install_test
          -DGENERATOR=${CMAKE_GENERATOR} -DCXX=${CMAKE_CXX_COMPILER}
          "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}" -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          -DWITH_HTTP=$<TARGET_EXISTS:af_http> -DWITH_ASIO=$<TARGET_EXISTS:af_asio>
          -P ${PROJECT_SOURCE_DIR}/tests/install/run.cmake)
set_tests_properties(install.find_package_consumer PROPERTIES LABELS install TIMEOUT 300)

# Budgets are per compiler because GCC and Clang preprocess libstdc++ slightly differently.
# Measured in docs/design/0003-compile-time.md; each is about 30% above the size at that time.
set(AF_HEADER_BUDGET_GNU 80000)   # measured 61,829 at first; 47,148 once <functional> and <algorithm> left the headers
set(AF_HEADER_BUDGET_Clang 80000) # measured 61,769 at first; 47,088 once <functional> and <algorithm> left the headers
if(DEFINED AF_HEADER_BUDGET_${CMAKE_CXX_COMPILER_ID})
  add_test(NAME budget.af_hpp_preprocessed_lines
    COMMAND ${CMAKE_COMMAND} -DCXX=${CMAKE_CXX_COMPILER} -DINCLUDE=${PROJECT_SOURCE_DIR}/include
            -DHEADER=af/af.hpp -DBUDGET=${AF_HEADER_BUDGET_${CMAKE_CXX_COMPILER_ID}}
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/header_budget
            -P ${PROJECT_SOURCE_DIR}/cmake/header_budget.cmake)
  set_tests_properties(budget.af_hpp_preprocessed_lines PROPERTIES LABELS budget TIMEOUT 120)
endif()

# The README's code block is examples/hello.cpp, character for character.
add_test(NAME readme.taste_matches_example
  COMMAND ${CMAKE_COMMAND} -DREADME=${PROJECT_SOURCE_DIR}/README.md
          -DEXAMPLE=${PROJECT_SOURCE_DIR}/examples/hello.cpp
          -P ${PROJECT_SOURCE_DIR}/cmake/readme_snippet.cmake)
set_tests_properties(readme.taste_matches_example PROPERTIES LABELS docs TIMEOUT 60)
add_test(NAME readme.runtime_taste_matches_example
  COMMAND ${CMAKE_COMMAND} -DREADME=${PROJECT_SOURCE_DIR}/README.md
          -DEXAMPLE=${PROJECT_SOURCE_DIR}/examples/runtime_taste.cpp -DINDEX=2
          -P ${PROJECT_SOURCE_DIR}/cmake/readme_snippet.cmake)
set_tests_properties(readme.runtime_taste_matches_example PROPERTIES LABELS docs TIMEOUT 60)

# GCC 12 destroys aggregate temporaries in a co_await's full-expression twice: af's own headers,
# sources, examples and book samples never build one there (docs/book/tasks.md, "GCC 12 and
# temporaries in a co_await").
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME lint.no_braced_temporaries_in_co_await
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/check_await_temporaries.py
            include src examples docs
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(lint.no_braced_temporaries_in_co_await PROPERTIES LABELS docs TIMEOUT 60)
  # Every co_await operand shape GCC 12 gets wrong (braced, conditional, generic-lambda member),
  # over the tests too; the planted fixture proves the check can fail (issue 22).
  add_test(NAME lint.co_await_operand_shapes
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/check_coawait.py
            --exclude tests/compile_fail include src examples docs/samples tests
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  add_test(NAME lint.co_await_operand_shapes_finds_planted
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/check_coawait.py
            --expect 3 tests/lint/coawait_planted.cpp.in
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(lint.co_await_operand_shapes lint.co_await_operand_shapes_finds_planted
    PROPERTIES LABELS docs TIMEOUT 60)
endif()
