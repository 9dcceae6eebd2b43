#!/usr/bin/env bash
# Durable webhook ingest of the relay vs a trivial axum handler that answers 200: same machine,
# same load generator (cloud-relay/examples/loadgen.rs), same run. Signed ~1 KB WhatsApp text
# webhooks with distinct wamids, closed loop at each concurrency, fixed duration after a warm-up.
# Target (issue 2): at c=64 the relay's req/s >= 50% of the trivial handler's, relay p99 < 20 ms.
#
#   scripts/bench-ingest.sh                               # c = 1 16 64, 10 s each after 2 s warm-up
#   DURATION=5 WARMUP=1 CONCURRENCY="64" scripts/bench-ingest.sh
#   RELAY_DATABASE_URL=postgres://u:p@127.0.0.1/bench scripts/bench-ingest.sh
#
# With RELAY_DATABASE_URL set, a third server joins the same run: the relay on that
# PostgreSQL database (give it a fresh, empty database: the bench adds its node and route),
# next to the SQLite relay and the trivial handler.
#
# Env: DURATION (10), WARMUP (2), CONCURRENCY ("1 16 64"), RELAY_PORT (18480), TRIVIAL_PORT
# (18481), RELAY_PG_PORT (18482), LOADGEN_THREADS (loadgen's tokio workers; default one per CPU).
# Results: bench-results/ingest-<UTC timestamp>.jsonl (one loadgen JSON line per run, plus
# durability and summary lines). Exit status: 0 when every run is clean (no errors, no non-200,
# every 200 stored), whatever the PASS/MISS verdict; 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONCURRENCY=${CONCURRENCY:-"1 16 64"}
RELAY_PORT=${RELAY_PORT:-18480}
TRIVIAL_PORT=${TRIVIAL_PORT:-18481}
RELAY_PG_PORT=${RELAY_PG_PORT:-18482}
PG_URL=${RELAY_DATABASE_URL:-}
unset RELAY_DATABASE_URL
LOADGEN_THREADS=${LOADGEN_THREADS:-}
SECRET=bench-app-secret
PHONE_NUMBER_ID=109876543210987

for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "bench-ingest: needs $tool" >&2; exit 1; }
done
have_sqlite=1
if ! command -v sqlite3 >/dev/null; then
  have_sqlite=0
  echo "bench-ingest: sqlite3 CLI is missing (apt-get install sqlite3): the durability check (every 200 is a stored event) is SKIPPED" >&2
fi

echo "building release (resto-relay, loadgen, trivial_server)..."
cargo build --release -q -p resto-relay --bin resto-relay --example loadgen --example trivial_server
bin=${CARGO_TARGET_DIR:-target}/release
relay=$bin/resto-relay
loadgen=$bin/examples/loadgen
trivial=$bin/examples/trivial_server

