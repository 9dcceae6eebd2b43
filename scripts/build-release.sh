#!/usr/bin/env bash
# Build stripped release binaries of resto-relay and resto-edge for one target with
# cargo-zigbuild, check the glibc floor of gnu binaries, and package both as .deb with
# cargo-deb. Output: dist/TARGET/{resto-relay,resto-edge,*.deb,sizes.txt}.
#
# Usage: scripts/build-release.sh TARGET
#   TARGET: aarch64-unknown-linux-gnu   armv7-unknown-linux-gnueabihf   x86_64-unknown-linux-gnu
#           aarch64-unknown-linux-musl  armv7-unknown-linux-musleabihf  x86_64-unknown-linux-musl
# Environment:
#   GLIBC_FLOOR=2.17   glibc version the gnu binaries may require at most (zig links against it)
#   NO_DEB=1           skip the Debian packages
#   NO_INSTALL=1       do not install anything; fail saying what is missing instead
#   CARGO_TARGET_DIR   honoured (default: ./target)
#   NICE=19            niceness of the cargo build (default 10)
#
# What it installs when missing (unless NO_INSTALL=1): the rustup target (or, when rustup
# has no prebuilt std for it, rust-src to rebuild std), ziglang + cargo-zigbuild from PyPI
# (pip), cargo-deb (cargo install --locked), binutils (apt) for the glibc check.
set -euo pipefail

TARGETS="aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf x86_64-unknown-linux-gnu aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf x86_64-unknown-linux-musl"
if [ $# -ne 1 ] || ! printf '%s\n' $TARGETS | grep -qx -- "$1"; then
    echo "usage: $0 TARGET" >&2
    echo "TARGET is one of: $TARGETS" >&2
    exit 2
fi
TARGET="$1"
GLIBC_FLOOR="${GLIBC_FLOOR:-2.17}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
DIST="$ROOT/dist/$TARGET"
BINS="resto-relay resto-edge"
NICE="${NICE:-10}"

case "$TARGET" in
    *-gnu|*-gnueabihf) LIBC=gnu; ZTARGET="$TARGET.$GLIBC_FLOOR" ;;
    *) LIBC=musl; ZTARGET="$TARGET" ;;
esac

step() { printf '\n== %s\n' "$*"; }
die() { echo "error: $*" >&2; exit 1; }
missing() {
    if [ "${NO_INSTALL:-0}" = 1 ]; then die "missing: $1 (install it with: $2)"; fi
    echo "missing: $1; installing with: $2" >&2
}

# ---------------------------------------------------------------- tools
step "tools"
command -v cargo >/dev/null || die "missing: cargo (install Rust with rustup: https://rustup.rs)"
command -v rustup >/dev/null || die "missing: rustup (cargo is there but rustup is not; targets are added with rustup)"
PY="${CARGO_ZIGBUILD_PYTHON_PATH:-python3}"

BUILD_STD=()
if ! rustup target list --installed | grep -qx "$TARGET"; then
    missing "Rust standard library for $TARGET" "rustup target add $TARGET"
    if ! rustup target add "$TARGET"; then
        # rustup has no prebuilt std for some targets on some mirrors (armv7 musl here):
        # rebuild std from rust-src with the same stable compiler.
        echo "rustup could not download std for $TARGET; falling back to rebuilding std from rust-src (-Zbuild-std)" >&2
        rustup component add rust-src || die "missing: std for $TARGET and rust-src (no network to static.rust-lang.org?). Run: rustup target add $TARGET"
        BUILD_STD=(-Zbuild-std=std,panic_abort)
    fi
fi

zig_ok() { "$PY" -m ziglang version >/dev/null 2>&1 || command -v zig >/dev/null 2>&1; }
zigbuild_ok() { cargo zigbuild --help >/dev/null 2>&1; }
if ! zig_ok || ! zigbuild_ok; then
    missing "zig and/or cargo-zigbuild" "$PY -m pip install ziglang cargo-zigbuild"
    "$PY" -m pip --version >/dev/null 2>&1 || die "missing: pip for $PY (apt-get install python3-pip), needed to install ziglang and cargo-zigbuild"
    "$PY" -m pip install --quiet ziglang cargo-zigbuild || die "pip install ziglang cargo-zigbuild failed (no access to PyPI?)"
    hash -r
    zig_ok || die "zig still not found after pip install ziglang"
    zigbuild_ok || die "cargo zigbuild still not found after pip install cargo-zigbuild (is pip's bin directory on PATH?)"
fi
echo "zig $("$PY" -m ziglang version 2>/dev/null || zig version), $(cargo-zigbuild --version 2>/dev/null || echo cargo-zigbuild)"

