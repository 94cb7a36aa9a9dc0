#!/usr/bin/env bash
# steppe render creates the missing folders of its outputs and report, as
# atlas does; a folder that cannot be made is one error line naming it, and
# nothing is written (no folder left half made, no file).
source "$(dirname "$0")/lib.bash"
harness_init render-folders

style="$SRC/styles/regions-area.yaml"
"$STEPPE" render "$style" -q -W 400 -H 300 -o "$WORK/fig/a/map.png" -o "$WORK/fig/b/map.pdf" \
  -r "$WORK/rep/x/r.json" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && ok "render into missing folders exits 0" || bad "exit $rc: $(cat "$WORK/err")"
[ -s "$WORK/fig/a/map.png" ] && [ -s "$WORK/fig/b/map.pdf" ] && ok "both outputs written" || bad "outputs missing"
[ -s "$WORK/rep/x/r.json" ] && ok "report written into a new folder" || bad "report missing"
"$STEPPE" render --help | grep -q "Missing folders" && ok "--help says so" || bad "--help silent"
grep -q "Missing folders above" "$SRC/docs/steppe.1" && ok "man page says so" || bad "man page silent"

# A file where a folder should be: one line naming the folder, exit 1,
# nothing written, the folders made on the way taken back.
touch "$WORK/blocker"
"$STEPPE" render "$style" -q -W 400 -H 300 -o "$WORK/new/deeper/ok.png" -o "$WORK/blocker/sub/map.png" \
  2>"$WORK/err2"
rc=$?
[ $rc -eq 1 ] && ok "uncreatable folder exits 1" || bad "uncreatable folder exit $rc"
[ "$(wc -l <"$WORK/err2")" -eq 1 ] && grep -q "blocker/sub/map.png: cannot create its folder .*blocker: a file of that name is in the way" "$WORK/err2" \
  && ok "one line naming the folder" || bad "message: $(cat "$WORK/err2")"
[ ! -e "$WORK/new" ] && ok "no folder left behind" || bad "folder $WORK/new left behind"

# A read-only parent: the same.
mkdir "$WORK/ro"
chmod a-w "$WORK/ro"
if [ "$(id -u)" -ne 0 ]; then
  "$STEPPE" render "$style" -q -W 400 -H 300 -o "$WORK/ro/sub/map.png" 2>"$WORK/err3"
  rc=$?
  [ $rc -eq 1 ] && grep -q "cannot create its folder .*ro/sub: Permission denied" "$WORK/err3" \
    && ok "read-only parent refused in one line" || bad "read-only parent: exit $rc $(cat "$WORK/err3")"
  [ -z "$(ls -A "$WORK/ro")" ] && ok "nothing written under the read-only folder" || bad "something written"
fi

# A style error stops the run before any folder is made.
printf 'map: {width: -3}\n' >"$WORK/bad.yaml"
"$STEPPE" render "$WORK/bad.yaml" -q -o "$WORK/never/map.png" 2>/dev/null
[ ! -e "$WORK/never" ] && ok "a failed style makes no folder" || bad "folder made for a failed style"

harness_finish
