# SPDX-License-Identifier: MIT
# Compile-fail driver (cmake -P). Each snippet in this folder is compiled twice:
#   MODE=fail  with -DAF_COMPILE_FAIL: must NOT compile; every `expect-error: <regex>` comment
#              in the snippet must match the diagnostics, which must stay under `max-lines: N`.
#   MODE=pass  without it: the accepted twin must compile cleanly under -Werror, which proves
#              the failure comes from the misuse and not from a broken snippet.
#   A snippet with `rejected-by: <regex>` is a guard of one compiler's (matched against the
#   compiler's file name): with any other compiler its misuse branch must compile cleanly.
# Inputs: CXX (compiler), INCLUDE (af's include dir), SNIPPET (file), MODE (fail|pass), OUT (log).
foreach(var CXX INCLUDE SNIPPET MODE OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "compile_fail: ${var} is not set")
  endif()
endforeach()

file(STRINGS "${SNIPPET}" directives REGEX "^///? *(expect-error|max-lines|rejected-by):")
set(patterns "")
set(max_lines 60)
foreach(line IN LISTS directives)
  if(line MATCHES "expect-error: *(.*)$")
    list(APPEND patterns "${CMAKE_MATCH_1}")
  elseif(line MATCHES "max-lines: *([0-9]+)")
    set(max_lines ${CMAKE_MATCH_1})
  elseif(line MATCHES "rejected-by: *([^ ]+)")
    # A compiler-specific guard: other compilers must accept the misuse branch as valid C++.
    get_filename_component(cxx_name "${CXX}" NAME)
    if(NOT cxx_name MATCHES "^${CMAKE_MATCH_1}")
      set(only_elsewhere TRUE)
    endif()
  endif()
endforeach()
if(MODE STREQUAL "fail" AND NOT patterns)
  message(FATAL_ERROR "compile_fail: ${SNIPPET} has no `expect-error:` comment")
endif()

set(flags -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -I${INCLUDE})
if(MODE STREQUAL "fail")
  list(APPEND flags -DAF_COMPILE_FAIL)
  if(only_elsewhere)
    set(MODE pass)  # this compiler has no such guard: the snippet must compile cleanly
  endif()
endif()
# LC_ALL=C: plain ASCII quotes in GCC's messages, so patterns need no locale-specific quotes.
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C ${CXX} ${flags} ${SNIPPET}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(WRITE "${OUT}" "${out}")
string(REGEX MATCHALL "\n" newlines "${out}")
list(LENGTH newlines nlines)

if(MODE STREQUAL "pass")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compile_fail: the accepted twin of ${SNIPPET} does not compile:\n${out}")
  endif()
  message(STATUS "accepted twin compiles cleanly")
  return()
endif()

if(rc EQUAL 0)
  message(FATAL_ERROR "compile_fail: ${SNIPPET} compiled with -DAF_COMPILE_FAIL; it must not")
endif()
foreach(pattern IN LISTS patterns)
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR
      "compile_fail: diagnostics of ${SNIPPET} do not match `${pattern}`:\n${out}")
  endif()
endforeach()
if(nlines GREATER max_lines)
  message(FATAL_ERROR "compile_fail: ${SNIPPET} produced ${nlines} lines of diagnostics, "
                      "budget is ${max_lines}:\n${out}")
endif()
message(STATUS "rejected as expected (${nlines} diagnostic lines, budget ${max_lines})")
