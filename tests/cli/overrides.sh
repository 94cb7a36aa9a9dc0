#!/usr/bin/env bash
# --set KEY=VALUE overrides any style key by its dotted path; values are
# validated as in files and errors name the override.
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

"$steppe" render "$src/styles/forum.yaml" -q -o "$work/a.png" --report "$work/a.json" \
  --set map.width=1400 --set map.height=1000 --set layers.hosts.label=name_ru --set title="Заголовок"
[ $? -eq 0 ] && ok "render with overrides" || ko "render with overrides failed"
[ "$(json "$work/a.json" "d['width'], d['height']")" = "1400 1000" ] && ok "map.width/height=1400x1000" || ko "size"
json "$work/a.json" "[l['text'] for l in d['labels'] if l['layer']=='hosts']" | grep -q "Новосибирск" \
  && ok "layers.hosts.label=name_ru gives Russian host labels" || ko "host labels not Russian"
python3 - "$work/a.png" <<'PY' && ok "PNG is 1400x1000" || ko "PNG size"
import struct, sys
b = open(sys.argv[1], 'rb').read(32)
sys.exit(0 if struct.unpack('>II', b[16:24]) == (1400, 1000) else 1)
PY

err=$("$steppe" render "$src/styles/forum.yaml" -o "$work/b.png" --set map.width=abc 2>&1)
rc=$?
[ $rc -eq 2 ] && ok "bad value exits 2" || ko "bad value exit $rc"
echo "$err" | grep -q -- "--set map.width=abc:1:11: map.width" && ok "error names the override and column" || ko "message: $err"
[ ! -e "$work/b.png" ] && ok "no output after a bad override" || ko "output written"

err=$("$steppe" render "$src/styles/forum.yaml" -o "$work/c.png" --set map.widht=800 2>&1)
rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "did you mean 'width'" && ok "misspelt key: did you mean" || ko "misspelt: $rc $err"

err=$("$steppe" render "$src/styles/forum.yaml" -o "$work/d.png" --set layers.hosts.style.fill=notacolour 2>&1)
[ $? -eq 2 ] && echo "$err" | grep -q "bad colour" && ok "bad colour in an override" || ko "colour: $err"

err=$("$steppe" render "$src/styles/forum.yaml" -o "$work/e.png" --set novalue 2>&1)
[ $? -eq 2 ] && ok "override without = is a usage error" || ko "no '=': $err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
