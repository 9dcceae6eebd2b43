#!/usr/bin/env bash
# Durable webhook ingest vs a trivial axum handler, same machine, same load generator, same run.
# Target (issue 2): relay req/s >= 50% of the trivial handler's at c=64, with relay p99 < 20 ms.
#   DURATION=10 WARMUP=2 CONCURRENCY="1 16 64" scripts/bench-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONCURRENCY=${CONCURRENCY:-"1 16 64"}
SECRET=bench-app-secret
RELAY_PORT=${RELAY_PORT:-18480}
TRIVIAL_PORT=${TRIVIAL_PORT:-18481}

command -v sqlite3 >/dev/null || { echo "bench-ingest: needs the sqlite3 CLI (apt-get install sqlite3) to check durability" >&2; exit 1; }
cargo build --release -q -p resto-relay --bin resto-relay --example loadgen --example trivial_server
bin=target/release
relay=$bin/resto-relay
loadgen=$bin/examples/loadgen

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export RELAY_DATA_DIR=$work/relay RELAY_LISTEN=127.0.0.1:$RELAY_PORT META_APP_SECRET=$SECRET \
  META_VERIFY_TOKEN=bench RELAY_LOG=warn
node=$($relay node add bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["node_id"])')
$relay route add --provider wa --account 109876543210987 --node "$node" >/dev/null
$relay serve 2>"$work/relay.log" &
relay_pid=$!; pids+=("$relay_pid")
$bin/examples/trivial_server 127.0.0.1:$TRIVIAL_PORT &
pids+=("$!")

wait_up() { for _ in $(seq 100); do curl -fsS "http://$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "bench-ingest: $1 did not come up" >&2; exit 1; }
wait_up 127.0.0.1:$RELAY_PORT
wait_up 127.0.0.1:$TRIVIAL_PORT

mkdir -p bench-results
out=bench-results/ingest-$(date -u +%Y%m%dT%H%M%SZ).jsonl
events() { sqlite3 "$RELAY_DATA_DIR/relay.db" 'SELECT count(*) FROM events'; }
echo "machine: $(nproc) cores, $(uname -m); duration ${DURATION}s after ${WARMUP}s warm-up per run"
for c in $CONCURRENCY; do
  $loadgen 127.0.0.1:$TRIVIAL_PORT "$c" "$DURATION" "$SECRET" trivial "$WARMUP" | tee -a "$out"
  before=$(events)
  line=$($loadgen 127.0.0.1:$RELAY_PORT "$c" "$DURATION" "$SECRET" relay "$WARMUP")
  echo "$line" | tee -a "$out"
  after=$(events)
  # Every 200 the loadgen counted must be a stored event (warm-up requests are stored too).
  ok=$(echo "$line" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["requests"]-r["non_200"])')
  if [ $((after - before)) -lt "$ok" ]; then
    echo "bench-ingest: DURABILITY FAILURE: $ok answered 200 but only $((after - before)) events stored" >&2; exit 1
  fi
  echo "  durability: $ok answered 200 in the measured window, $((after - before)) events stored (including warm-up)"
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$relay_pid/status")

python3 - "$out" "$rss" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["concurrency"], {})[r["target"]] = r
print()
print(f"{'c':>4} | {'trivial req/s':>13} {'p50 ms':>7} {'p99 ms':>7} | {'relay req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | ratio")
verdict = None
for c in sorted(by):
    t, r = by[c].get("trivial"), by[c].get("relay")
    if not t or not r:
        continue
    ratio = r["rps"] / t["rps"] if t["rps"] else 0
    print(f"{c:>4} | {t['rps']:>13.0f} {t['p50_ms']:>7.2f} {t['p99_ms']:>7.2f} | {r['rps']:>11.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} | {ratio:.2f}")
    if r["errors"] or r["non_200"]:
        print(f"     relay: {r['non_200']} non-200, {r['errors']} connection errors")
    if c == 64:
        verdict = (ratio >= 0.5, r["p99_ms"] < 20, ratio, r["p99_ms"])
print(f"\nrelay peak RSS: {int(sys.argv[2]) / 1024:.1f} MiB")
if verdict:
    ok = verdict[0] and verdict[1]
    print(f"target at c=64 (ratio >= 0.50, p99 < 20 ms): {'PASS' if ok else 'MISS'} (ratio {verdict[2]:.2f}, p99 {verdict[3]:.2f} ms)")
print(f"results: {sys.argv[1]}")
PY
