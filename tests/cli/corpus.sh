#!/usr/bin/env bash
# Runs every case of tests/corpus/expected.tsv through the real binary.
#
#   STEPPE=build/steppe bash tests/cli/corpus.sh [CASE-REGEX]
#
# Each case runs with a 20 s timeout and must: exit with the expected status
# (never a signal, never a timeout); on failure print exactly one error line
# on stderr, starting "steppe: " and containing the expected text (every
# stderr line starts "steppe: "); leave no output and no *.tmp file when an
# error is expected; leave the output when the case expects one. Columns are
# described in tests/corpus/make-corpus.py. The corpus is copied to a scratch
# folder first, so a misbehaving binary cannot damage the checked-in files.
# The last line is "N passed, M failed"; the exit status is 1 if any failed.
set -u -o pipefail
set -f   # commands are split on blanks, never globbed

SRC=${STEPPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
STEPPE=${STEPPE:-$SRC/build/steppe}
FILTER=${1:-}
TIMEOUT=${CORPUS_TIMEOUT:-${STEPPE_HANG_SECONDS:-20}}

if [ ! -x "$STEPPE" ]; then
  echo "corpus: no binary at $STEPPE (set STEPPE)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
case "$STEPPE" in /*) ;; *) STEPPE=$(pwd)/$STEPPE ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/steppe-corpus.XXXXXX")
MOUNTED=""
cleanup() {
  if [ -n "$MOUNTED" ]; then umount "$MOUNTED" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cp -r "$SRC/tests/corpus" "$WORK/corpus"
C=$WORK/corpus

# Sanitizer builds: a leak or an error makes the binary exit non-zero with
# a report on stderr; make it distinctive and never a signal.
# Third-party leaks (fontconfig, shapelib) are suppressed as in the fuzz runs.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=86}
# The sanitizer build records allocation stacks with the slow DWARF unwinder
# (src/render/render.c says why); under it a garbage CRS, which PROJ answers
# with thousands of allocations, passed the 20 s limit. The corpus renders
# nothing that needs the slow stacks (its leak suppressions name modules).
export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=1"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
export LSAN_OPTIONS="suppressions=$SRC/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

pass=0
fail=0
skip=0
failed_names=()

sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

ok() { pass=$((pass + 1)); [ -n "${CORPUS_VERBOSE:-}" ] && echo "ok   $1"; return 0; }
bad() {
  fail=$((fail + 1))
  failed_names+=("$1")
  echo "FAIL $1: $2"
  if [ -n "${3:-}" ] && [ -s "$3" ]; then sed -n '1,12s/^/       | /p' "$3"; fi
}
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }

# run T ARGS... : runs the binary with the timeout; sets RC, leaves stderr
# in $T/stderr and stdout in $T/stdout.
run() {
  local t=$1
  shift
  # TMPDIR: the library's own scratch files (a rebuilt .shx) stay in the
  # case's folder, so a hung run cannot fill /tmp and a leftover is seen.
  mkdir -p "$t/tmp"
  TMPDIR=$t/tmp timeout -k 5 "$TIMEOUT" "$STEPPE" "$@" >"$t/stdout" 2>"$t/stderr" </dev/null
  RC=$?
}

# Checks stderr after a failing run: every line starts "steppe: ", exactly
# one line is the error (the others are warnings), and it is the last line.
# Prints the reason and returns 1 when the format is wrong.
check_error_format() {
  local f=$1 want=$2
  if [ ! -s "$f" ]; then echo "no message on stderr"; return 1; fi
  if grep -qv '^steppe: ' "$f"; then echo "a stderr line does not start 'steppe: '"; return 1; fi
  local errors
  errors=$(grep -cv '^steppe: warning' "$f")
  if [ "$errors" -ne 1 ]; then echo "$errors error lines on stderr, expected 1"; return 1; fi
  local last
  last=$(tail -n 1 "$f")
  case "$last" in "steppe: warning"*) echo "the last stderr line is a warning, not the error"; return 1 ;; esac
  if [ "$want" != "-" ] && [[ "$last" != *"$want"* ]]; then
    echo "error line lacks '$want'"
    return 1
  fi
  return 0
}

# The report from its first ERROR line on, for bad()'s excerpt.
sanitizer_excerpt() {
  sed -n '/ERROR\|runtime error/,$p' "$1" >"$1.san"
  echo "$1.san"
}

leftover_tmp() { find "$1" -name '*.tmp' -print -quit 2>/dev/null; }

# Checks the common outcome of a run. $1 case, $2 folder, $3 expected exit,
# $4 expected stderr, $5 output rule, $6 checksum of the previous output.
judge() {
  local name=$1 t=$2 want_rc=$3 want_err=$4 rule=$5 prev=${6:-}
  local out=$t/out.png why
  if [ "$RC" -eq 86 ] || [ "$RC" -eq 87 ] || grep -q 'Sanitizer' "$t/stderr"; then
    bad "$name" "sanitizer report (exit $RC)" "$(sanitizer_excerpt "$t/stderr")"; return
  fi
  if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then bad "$name" "timed out after ${TIMEOUT}s"; return; fi
  if [ "$RC" -ge 128 ]; then bad "$name" "killed by signal $((RC - 128))" "$t/stderr"; return; fi
  if [ "$RC" -ne "$want_rc" ]; then bad "$name" "exit $RC, expected $want_rc" "$t/stderr"; return; fi
  if [ "$want_rc" -ne 0 ]; then
    if ! why=$(check_error_format "$t/stderr" "$want_err"); then bad "$name" "$why" "$t/stderr"; return; fi
  else
    if grep -qv '^steppe: ' "$t/stderr"; then bad "$name" "a stderr line does not start 'steppe: '" "$t/stderr"; return; fi
    if [ "$want_err" != "-" ] && ! grep -qF -- "$want_err" "$t/stderr"; then
      bad "$name" "no warning containing '$want_err'" "$t/stderr"; return
    fi
  fi
  case "$rule" in
    none) if [ -e "$out" ]; then bad "$name" "output exists after a failed run"; return; fi ;;
    yes) if [ ! -s "$out" ]; then bad "$name" "no output" "$t/stderr"; return; fi ;;
    same) if [ "$(sha "$out")" != "$prev" ]; then bad "$name" "previous output changed"; return; fi ;;
    any) ;;
  esac
  local tmp
  tmp=$(leftover_tmp "$t")
  if [ -n "$tmp" ]; then bad "$name" "temporary file left: ${tmp#"$t"/}"; return; fi
  if [ -d "$t/tmp" ] && [ -n "$(ls -A "$t/tmp")" ]; then
    bad "$name" "left in TMPDIR: $(ls -A "$t/tmp" | head -3 | tr '\n' ' ')"
    return
  fi
  ok "$name"
}

# A good quick-look rendered to $1; prints its checksum.
make_prev() {
  timeout -k 5 "$TIMEOUT" "$STEPPE" render "$C/shp/good.shp" -o "$1" --width 64 --height 64 \
    >/dev/null 2>&1 </dev/null || return 1
  sha "$1"
}

# ---- scenarios --------------------------------------------------------------

# The style copied into $T with its source made absolute.
copy_style() {
  sed "s|\.\./shp/good\.shp|$C/shp/good.shp|" "$C/style/good.yaml" >"$1"
}

# Output path naming the input: the style itself, a spelling of it with
# "..", a hard link and a symbolic link to it. Refused with exit 2, input
# untouched.
scenario_out_input() {
  local name=$1 t=$2 kind=$3 in out before
  in=$t/style.svg
  copy_style "$in"
  case "$kind" in
    same) out=$in ;;
    dotted) mkdir "$t/sub"; out=$t/sub/../style.svg ;;
    hardlink) out=$t/out.svg; ln "$in" "$out" ;;
    symlink) out=$t/out.svg; ln -s style.svg "$out" ;;
  esac
  before=$(sha "$in")
  run "$t" render "$in" -o "$out"
  if [ "$RC" -ge 124 ]; then bad "$name" "exit $RC (timeout or signal)" "$t/stderr"; return; fi
  if [ "$(sha "$in")" != "$before" ]; then bad "$name" "the input file was changed"; return; fi
  if [ "$RC" -ne 2 ]; then bad "$name" "exit $RC, expected 2 (output equals an input)" "$t/stderr"; return; fi
  local why
  if ! why=$(check_error_format "$t/stderr" "-"); then bad "$name" "$why" "$t/stderr"; return; fi
  if [ -n "$(leftover_tmp "$t")" ]; then bad "$name" "temporary file left"; return; fi
  ok "$name"
}

# `render child.yaml -o base.svg` where child extends base.svg: the base is
# an input as much as the style named on the command line.
scenario_out_base() {
  local name=$1 t=$2 before
  copy_style "$t/base.svg"
  printf 'extends: base.svg\n' >"$t/child.yaml"
  before=$(sha "$t/base.svg")
  run "$t" render "$t/child.yaml" -o "$t/base.svg"
  if [ "$RC" -ge 124 ]; then bad "$name" "exit $RC (timeout or signal)" "$t/stderr"; return; fi
  if [ "$(sha "$t/base.svg")" != "$before" ]; then bad "$name" "the extended style was overwritten" "$t/stderr"; return; fi
  if [ "$RC" -ne 2 ]; then bad "$name" "exit $RC, expected 2 (output equals an input)" "$t/stderr"; return; fi
  ok "$name"
}

# A quick look of good.shp copied under a name that is not plain ASCII
# ($3: the stem, as bytes). It must render like any other file.
scenario_quicklook_name() {
  local name=$1 t=$2 stem=$3 e
  for e in shp shx dbf prj cpg; do cp "$C/shp/good.$e" "$t/$stem.$e"; done
  run "$t" render "$t/$stem.shp" -o "$t/out.png" --width 64 --height 64
  judge "$name" "$t" 0 "-" yes ""
}

# An override whose value spans two lines and does not parse: the error
# must still be one line (found by fuzz_style).
scenario_set_newline() {
  local name=$1 t=$2
  run "$t" check "$C/style/good.yaml" --set $'map.width=[1,\n  2'
  judge "$name" "$t" 2 "--set map.width" none ""
}

# A big render (134 megapixels, about 0.7 s) killed after 0.3 s by signal
# $3: the previous output must be intact; after TERM or INT no temporary file
# may remain (after KILL one may, as long as it is not the target).
scenario_kill() {
  local name=$1 t=$2 sig=$3 prev pid
  if ! prev=$(make_prev "$t/out.png"); then bad "$name" "could not render the previous output"; return; fi
  "$STEPPE" render "$SRC/styles/forum.yaml" -o "$t/out.png" --width 14000 --height 9600 \
    >/dev/null 2>"$t/stderr" </dev/null &
  pid=$!
  sleep 0.3
  if ! kill -s "$sig" "$pid" 2>/dev/null; then
    wait "$pid"
    bad "$name" "the render ended (exit $?) before the signal; nothing was tested" "$t/stderr"
    return
  fi
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    kill -s KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    bad "$name" "still running 10 s after SIG$sig"
    return
  fi
  wait "$pid" 2>/dev/null
  if [ "$(sha "$t/out.png")" != "$prev" ]; then bad "$name" "previous output changed after SIG$sig"; return; fi
  if [ "$sig" != KILL ] && [ -n "$(leftover_tmp "$t")" ]; then
    bad "$name" "temporary file left after SIG$sig: $(leftover_tmp "$t")"
    return
  fi
  ok "$name"
}

# A full file system: a 64 KiB tmpfs holding a previous output, then filled
# to the last byte. The render must fail with exit 1, leave the previous
# output intact and no temporary file.
scenario_disk_full() {
  local name=$1 t=$2 mnt prev
  mnt=$t/mnt
  mkdir "$mnt"
  if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
    skipped "$name" "cannot mount a tmpfs here (needs root and mount rights)"
    return
  fi
  MOUNTED=$mnt
  if ! prev=$(make_prev "$mnt/out.png"); then
    bad "$name" "could not render the previous output"
  else
    dd if=/dev/zero of="$mnt/fill" bs=1k count=128 >/dev/null 2>&1
    run "$t" render "$C/shp/good.shp" -o "$mnt/out.png" --width 1024 --height 1024
    local why
    if [ "$RC" -ge 124 ]; then
      bad "$name" "exit $RC (timeout or signal)" "$t/stderr"
    elif [ "$RC" -ne 1 ]; then
      bad "$name" "exit $RC on a full disk, expected 1" "$t/stderr"
    elif ! why=$(check_error_format "$t/stderr" "-"); then
      bad "$name" "$why" "$t/stderr"
    elif [ "$(sha "$mnt/out.png")" != "$prev" ]; then
      bad "$name" "previous output changed"
    elif [ -n "$(leftover_tmp "$mnt")" ]; then
      bad "$name" "temporary file left: $(leftover_tmp "$mnt")"
    else
      ok "$name"
    fi
  fi
  umount "$mnt" 2>/dev/null
  MOUNTED=""
}

scenario() {
  local name=$1 t=$2 which=$3
  case "$which" in
    out-is-style) scenario_out_input "$name" "$t" same ;;
    out-is-style-dotted) scenario_out_input "$name" "$t" dotted ;;
    out-hardlink-to-style) scenario_out_input "$name" "$t" hardlink ;;
    out-symlink-to-style) scenario_out_input "$name" "$t" symlink ;;
    # stderr: bash reports "Killed" for the job it SIGKILLed; not ours to show
    kill-KILL | kill-TERM | kill-INT) scenario_kill "$name" "$t" "${which#kill-}" 2>/dev/null ;;
    disk-full) scenario_disk_full "$name" "$t" ;;
    out-is-extended-base) scenario_out_base "$name" "$t" ;;
    set-newline) scenario_set_newline "$name" "$t" ;;
    quicklook-name-cp1251) scenario_quicklook_name "$name" "$t" $'\xd0\xe5\xe3\xe8\xee\xed\xfb' ;;
    quicklook-name-ctl) scenario_quicklook_name "$name" "$t" $'a\x01b' ;;
    quicklook-name-quote) scenario_quicklook_name "$name" "$t" "it's {x}: #1" ;;
    *) bad "$name" "unknown scenario '$which'" ;;
  esac
}

# ---- the cases ----------------------------------------------------------------

HUGE=""
while IFS=$'\t' read -r name files setup command want_rc want_err rule; do
  case "$name" in '#'* | '') continue ;; esac
  if [ -n "$FILTER" ] && ! [[ "$name" =~ $FILTER ]]; then continue; fi
  t=$WORK/cases/$name
  mkdir -p "$t"
  prev=""
  case "$setup" in
    -) ;;
    prev)
      if ! prev=$(make_prev "$t/out.png"); then bad "$name" "could not render the previous output"; continue; fi ;;
    mkdir) mkdir "$t/out.png" ;;
    huge)
      if [ -z "$HUGE" ]; then
        HUGE=$WORK/huge
        mkdir -p "$HUGE"
        python3 "$C/make-corpus.py" --huge "$HUGE"
      fi
      for f in huge.shp huge.shx huge.dbf huge.prj; do ln "$HUGE/$f" "$t/$f"; done ;;
    script) scenario "$name" "$t" "$command"; continue ;;
    *) bad "$name" "unknown setup '$setup'"; continue ;;
  esac
  cmd=${command//\{C\}/$C}
  cmd=${cmd//\{OUT\}/$t/out.png}
  cmd=${cmd//\{T\}/$t}
  # shellcheck disable=SC2086 # split on blanks on purpose (set -f: no globbing)
  run "$t" $cmd
  judge "$name" "$t" "$want_rc" "$want_err" "$rule" "$prev"
done <"$C/expected.tsv"

if [ $skip -gt 0 ]; then echo "($skip skipped)"; fi
if [ $fail -gt 0 ]; then echo "failed: ${failed_names[*]}"; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
