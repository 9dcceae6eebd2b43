#!/usr/bin/env bash
# Sync channel benchmark (issue 3), release builds, real processes:
#  (a) end-to-end latency, signed webhook -> applied in the edge's database, at a steady
#      RATE msg/s while the relay also holds N idle long-polls from simulated nodes;
#      relay RSS with those polls held;
#  (b) drain time of a 10,000-item edge outbox once the relay comes back.
# Targets: p99 < 50 ms; 10,000 idle polls in < 300 MiB; drain < 30 s.
#   IDLE="1000 10000" RATE=200 SECONDS=10 OUTBOX=10000 scripts/bench-sync.sh
set -euo pipefail
cd "$(dirname "$0")/.."

IDLE=${IDLE:-"1000 10000"}
RATE=${RATE:-200}
SECONDS_PER_RUN=${SECONDS:-10}
OUTBOX=${OUTBOX:-10000}
SECRET=bench-app-secret
PORT=${RELAY_PORT:-18490}

command -v sqlite3 >/dev/null || { echo "bench-sync: needs the sqlite3 CLI (apt-get install sqlite3)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || echo "bench-sync: could not raise the open-files limit; large IDLE values may fail" >&2
cargo build --release -q -p resto-relay -p resto-edge --bins --example sync_bench
bin=target/release
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export RELAY_DATA_DIR=$work/relay RELAY_LISTEN=127.0.0.1:$PORT META_APP_SECRET=$SECRET META_VERIFY_TOKEN=bench RELAY_LOG=warn
start_relay() {
  $bin/resto-relay serve 2>>"$work/relay.log" &
  relay_pid=$!; pids+=("$relay_pid")
  for _ in $(seq 200); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "bench-sync: relay did not start" >&2; exit 1
}
start_relay
read -r node secret < <($bin/resto-relay node add edge --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["node_id"], d["node_secret"])')
$bin/resto-relay route add --provider wa --account 109876543210987 --node "$node" >/dev/null
printf '%s' "$secret" >"$work/node.secret"
export EDGE_DATA_DIR=$work/edge EDGE_LOG=warn
$bin/resto-edge enroll --relay "http://127.0.0.1:$PORT" --node-id "$node" --secret-file "$work/node.secret" >/dev/null
$bin/resto-edge run 2>"$work/edge.log" &
edge_pid=$!; pids+=("$edge_pid")
sleep 1

results=$work/results.txt
for n in $IDLE; do
  $bin/examples/sync_bench idle "http://127.0.0.1:$PORT" "$RELAY_DATA_DIR" "$n" >"$work/idle-$n.log" 2>&1 &
  idle_pid=$!; pids+=("$idle_pid")
  for _ in $(seq 600); do grep -q holding "$work/idle-$n.log" 2>/dev/null && break; sleep 0.1; done
  sleep 3 # let the last polls reach the relay
  held=$(awk '/VmRSS/ {print $2}' "/proc/$relay_pid/status")
  conns=$( (ss -Htn state established "( dport = :$PORT )" 2>/dev/null || true) | wc -l)
  echo "  connections open to the relay: $conns (idle polls + the edge)"
  marker=$(date -u +%Y-%m-%dT%H:%M:%S)
  $bin/examples/sync_bench send "http://127.0.0.1:$PORT/webhooks/meta" "$SECRET" "$RATE" "$SECONDS_PER_RUN"
  sleep 1
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$relay_pid/status")
  lat=$(sqlite3 "$EDGE_DATA_DIR/edge.db" "SELECT (julianday(a.applied_at) - julianday(json_extract(m.payload, '\$.timestamp'))) * 86400000.0 FROM applied_events a JOIN inbound_messages m ON m.event_id = a.event_id WHERE m.msg_id LIKE 'wamid.syncbench.%' AND a.applied_at >= '$marker'")
  echo "$lat" | python3 -c "
import sys
v = sorted(float(x) for x in sys.stdin if x.strip())
if not v: print('idle=$n: no messages applied'); sys.exit(0)
p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
print(f'idle polls {$n:>6}: {len(v)} messages at $RATE/s  latency p50 {p(0.5):6.1f} ms  p99 {p(0.99):6.1f} ms  max {v[-1]:6.1f} ms  relay RSS {int($held)/1024:6.1f} MiB with polls held (peak {int($rss)/1024:.1f} MiB)')
" | tee -a "$results"
  kill "$idle_pid"; wait "$idle_pid" 2>/dev/null || true
done

echo "== outbox drain: relay down, $OUTBOX items queued on the edge, relay back"
kill "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
sqlite3 "$EDGE_DATA_DIR/edge.db" "PRAGMA busy_timeout=5000; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $OUTBOX)
  INSERT INTO outbox (id, kind, created_at, payload) SELECT printf('drain-%06d', i), 'send_message', strftime('%Y-%m-%dT%H:%M:%fZ'),
  '{\"provider\":\"wa\",\"account_id\":\"109876543210987\",\"to\":\"213555019999\",\"message\":{\"type\":\"text\",\"text\":\"merci\"}}' FROM n;" >/dev/null
t0=$(date +%s.%N)
start_relay
while [ "$(sqlite3 "$EDGE_DATA_DIR/edge.db" 'PRAGMA busy_timeout=5000; SELECT count(*) FROM outbox' | tail -1)" != 0 ]; do sleep 0.05; done
t1=$(date +%s.%N)
accepted=$(sqlite3 "$RELAY_DATA_DIR/relay.db" "SELECT count(*) FROM outbox_items WHERE id LIKE 'drain-%'")
python3 -c "print(f'outbox drain: $OUTBOX items in {$t1 - $t0:.2f} s (relay holds $accepted)')" | tee -a "$results"
mkdir -p bench-results
cp "$results" "bench-results/sync-$(date -u +%Y%m%dT%H%M%SZ).txt"
