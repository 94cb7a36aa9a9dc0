#!/usr/bin/env bash
# Every picture the docs show (docs/NAME.png) is the current render of its
# style (styles/NAME.yaml), pixel for pixel: steppe's output is reproducible,
# so a stale picture is a picture of another map. `cmake --build build
# --target maps` (tools/maps.sh) regenerates them.
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
cd "$src" || exit 1
n=0
for picture in docs/*.png; do
  name=$(basename "$picture" .png)
  n=$((n + 1))
  if [ ! -f "styles/$name.yaml" ]; then
    ko "$picture: no styles/$name.yaml renders it"
    continue
  fi
  if ! "$steppe" render -q "styles/$name.yaml" -o "$work/$name.png" 2>"$work/err"; then
    ko "$picture: styles/$name.yaml does not render: $(cat "$work/err")"
    continue
  fi
  # Exact, pixel for pixel (`steppe diff` defaults: threshold 0, tolerance
  # 0). Not cmp: on a machine under heavy load the PNG's compressed stream
  # was once seen to differ with every pixel the same.
  if msg=$("$steppe" diff "$picture" "$work/$name.png" 2>&1); then
    ok "$picture is the current render of styles/$name.yaml ($msg)"
  else
    ko "$picture is stale: $msg (regenerate: cmake --build build --target maps)"
  fi
done
[ "$n" -ge 4 ] && ok "$n pictures checked" || ko "only $n pictures in docs/"
grep -q 'tools/maps.sh' "$src/cmake/install.cmake" && ok "the maps target runs tools/maps.sh" || ko "maps target"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
