#!/usr/bin/env bash
# A user's builds: Release with GCC and Debug with clang, each from a clean
# copy of the tree (the files git tracks, as in a fresh clone, with their
# working-tree contents) into a fresh build folder, with -DSTEPPE_WERROR=ON
# so that any warning fails. Only libsteppe (shared and static) and the tool
# are built, to keep this to a minute or two; each tool must then run.
#
#   STEPPE_SOURCE_DIR=. bash tests/cli/build_matrix.sh
#
# The last line is "N passed, M failed"; exit 1 on failure.
set -o pipefail

source "$(dirname "$0")/lib.bash"
harness_init build-matrix
# A failed build shows the compiler's warnings and errors, not the log's start.
show_log() {
  grep -m 15 -iE 'warning|error' "$1" | sed 's/^/       | /'
}
JOBS=${STEPPE_TEST_JOBS:-2}

# The clean tree: the files git tracks or would add (not ignored ones), so
# nothing left over from an earlier build (build/, out/) can make this pass.
mkdir -p "$WORK/src"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$SRC" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$WORK/src"
else
  cp -r "$SRC/." "$WORK/src" && rm -rf "$WORK/src/build"*
fi

# build NAME CC BUILD_TYPE
build() {
  local name=$1 cc=$2 type=$3 dir=$WORK/build-$1 log=$WORK/$1.log
  if ! command -v "$cc" >/dev/null 2>&1; then
    bad "$name" "$cc is not installed (tools/bootstrap.sh test installs it)"
    return
  fi
  if CC=$cc cmake -S "$WORK/src" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DSTEPPE_WERROR=ON >"$log" 2>&1 &&
    cmake --build "$dir" -j "$JOBS" --target steppe_lib steppe_shared steppe >>"$log" 2>&1; then
    if grep -qi 'warning:' "$log"; then
      bad "$name: no warnings" "" "$log"
    else
      ok "$name ($cc $type) builds with -Werror"
    fi
  else
    bad "$name ($cc $type) builds with -Werror" "" "$log"
    return
  fi
  if grep -q "CMAKE_C_COMPILER:[A-Z]*=.*$cc" "$dir/CMakeCache.txt" && grep -q "^CMAKE_BUILD_TYPE:STRING=$type$" "$dir/CMakeCache.txt"; then
    ok "$name: configured with $cc, $type"
  else
    bad "$name: configured with $cc, $type" "$(grep -E '^CMAKE_(C_COMPILER|BUILD_TYPE)' "$dir/CMakeCache.txt" | tr '\n' ' ')"
  fi
  if "$dir/steppe" --version >"$WORK/ver.txt" 2>&1 && grep -q '^steppe ' "$WORK/ver.txt"; then
    ok "$name: steppe --version runs"
  else
    bad "$name: steppe --version runs" "" "$WORK/ver.txt"
  fi
  # objdump's output is read whole before it is searched: under pipefail,
  # grep -q leaving early would fail the pipeline when objdump's second
  # write meets the closed pipe (a Debug build's headers pass 4 KB).
  local headers
  headers=$(objdump -p "$dir/libsteppe.so" 2>/dev/null)
  if [ -e "$dir/libsteppe.a" ] && grep -q 'SONAME *libsteppe\.so\.' <<<"$headers"; then
    ok "$name: libsteppe.a and libsteppe.so built"
  else
    bad "$name: libsteppe.a and libsteppe.so built"
  fi
}

build release-gcc gcc Release
build debug-clang clang Debug

harness_finish
