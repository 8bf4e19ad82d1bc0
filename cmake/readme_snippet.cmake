# SPDX-License-Identifier: MIT
# README drift check (cmake -P): the INDEX-th ```cpp block of README (default 1) must appear
# verbatim in EXAMPLE, so every program on the front page is one that builds and runs.
# Inputs: README, EXAMPLE, INDEX.
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
if(NOT DEFINED INDEX)
  set(INDEX 1)
endif()
set(rest "${readme}")
foreach(i RANGE 1 ${INDEX})
  string(FIND "${rest}" "```cpp\n" begin)
  if(begin EQUAL -1)
    message(FATAL_ERROR "readme: no ```cpp block number ${INDEX} in ${README}")
  endif()
  math(EXPR begin "${begin} + 7")
  string(SUBSTRING "${rest}" ${begin} -1 rest)
endforeach()
string(FIND "${rest}" "```" end)
string(SUBSTRING "${rest}" 0 ${end} block)
string(FIND "${example}" "${block}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "readme: the ```cpp block in ${README} is not a verbatim part of "
                      "${EXAMPLE}; copy the example's code into the README again")
endif()
message(STATUS "readme: the taste matches ${EXAMPLE}")
