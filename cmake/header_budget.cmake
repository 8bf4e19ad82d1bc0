# SPDX-License-Identifier: MIT
# Header budget check (cmake -P): preprocesses a TU that only includes HEADER and fails when the
# output has more than BUDGET lines. Blank lines and line markers are dropped (-E -P), so the
# count tracks the code the compiler must parse for every user of the header.
# Inputs: CXX, INCLUDE, HEADER (e.g. af/af.hpp), BUDGET, WORK_DIR. See docs/design/0003.
foreach(var CXX INCLUDE HEADER BUDGET WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "header budget: ${var} is not set")
  endif()
endforeach()

file(MAKE_DIRECTORY "${WORK_DIR}")
set(tu "${WORK_DIR}/budget.cpp")
file(WRITE "${tu}" "#include <${HEADER}>\n")
execute_process(
  COMMAND ${CXX} -std=c++20 -E -P -I${INCLUDE} ${tu}
  RESULT_VARIABLE rc OUTPUT_FILE "${WORK_DIR}/budget.ii" ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "header budget: preprocessing ${HEADER} failed:\n${err}")
endif()

# Count non-blank lines without going through CMake lists (C++ is full of semicolons).
file(READ "${WORK_DIR}/budget.ii" text)
string(REGEX REPLACE "[ \t\r]+" "" text "${text}")
string(REGEX REPLACE "\n\n+" "\n" text "${text}")
string(REGEX REPLACE "[^\n]" "" newlines "${text}")
string(LENGTH "${newlines}" lines)
if(lines GREATER BUDGET)
  message(FATAL_ERROR
    "header budget: <${HEADER}> preprocesses to ${lines} lines, over the budget of ${BUDGET}. "
    "Keep heavy includes out of the umbrella header (see docs/design/0003-compile-time.md); "
    "raise the budget in cmake/af_integration_tests.cmake only with a note in that ADR")
endif()
message(STATUS "header budget: <${HEADER}> is ${lines} lines, budget ${BUDGET}")
