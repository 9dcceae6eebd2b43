#!/usr/bin/env bash
# Issue 14: how well the bot understands Algerian customers. Every goal of the development
# corpus (tests/corpus/*.toml, 200 customers in five registers) is played by the adaptive
# customer (tests/src/customer/) against the REAL path: the harness starts resto-relay and
# resto-edge with the demo menu, each customer message or tap is a signed Meta webhook posted
# to the relay, and the bot's replies are read from the Graph stand-in. Prints per register:
# goals, opening understood, clean success (correct order, no retry, no correction, no cart
# reset, nothing asked twice), success with at most one retry per step, success at all, wrong
# orders, customers who gave up, average customer messages.
#
#   scripts/bench-conversation.sh                        # whole corpus, 4 customers at a time
#   scripts/bench-conversation.sh --register msa         # one register
#   scripts/bench-conversation.sh --failures             # + transcript of every non-clean goal
#   scripts/bench-conversation.sh --verbose dzl-10       # one goal, with its transcript
#   JOBS=2 scripts/bench-conversation.sh
#
# Debug builds (what the tests run; the bench measures understanding, not speed). The table
# is also written to bench-results/conversation-<UTC timestamp>.txt. Exit status 1 when any
# order placed differs from its goal (must never happen), 0 otherwise.
# For quick iteration without processes: cargo run -p resto-e2e --bin conversation-corpus -- --in-process
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

JOBS=${JOBS:-4}
echo "building resto-relay, resto-edge and conversation-corpus (debug)..." >&2
cargo build -q -p resto-relay -p resto-edge --bins
cargo build -q -p resto-e2e --bin conversation-corpus
target=${CARGO_TARGET_DIR:-$PWD/target}/debug
export RESTO_RELAY_BIN=$target/resto-relay
export RESTO_EDGE_BIN=$target/resto-edge

mkdir -p bench-results
out=bench-results/conversation-$(date -u +%Y%m%dT%H%M%SZ).txt
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ)" | tee "$out"
status=0
"$target/conversation-corpus" --real --jobs "$JOBS" "$@" | tee -a "$out" || status=$?
echo "written to $out" >&2
exit "$status"
