#!/bin/bash
# steppe writes only where it was asked to, never over an input, and leaves
# no temporary file behind (issue 15, classes 1 and 7):
#  - render -o/-r, diff -o and atlas pages refuse every input of the style
#    (the style, its base, each Shapefile sidecar, a CSV), by inode or by
#    canonical path ("x", "./x", "sub/../x", a hard link), and no two outputs
#    of one run may be one file;
#  - diff -o must be .png; diff inputs must be regular files (a FIFO fails
#    at once);
#  - atlas values are made safe for one file name, pages stay in the
#    template's folder, two pages on one file are refused before anything
#    is written, an atlas with no page is an error;
#  - a read-only (mode 444) or non-regular target is refused;
#  - each terminating signal removes the temporaries of an atlas -j 64 and
#    ends the process with that signal.
# Every refusal is checked for its exit status, its one "steppe: " line, and
# that no file changed (checksums of the whole work folder).
#
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/harden_writes.sh
source "$(dirname "$0")/lib.bash"
harness_init harden
ulimit -c 0 # SIGQUIT dumps core by default

# Checksums of every file under d/ (names and contents).
snapshot() { (cd d && find . -type f -print0 | sort -z | xargs -0 sha256sum) 2>/dev/null; }

# refuse STATUS PATTERN DESCRIPTION ARGS...: steppe ARGS exits STATUS with
# one "steppe: " line matching PATTERN, and no file under d/ changes, appears
# or disappears.
refuse() {
    local want=$1 pattern=$2 what=$3
    shift 3
    local before
    before=$(snapshot)
    (cd d && timeout -k 2 "${STEPPE_HANG_SECONDS:-20}" "$STEPPE" "$@") >out.txt 2>err.txt
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$what: exit $rc, expected $want"
        return
    fi
    if [ "$(wc -l <err.txt)" -ne 1 ] || ! grep -q '^steppe: ' err.txt; then
        bad "$what: stderr is not one 'steppe: ' line"
        return
    fi
    if ! grep -Eq -- "$pattern" err.txt; then
        bad "$what: no /$pattern/ in the message"
        return
    fi
    if [ "$(snapshot)" != "$before" ]; then
        bad "$what: files changed"
        return
    fi
    ok
}

# accept DESCRIPTION ARGS...: steppe ARGS exits 0.
accept() {
    local what=$1
    shift
    (cd d && "$STEPPE" "$@") >out.txt 2>err.txt
    rc=$?
    if [ "$rc" -eq 0 ]; then ok; else bad "$what: exit $rc"; fi
}

# ---- a small style with a base, a Shapefile and a CSV ------------------------------

mkdir -p d/data d/sub
cp "$SRC"/shapes/countries.* "$SRC"/shapes/places.csv d/data/
cat >d/base.yaml <<'EOF'
map:
  width: 160
  height: 120
  crs: EPSG:4326
  extent: {lonlat: [40, 35, 90, 60]}
layers:
  countries:
    source: data/countries.shp
    style: {fill: "#eeeeee", stroke: "#999999"}
EOF
# point_style FILE LAYER: d/FILE, the base with one point layer LAYER read
# from data/LAYER.csv.
point_style() {
    printf 'extends: base.yaml\nlayers:\n  %s:\n    source: data/%s.csv\n    style: {marker: circle, size: 3, fill: "#aa3333"}\n' \
        "$2" "$2" >"d/$1"
}
point_style style.yaml places
accept "the test style renders" render style.yaml -q -o ok.png -r ok.json
[ -s d/ok.png ] && [ -s d/ok.json ] && ok || bad "ok.png and ok.json written"

# ---- render: -o and -r over inputs ---------------------------------------------------

for target in style.yaml ./style.yaml sub/../style.yaml base.yaml data/countries.shp data/countries.shx \
    data/countries.dbf data/countries.prj data/countries.cpg data/places.csv "$WORK/d/base.yaml"; do
    refuse 2 "refusing to overwrite an input file" "report over $target" \
        render style.yaml -q -o fresh.png -r "$target"
done
[ ! -e d/fresh.png ] && ok || bad "fresh.png written although the report was refused"

# Hard link and symlink to an input: the same inode.
ln d/base.yaml d/hard.json
ln -s base.yaml d/soft.json
refuse 2 "refusing to overwrite an input file" "report over a hard link to the base style" \
    render style.yaml -q -o fresh.png -r hard.json
refuse 2 "refusing to overwrite an input file" "report over a symlink to the base style" \
    render style.yaml -q -o fresh.png -r soft.json
refuse 2 "refusing to overwrite an input file" "-o over a hard link to the base style" \
    render style.yaml -q -o hard.json.png -o "$(ln d/data/places.csv d/places.png && echo places.png)"