if [ "${NO_DEB:-0}" != 1 ] && ! cargo deb --version >/dev/null 2>&1; then
    missing "cargo-deb" "cargo install --locked cargo-deb"
    cargo install --locked cargo-deb || die "cargo install --locked cargo-deb failed (no access to crates.io?)"
fi

# ---------------------------------------------------------------- build
step "build $BINS for $ZTARGET (release, stripped${BUILD_STD:+, std rebuilt from source})"
pkgs=(); for b in $BINS; do pkgs+=(-p "$b"); done
if [ ${#BUILD_STD[@]} -gt 0 ]; then
    # -Zbuild-std is unstable: allow it on the stable compiler for this one build. The
    # musl start files and libunwind normally ship in rustup's rust-std ("self-contained"):
    # without it, let zig cc provide them.
    if [ "$LIBC" = musl ]; then
        tvar="CARGO_TARGET_$(echo "$TARGET" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
        export "$tvar=${!tvar:+${!tvar} }-C link-self-contained=no"
        echo "$tvar=${!tvar}"
    fi
    RUSTC_BOOTSTRAP=1 nice -n "$NICE" cargo zigbuild --release --locked "${pkgs[@]}" --target "$ZTARGET" "${BUILD_STD[@]}"
else
    nice -n "$NICE" cargo zigbuild --release --locked "${pkgs[@]}" --target "$ZTARGET"
fi

OUT="$CARGO_TARGET_DIR/$TARGET/release"
mkdir -p "$DIST"
rm -f "$DIST"/*.deb
: > "$DIST/sizes.txt"
for b in $BINS; do
    [ -f "$OUT/$b" ] || die "build said OK but $OUT/$b does not exist"
    if readelf -S "$OUT/$b" 2>/dev/null | grep -q '\.symtab'; then
        # The release profile strips (strip = true); strip here if someone turned it off.
        if command -v llvm-strip >/dev/null; then llvm-strip "$OUT/$b"
        elif strip "$OUT/$b" 2>/dev/null; then :
        else die "$OUT/$b is not stripped and no strip tool for $TARGET was found (apt-get install binutils-multiarch, or set strip = true in [profile.release])"
        fi
    fi
    cp "$OUT/$b" "$DIST/$b"
done

# ---------------------------------------------------------------- checks
step "binaries"
for b in $BINS; do
    size=$(stat -c %s "$DIST/$b")
    mib=$(awk -v s="$size" 'BEGIN{printf "%.2f", s/1048576}')
    stripped=yes; readelf -S "$DIST/$b" 2>/dev/null | grep -q '\.symtab' && stripped=no
    line="$TARGET $b $size bytes ($mib MiB) stripped=$stripped"
    echo "$line" | tee -a "$DIST/sizes.txt"
    file "$DIST/$b" 2>/dev/null | sed 's/^/  /' || true
    if [ "$b" = resto-edge ] && [ "$size" -ge $((16 * 1048576)) ]; then
        die "resto-edge is $mib MiB, above the 16 MiB target (DESIGN § Targets)"
    fi
done

if [ "$LIBC" = gnu ]; then
    step "glibc floor $GLIBC_FLOOR"
    for b in $BINS; do "$ROOT/scripts/check-glibc.sh" "$DIST/$b" "$GLIBC_FLOOR" | tee -a "$DIST/sizes.txt"; done
else
    step "static check"
    for b in $BINS; do
        if readelf -d "$DIST/$b" 2>/dev/null | grep -q NEEDED; then
            die "$DIST/$b is a musl build but has dynamic dependencies: $(readelf -d "$DIST/$b" | grep NEEDED | tr -s ' ')"
        fi
        echo "$b: statically linked (no NEEDED entries)" | tee -a "$DIST/sizes.txt"
    done
fi

# ---------------------------------------------------------------- packages
if [ "${NO_DEB:-0}" = 1 ]; then
    echo "NO_DEB=1: Debian packages skipped"
else
    step "Debian packages"
    for b in $BINS; do
        # --no-build: package exactly the binaries built above (target/TARGET/release);
        # --no-strip: they are already stripped, and the host strip cannot read ARM files.
        cargo deb -p "$b" --no-build --no-strip --target "$TARGET" --output "$DIST/"
    done
    for d in "$DIST"/*.deb; do
        echo "$(basename "$d") $(stat -c %s "$d") bytes; $(dpkg-deb -f "$d" Package Version Architecture Depends | tr '\n' ' ')" | tee -a "$DIST/sizes.txt"
        # The package a technician flashes over a shop's 4G link: under 6 MiB (DESIGN § Targets).
        [ "$(stat -c %s "$d")" -lt $((6 * 1048576)) ] || die "$(basename "$d") is above the 6 MiB package target"
    done
fi

step "done: $DIST"
ls -l "$DIST"
