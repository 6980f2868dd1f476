#!/usr/bin/env bash
# Load benchmark of `inboxlens serve` (loopback only, bounded in time and connections).
#
#   bench/load.sh                 # builds the release binary, needs the lab (tests/lab/up.sh)
#   INBOXLENS_BIN=target/release/inboxlens CONNS=500 DURATION=30 bench/load.sh
#
# Runs wrk with CONNS concurrent connections for DURATION seconds against
#   1. POST /api/analyze   (the bundled sample message; its DNS from crates/core/assets/sample.zone
#                           laid over the lab resolver)
#   2. GET  /api/domain/good.test  (a full domain check through the lab's unbound)
# and prints p50 / p90 / p99 latency, requests/s, responses by status, and the server's RSS
# (idle before, peak during, idle after). Every address is on 127.0.0.0/8.
# Rate limiting is off for the run (one client address); the concurrency caps and queue of
# the default configuration stay in force, so overload shows as 503 rather than as collapse.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONNS=${CONNS:-500}
DURATION=${DURATION:-30}
THREADS=${THREADS:-2}
RESOLVER=${RESOLVER:-127.0.0.1}

case $CONNS in ''|*[!0-9]*) echo "CONNS must be a number" >&2; exit 2 ;; esac
case $DURATION in ''|*[!0-9]*) echo "DURATION must be a number" >&2; exit 2 ;; esac
if [ "$CONNS" -gt 2000 ] || [ "$DURATION" -gt 300 ]; then
  echo "refusing: at most 2000 connections and 300 s" >&2; exit 2
fi
case $RESOLVER in 127.*|::1) ;; *) echo "RESOLVER must be a loopback address" >&2; exit 2 ;; esac

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 2; }
if ! (exec 3<>/dev/tcp/127.0.0.1/53) 2>/dev/null; then
  echo "the lab resolver (127.0.0.1:53) is not running: start tests/lab/up.sh" >&2; exit 2
fi

BIN=${INBOXLENS_BIN:-}
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --release -p inboxlens >&2)
  BIN=$ROOT/target/release/inboxlens
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 2; }

WORK=$(mktemp -d /tmp/inboxlens-load.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/bench.toml" <<EOF
[limits]
api_per_minute = 0
doh_per_minute = 0
queue_timeout_ms = 30000
EOF

"$BIN" serve --listen 127.0.0.1:0 --config "$WORK/bench.toml" --resolver "$RESOLVER" \
  --zone "$ROOT/crates/core/assets/sample.zone" >"$WORK/stdout" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/stdout" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's/^inboxlens: listening on //p' "$WORK/stdout" | head -1)
[ -n "$BASE" ] || { echo "server did not start:"; cat "$WORK/server.log"; exit 1; }
case $BASE in http://127.*) ;; *) echo "not loopback: $BASE" >&2; exit 1 ;; esac

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
sleep 1
IDLE_BEFORE=$(rss_kb)

# wrk script: counts responses by status per thread, prints them at the end.
cat > "$WORK/count.lua" <<'EOF'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  statuses = {}
  local f = os.getenv("WRK_BODY_FILE")
  if f and f ~= "" then
    local h = io.open(f, "rb"); wrk.body = h:read("*a"); h:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "message/rfc822"
  end
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, k .. "=" .. v) end
  table.sort(parts)
  io.write(string.format("p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("requests=%d rps=%.1f errors(connect=%d read=%d write=%d timeout=%d)\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
end
EOF

run() {
  local name=$1 path=$2 body=${3:-}
  local peak=0 sampler
  ( while kill -0 "$SERVER_PID" 2>/dev/null; do rss_kb; sleep 0.5; done ) > "$WORK/rss.$name" &
  sampler=$!
  echo "== $name: $CONNS connections, ${DURATION}s, $BASE$path"
  WRK_BODY_FILE=$body wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 60s -s "$WORK/count.lua" "$BASE$path" \
    | grep -E '^(p50_ms|requests=|statuses:)'
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$WORK/rss.$name" | tail -1)
  echo "server RSS peak: $((peak / 1024)) MB"
}

run analyze /api/analyze "$ROOT/crates/core/assets/sample.eml"
run domain /api/domain/good.test
sleep 2
IDLE_AFTER=$(rss_kb)
echo "== server RSS idle: before $((IDLE_BEFORE / 1024)) MB, after $((IDLE_AFTER / 1024)) MB"
echo "== 429/503 in the server's metrics:"
curl -s "$BASE/metrics" | grep -E 'status="(429|503|5[0-9][0-9])"' || echo "(none)"
