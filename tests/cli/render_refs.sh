#!/usr/bin/env bash
# Render regression tests: each case in tests/render/cases.tsv is rendered
# and compared with its reference image by `steppe diff`. A pixel differs
# when a channel moves by more than 24 levels (antialiasing noise stays
# below that); a case passes when at most its stated share of pixels
# differs. Fonts are pinned (Noto Sans from fonts-noto-core) so text is
# stable. On failure the diff image is kept for inspection.
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
pass=0
fail=0
cd "$src"
while IFS=$'\t' read -r name args tol; do
  case "$name" in ''|\#*) continue ;; esac
  ref="tests/render/$name.ref.png"
  out="$work/$name.png"
  # shellcheck disable=SC2086
  if ! "$steppe" $args -q -o "$out" 2>"$work/$name.err"; then
    echo "FAIL $name: render failed: $(cat "$work/$name.err")"
    fail=$((fail + 1))
    continue
  fi
  if [ ! -f "$ref" ]; then
    echo "FAIL $name: no reference $ref (run tests/render/update-refs.sh)"
    fail=$((fail + 1))
    continue
  fi
  if msg=$("$steppe" diff "$ref" "$out" --threshold 24 --tolerance "$tol" -o "$work/$name.diff.png" 2>&1); then
    echo "ok   $name: $msg"
    pass=$((pass + 1))
  else
    echo "FAIL $name (tolerance $tol): $msg; diff image: $work/$name.diff.png"
    fail=$((fail + 1))
  fi
done < tests/render/cases.tsv
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && rm -rf "$work"
[ "$fail" -eq 0 ]
