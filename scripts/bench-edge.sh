#!/usr/bin/env bash
# Edge benchmark (issue 4), release builds:
#  (a) the pure conversation engine, messages/s on one core;
#  (b) apply rate: the same conversations applied through apply_batch on a real SQLite file,
#      batches of 100 as the sync worker fetches them, one fsync per batch (durable);
#  (c) the real daemon's RSS after CONVERSATIONS customers (default 10,000) each sent two
#      signed WhatsApp webhooks through a real relay, once every reply is in the outbox.
# Targets: apply >= 2,000 msg/s; RSS < 40 MiB.
#   ENGINE_SECONDS=5 APPLY_CONVERSATIONS=2000 CONVERSATIONS=10000 scripts/bench-edge.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE_SECONDS=${ENGINE_SECONDS:-5}
APPLY_CONVERSATIONS=${APPLY_CONVERSATIONS:-2000}
CONVERSATIONS=${CONVERSATIONS:-10000}
SECRET=bench-app-secret
PORT=${RELAY_PORT:-18590}
CONSOLE_PORT=${EDGE_CONSOLE_PORT:-18591}
PHONE_ID=109876543210987

for tool in sqlite3 python3 curl; do
  command -v $tool >/dev/null || { echo "bench-edge: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
cargo build --release -q -p resto-relay -p resto-edge --bins --example edge_bench
bin=target/release
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p bench-results
out=bench-results/edge-$(date -u +%Y%m%dT%H%M%SZ).txt

echo "== (a) engine, one core, ${ENGINE_SECONDS}s" | tee "$out"
$bin/examples/edge_bench engine "$ENGINE_SECONDS" | tee -a "$out"
echo "== (b) apply with fsync, $APPLY_CONVERSATIONS conversations" | tee -a "$out"
$bin/examples/edge_bench apply "$APPLY_CONVERSATIONS" "$work/apply.db" | tee -a "$out"

echo "== (c) daemon RSS after $CONVERSATIONS conversations" | tee -a "$out"
export RELAY_DATA_DIR=$work/relay RELAY_LISTEN=127.0.0.1:$PORT META_APP_SECRET=$SECRET \
  META_VERIFY_TOKEN=bench RELAY_LOG=warn META_GRAPH_URL=http://127.0.0.1:9/unreachable
$bin/resto-relay serve 2>>"$work/relay.log" &
pids+=("$!")
for _ in $(seq 200); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
read -r node secret < <($bin/resto-relay node add edge --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["node_id"], d["node_secret"])')
$bin/resto-relay route add --provider wa --account $PHONE_ID --node "$node" >/dev/null
printf '%s' "$secret" >"$work/node.secret"
export EDGE_DATA_DIR=$work/edge EDGE_LOG=warn EDGE_CONSOLE_LISTEN=127.0.0.1:$CONSOLE_PORT
$bin/resto-edge enroll --relay "http://127.0.0.1:$PORT" --node-id "$node" --secret-file "$work/node.secret" >/dev/null
# The demo menu, open around the clock so that every conversation can order whatever the hour.
python3 - "$work/menu.json" <<'PY'
import json, sys
m = json.load(open("../shared/fixtures/menus/demo_menu.json"))
m["restaurant"]["opening_hours"] = [{"days": ["sat", "sun", "mon", "tue", "wed", "thu", "fri"], "open": "00:00", "close": "23:59"}]
json.dump(m, open(sys.argv[1], "w"), ensure_ascii=False)
PY
$bin/resto-edge menu import "$work/menu.json" >/dev/null
$bin/resto-edge run 2>"$work/edge.log" &
edge_pid=$!; pids+=("$edge_pid")
sleep 1
start_rss=$(awk '/VmRSS/ {print $2}' "/proc/$edge_pid/status")

python3 - "$PORT" "$SECRET" "$PHONE_ID" "$CONVERSATIONS" <<'PY'
import hashlib, hmac, http.client, json, sys, time
port, secret, phone_id, n = sys.argv[1], sys.argv[2].encode(), sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", int(port))
lines = ["Bonjour", "je voudrais 2 tacos"]
start = time.time()
for i in range(n):
    user = f"2135{i:08d}"
    for k, text in enumerate(lines):
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "104857600012345", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "213555010000", "phone_number_id": phone_id},
            "contacts": [{"profile": {"name": f"Client {i}"}, "wa_id": user}],
            "messages": [{"from": user, "id": f"wamid.edgebench.{i}.{k}", "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}]}}]}]}).encode()
        sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        conn.request("POST", "/webhooks/meta", body, {"Content-Type": "application/json", "X-Hub-Signature-256": sig})
        r = conn.getresponse(); r.read()
        if r.status != 200:
            sys.exit(f"bench-edge: webhook answered {r.status}")
print(f"  posted {2 * n} webhooks from {n} customers in {time.time() - start:.1f} s")
PY

want=$((2 * CONVERSATIONS))
for _ in $(seq 1200); do
  applied=$(sqlite3 "$EDGE_DATA_DIR/edge.db" "SELECT count(*) FROM inbound_messages WHERE msg_id LIKE 'wamid.edgebench.%'" 2>/dev/null || echo 0)
  [ "$applied" -ge "$want" ] && break
  sleep 0.5
done
[ "$applied" -ge "$want" ] || { echo "bench-edge: only $applied of $want events applied" >&2; exit 1; }
sleep 2
convs=$(sqlite3 "$EDGE_DATA_DIR/edge.db" "SELECT count(*) FROM conversations")
replies=$(sqlite3 "$EDGE_DATA_DIR/edge.db" "SELECT count(*) FROM outbox")  # drained rows are gone
rss=$(awk '/VmRSS/ {print $2}' "/proc/$edge_pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$edge_pid/status")
printf '{"mode":"rss","conversations":%d,"messages_applied":%d,"outbox_rows_left":%d,"rss_start_kib":%d,"rss_kib":%d,"rss_peak_kib":%d}\n' \
  "$convs" "$applied" "$replies" "$start_rss" "$rss" "$hwm" | tee -a "$out"
echo "targets: apply >= 2000 msg/s durable; RSS < 40 MiB (40960 KiB). Results in $out"
