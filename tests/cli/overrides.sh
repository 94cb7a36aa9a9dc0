#!/usr/bin/env bash
# --set KEY=VALUE overrides any style key by its dotted path; values are
# validated as in files and errors name the override.
source "$(dirname "$0")/lib.bash"
harness_init overrides
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

"$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/a.png" --report "$WORK/a.json" \
  --set map.width=1400 --set map.height=1000 --set layers.hosts.label=name_ru --set title="Заголовок"
[ $? -eq 0 ] && ok "render with overrides" || bad "render with overrides failed"
[ "$(json "$WORK/a.json" "d['width'], d['height']")" = "1400 1000" ] && ok "map.width/height=1400x1000" || bad "size"
json "$WORK/a.json" "[l['text'] for l in d['labels'] if l['layer']=='hosts']" | grep -q "Новосибирск" \
  && ok "layers.hosts.label=name_ru gives Russian host labels" || bad "host labels not Russian"
python3 - "$WORK/a.png" <<'PY' && ok "PNG is 1400x1000" || bad "PNG size"
import struct, sys
b = open(sys.argv[1], 'rb').read(32)
sys.exit(0 if struct.unpack('>II', b[16:24]) == (1400, 1000) else 1)
PY

err=$("$STEPPE" render "$SRC/styles/forum.yaml" -o "$WORK/b.png" --set map.width=abc 2>&1)
rc=$?
[ $rc -eq 2 ] && ok "bad value exits 2" || bad "bad value exit $rc"
echo "$err" | grep -q -- "--set map.width=abc:1:11: map.width" && ok "error names the override and column" || bad "message: $err"
[ ! -e "$WORK/b.png" ] && ok "no output after a bad override" || bad "output written"

err=$("$STEPPE" render "$SRC/styles/forum.yaml" -o "$WORK/c.png" --set map.widht=800 2>&1)
rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "did you mean 'width'" && ok "misspelt key: did you mean" || bad "misspelt: $rc $err"

err=$("$STEPPE" render "$SRC/styles/forum.yaml" -o "$WORK/d.png" --set layers.hosts.style.fill=notacolour 2>&1)
[ $? -eq 2 ] && echo "$err" | grep -q "bad colour" && ok "bad colour in an override" || bad "colour: $err"

err=$("$STEPPE" render "$SRC/styles/forum.yaml" -o "$WORK/e.png" --set novalue 2>&1)
[ $? -eq 2 ] && ok "override without = is a usage error" || bad "no '=': $err"

harness_finish
