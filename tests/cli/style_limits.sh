#!/bin/bash
# What a style may be and how much it may hold (issue 15): FIFOs, devices,
# directories, /proc files, empty and oversized files as the style or as
# an extends target; big mappings and many anchors; an alias bomb under a
# 1 GB address-space limit; NUL escapes; an unrelated file given to
# extends. The generated inputs (megabytes) are made here, not committed.
# Every run has a `timeout`: it is a hang guard (a FIFO used to block
# forever, 200,000 keys took 40 s), not a timing test.
#
# Run by ctest with STEPPE=path of the binary and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/style_limits.sh
set -u
# Sanitizer builds record allocation stacks with the slow DWARF unwinder
# (src/render/render.c); the hang guards below time YAML parsing, which
# allocates per node, so they take the fast one (24 s → 0.8 s for 200,000
# keys). Nothing here renders the cairo group that needs the slow stacks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=1"

source "$(dirname "$0")/lib.bash"
harness_init style-limits
cp "$SRC"/tests/corpus/shp/good.* .

ASAN=""
if grep -qa __asan_init "$STEPPE"; then ASAN=1; fi

# run [ULIMIT_KB] -- ARGS...: runs steppe under a 10 s timeout (and an
# address-space limit when given), keeping stderr and the exit status.
run() {
    local limit=""
    if [ "$1" != "--" ]; then limit=$1; shift; fi
    shift
    rm -f out.png
    if [ -n "$limit" ] && [ -z "$ASAN" ]; then
        (ulimit -v "$limit" && exec timeout -k 2 "${STEPPE_HANG_SECONDS:-10}" "$STEPPE" "$@") >out.txt 2>err.txt </dev/null
    else
        timeout -k 2 "${STEPPE_HANG_SECONDS:-10}" "$STEPPE" "$@" >out.txt 2>err.txt </dev/null
    fi
    rc=$?
}

# refused DESCRIPTION TEXT: the last run exited 2 (not a timeout, not a
# signal) with one error line on stderr that contains TEXT, is shorter than
# 300 bytes, and left no output file.
refused() {
    local desc=$1 want=$2 errors last
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then bad "$desc: timed out"; return; fi
    if [ "$rc" -ne 2 ]; then bad "$desc: exit $rc, expected 2"; return; fi
    errors=$(grep -cv '^steppe: warning' err.txt)
    if [ "$errors" -ne 1 ] || grep -qv '^steppe: ' err.txt; then
        bad "$desc: stderr is not one 'steppe: ' error line"
        return
    fi
    last=$(tail -n 1 err.txt)
    if [[ "$last" != *"$want"* ]]; then bad "$desc: the error lacks '$want'"; return; fi
    if [ "${#last}" -ge 300 ]; then bad "$desc: the error is ${#last} bytes long"; return; fi
    if [ -e out.png ]; then bad "$desc: an output was written"; return; fi
    ok
}

GOOD='map: {width: 64, height: 64}
layers:
  poly:
    source: good.shp
    style: {fill: "#88aa88"}'

# ---- not regular files -------------------------------------------------------

mkfifo fifo.yaml
run -- render fifo.yaml -o out.png
refused "a FIFO as the style" "fifo.yaml: cannot open style (resolved: $WORK/fifo.yaml): not a regular file (a FIFO)"
printf 'extends: fifo.yaml\n%s\n' "$GOOD" >ext_fifo.yaml
run -- render ext_fifo.yaml -o out.png
refused "a FIFO as the extends target" "ext_fifo.yaml:1:10: cannot open 'fifo.yaml' (resolved: $WORK/fifo.yaml): not a regular file (a FIFO)"

for dev in /dev/zero /dev/null /dev/urandom; do
    run -- render "$dev" -o out.png
    refused "$dev as the style" "$dev: cannot open style (resolved: $dev): not a regular file (a character device)"
    printf 'extends: %s\n%s\n' "$dev" "$GOOD" >ext_dev.yaml
    run -- render ext_dev.yaml -o out.png
    refused "$dev as the extends target" "ext_dev.yaml:1:10: cannot open '$dev' (resolved: $dev): not a regular file (a character device)"
done

mkdir folder
run -- render folder -o out.png
refused "a directory as the style" "not a regular file (a directory)"
printf 'extends: folder\n%s\n' "$GOOD" >ext_dir.yaml
run -- check ext_dir.yaml
refused "a directory as the extends target" "ext_dir.yaml:1:10: cannot open 'folder'"

# /proc files are regular but report size 0: read whole, then refused by
# the schema; never a blank map.
run -- render /proc/self/status -o out.png
refused "/proc/self/status as the style" "/proc/self/status:1:1: unknown key 'Name'"
printf 'extends: /proc/self/status\n%s\n' "$GOOD" >ext_proc.yaml
run -- render ext_proc.yaml -o out.png
refused "/proc/self/status as the extends target" "/proc/self/status:1:1: unknown key 'Name'"

