#!/usr/bin/env bash
# Gate the hardening of systemd/resto-relay.service and systemd/resto-edge.service:
# `systemd-analyze security --offline=yes` must report an overall exposure <= 2.0 for
# each, and `systemd-analyze verify` must not complain about anything but the binary not
# being installed on this machine. Prints both exposure numbers.
#
# Usage: scripts/check-systemd-security.sh [MAX_EXPOSURE]   (default 2.0)
# Needs systemd >= 250 (for --offline); installs the `systemd` package with apt if
# systemd-analyze is missing (as root directly, otherwise through sudo).
set -euo pipefail

MAX="${1:-2.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
UNITS=("$ROOT/systemd/resto-relay.service" "$ROOT/systemd/resto-edge.service")

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "error: need root (or sudo) to run: $*" >&2; exit 1
    fi
}

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "systemd-analyze not found: installing the Debian package 'systemd' with apt" >&2
    command -v apt-get >/dev/null 2>&1 || { echo "error: systemd-analyze is missing and apt-get is not available; install systemd >= 250" >&2; exit 1; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd
fi

ver="$(systemd-analyze --version | awk 'NR==1{print $2}')"
if [ "${ver%%[!0-9]*}" -lt 250 ]; then
    echo "error: systemd-analyze $ver is too old for 'security --offline=yes' (need >= 250)" >&2
    exit 1
fi

fail=0
for unit in "${UNITS[@]}"; do
    name="$(basename "$unit")"
    [ -f "$unit" ] || { echo "error: $unit does not exist" >&2; fail=1; continue; }

    # verify exits 0 on warnings: fail on any output except the missing binary, which is
    # expected when the package is not installed here.
    verify_out="$(cd "$(dirname "$unit")" && systemd-analyze verify "./$name" 2>&1 \
        | grep -v -E "Command /usr/bin/resto-(relay|edge) is not executable" || true)"
    if [ -n "$verify_out" ]; then
        echo "FAIL $name: systemd-analyze verify reported:" >&2
        echo "$verify_out" >&2
        fail=1
    fi

    out="$(cd "$(dirname "$unit")" && systemd-analyze security --offline=yes --no-pager "./$name" 2>&1)" || true
    exposure="$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' | tail -1)"
    if [ -z "$exposure" ]; then
        echo "FAIL $name: could not read the exposure level; systemd-analyze said:" >&2
        printf '%s\n' "$out" >&2
        fail=1
        continue
    fi
    if awk -v e="$exposure" -v m="$MAX" 'BEGIN{exit !(e <= m)}'; then
        echo "OK   $name exposure $exposure (<= $MAX)"
    else
        echo "FAIL $name exposure $exposure (> $MAX); exposed settings:" >&2
        printf '%s\n' "$out" | grep '✗' >&2 || true
        fail=1
    fi
done
exit "$fail"
