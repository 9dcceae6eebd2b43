#!/usr/bin/env bash
# List the GLIBC_x.y symbol versions a gnu (glibc-linked) binary requires and fail when any
# is above FLOOR. A statically linked binary (musl) requires none and passes.
#
# Usage: scripts/check-glibc.sh BINARY FLOOR      e.g. scripts/check-glibc.sh dist/aarch64-unknown-linux-gnu/resto-edge 2.17
# Needs objdump (binutils, any architecture: it reads the dynamic symbol version
# tables, which are the same format on aarch64/armhf/x86_64); installs binutils with apt
# when missing (as root directly, otherwise through sudo).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BINARY FLOOR   (e.g. $0 dist/x86_64-unknown-linux-gnu/resto-relay 2.17)" >&2
    exit 2
fi
BIN="$1"
FLOOR="$2"
[ -f "$BIN" ] || { echo "error: $BIN does not exist" >&2; exit 2; }
[[ "$FLOOR" =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || { echo "error: FLOOR must look like 2.17, not '$FLOOR'" >&2; exit 2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "error: need root (or sudo) to run: $*" >&2; exit 1
    fi
}
if ! command -v objdump >/dev/null 2>&1; then
    echo "objdump not found: installing binutils with apt" >&2
    command -v apt-get >/dev/null 2>&1 || { echo "error: objdump (binutils) is missing and apt-get is not available" >&2; exit 1; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils
fi

# `objdump -T` prints the dynamic symbols with their version (GLIBC_2.17, GLIBC_2.28, …);
# `objdump -p` prints the "Version References" (verneed) section, which also catches
# versions only referenced there. Take the union.
versions="$( { objdump -T "$BIN" 2>/dev/null || true; objdump -p "$BIN" 2>/dev/null || true; } \
    | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' | sed 's/^GLIBC_//' | sort -u -V)"

interp="$( (readelf -l "$BIN" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p') || true)"
if [ -z "$versions" ]; then
    if objdump -p "$BIN" 2>/dev/null | grep -q 'NEEDED'; then
        echo "$BIN: dynamically linked but requires no GLIBC_ symbol version (not a glibc binary?)"
    else
        echo "$BIN: statically linked, no glibc requirement (OK for floor $FLOOR)"
    fi
    exit 0
fi

max="$(printf '%s\n' "$versions" | sort -V | tail -1)"
echo "$BIN: requires GLIBC $(printf '%s\n' "$versions" | tr '\n' ' ')"
echo "$BIN: highest GLIBC_$max, floor $FLOOR${interp:+, interpreter $interp}"
above="$(printf '%s\n' "$versions" | while read -r v; do
    [ "$(printf '%s\n%s\n' "$FLOOR" "$v" | sort -V | tail -1)" != "$FLOOR" ] && echo "$v"; done || true)"
if [ -n "$above" ]; then
    echo "FAIL $BIN needs glibc newer than $FLOOR: $(echo "$above" | tr '\n' ' ')" >&2
    for v in $above; do
        objdump -T "$BIN" | grep -F "GLIBC_$v)" | awk '{print "  GLIBC_'"$v"': " $NF}' >&2 || true
    done
    exit 1
fi
echo "OK   $BIN runs on glibc >= $FLOOR"
