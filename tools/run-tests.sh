#!/usr/bin/env bash
# Every test: the normal build's suites, the sanitizer build's suites, and
# the default render under valgrind. Assumes tools/bootstrap.sh installed
# the packages and built build/.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
fail=0

echo "== tests (RelWithDebInfo build)"
ctest --test-dir build --output-on-failure -j "$jobs" || fail=1

echo "== tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSTEPPE_SANITIZE=ON -DSTEPPE_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs" >/dev/null
# The sanitizer build runs ten to thirty times slower on allocation-heavy
# input, and the CI runner is shared: the tests' hang guards (10-20 s on the
# normal build) get 120 s here, enough for no real run and still a bound.
STEPPE_HANG_SECONDS=120 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE build || fail=1

echo "== default render under valgrind"
tmp=$(mktemp -d)
if valgrind --error-exitcode=3 --errors-for-leak-kinds=definite --leak-check=full -q \
     --suppressions=tests/valgrind.supp \
     build/steppe render -q -o "$tmp/forum.png" 2>"$tmp/valgrind.log"; then
  echo "valgrind: 0 errors, 0 definite leaks"
else
  cat "$tmp/valgrind.log"; echo "valgrind: FAILED"; fail=1
fi
rm -rf "$tmp"

if [ -x tests/fuzz/run-fuzz.sh ]; then
  echo "== fuzzing (bounded)"
  tests/fuzz/run-fuzz.sh || fail=1
fi

if [ $fail -ne 0 ]; then
  echo "run-tests: FAILED"
  exit 1
fi
echo "run-tests: all passed"
