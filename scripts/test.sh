#!/usr/bin/env bash
# Runs EdgeVL's whole default test suite: a Release build with GCC, the same with clang, each libFuzzer target for 30 s
# (clang, -DEDGEVL_FUZZ=ON, on the committed seeds), the concurrency tests under ThreadSanitizer (scripts/test-tsan.sh),
# then the suite under AddressSanitizer and UndefinedBehaviorSanitizer (GCC). Opt-in label: "big" (real 2B dimensions;
# --big).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
EXCLUDE=(big)
SAN=1
CLANG=1
FUZZ=1
TSAN=1
for a in "$@"; do
  case "$a" in
    --big) EXCLUDE=("${EXCLUDE[@]/big}") ;;
    --no-sanitizers) SAN=0 ;;
    --no-clang) CLANG=0 ;;
    --no-fuzz) FUZZ=0 ;;
    --no-tsan) TSAN=0 ;;
    *) echo "usage: scripts/test.sh [--big] [--no-sanitizers] [--no-clang] [--no-fuzz] [--no-tsan]" >&2; exit 2 ;;
  esac
done
pattern=$(printf '%s\n' "${EXCLUDE[@]}" | sed '/^$/d' | paste -sd'|')
exclude=()
[ -n "$pattern" ] && exclude=(-LE "^($pattern)\$")

run_suite() {  # run_suite BUILD_DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
  cmake --build "$dir" -j "$JOBS"
  (cd "$dir" && ctest --output-on-failure -j "$JOBS" "${exclude[@]}" --timeout 1200)
}

echo "== Release build and tests"
run_suite build
if [ "$CLANG" = 1 ]; then
  if command -v clang++ >/dev/null 2>&1; then
    echo "== clang Release build and tests"
    run_suite build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
  else
    echo "== clang++ not found: the clang build is skipped (scripts/install-deps.sh installs it)"
  fi
fi
if [ "$FUZZ" = 1 ]; then
  if command -v clang++ >/dev/null 2>&1; then
    echo "== libFuzzer targets (clang, EDGEVL_FUZZ), 30 s each on the committed seeds"
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DEDGEVL_FUZZ=ON
    cmake --build build-fuzz -j "$JOBS" --target fuzz_targets
    (cd build-fuzz && ctest --output-on-failure -j "$JOBS" -L libfuzzer)
  else
    echo "== clang++ not found: the libFuzzer runs are skipped"
  fi
fi
if [ "$TSAN" = 1 ]; then
  echo "== ThreadSanitizer: one Model shared by several threads (label tsan)"
  scripts/test-tsan.sh
fi
if [ "$SAN" = 1 ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_suite build-asan -DEDGEVL_SANITIZE=ON
fi