# ---- empty and oversized files --------------------------------------------------

: >empty.yaml
run -- render empty.yaml -o out.png
refused "an empty file" "empty.yaml:1:1: an empty file, not a style"
printf '\n  \n\t\n' >blank.yaml
run -- check blank.yaml
refused "a file of blanks" "blank.yaml:1:1: an empty file, not a style"
printf 'extends: empty.yaml\n%s\n' "$GOOD" >ext_empty.yaml
run -- check ext_empty.yaml
refused "an empty extends target" "ext_empty.yaml:1:10: extends 'empty.yaml': empty.yaml is an empty file"
# A style written without layers renders, with a warning.
printf '{}\n' >keyless.yaml
run -- render keyless.yaml -o out.png
if [ "$rc" -eq 0 ] && [ -s out.png ] && grep -q '^steppe: warning: keyless.yaml: the style has no layers' err.txt; then
    ok
else
    bad "{} as the style: exit $rc, expected 0 with a 'no layers' warning"
fi

truncate -s $((16 * 1024 * 1024 + 1)) big.yaml
run 1000000 -- check big.yaml
refused "a 16 MiB + 1 byte style" "big.yaml: cannot open style (resolved: $WORK/big.yaml): larger than 16 MiB"
printf 'extends: big.yaml\n' >ext_big.yaml
run 1000000 -- check ext_big.yaml
refused "a 16 MiB + 1 byte extends target" "ext_big.yaml:1:10: cannot open 'big.yaml'"

# ---- big mappings, many anchors, alias bombs ------------------------------------

python3 - <<'EOF'
with open("keys.yaml", "w") as f:
    for i in range(200000):
        f.write("k%d: %d\n" % (i, i))
with open("keys_dup.yaml", "w") as f:
    for i in range(200000):
        f.write("k%d: %d\n" % (i, i))
    f.write("k7: again\n")
with open("where.yaml", "w") as f:
    f.write("map: {width: 64, height: 64}\nlayers:\n  x:\n    source: good.shp\n    where:\n")
    for i in range(200000):
        f.write("      k%d: 1\n" % i)
with open("anchors.yaml", "w") as f:
    f.write("a:\n")
    for i in range(100000):
        f.write("  - &a%d %d\n" % (i, i))
    f.write("b:\n")
    for i in range(100000):
        f.write("  - *a%d\n" % (99999 - i))
s = "x" * 3000000
with open("bomb.yaml", "w") as f:
    f.write("map: {width: 64, height: 64}\ntitle: {text: &s %s}\nlayers:\n" % s)
    for i in range(20):
        f.write("  l%d: {source: good.shp, label: *s}\n" % i)
with open("laughs.yaml", "w") as f:
    f.write("a: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
    for i in range(1, 10):
        f.write("a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)))
EOF
run -- check keys.yaml
refused "a mapping of 200,000 keys" "keys.yaml:1:1: unknown key 'k0' at the top level"
run -- check keys_dup.yaml
refused "200,000 keys and a duplicate" "keys_dup.yaml:200001:1: duplicate key 'k7' (first at line 8)"
run -- check where.yaml
refused "a filter of 200,000 fields" "where.yaml:6:7: no field 'k0'"
run -- check anchors.yaml
refused "100,000 anchors and aliases" "anchors.yaml:1:1: unknown key 'a' at the top level"
# 3 MB reused by 20 aliases: 63 MB of text, over the 16 MiB budget at the
# fifth alias, within 1 GB of address space.
run 1000000 -- render bomb.yaml -o out.png
refused "a 3 MB string used by 20 aliases" "bomb.yaml:8:33: the style expands to more than 16 MiB of text"
run 1000000 -- check laughs.yaml
refused "a billion laughs" "the style expands to more than 1000000 values"

# ---- NUL escapes ----------------------------------------------------------------

for esc in '\0' '\x00' '\u0000'; do
    printf 'map: {width: 64, height: 64}\nlayers:\n  poly:\n    source: "good.shp%sgarbage"\n' "$esc" >nul.yaml
    run -- render nul.yaml -o out.png
    refused "a NUL escape $esc" "nul.yaml:4:13: a NUL character"
done

# ---- an unrelated file given to extends --------------------------------------

python3 -c 'print(" ".join("word%d" % i for i in range(400)))' >prose.txt
printf '{"a": [%s]}\n' "$(seq -s, 1 600)" >data.json
for target in prose.txt data.json "$STEPPE" "$SRC/README.md" "$SRC/src/style/style.c"; do
    printf 'extends: %s\n%s\n' "$target" "$GOOD" >ext_other.yaml
    run -- check ext_other.yaml
    refused "extends $(basename "$target")" "steppe: "
done

harness_finish
