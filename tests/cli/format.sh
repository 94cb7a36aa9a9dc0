#!/usr/bin/env bash
# Mechanical style is automatic: every C file is as clang-format
# (.clang-format at the top) writes it. Fix with:
#   clang-format -i src/*/*.[ch] include/steppe/*.h tests/*.[ch] tests/fuzz/*.[ch]
set -u
src=${STEPPE_SOURCE_DIR:?}
cd "$src"
if ! command -v clang-format >/dev/null; then
  echo "SKIP: clang-format not installed"
  echo "0 passed, 0 failed"
  exit 0
fi
pass=0
fail=0
for f in src/*/*.[ch] include/steppe/*.h tests/*.[ch] tests/fuzz/*.[ch]; do
  if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    pass=$((pass + 1))
  else
    echo "FAIL $f is not clang-formatted"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
