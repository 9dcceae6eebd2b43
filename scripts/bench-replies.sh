#!/usr/bin/env bash
# Reply latency benchmark (issue 15), release relay, real process, the e2e Graph stand-in:
# a reply's latency is from the outbox post (as the edge posts it) to the arrival at Graph of
# the attempt Graph accepted. Two phases in the same run, same load: no Graph call hangs, then
# 1 % of calls hang past the relay's timeout. Production send settings (RELAY_SEND_* unset:
# 10 s Graph timeout, retries from 1 s). Targets with 1 % hanging: p50 < 0.3 s, p90 < 1.5 s.
#   CUSTOMERS=200 RATE=25 PHASE_SECONDS=30 HANG_EVERY=100 scripts/bench-replies.sh
# RELAY_BIN=path/to/resto-relay measures another build (e.g. the code before a change).
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS=${CUSTOMERS:-200}
RATE=${RATE:-25}             # turns per second; each turn is two replies to one customer
PHASE_SECONDS=${PHASE_SECONDS:-30} # not SECONDS: bash counts that one up by itself
HANG_EVERY=${HANG_EVERY:-100} # 1 Graph call in 100 hangs in the second phase

if [ -z "${RELAY_BIN:-}" ]; then
  cargo build --release -q -p resto-relay --bins
  RELAY_BIN=target/release/resto-relay
fi
# The driver only posts and plays Graph: a debug build does not bound what is measured.
cargo build -q -p resto-e2e --example reply_bench
results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "== reply latency: $CUSTOMERS customers, $RATE turns/s of 2 replies, ${PHASE_SECONDS} s per phase, relay $RELAY_BIN"
RESTO_RELAY_BIN=$RELAY_BIN target/debug/examples/reply_bench "$CUSTOMERS" "$RATE" "$PHASE_SECONDS" "$HANG_EVERY" | tee "$results"
mkdir -p bench-results
cp "$results" "bench-results/replies-$(date -u +%Y%m%dT%H%M%SZ).txt"
