#!/usr/bin/env bash
# Runs EdgeVL's whole default test suite: a Release build, then the same suite under AddressSanitizer and
# UndefinedBehaviorSanitizer. Opt-in label: "big" (real 2B dimensions; --big).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
EXCLUDE=(big)
SAN=1
for a in "$@"; do
  case "$a" in
    --big) EXCLUDE=("${EXCLUDE[@]/big}") ;;
    --no-sanitizers) SAN=0 ;;
    *) echo "usage: scripts/test.sh [--big] [--no-sanitizers]" >&2; exit 2 ;;
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
if [ "$SAN" = 1 ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_suite build-asan -DEDGEVL_SANITIZE=ON
fi
