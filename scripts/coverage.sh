#!/usr/bin/env bash
# HTML coverage report of the whole workspace: unit tests, crate tests and the end-to-end
# tests, whose real resto-relay / resto-edge processes are built instrumented too and
# write their own profiles, so code reached only through the binaries counts.
#
#   scripts/coverage.sh            → coverage/html/index.html (+ coverage/summary.txt)
#   COVERAGE_DIR=/tmp/cov scripts/coverage.sh
#   NO_INSTALL=1 scripts/coverage.sh   → fail (naming what is missing) instead of installing
#
# Tool: cargo-llvm-cov (crates.io, `cargo install --locked cargo-llvm-cov`, ~100 s) with
# rustup's llvm-tools-preview component (seconds). Instrumented builds go to
# $CARGO_TARGET_DIR/llvm-cov-target (default target/llvm-cov-target), apart from normal builds.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${COVERAGE_DIR:-coverage}"

missing=()
command -v cargo-llvm-cov >/dev/null || missing+=("cargo-llvm-cov (cargo install --locked cargo-llvm-cov)")
rustup component list --installed 2>/dev/null | grep -q '^llvm-tools' \
    || missing+=("llvm-tools-preview (rustup component add llvm-tools-preview)")
if [ ${#missing[@]} -gt 0 ]; then
    if [ "${NO_INSTALL:-0}" = 1 ]; then
        printf 'coverage: missing %s\n' "${missing[@]}" >&2
        exit 1
    fi
    rustup component add llvm-tools-preview
    command -v cargo-llvm-cov >/dev/null || cargo install --locked cargo-llvm-cov
fi

start=$(date +%s)
# Old profiles would mix into the report; the instrumented build itself is kept.
cargo llvm-cov clean --workspace --profraw-only >/dev/null 2>&1 || true
# Every test runs even after a failure (the report is still useful), but a failure fails
# the script.
tests_ok=0
cargo llvm-cov --workspace --no-report --no-fail-fast || tests_ok=$?
mkdir -p "$OUT"
cargo llvm-cov report --html --output-dir "$OUT"
cargo llvm-cov report --summary-only > "$OUT/summary.txt"
end=$(date +%s)
echo "coverage: $OUT/html/index.html ($(grep '^TOTAL' "$OUT/summary.txt" | awk '{print "line coverage " $10}'), $((end - start)) s)"
if [ "$tests_ok" != 0 ]; then
    echo "coverage: some tests FAILED (see above); the report covers the tests that ran" >&2
    exit 1
fi