rm -f d/hard.json d/soft.json d/places.png

# ---- render: two outputs of one run on one file ---------------------------------------

refuse 2 "the report and the output 'a.png' are the same file" "-o a.png -r a.png" \
    render style.yaml -q -o a.png -r a.png
refuse 2 "the report and the output 'a.png' are the same file" "-o a.png -r ./a.png" \
    render style.yaml -q -o a.png -r ./a.png
refuse 2 "written twice in one run" "-o a.png -o ./a.png" render style.yaml -q -o a.png -o ./a.png
refuse 2 "written twice in one run" "-o a.png -o sub/../a.png" render style.yaml -q -o a.png -o sub/../a.png
refuse 2 "written twice in one run" "-o a.png -o a.png" render style.yaml -q -o a.png -o a.png
cp d/ok.png d/exists.png
ln d/exists.png d/exists2.png
refuse 2 "written twice in one run" "-o over two hard links of one file" \
    render style.yaml -q -o exists.png -o exists2.png
refuse 2 "same file" "-o and -r over two hard links of one file" \
    render style.yaml -q -o exists.png -r exists2.png
rm -f d/exists2.png
# The bytes of a refused -o/-r pair are untouched (JSON never lands in the PNG).
cmp -s d/ok.png d/exists.png && ok || bad "exists.png changed"

# ---- read-only and non-regular targets -----------------------------------------------

cp d/ok.png d/ro.png
chmod 444 d/ro.png
refuse 1 "ro.png: cannot write: the file is read-only" "-o over a mode 444 file" render style.yaml -q -o ro.png
refuse 1 "ro.png: cannot write: the file is read-only" "-r over a mode 444 file" \
    render style.yaml -q -o fresh.png -r ro.png
[ ! -e d/fresh.png ] && ok || bad "fresh.png written although the report target is read-only"
mkfifo d/fifo.png
refuse 1 "not a regular file" "-o over a FIFO" render style.yaml -q -o fifo.png
[ -p d/fifo.png ] && ok || bad "the FIFO was replaced"

# ---- diff ------------------------------------------------------------------------------

cp d/ok.png d/ok2.png
refuse 2 "the highlight image is a PNG: name it .png" "diff -o x.svg" diff ok.png ok2.png -o hl.svg
refuse 2 "the highlight image is a PNG: name it .png" "diff -o x.pdf" diff ok.png ok2.png -o hl.PDF
refuse 2 "unknown output format" "diff -o x.txt" diff ok.png ok2.png -o hl.txt
refuse 2 "refusing to overwrite an input file" "diff -o over input A" diff ok.png ok2.png -o ok.png
refuse 2 "refusing to overwrite an input file" "diff -o over ./B" diff ok.png ok2.png -o ./ok2.png
refuse 2 "refusing to overwrite an input file" "diff -o over sub/../A" diff ok.png ok2.png -o sub/../ok.png
refuse 1 "ro.png: cannot write: the file is read-only" "diff -o over a mode 444 file" \
    diff ok.png ok2.png -o ro.png
refuse 1 "fifo.png: cannot open: not a regular file" "diff with a FIFO as A" \
    diff fifo.png ok.png
refuse 1 "fifo.png: cannot open: not a regular file" "diff with a FIFO as B" \
    diff ok.png fifo.png
refuse 1 "sub: cannot open: is a directory" "diff with a folder as A" diff sub ok.png
accept "diff -o hl.png" diff ok.png ok2.png -o hl.png -q
head -c 8 d/hl.png | od -An -tx1 | grep -q '89 50 4e 47' && ok || bad "hl.png is not a PNG"
rm -f d/hl.png

# ---- atlas file names ------------------------------------------------------------------

# A CSV whose "name" values are hostile; the atlas pages one per row.
cat >d/data/evil.csv <<EOF
name,tag,lat,lon
../../x,a,50,60
a/b/c,b,51,61
..,c,52,62
,d,53,63
.hidden,e,54,64
back\\slash,f,55,65
$(printf 'L%.0s' $(seq 300)),g,56,66
EOF
point_style atlas.yaml evil
accept "atlas over hostile values" atlas atlas.yaml --layer evil -q -o 'pages/{name}.png'
long=$(printf 'L%.0s' $(seq 200))
for f in "___.._x.png" "a_b_c.png" "__.png" "_.png" "_hidden.png" "back_slash.png" "$long.png"; do
    [ -f "d/pages/$f" ] && ok || bad "atlas page '$f' missing (pages: $(ls -A d/pages | tr '\n' ' '))"
