#!/usr/bin/env bash
# steppe atlas across machines: --shard K/N renders a deterministic share of
# the pages, --shard auto reads K and N from GitLab, Slurm or a Kubernetes
# Indexed Job, --list prints the pages; the style's atlas.layer stands in
# for --layer.
#
# Checks: the union of shards 1..N is byte-identical to the unsharded atlas
# (file by file) and no page is written by two shards; the --list of every
# shard together is the unsharded --list, without overlap; a shard with no
# page (more shards than pages) exits 0 and writes nothing; --list writes
# and creates nothing; each runner's variables give the shard its K/N
# gives; bad shards are usage errors (exit 2, one line).
#
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/atlas_shard.sh
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
style=$src/styles/partner-region.yaml
# Small pages: this is about which pages, not how they look.
size=(-W 240 -H 180)
# No runner variables from the environment this test itself runs in.
unset CI_NODE_INDEX CI_NODE_TOTAL SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN \
  SLURM_ARRAY_TASK_STEP JOB_COMPLETION_INDEX

# ---- the unsharded atlas, layer from the style's atlas.layer ----------------
"$steppe" atlas "$style" "${size[@]}" -q -o "$work/all/{iso}.png" 2>"$work/err"
rc=$?
n=$(ls "$work/all" 2>/dev/null | wc -l)
[ $rc -eq 0 ] && [ "$n" -eq 12 ] && ok "no --layer: atlas.layer gives the 12 pages" ||
  ko "unsharded atlas without --layer: exit $rc, $n pages: $(head -3 "$work/err")"
(cd "$work/all" && ls) >"$work/all.names"

# ---- shards: union equals the whole, no overlap ---------------------------------
N=5
for k in $(seq 1 $N); do
  "$steppe" atlas "$style" "${size[@]}" -q --shard "$k/$N" -o "$work/s$k/{iso}.png" 2>"$work/err" ||
    ko "--shard $k/$N: exit $?: $(head -3 "$work/err")"
done
cat /dev/null >"$work/union.names"
for k in $(seq 1 $N); do (cd "$work/s$k" 2>/dev/null && ls) >>"$work/union.names"; done
dups=$(sort "$work/union.names" | uniq -d | tr '\n' ' ')
[ -z "$dups" ] && ok "no page is written by two of $N shards" || ko "pages written by two shards: $dups"
if sort -u "$work/union.names" | cmp -s - "$work/all.names"; then
  ok "the $N shards together write exactly the unsharded pages"
else
  ko "union of shards differs from the unsharded atlas: $(sort -u "$work/union.names" | diff - "$work/all.names" | tr '\n' ' ')"
