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
# harness_init sets SRC (default: the tree this file is in), BUILD
# (STEPPE_BUILD_DIR, default SRC/build) and STEPPE (default BUILD/steppe) to
# absolute paths, makes WORK, a fresh directory under /tmp removed on exit
# (after the test's own on_exit, if it defines one), moves into it, and
# zeroes the counters passed, failed and skipped. A test may redefine run
# (say, to add a timeout) or show_log after sourcing this file.

set -u

harness_init() {
    SRC=${STEPPE_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}
    SRC=$(cd "$SRC" && pwd)
    BUILD=${STEPPE_BUILD_DIR:-$SRC/build}
    case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
    STEPPE=${STEPPE:-$BUILD/steppe}
    case $STEPPE in /*) ;; *) STEPPE=$PWD/$STEPPE ;; esac
    WORK=$(mktemp -d "/tmp/steppe-$1-XXXXXX")
    trap harness_exit EXIT
    cd "$WORK" || exit 1
    passed=0
    failed=0
    skipped=0
    skips=()
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

# bad DESCRIPTION [DETAIL [LOG]]: one check failed. With LOG (a build or
# tool log), show_log shows it; without, the last run's output is shown.
bad() {
    failed=$((failed + 1))
    echo "FAIL: $1${2:+: $2}"
    if [ $# -ge 3 ]; then
        if [ -s "$3" ]; then show_log "$3"; fi
        return
    fi
    if [ -s out.txt ]; then head -5 out.txt | sed 's/^/  stdout: /'; fi
    if [ -s err.txt ]; then head -5 err.txt | sed 's/^/  stderr: /'; fi
}

# show_log FILE: the part of a log that bad shows (its first 15 lines; a
# test may redefine it, say to the warnings of a compiler's log).
show_log() {
    sed -n '1,15s/^/       | /p' "$1"
}

# skip DESCRIPTION REASON: a check that cannot run here (a missing tool);
# harness_finish lists them again.
skip() {
    skipped=$((skipped + 1))
    skips+=("$1: $2")
    echo "SKIP $1: $2"
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

# is_png FILE: FILE starts with the PNG signature.
is_png() {
    [ "$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

# png_size FILE: prints WIDTHxHEIGHT of a PNG from its IHDR chunk (bytes
# 16-23, big-endian); status 1 when FILE is too short.
png_size() {
    local -a b
    read -r -a b <<<"$(od -An -tu1 -j16 -N8 -v "$1" 2>/dev/null)"
    [ "${#b[@]}" -eq 8 ] || return 1
    echo "$(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]))x$(((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]))"
}

# install_or_stop PREFIX: installs BUILD into PREFIX (cmake --install), one
# check; when that fails the test ends there, as nothing after it can run.
install_or_stop() {
    if cmake --install "$BUILD" --prefix "$1" >"$WORK/install.log" 2>&1; then
        ok "cmake --install --prefix"
    else
        bad "cmake --install --prefix" "exit status $?" "$WORK/install.log"
        harness_finish
        exit
    fi
}

# chromium_shot CHROMIUM PAGE W H OUT: a headless screenshot of WORK/PAGE in
# a window of exactly W x H CSS px at device scale 1, into WORK/OUT (its log
# in WORK/OUT.log); the status is the browser's. The shot waits until the
# page is idle (virtual time) and every compositor stage has run: on a busy
# machine a shot taken at the load event once caught a PNG whose last rows
# were not yet decoded.
chromium_shot() {
    local profile
    profile=$(mktemp -d "$WORK/chromium-profile.XXXXXX")
    timeout 120 "$1" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --run-all-compositor-stages-before-draw --virtual-time-budget=10000 \
        --force-device-scale-factor=1 --user-data-dir="$profile" --hide-scrollbars \
        --window-size="$3,$4" --screenshot="$WORK/$5" "file://$WORK/$2" >"$WORK/$5.log" 2>&1
}

# harness_finish: prints "N passed, M failed" (after the list of what was
# skipped, if anything was); the status is 0 when none failed.
harness_finish() {
    local s
    if [ "$skipped" -gt 0 ]; then
        echo "skipped ($skipped):"
        for s in "${skips[@]}"; do echo "  $s"; done
    fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