done
[ "$(ls -A d/pages | wc -l)" -eq 7 ] && ok || bad "atlas wrote $(ls -A d/pages | wc -l) pages, want 7"
[ ! -e "$WORK/x.png" ] && [ ! -e d/x.png ] && [ ! -e d/a ] && ok || bad "atlas wrote outside pages/"
grep -q 'made safe for' "$SRC/docs/steppe.1" && ok || bad "steppe.1 does not describe atlas file names"
rm -rf d/pages

# A symlinked folder inside the template's folder must not lead out of it.
mkdir -p d/pages "$WORK/outside"
ln -s "$WORK/outside" d/pages/a_b_c
cat >d/data/link.csv <<'EOF'
name,lat,lon
a/b/c,50,60
EOF
point_style link.yaml link
refuse 2 "outside the template's folder" "atlas page through a symlink out of the folder" \
    atlas link.yaml --layer link -q -o 'pages/{name}/map.png'
[ -z "$(ls -A "$WORK/outside")" ] && ok || bad "atlas wrote through the symlink"
rm -rf d/pages

# Duplicates: two values that sanitise to one name; a template without a
# field; "x" and "sub/../x"; two names that are hard links of one file.
cat >d/data/dup.csv <<'EOF'
name,other,lat,lon
a/b,p,50,60
a_b,q,51,61
EOF
point_style dup.yaml dup
refuse 2 "pages 'a/b' and 'a_b' would both be written to pages/a_b.png" "atlas values a/b and a_b" \
    atlas dup.yaml --layer dup -q -o 'pages/{name}.png'
refuse 2 "pages 'a/b' and 'a_b' would both be written to pages/same.png" "atlas template without a field" \
    atlas dup.yaml --layer dup -q -o 'pages/same.png'
refuse 2 "pages 'a/b' and 'a_b' would both be written to pages/q/../same.png" \
    "atlas pages p/../same.png and q/../same.png are one file" \
    atlas dup.yaml --layer dup -q -o 'pages/{other}/../same.png'
[ ! -e d/pages ] && ok || bad "a refused atlas created its folder"
refuse 2 "unknown output format" "atlas template with an unknown extension" \
    atlas dup.yaml --layer dup -q -o 'pages/{name}.jpg'
[ ! -e d/pages ] && ok || bad "a refused atlas created its folder"
mkdir -p d/pages
cp d/ok.png d/pages/p.png
ln d/pages/p.png d/pages/q.png
refuse 2 "pages 'a/b' and 'a_b' would both be written to pages/q.png" "atlas pages on two hard links" \
    atlas dup.yaml --layer dup -q -o 'pages/{other}.png'
rm -f d/pages/q.png
chmod 444 d/pages/p.png
refuse 1 "pages/p.png: cannot write: the file is read-only" "atlas page over a mode 444 file" \
    atlas dup.yaml --layer dup -q -o 'pages/{other}.png'
rm -rf d/pages

# No page: an error naming the layer.
refuse 1 "atlas: no page to write: none of the 2 features of layer 'dup'" "atlas with no page" \
    atlas dup.yaml --layer dup -q -o 'pages/{name}.png' --where '{name: nothing}'

# ---- signals: no temporary outlives the process ---------------------------------------

# An atlas of the 83 Russian regions with 64 jobs: each signal is sent once
# several temporaries are in flight; none may remain, and the exit status
# is the signal's.
tmps() { find "$1" -name '.*.tmp' 2>/dev/null | wc -l; }
signals="INT TERM HUP QUIT PIPE USR1 USR2 ALRM XFSZ XCPU VTALRM PROF"
[ -n "${HARDEN_NO_SIGNALS:-}" ] && signals= # to check the file protections alone
for sig in $signals; do
    rm -rf sig
    "$STEPPE" atlas "$SRC/styles/partner-region.yaml" --layer ru_regions -q -j 64 -o 'sig/{iso}.png' \
        2>/dev/null &
    pid=$!
    # INT, TERM and HUP wait for more temporaries than the 16 the old
    # handler could track (an atlas -j 64 has some 30 in flight at its peak).
    want=3
    case $sig in INT | TERM | HUP) want=17 ;; esac
    for _ in $(seq 600); do
        [ "$(tmps sig)" -ge "$want" ] && break
        sleep 0.02
    done
    seen=$(tmps sig)
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    num=$(kill -l "$sig")
    left=$(tmps sig)
    [ "$seen" -lt "$want" ] && echo "note: SIG$sig sent with $seen temporaries in flight (wanted $want)"
    if [ "$seen" -lt 3 ]; then
        bad "SIG$sig: no temporaries in flight to test with"
    elif [ "$rc" -ne $((128 + num)) ]; then
        bad "SIG$sig: exit $rc, expected $((128 + num))"
    elif [ "$left" -ne 0 ]; then
        bad "SIG$sig: $left temporaries left"
    else
        ok
    fi
done
rm -rf sig

harness_finish
