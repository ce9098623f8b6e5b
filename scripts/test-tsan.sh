#!/usr/bin/env bash
# ThreadSanitizer check (a stage of scripts/test.sh; --no-tsan skips it there): builds the tests labelled "tsan" (one Model shared by several
# threads: tests/sdk/test_concurrency.cpp, with its fixture c_api.bundle) in build-tsan with -DEDGEVL_SANITIZE=thread
# (GCC; every EdgeVL library instrumented) and runs them. Any data race or lock-order inversion fails the test
# (halt_on_error=1); tests/tsan.supp suppresses reports from inside third-party libraries only, each explained there.
# Extra TSAN_OPTIONS from the environment are appended.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGEVL_SANITIZE=thread
cmake --build build-tsan -j "$JOBS" --target test_sdk_concurrency  # depends on make_demo_bundle (the fixture)
cd build-tsan
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/../tests/tsan.supp ${TSAN_OPTIONS:-}" \
  ctest --output-on-failure -L '^tsan$'