work=$(mktemp -d -t bench-ingest.XXXXXX)
relay_pid=
trivial_pid=
pg_pid=
stop() { # PID: SIGTERM, then SIGKILL after 5 s
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop "$relay_pid"
  stop "$trivial_pid"
  stop "$pg_pid"
  if [ "$rc" -ne 0 ] && [ -s "$work/relay.log" ]; then
    echo "--- last lines of the relay's log ---" >&2
    tail -n 20 "$work/relay.log" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for port in "$RELAY_PORT" "$TRIVIAL_PORT" $([ -n "$PG_URL" ] && echo "$RELAY_PG_PORT"); do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    echo "bench-ingest: something already answers on 127.0.0.1:$port (set RELAY_PORT/TRIVIAL_PORT)" >&2
    exit 1
  fi
done

export RELAY_DATA_DIR=$work/relay RELAY_LISTEN=127.0.0.1:$RELAY_PORT META_APP_SECRET=$SECRET \
  META_VERIFY_TOKEN=bench-verify META_SIGNATURE_REQUIRED=enforce RELAY_LOG=warn
mkdir -p "$RELAY_DATA_DIR"
$relay migrate >/dev/null
node=$($relay node add bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["node_id"])')
$relay route add --provider wa --account "$PHONE_NUMBER_ID" --node "$node" >/dev/null

$relay serve 2>"$work/relay.log" &
relay_pid=$!
$trivial --listen "127.0.0.1:$TRIVIAL_PORT" 2>"$work/trivial.log" &
trivial_pid=$!

wait_up() { # NAME PID PORT
  for _ in $(seq 200); do
    kill -0 "$2" 2>/dev/null || { echo "bench-ingest: $1 exited during start-up" >&2; exit 1; }
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$3/healthz" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench-ingest: $1 did not answer /healthz on 127.0.0.1:$3 within 10 s" >&2
  exit 1
}
wait_up relay "$relay_pid" "$RELAY_PORT"
wait_up trivial_server "$trivial_pid" "$TRIVIAL_PORT"

if [ -n "$PG_URL" ]; then
  # Its own data dir (master.key), same secrets; the URL only in this relay's environment.
  pg_env=(env RELAY_DATABASE_URL="$PG_URL" RELAY_DATA_DIR="$work/relay-pg" RELAY_LISTEN="127.0.0.1:$RELAY_PG_PORT")
  mkdir -p "$work/relay-pg"
  "${pg_env[@]}" $relay migrate >/dev/null
  pg_node=$("${pg_env[@]}" $relay node add bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["node_id"])')
  "${pg_env[@]}" $relay route add --provider wa --account "$PHONE_NUMBER_ID" --node "$pg_node" >/dev/null
  "${pg_env[@]}" $relay serve 2>"$work/relay-pg.log" &
  pg_pid=$!
  wait_up relay-pg "$pg_pid" "$RELAY_PG_PORT"
  pg_events() { # events stored for this run's node
    "${pg_env[@]}" python3 - "$pg_node" <<'PY'
import os, subprocess, sys
url = os.environ["RELAY_DATABASE_URL"]
out = subprocess.run(["psql", "-X", "-At", "-d", url, "-c", f"SELECT count(*) FROM events WHERE node_id = '{sys.argv[1]}'"],
                     capture_output=True, text=True, check=True)
print(out.stdout.strip())
PY
  }
fi

mkdir -p bench-results
out=bench-results/ingest-$(date -u +%Y%m%dT%H%M%SZ).jsonl
db=$RELAY_DATA_DIR/relay.db
events() { sqlite3 -cmd '.timeout 5000' "$db" 'SELECT count(*) FROM events'; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

threads_arg=()
[ -n "$LOADGEN_THREADS" ] && threads_arg=(--threads "$LOADGEN_THREADS")
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; } # utime + stime of PID
run_load() { # TARGET PORT CONCURRENCY SERVER_PID: prints loadgen's JSON line plus server_cpu_s
  local line t0 t1
  t0=$(cpu_ticks "$4")
  line=$($loadgen --url "http://127.0.0.1:$2/webhooks/meta" --secret "$SECRET" \
    --phone-number-id "$PHONE_NUMBER_ID" --concurrency "$3" --duration "$DURATION" \
    --warmup "$WARMUP" --target "$1" "${threads_arg[@]}") || true
  t1=$(cpu_ticks "$4")
  [ -n "$line" ] || { echo "bench-ingest: loadgen printed nothing ($1, c=$3)" >&2; exit 1; }
  echo "$line" | python3 -c 'import json,sys; r=json.load(sys.stdin); r["server_cpu_s"]=round(float(sys.argv[1]),2); print(json.dumps(r, separators=(",", ":")))' \
    "$(awk -v a="$t0" -v b="$t1" -v hz="$clk_tck" 'BEGIN {print (b - a) / hz}')"
}

echo "machine: $(nproc) CPUs, $(uname -m), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "per run: ${WARMUP}s warm-up + ${DURATION}s measured; relay data in $work (on $(df -P "$work" | awk 'NR==2 {print $1}'))"
for c in $CONCURRENCY; do
  run_load trivial "$TRIVIAL_PORT" "$c" "$trivial_pid" | tee -a "$out"

  before=0
  [ "$have_sqlite" = 1 ] && before=$(events)
  line=$(run_load relay "$RELAY_PORT" "$c" "$relay_pid")
  echo "$line" | tee -a "$out"
  if [ "$have_sqlite" = 1 ]; then
    after=$(events)
    stored=$((after - before))
    # total_200 counts every 200 of the run (warm-up and tail included); each one must be a row.
    ok=$(echo "$line" | field total_200)
    if [ "$stored" -ge "$ok" ]; then verdict=ok; else verdict=FAILED; fi
    echo "  durability c=$c: $ok answered 200, events grew by $stored -> $verdict"
    printf '{"durability":{"concurrency":%s,"answered_200":%s,"events_stored":%s,"ok":%s}}\n' \
      "$c" "$ok" "$stored" "$([ "$verdict" = ok ] && echo true || echo false)" >>"$out"
  fi
  if [ -n "$PG_URL" ]; then
    before=$(pg_events)
    line=$(run_load relay-pg "$RELAY_PG_PORT" "$c" "$pg_pid")
    echo "$line" | tee -a "$out"
    stored=$(( $(pg_events) - before ))
    ok=$(echo "$line" | field total_200)
    if [ "$stored" -ge "$ok" ]; then verdict=ok; else verdict=FAILED; fi
    echo "  durability (PostgreSQL) c=$c: $ok answered 200, events grew by $stored -> $verdict"
    printf '{"durability_pg":{"concurrency":%s,"answered_200":%s,"events_stored":%s,"ok":%s}}\n' \
      "$c" "$ok" "$stored" "$([ "$verdict" = ok ] && echo true || echo false)" >>"$out"
  fi
done
stop "$pg_pid"
pg_pid=

rss_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$relay_pid/status" 2>/dev/null || echo 0)
stop "$relay_pid"
relay_pid=
stop "$trivial_pid"
trivial_pid=

python3 - "$out" "${rss_kib:-0}" "$have_sqlite" <<'PY'
import json, sys
path, rss_kib, have_sqlite = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
runs, dur, dur_pg = {}, {}, {}
for l in open(path):
    r = json.loads(l)
    if "target" in r:
        runs.setdefault(r["concurrency"], {})[r["target"]] = r
    elif "durability" in r:
        dur[r["durability"]["concurrency"]] = r["durability"]
    elif "durability_pg" in r:
        dur_pg[r["durability_pg"]["concurrency"]] = r["durability_pg"]
print()
print(f"{'c':>4} | {'trivial req/s':>13} {'p50 ms':>7} {'p99 ms':>7} | {'relay req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>5} | stored | server CPU us/req trivial relay")
print("-" * 117)
def cpu_us(x):
    return f"{x['server_cpu_s'] * 1e6 / x['sent']:.0f}" if x.get("sent") and "server_cpu_s" in x else "n/a"
verdict = None
for c in sorted(runs):
    t, r = runs[c].get("trivial"), runs[c].get("relay")
    if not t or not r:
        continue
    ratio = r["rps"] / t["rps"] if t["rps"] else 0.0
    d = dur.get(c)
    stored = "n/a" if d is None else ("ok" if d["ok"] else "LOST")
    print(f"{c:>4} | {t['rps']:>13.0f} {t['p50_ms']:>7.2f} {t['p99_ms']:>7.2f} | "
          f"{r['rps']:>11.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} | {ratio:>5.2f} | {stored:>6} | "
          f"{cpu_us(t):>24} {cpu_us(r):>5}")
    for name, x in (("trivial", t), ("relay", r)):
        if x["errors"] or x["non_200"]:
            print(f"     {name}: {x['non_200']} non-200, {x['errors']} errors in the measured window")
    if c == 64:
        verdict = (ratio, r["p99_ms"], not (r["errors"] or r["non_200"]) and (d is None or d["ok"]))
clean = all(not (x["errors"] or x["non_200"] or x["ok_200"] == 0) for v in runs.values() for x in v.values())
clean = clean and all(d["ok"] for d in dur.values()) and all(d["ok"] for d in dur_pg.values())
pg_rows = [(c, v["relay-pg"], v.get("relay"), v.get("trivial")) for c, v in sorted(runs.items()) if "relay-pg" in v]
if pg_rows:
    print()
    print(f"{'c':>4} | {'PostgreSQL relay req/s':>22} {'p50 ms':>7} {'p99 ms':>7} | {'vs SQLite relay':>15} | {'vs trivial':>10} | stored")
    print("-" * 90)
    for c, p, r, t in pg_rows:
        d = dur_pg.get(c)
        print(f"{c:>4} | {p['rps']:>22.0f} {p['p50_ms']:>7.2f} {p['p99_ms']:>7.2f} | "
              f"{(p['rps'] / r['rps'] if r and r['rps'] else 0):>15.2f} | {(p['rps'] / t['rps'] if t and t['rps'] else 0):>10.2f} | "
              f"{'n/a' if d is None else ('ok' if d['ok'] else 'LOST'):>6}")
print()
print(f"relay peak RSS (VmHWM): {rss_kib / 1024:.1f} MiB")
if not have_sqlite:
    print("durability check skipped: sqlite3 CLI missing")
summary = {"relay_peak_rss_kib": rss_kib, "clean": clean}
if verdict is None:
    print("target (c=64: ratio >= 0.50 and relay p99 < 20 ms): not evaluated, c=64 was not run")
else:
    ratio, p99, ok_run = verdict
    hit = ratio >= 0.50 and p99 < 20.0 and ok_run
    print(f"target (c=64: ratio >= 0.50 and relay p99 < 20 ms): {'PASS' if hit else 'MISS'} "
          f"(ratio {ratio:.2f}, relay p99 {p99:.2f} ms{'' if ok_run else ', run not clean'})")
    summary.update({"c64_ratio": round(ratio, 3), "c64_relay_p99_ms": p99, "target": "PASS" if hit else "MISS"})
with open(path, "a") as f:
    f.write(json.dumps({"summary": summary}) + "\n")
print(f"results: {path}")
if not clean:
    print("bench-ingest: some run was not clean (errors, non-200, no 200 at all, or lost events)", file=sys.stderr)
    sys.exit(1)
PY
