# SPDX-License-Identifier: MIT
# README drift check (cmake -P): the first ```cpp block of README must appear verbatim in
# EXAMPLE, so the taste on the front page is a program that builds and runs.
# Inputs: README, EXAMPLE.
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "```cpp\n" begin)
if(begin EQUAL -1)
  message(FATAL_ERROR "readme: no ```cpp block in ${README}")
endif()
math(EXPR begin "${begin} + 7")
string(SUBSTRING "${readme}" ${begin} -1 rest)
string(FIND "${rest}" "```" end)
string(SUBSTRING "${rest}" 0 ${end} block)
string(FIND "${example}" "${block}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "readme: the ```cpp block in ${README} is not a verbatim part of "
                      "${EXAMPLE}; copy the example's code into the README again")
endif()
message(STATUS "readme: the taste matches ${EXAMPLE}")
