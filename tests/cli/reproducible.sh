#!/usr/bin/env bash
# Reproducible output: the same style rendered by two processes in two
# folders gives byte-identical PNG, SVG and PDF files, so maps regenerated on
# every CI run only change in version control when the map changed.
#
#   STEPPE=build/steppe bash tests/cli/reproducible.sh
#
# Also: with SOURCE_DATE_EPOCH=1348012800 (the IX forum, 19 September 2012)
# the PDF's CreationDate is that day and the files are still identical across
# runs; the PNG carries no tIME chunk (it would stamp the wall clock).
# The last line is "N passed, M failed"; exit 1 on failure.
set -o pipefail

source "$(dirname "$0")/lib.bash"
harness_init reproducible
STYLE=$SRC/styles/forum.yaml
unset SOURCE_DATE_EPOCH

if [ ! -x "$STEPPE" ]; then
  bad "binary" "no executable at $STEPPE (set STEPPE)"
  harness_finish
  exit
fi

# The chunk types of a PNG, one per line, read from the chunk headers
# (length, type) that follow the 8-byte signature.
png_chunks() {
  local f=$1 off=8 size len type
  local -a h
  size=$(stat -c %s "$f") || return 1
  while [ $((off + 8)) -le "$size" ]; do
    read -r -a h <<<"$(od -An -tu1 -j"$off" -N8 -v "$f")"
    [ "${#h[@]}" -eq 8 ] || return 1
    len=$(((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]))
    type=$(printf '%b' "$(printf '\\%03o\\%03o\\%03o\\%03o' "${h[4]}" "${h[5]}" "${h[6]}" "${h[7]}")")
    echo "$type"
    [ "$type" = IEND ] && return 0
    off=$((off + 12 + len))
  done
  return 1 # no IEND: truncated
}

# render DIR [ENV=VALUE...]: one process writing DIR/map.{png,svg,pdf}.
render() {
  local dir=$1
  shift
  mkdir -p "$dir"
  (cd "$dir" && env "$@" "$STEPPE" render -q "$STYLE" -o map.png -o map.svg -o map.pdf) >"$dir.log" 2>&1
}

# identical LABEL DIR1 DIR2: cmp for each format.
identical() {
  local label=$1 a=$2 b=$3 ext
  for ext in png svg pdf; do
    if [ ! -s "$a/map.$ext" ] || [ ! -s "$b/map.$ext" ]; then
      bad "$label: map.$ext identical" "not written"
    elif cmp "$a/map.$ext" "$b/map.$ext" >"$WORK/cmp.log" 2>&1; then
      ok "$label: map.$ext identical ($(stat -c %s "$a/map.$ext") bytes)"
    else
      bad "$label: map.$ext identical" "" "$WORK/cmp.log"
    fi
  done
}

# ---- two plain runs -------------------------------------------------------
# two LABEL DIR1 DIR2 [ENV=VALUE...]: both renders, each judged on its own.
# The second runs in another time zone: nothing in the output may depend on
# the machine's local time.
two() {
  local label=$1 a=$2 b=$3 rc
  shift 3
  render "$a" "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    ok "$label: render into ${a##*/}"
  else
    bad "$label: render into ${a##*/}" "exit status $rc" "$a.log"
  fi
  render "$b" TZ=Asia/Almaty "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    ok "$label: render into ${b##*/} (TZ=Asia/Almaty)"
  else
    bad "$label: render into ${b##*/} (TZ=Asia/Almaty)" "exit status $rc" "$b.log"
  fi
}

two "forum.yaml" "$WORK/run1" "$WORK/run2"
identical "two runs" "$WORK/run1" "$WORK/run2"

if [ -s "$WORK/run1/map.png" ]; then
  chunks=$(png_chunks "$WORK/run1/map.png" | sort -u | tr '\n' ' ')
  case " $chunks " in
    *" IEND "*) ;;
    *) bad "PNG chunk list readable" "no IEND: $chunks" ;;
  esac
  case " $chunks " in
    *" tIME "*) bad "PNG has no tIME chunk" "chunks: $chunks" ;;
    *) ok "PNG has no tIME chunk (chunks: $chunks)" ;;
  esac
fi

# ---- SOURCE_DATE_EPOCH ------------------------------------------------------
two "SOURCE_DATE_EPOCH=1348012800" "$WORK/sde1" "$WORK/sde2" SOURCE_DATE_EPOCH=1348012800
identical "SOURCE_DATE_EPOCH" "$WORK/sde1" "$WORK/sde2"

pdf=$WORK/sde1/map.pdf
if [ -s "$pdf" ]; then
  # The raw PDF: /CreationDate (D:YYYYMMDDHHmmSS...); cairo 1.16 leaves out
  # the "D:" prefix (PDF 1.7 §7.9.4 calls it optional), later cairos write it.
  if grep -aEq '/CreationDate \((D:)?20120919' "$pdf"; then
    ok "PDF CreationDate is 2012-09-19 (raw: $(grep -ao '/CreationDate ([^)]*)' "$pdf" | head -1))"
  else
    bad "PDF CreationDate is 2012-09-19" "raw: $(grep -ao '/CreationDate ([^)]*)' "$pdf" | head -1)"
  fi
  # And as a PDF reader sees it.
  if command -v pdfinfo >/dev/null 2>&1; then
    created=$(pdfinfo -isodates "$pdf" 2>&1 | sed -n 's/^CreationDate: *//p')
    case "$created" in
      2012-09-19*) ok "pdfinfo CreationDate $created" ;;
      *) bad "pdfinfo CreationDate is 2012-09-19" "got '$created'" ;;
    esac
  else
    echo "SKIP pdfinfo CreationDate: pdfinfo not installed (poppler-utils)"
  fi
  # The date must come from SOURCE_DATE_EPOCH, not be fixed regardless.
  if [ -s "$WORK/run1/map.pdf" ] && ! cmp -s "$pdf" "$WORK/run1/map.pdf"; then
    ok "SOURCE_DATE_EPOCH changes the PDF"
  else
    bad "SOURCE_DATE_EPOCH changes the PDF" "same bytes with and without it"
  fi
fi

harness_finish
