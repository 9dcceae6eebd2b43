#!/usr/bin/env bash
# Run every ARM binary produced by scripts/build-release.sh under qemu user-mode emulation:
# `--version`, `migrate` on a fresh database (twice: it must be idempotent) and `preflight`.
# Targets: aarch64-unknown-linux-gnu, aarch64-unknown-linux-musl,
#          armv7-unknown-linux-gnueabihf, armv7-unknown-linux-musleabihf.
# A target whose binaries are missing is a failure (build it first), not a skip.
#
# Usage: scripts/smoke-arm.sh [TARGET...]       (default: the four ARM targets)
# Needs (installed with apt when missing, as root directly or through sudo):
#   qemu-user-static (qemu-aarch64-static, qemu-arm-static; binfmt is not needed, qemu is
#   called explicitly) and, for the gnu binaries, the target glibc as a sysroot for -L:
#   libc6-arm64-cross (/usr/aarch64-linux-gnu), libc6-armhf-cross (/usr/arm-linux-gnueabihf).
# Exit status: 0 only if every step of every binary passed.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(aarch64-unknown-linux-gnu aarch64-unknown-linux-musl armv7-unknown-linux-gnueabihf armv7-unknown-linux-musleabihf)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "error: need root (or sudo) to run: $*" >&2; return 1
    fi
}
apt_updated=0
need_pkg() { # need_pkg PATH_THAT_MUST_EXIST DEBIAN_PACKAGE
    [ -e "$1" ] && return 0
    echo "missing $1: installing Debian package $2" >&2
    command -v apt-get >/dev/null || { echo "error: $1 is missing and apt-get is not available; install $2" >&2; exit 1; }
    if [ $apt_updated = 0 ]; then as_root apt-get update -qq || exit 1; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null \
        || { echo "error: apt-get install $2 failed" >&2; exit 1; }
    [ -e "$1" ] || { echo "error: $2 is installed but $1 is still missing" >&2; exit 1; }
}

WORK="$(mktemp -d /tmp/resto-smoke.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
pass=0; fail=0; failed=()

# run_step LABEL CMD...: print the command's output indented, record PASS/FAIL.
run_step() {
    local label="$1"; shift
    local out rc
    out="$("$@" 2>&1)"; rc=$?
    printf '%s\n' "$out" | sed 's/^/      | /'
    if [ $rc -eq 0 ]; then echo "    PASS $label"; pass=$((pass + 1))
    else echo "    FAIL $label (exit $rc)"; fail=$((fail + 1)); failed+=("$label"); fi
    return $rc
}

for t in "${TARGETS[@]}"; do
    case "$t" in
        aarch64-*) qemu=/usr/bin/qemu-aarch64-static ;;
        armv7-*)   qemu=/usr/bin/qemu-arm-static ;;
        *) echo "error: $t is not an ARM target" >&2; exit 2 ;;
    esac
    need_pkg "$qemu" qemu-user-static
    runner=("$qemu")
    case "$t" in
        aarch64-unknown-linux-gnu)     need_pkg /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 libc6-arm64-cross; runner+=(-L /usr/aarch64-linux-gnu) ;;
        armv7-unknown-linux-gnueabihf) need_pkg /usr/arm-linux-gnueabihf/lib/ld-linux-armhf.so.3 libc6-armhf-cross; runner+=(-L /usr/arm-linux-gnueabihf) ;;
    esac
    echo "== $t (${runner[*]})"
    for b in resto-relay resto-edge; do
        bin="$ROOT/dist/$t/$b"
        echo "  -- $b"
        if [ ! -f "$bin" ]; then
            echo "    FAIL $t/$b: $bin does not exist (run scripts/build-release.sh $t first)"
            fail=$((fail + 1)); failed+=("$t/$b missing"); continue
        fi
        echo "      $(file -b "$bin" | cut -c1-110)"
        d="$WORK/$t/$b"; mkdir -p "$d"
        run_step "$t/$b --version" "${runner[@]}" "$bin" --version
        case "$b" in
            resto-relay)
                # The relay's database lives in RELAY_DATA_DIR (relay.db); it has no --db flag.
                run_step "$t/$b migrate (fresh)" env RELAY_DATA_DIR="$d" "${runner[@]}" "$bin" migrate
                run_step "$t/$b migrate (again)" env RELAY_DATA_DIR="$d" "${runner[@]}" "$bin" migrate
                [ -s "$d/relay.db" ] && echo "      relay.db: $(stat -c %s "$d/relay.db") bytes"
                run_step "$t/$b preflight" env RELAY_DATA_DIR="$d" \
                    META_APP_SECRET=0123456789abcdef0123456789abcdef META_VERIFY_TOKEN=smoke-verify-token \
                    "${runner[@]}" "$bin" preflight
                ;;
            resto-edge)
                run_step "$t/$b migrate --db (fresh)" "${runner[@]}" "$bin" --data-dir "$d" migrate --db "$d/edge.db"
                run_step "$t/$b migrate --db (again)" "${runner[@]}" "$bin" --data-dir "$d" migrate --db "$d/edge.db"
                [ -s "$d/edge.db" ] && echo "      edge.db: $(stat -c %s "$d/edge.db") bytes"
                # An enrolled-looking device whose relay is unreachable: preflight should
                # report that as a warning only and exit 0.
                run_step "$t/$b preflight" env EDGE_DATA_DIR="$d" RELAY_URL=http://127.0.0.1:9 \
                    NODE_ID=node_smoke NODE_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
                    "${runner[@]}" "$bin" preflight
                ;;
        esac
    done
done

echo
echo "smoke-arm: $pass passed, $fail failed"
if [ $fail -gt 0 ]; then
    printf '  failed: %s\n' "${failed[@]}"
    exit 1
fi