fi
same=0
for k in $(seq 1 $N); do
  for f in "$work/s$k"/*.png; do
    [ -e "$f" ] || continue
    if cmp -s "$f" "$work/all/$(basename "$f")"; then
      same=$((same + 1))
    else
      ko "$(basename "$f") of shard $k differs from the unsharded page: $("$steppe" diff "$f" "$work/all/$(basename "$f")" 2>&1 | head -1)"
    fi
  done
done
[ "$same" -eq 12 ] && ok "all 12 sharded pages byte-identical to the unsharded ones" || ko "$same of 12 pages identical"
sizes=""
for k in $(seq 1 $N); do sizes="$sizes$(ls "$work/s$k" 2>/dev/null | wc -l) "; done
[ "$sizes" = "3 3 2 2 2 " ] && ok "shares are balanced (3 3 2 2 2)" || ko "shard sizes $sizes, want 3 3 2 2 2"

# ---- --list --------------------------------------------------------------------
"$steppe" atlas "$style" --list -o "$work/l/{iso}.png" >"$work/list.all" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$work/list.all")" -eq 12 ] && ok "--list prints 12 pages" ||
  ko "--list: exit $rc: $(cat "$work/list.all" "$work/err" | head -3)"
grep -q "^RU-TA	$work/l/RU-TA.png$" "$work/list.all" && ok "--list line is KEY<TAB>PATH" ||
  ko "--list line format: $(head -1 "$work/list.all")"
[ ! -e "$work/l" ] && ok "--list creates no folder" || ko "--list created $work/l"
cut -f2 "$work/list.all" | xargs -n1 basename | sort | cmp -s - "$work/all.names" &&
  ok "--list names the files the atlas writes" || ko "--list paths differ from the files written"
cat /dev/null >"$work/list.union"
for k in 1 2 3; do
  "$steppe" atlas "$style" --list --shard "$k/3" -o "$work/l/{iso}.png" >>"$work/list.union" 2>/dev/null
done
if [ -z "$(sort "$work/list.union" | uniq -d)" ] && sort "$work/list.union" | cmp -s - <(sort "$work/list.all"); then
  ok "--list of shards 1..3 together is the whole list, no line twice"
else
  ko "--list of the shards: $(sort "$work/list.union" | diff - <(sort "$work/list.all") | head -3 | tr '\n' ' ')"
fi

# ---- more shards than pages -----------------------------------------------------------
"$steppe" atlas "$style" "${size[@]}" -q --shard 13/13 -o "$work/empty/{iso}.png" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && [ -z "$(ls "$work/empty" 2>/dev/null)" ] && ok "--shard 13/13 of 12 pages: exit 0, nothing written" ||
  ko "--shard 13/13: exit $rc: $(cat "$work/err")"

# ---- --shard auto: each runner's variables ------------------------------------
list_shard() { "$steppe" atlas "$style" --list -o "$work/l/{iso}.png" "$@" 2>"$work/err"; }
# split_env VAR=VALUE... -- ARGS: fills envs and args.
split_env() {
  envs=()
  args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  args=("$@")
}
expect() { # NAME WANT(K/N) VAR=VALUE... -- ARGS
  local name=$1 want=$2
  shift 2
  split_env "$@"
  local got
  got=$(env "${envs[@]}" "$steppe" atlas "$style" --list -o "$work/l/{iso}.png" "${args[@]}" 2>"$work/err")
  if [ $? -eq 0 ] && [ "$got" = "$(list_shard --shard "$want")" ] && [ -n "$got" ]; then
    ok "$name gives shard $want"
  else
    ko "$name: want shard $want: $(cat "$work/err")"
  fi
}
expect "GitLab CI_NODE_INDEX=2 CI_NODE_TOTAL=3" 2/3 CI_NODE_INDEX=2 CI_NODE_TOTAL=3 -- --shard auto
expect "GitLab without parallel (CI_NODE_TOTAL=1)" 1/1 CI_NODE_TOTAL=1 -- --shard auto
expect "Slurm --array=0-3, task 0" 1/4 SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=4 -- --shard auto
expect "Slurm --array=1-4, task 4" 4/4 SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=4 -- --shard auto
expect "Slurm --array=0-10:5, task 10" 3/3 SLURM_ARRAY_TASK_ID=10 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_STEP=5 \
  SLURM_ARRAY_TASK_COUNT=3 -- --shard auto
expect "Kubernetes JOB_COMPLETION_INDEX=1 with auto/4" 2/4 JOB_COMPLETION_INDEX=1 -- --shard auto/4

# ---- usage errors: exit 2, one line, nothing written ----------------------------
refuse() { # NAME PATTERN VAR=VALUE... -- ARGS
  local name=$1 pattern=$2
  shift 2
  split_env "$@"
  env "${envs[@]}" "$steppe" atlas "$style" -o "$work/x/{iso}.png" "${args[@]}" >/dev/null 2>"$work/err"
  local rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q -- "$pattern" "$work/err" && [ ! -e "$work/x" ]; then
    ok "$name: exit 2"
  else
    ko "$name: exit $rc: $(cat "$work/err")"
  fi
}
refuse "--shard 0/3" "K must be 1 to N" -- --shard 0/3
refuse "--shard 4/3" "K must be 1 to N" -- --shard 4/3
refuse "--shard 1/0" "K must be 1 to N" -- --shard 1/0
refuse "--shard 2" "not K/N" -- --shard 2
refuse "--shard -1/3" "not K/N" -- --shard -1/3
refuse "--shard 1/3x" "not K/N" -- --shard 1/3x
refuse "--shard auto with no runner" "no job runner" -- --shard auto
refuse "--shard auto, Kubernetes without a count" "auto/N" JOB_COMPLETION_INDEX=0 -- --shard auto
refuse "--shard auto, two runners" "more than one job runner" CI_NODE_INDEX=1 CI_NODE_TOTAL=2 \
  SLURM_ARRAY_TASK_ID=1 -- --shard auto
refuse "--shard auto, index past the count" "1 to N" CI_NODE_INDEX=5 CI_NODE_TOTAL=4 -- --shard auto
refuse "--shard auto/3 against CI_NODE_TOTAL=4" "CI_NODE_TOTAL is 4" CI_NODE_INDEX=1 CI_NODE_TOTAL=4 -- --shard auto/3
refuse "--shard auto, CI_NODE_INDEX not a number" "not a whole number" CI_NODE_INDEX=one CI_NODE_TOTAL=4 -- --shard auto

# ---- atlas.layer errors point into the style -----------------------------------------
cat >"$work/bad-layer.yaml" <<YAML
extends: $style
atlas:
  layer: border
YAML
"$steppe" atlas "$work/bad-layer.yaml" -o "$work/x/{iso}.png" 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "bad-layer.yaml:3:10: atlas.layer: 'border' is a shared-boundary layer; name a layer with a source" "$work/err" &&
  ok "atlas.layer naming a derived layer: exit 2 at FILE:LINE:COL" || ko "atlas.layer derived: exit $rc: $(cat "$work/err")"
sed -i 's/layer: border/layer: nosuch/' "$work/bad-layer.yaml"
"$steppe" atlas "$work/bad-layer.yaml" -o "$work/x/{iso}.png" 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "bad-layer.yaml:3:10: .*nosuch" "$work/err" && ok "atlas.layer naming no layer: exit 2 at FILE:LINE:COL" ||
  ko "atlas.layer unknown: exit $rc: $(cat "$work/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
