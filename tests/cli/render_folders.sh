#!/usr/bin/env bash
# steppe render creates the missing folders of its outputs and report, as
# atlas does; a folder that cannot be made is one error line naming it, and
# nothing is written (no folder left half made, no file).
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }

style="$src/styles/regions-area.yaml"
"$steppe" render "$style" -q -W 400 -H 300 -o "$work/fig/a/map.png" -o "$work/fig/b/map.pdf" \
  -r "$work/rep/x/r.json" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && ok "render into missing folders exits 0" || ko "exit $rc: $(cat "$work/err")"
[ -s "$work/fig/a/map.png" ] && [ -s "$work/fig/b/map.pdf" ] && ok "both outputs written" || ko "outputs missing"
[ -s "$work/rep/x/r.json" ] && ok "report written into a new folder" || ko "report missing"
"$steppe" render --help | grep -q "Missing folders" && ok "--help says so" || ko "--help silent"
grep -q "Missing folders above" "$src/docs/steppe.1" && ok "man page says so" || ko "man page silent"

# A file where a folder should be: one line naming the folder, exit 1,
# nothing written, the folders made on the way taken back.
touch "$work/blocker"
"$steppe" render "$style" -q -W 400 -H 300 -o "$work/new/deeper/ok.png" -o "$work/blocker/sub/map.png" \
  2>"$work/err2"
rc=$?
[ $rc -eq 1 ] && ok "uncreatable folder exits 1" || ko "uncreatable folder exit $rc"
[ "$(wc -l <"$work/err2")" -eq 1 ] && grep -q "blocker/sub/map.png: cannot create its folder .*blocker: a file of that name is in the way" "$work/err2" \
  && ok "one line naming the folder" || ko "message: $(cat "$work/err2")"
[ ! -e "$work/new" ] && ok "no folder left behind" || ko "folder $work/new left behind"

# A read-only parent: the same.
mkdir "$work/ro"
chmod a-w "$work/ro"
if [ "$(id -u)" -ne 0 ]; then
  "$steppe" render "$style" -q -W 400 -H 300 -o "$work/ro/sub/map.png" 2>"$work/err3"
  rc=$?
  [ $rc -eq 1 ] && grep -q "cannot create its folder .*ro/sub: Permission denied" "$work/err3" \
    && ok "read-only parent refused in one line" || ko "read-only parent: exit $rc $(cat "$work/err3")"
  [ -z "$(ls -A "$work/ro")" ] && ok "nothing written under the read-only folder" || ko "something written"
fi

# A style error stops the run before any folder is made.
printf 'map: {width: -3}\n' >"$work/bad.yaml"
"$steppe" render "$work/bad.yaml" -q -o "$work/never/map.png" 2>/dev/null
[ ! -e "$work/never" ] && ok "a failed style makes no folder" || ko "folder made for a failed style"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
