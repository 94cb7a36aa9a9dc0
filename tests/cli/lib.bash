# The harness the CLI tests share: sourced by tests/cli/*.sh, never run on
# its own (its name does not end in .sh, so CMake's glob makes no test of
# it). A test starts with
#
#     source "$(dirname "$0")/lib.bash"
#     harness_init NAME
#
# and ends with `harness_finish`. Run by ctest with STEPPE (the binary) and
# STEPPE_SOURCE_DIR; by hand: STEPPE=build/steppe bash tests/cli/NAME.sh
#
# harness_init sets STEPPE and SRC to absolute paths (SRC defaults to the
# tree this file is in), makes WORK, a fresh directory under /tmp removed on
# exit (after the test's own on_exit, if it defines one), moves into it, and
# zeroes the counters passed and failed. A test may redefine run (say, to
# add a timeout) after sourcing this file.

set -u

harness_init() {
    STEPPE=${STEPPE:?set STEPPE to the steppe binary}
    case $STEPPE in /*) ;; *) STEPPE=$PWD/$STEPPE ;; esac
    SRC=${STEPPE_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}
    SRC=$(cd "$SRC" && pwd)
    WORK=$(mktemp -d "/tmp/steppe-$1-XXXXXX")
    trap harness_exit EXIT
    cd "$WORK" || exit 1
    passed=0
    failed=0
}

# Removes WORK, made writable first (a test may have taken its rights away).
harness_exit() {
    if declare -F on_exit >/dev/null; then on_exit; fi
    cd / && chmod -R u+w "$WORK" 2>/dev/null
    rm -rf "$WORK"
}

# ok [DESCRIPTION]: one check passed (the description, if any, is printed).
ok() {
    passed=$((passed + 1))
    if [ $# -gt 0 ]; then echo "ok   $*"; fi
}

# bad DESCRIPTION: one check failed; the last run's output is shown.
bad() {
    failed=$((failed + 1))
    echo "FAIL: $*"
    if [ -s out.txt ]; then head -5 out.txt | sed 's/^/  stdout: /'; fi
    if [ -s err.txt ]; then head -5 err.txt | sed 's/^/  stderr: /'; fi
}

# run ARGS...: runs steppe with stdout in out.txt, stderr in err.txt and the
# exit status in rc.
run() {
    "$STEPPE" "$@" >out.txt 2>err.txt
    rc=$?
}

# expect STATUS DESCRIPTION: checks the last run's exit status.
expect() {
    if [ "$rc" -eq "$1" ]; then ok; else bad "$2: exit $rc, expected $1"; fi
}

# expect_grep FILE PATTERN DESCRIPTION: FILE has a line matching PATTERN (ERE).
expect_grep() {
    if grep -Eq -- "$2" "$1"; then ok; else bad "$3: no /$2/ in $1"; fi
}

# harness_finish: prints "N passed, M failed"; the status is 0 when none failed.
harness_finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
