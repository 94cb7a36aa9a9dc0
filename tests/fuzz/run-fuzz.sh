#!/usr/bin/env bash
# Bounded fuzzing of libsteppe: builds build-fuzz (clang, libFuzzer,
# ASan + UBSan) if needed and runs each target for ${FUZZ_SECONDS:-60} s.
#
#   tests/fuzz/run-fuzz.sh [TARGET...]      # default: every target
#
# Seeds come from tests/fuzz/corpus/<target>/ (read only); new inputs go to a
# scratch corpus so the checked-in seeds stay as make-seeds.py wrote them.
# On a crash, leak or timeout libFuzzer writes the input to
# build-fuzz/fuzz-artifacts/<target>/ and this script prints its path and
# exits 1. Reproduce with: build-fuzz/tests/fuzz/<target> <input>.
# STEPPE_FUZZ_KNOWN=multiline,noshx steps around bugs already reported (see
# tests/fuzz/fuzz_common.h) so that a run can look for the next one.
set -u -o pipefail
cd "$(dirname "$0")/../.."
SRC=$(pwd)
BUILD=${FUZZ_BUILD_DIR:-$SRC/build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=$(nproc 2>/dev/null || echo 2)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_shapefile fuzz_style fuzz_render fuzz_csv fuzz_diff fuzz_wkb fuzz_geojson fuzz_png_deflate)

if ! command -v clang >/dev/null; then
  echo "run-fuzz: clang not found; install clang and libclang-rt-dev (skipping)"
  exit 0
fi

# -Wno-error: this build exists to find memory errors; clang-only warnings
# are the normal builds' business and must not stop the fuzzing.
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  mkdir -p "$BUILD"
  CC=clang cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DSTEPPE_FUZZ=ON -DSTEPPE_SANITIZE=ON \
    -DCMAKE_C_FLAGS="-Wno-error -O1" >/dev/null || { echo "run-fuzz: configure failed"; exit 1; }
fi
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" >"$BUILD/fuzz-build.log" 2>&1 || {
  tail -30 "$BUILD/fuzz-build.log"
  echo "run-fuzz: build failed (log: $BUILD/fuzz-build.log)"
  exit 1
}

max_len() {
  case "$1" in
    fuzz_style) echo 8192 ;;
    *) echo 20480 ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRC/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# report TARGET LOG RC: prints the statistics, and on failure the culprit.
report() {
  local t=$1 log=$2 rc=$3 crash
  grep -E '^stat::number_of_executed_units|#[0-9]+.*DONE' "$log" | tr '\n' ' '
  echo
  if [ "$rc" -ne 0 ]; then
    crash=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    grep -E 'ERROR: |SUMMARY: |runtime error|fuzz invariant|ALARM' "$log" | head -5
    echo "run-fuzz: $t FAILED (exit $rc); input: ${crash:-see $log}"
    echo "  reproduce: $BUILD/tests/fuzz/$t ${crash:-<input>}"
    fail=1
  fi
}

# Two passes per target. Fuzzing runs with leak detection off: LeakSanitizer
# scans the whole heap after every input that allocated more than it freed,
# and PROJ's and fontconfig's caches make that nearly every input (20x
# slower). The second pass replays every input of the corpus once with leak
# detection on, so leaks are still caught.
fail=0
for t in "${targets[@]}"; do
  bin=$BUILD/tests/fuzz/$t
  art=$BUILD/fuzz-artifacts/$t
  work=$BUILD/fuzz-corpus/$t
  mkdir -p "$art" "$work"
  log=$BUILD/fuzz-artifacts/$t.log
  # Scratch files (the targets' and the library's own, e.g. a rebuilt .shx)
  # go to a folder of our own: a crash or timeout skips the targets' atexit
  # clean-up, so it is emptied here instead.
  export TMPDIR=$BUILD/fuzz-tmp
  rm -rf "$TMPDIR"
  mkdir -p "$TMPDIR"
  echo "== $t: fuzzing ${SECONDS_EACH}s"
  "$bin" "$work" "$SRC/tests/fuzz/corpus/$t" \
    -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2560 \
    -detect_leaks=0 -artifact_prefix="$art/" -print_final_stats=1 >"$log" 2>&1
  report "$t" "$log" $?
  echo "== $t: leak check of the corpus"
  "$bin" "$work" "$SRC/tests/fuzz/corpus/$t" -runs=0 -max_total_time="$SECONDS_EACH" \
    -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2560 -detect_leaks=1 \
    -artifact_prefix="$art/" -print_final_stats=1 >"$log.leaks" 2>&1
  report "$t" "$log.leaks" $?
done
rm -rf "$BUILD/fuzz-tmp"
exit $fail
