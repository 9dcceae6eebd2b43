#!/usr/bin/env bash
# The README's first command: builds both programs, then runs the whole product on this
# machine (`resto-relay demo`: relay + edge with the demo menu + a local stand-in for Meta +
# the demo chat page). Needs only the Rust toolchain. Ctrl-C stops everything.
#
#   scripts/demo.sh [--real-hours]        data in ./data (delete it to start over)
#
# RELAY_LISTEN (127.0.0.1:8080), RELAY_DATA_DIR (./data) and EDGE_CONSOLE_LISTEN
# (127.0.0.1:8090) change where things run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p resto-relay -p resto-edge --bins
# Wherever cargo puts binaries here (CARGO_TARGET_DIR, .cargo/config.toml or ./target).
target="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
exec "$target/debug/resto-relay" demo --edge-bin "$target/debug/resto-edge" "$@"
