# TAP of a test stage (one meson test, see meson.build): sourced after
# common.sh. tap_begin moves the stage's stdout to descriptor 3, kept for
# its TAP (scripts/lib/ztap.py writes there); whatever else the stage and
# its commands print goes to stderr.
ztap() { python3 "$ZCOMP_ROOT/scripts/lib/ztap.py" "$@"; }
tap_begin() {
    # meson's defaults for test programs (a random MALLOC_PERTURB_,
    # sanitizer options) are not for the builds, QEMUs and guests a stage
    # runs: the scripts that need sanitizer options set their own
    unset MALLOC_PERTURB_ ASAN_OPTIONS UBSAN_OPTIONS MSAN_OPTIONS
    exec 3>&1 1>&2
    export ZTAP_FD=3
    ZTAP_STATE=$(mktemp)
    export ZTAP_STATE
    trap 'rm -f "$ZTAP_STATE"' EXIT
    ztap begin
}
# the plan. A stage then exits 0: meson reads its failures from its TAP
# (an exit status other than 0 is a stage that broke: meson's ERROR).
tap_end() { ztap end || true; }
# tap_ensure [CLEANUP]: in a stage, nothing (but CLEANUP, a command, on
# exit); a script run alone (guest-boot.sh, debian-guest.sh,
# dkms-test.sh) gets a TAP stream of its own, and its plan when it exits,
# after CLEANUP.
tap_ensure() {
    if [ -n "${ZTAP_STATE:-}" ]; then
        [ -z "${1:-}" ] || trap "$1" EXIT
        return 0
    fi
    tap_begin
    # the plan, and the script's exit status 1 if a result failed
    trap "_rc=\$?; ${1:+$1;} ztap end || _rc=1; rm -f \"\$ZTAP_STATE\"; exit \$_rc" EXIT
}
tap_ok() { ztap result ok "$@"; }
tap_fail() { ztap result fail "$@"; }
tap_skip() { ztap result skip "$@"; }
tap_diag() { ztap diag "$@"; }
# tap_check NAME COMMAND...: the command's exit status as one result.
tap_check() {
    local _n=$1; shift
    if "$@"; then tap_ok "$_n"; else tap_fail "$_n"; fi
}
# tap_guard NAME COMMAND...: a command that adds results of its own (a
# guest boot, a migration run, a Debian guest); if it fails without adding
# a failed one (its set-up broke), that is said as one.
tap_guard() {
    local _n=$1 _before _rc=0
    shift
    _before=$(cut -d' ' -f2 "$ZTAP_STATE")
    "$@" || _rc=$?
    if [ $_rc != 0 ] && [ "$(cut -d' ' -f2 "$ZTAP_STATE")" = "$_before" ]; then
        tap_fail "$_n: exit status $_rc"
    fi
    return 0
}
