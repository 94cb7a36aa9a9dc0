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
source "$(dirname "$0")/lib.bash"
harness_init atlas-shard
style=$SRC/styles/partner-region.yaml
# Small pages: this is about which pages, not how they look.
size=(-W 240 -H 180)
# No runner variables from the environment this test itself runs in.
unset CI_NODE_INDEX CI_NODE_TOTAL SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN \
  SLURM_ARRAY_TASK_STEP JOB_COMPLETION_INDEX

# ---- the unsharded atlas, layer from the style's atlas.layer ----------------
"$STEPPE" atlas "$style" "${size[@]}" -q -o "$WORK/all/{iso}.png" 2>"$WORK/err"
rc=$?
n=$(ls "$WORK/all" 2>/dev/null | wc -l)
[ $rc -eq 0 ] && [ "$n" -eq 12 ] && ok "no --layer: atlas.layer gives the 12 pages" ||
  bad "unsharded atlas without --layer: exit $rc, $n pages: $(head -3 "$WORK/err")"
(cd "$WORK/all" && ls) >"$WORK/all.names"

# ---- shards: union equals the whole, no overlap ---------------------------------
N=5
for k in $(seq 1 $N); do
  "$STEPPE" atlas "$style" "${size[@]}" -q --shard "$k/$N" -o "$WORK/s$k/{iso}.png" 2>"$WORK/err" ||
    bad "--shard $k/$N: exit $?: $(head -3 "$WORK/err")"
done
cat /dev/null >"$WORK/union.names"
for k in $(seq 1 $N); do (cd "$WORK/s$k" 2>/dev/null && ls) >>"$WORK/union.names"; done
dups=$(sort "$WORK/union.names" | uniq -d | tr '\n' ' ')
[ -z "$dups" ] && ok "no page is written by two of $N shards" || bad "pages written by two shards: $dups"
if sort -u "$WORK/union.names" | cmp -s - "$WORK/all.names"; then
  ok "the $N shards together write exactly the unsharded pages"
else
  bad "union of shards differs from the unsharded atlas: $(sort -u "$WORK/union.names" | diff - "$WORK/all.names" | tr '\n' ' ')"
fi
same=0
for k in $(seq 1 $N); do
  for f in "$WORK/s$k"/*.png; do
    [ -e "$f" ] || continue
    if cmp -s "$f" "$WORK/all/$(basename "$f")"; then
      same=$((same + 1))
    else
      bad "$(basename "$f") of shard $k differs from the unsharded page: $("$STEPPE" diff "$f" "$WORK/all/$(basename "$f")" 2>&1 | head -1)"
    fi
  done
done
[ "$same" -eq 12 ] && ok "all 12 sharded pages byte-identical to the unsharded ones" || bad "$same of 12 pages identical"
sizes=""
for k in $(seq 1 $N); do sizes="$sizes$(ls "$WORK/s$k" 2>/dev/null | wc -l) "; done
[ "$sizes" = "3 3 2 2 2 " ] && ok "shares are balanced (3 3 2 2 2)" || bad "shard sizes $sizes, want 3 3 2 2 2"

# ---- --list --------------------------------------------------------------------
"$STEPPE" atlas "$style" --list -o "$WORK/l/{iso}.png" >"$WORK/list.all" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$WORK/list.all")" -eq 12 ] && ok "--list prints 12 pages" ||
  bad "--list: exit $rc: $(cat "$WORK/list.all" "$WORK/err" | head -3)"
grep -q "^RU-TA	$WORK/l/RU-TA.png$" "$WORK/list.all" && ok "--list line is KEY<TAB>PATH" ||
  bad "--list line format: $(head -1 "$WORK/list.all")"
[ ! -e "$WORK/l" ] && ok "--list creates no folder" || bad "--list created $WORK/l"
cut -f2 "$WORK/list.all" | xargs -n1 basename | sort | cmp -s - "$WORK/all.names" &&
  ok "--list names the files the atlas writes" || bad "--list paths differ from the files written"
cat /dev/null >"$WORK/list.union"
for k in 1 2 3; do
  "$STEPPE" atlas "$style" --list --shard "$k/3" -o "$WORK/l/{iso}.png" >>"$WORK/list.union" 2>/dev/null
done
if [ -z "$(sort "$WORK/list.union" | uniq -d)" ] && sort "$WORK/list.union" | cmp -s - <(sort "$WORK/list.all"); then
  ok "--list of shards 1..3 together is the whole list, no line twice"
else
  bad "--list of the shards: $(sort "$WORK/list.union" | diff - <(sort "$WORK/list.all") | head -3 | tr '\n' ' ')"
fi

# ---- more shards than pages -----------------------------------------------------------
"$STEPPE" atlas "$style" "${size[@]}" -q --shard 13/13 -o "$WORK/empty/{iso}.png" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && [ -z "$(ls "$WORK/empty" 2>/dev/null)" ] && ok "--shard 13/13 of 12 pages: exit 0, nothing written" ||
  bad "--shard 13/13: exit $rc: $(cat "$WORK/err")"

# ---- --shard auto: each runner's variables ------------------------------------
list_shard() { "$STEPPE" atlas "$style" --list -o "$WORK/l/{iso}.png" "$@" 2>"$WORK/err"; }
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
  got=$(env "${envs[@]}" "$STEPPE" atlas "$style" --list -o "$WORK/l/{iso}.png" "${args[@]}" 2>"$WORK/err")
  if [ $? -eq 0 ] && [ "$got" = "$(list_shard --shard "$want")" ] && [ -n "$got" ]; then
    ok "$name gives shard $want"
  else
    bad "$name: want shard $want: $(cat "$WORK/err")"
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
  env "${envs[@]}" "$STEPPE" atlas "$style" -o "$WORK/x/{iso}.png" "${args[@]}" >/dev/null 2>"$WORK/err"
  local rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q -- "$pattern" "$WORK/err" && [ ! -e "$WORK/x" ]; then
    ok "$name: exit 2"
  else
    bad "$name: exit $rc: $(cat "$WORK/err")"
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
cat >"$WORK/bad-layer.yaml" <<YAML
extends: $style
atlas:
  layer: border
YAML
"$STEPPE" atlas "$WORK/bad-layer.yaml" -o "$WORK/x/{iso}.png" 2>"$WORK/err"
rc=$?
[ $rc -eq 2 ] && grep -q "bad-layer.yaml:3:10: atlas.layer: 'border' is a shared-boundary layer; name a layer with a source" "$WORK/err" &&
  ok "atlas.layer naming a derived layer: exit 2 at FILE:LINE:COL" || bad "atlas.layer derived: exit $rc: $(cat "$WORK/err")"
sed -i 's/layer: border/layer: nosuch/' "$WORK/bad-layer.yaml"
"$STEPPE" atlas "$WORK/bad-layer.yaml" -o "$WORK/x/{iso}.png" 2>"$WORK/err"
rc=$?
[ $rc -eq 2 ] && grep -q "bad-layer.yaml:3:10: .*nosuch" "$WORK/err" && ok "atlas.layer naming no layer: exit 2 at FILE:LINE:COL" ||
  bad "atlas.layer unknown: exit $rc: $(cat "$WORK/err")"

harness_finish
