# SPDX-License-Identifier: MIT
# Runs one book sample and compares its standard output with the .expected file the book shows.
# Usage: cmake -DSAMPLE=<exe> -DEXPECTED=<file> -P run_sample.cmake
execute_process(COMMAND ${SAMPLE} OUTPUT_VARIABLE actual RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sample ${SAMPLE} exited with ${rc}; output:\n${actual}")
endif()
file(READ ${EXPECTED} expected)
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "sample output differs from ${EXPECTED}\n--- expected\n${expected}--- actual\n${actual}")
endif()
