#!/usr/bin/env bash
# List cleaning at scale (issue 11): N addresses over D domains, streamed from a CSV.
#   1. --no-smtp (syntax + DNS only): throughput and peak RSS
#   2. with SMTP against the lab's accept receiver (tests/lab, 127.0.0.70): throughput, peak
#      RSS, and accuracy against the truth the list was built with (false undeliverable: goal 0)
#   3. kill -9 at KILLS points of a run, then --resume: every row exactly once, in order
# The domains come from a zone file given with --zone --offline (no DNS server in the path):
# 80 % take mail at mx.bench.test (= 127.0.0.70), 10 % publish a null MX (RFC 7505), 10 % do not
# exist. Local parts: user / info / postmaster / sales exist on the receiver, nobodyN do not.
# Floors: the --no-smtp run is bounded by CSV parse + syntax + one zone lookup per domain; the
# SMTP run by the receiver (one Python aiosmtpd process: one RCPT round trip each, serialized
# per connection) — the verifier's side is the sessions it keeps open (--per-domain-concurrency).
#   N=100000 D=1000 bash bench/verify-list.sh        (needs the lab for step 2 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INBOXLENS_BIN:-${CARGO_TARGET_DIR:-target}/release/inboxlens}
[ -x "$BIN" ] || BIN=${CARGO_TARGET_DIR:-target}/debug/inboxlens
[ -x "$BIN" ] || { echo "bench/verify-list.sh: build inboxlens first" >&2; exit 1; }
N=${N:-100000}
D=${D:-1000}
KILLS=${KILLS:-3}
SMTP=${SMTP:-1}
PER_MX=${PER_MX:-8}
W=$(mktemp -d /tmp/inboxlens-bench-verify.XXXXXX)
trap 'rm -rf "$W"' EXIT

python3 - "$W" "$N" "$D" <<'EOF'
import sys, random
w, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(11)
with open(f"{w}/bench.zone", "w") as z:
    z.write("$ORIGIN bench.test.\n$TTL 3600\n@ SOA ns.bench.test. h.bench.test. 1 300 60 86400 60\n@ NS ns.bench.test.\n")
    z.write("ns A 127.0.0.2\nmx A 127.0.0.70\n")
    for k in range(d):
        if k % 10 == 8:
            z.write(f"d{k} MX 0 .\n")
        elif k % 10 == 9:
            pass  # NXDOMAIN
        else:
            z.write(f"d{k} MX 10 mx.bench.test.\n")
exist = ["user", "info", "postmaster", "sales"]
with open(f"{w}/list.csv", "w", newline="") as f, open(f"{w}/truth.txt", "w") as t:
    f.write("id,name,email,note\r\n")
    for i in range(n):
        k = random.randrange(d)
        local = random.choice(exist) if random.random() < 0.6 else f"nobody{random.randrange(10**6)}"
        addr = f"{local}@d{k}.bench.test"
        if k % 10 in (8, 9):
            truth = "undeliverable"
        else:
            truth = "deliverable" if local in exist else "undeliverable"
        f.write(f'{i},"Name, {i}",{addr},"q ""{i}"""\r\n')
        t.write(f"{truth}\n")
EOF
echo "== verify: $N addresses over $D domains ($(du -h "$W/list.csv" | cut -f1) CSV), $BIN"

# run LABEL ARGS... : wall time, rows/s and peak RSS of one complete run
run() {
  local label=$1; shift
  rm -f "$W/out.csv" "$W/out.csv.journal"
  /usr/bin/time -f "%e %M" -o "$W/time" "$BIN" verify --offline --zone "$W/bench.zone" \
    --input "$W/list.csv" --output "$W/out.csv" "$@" 2>"$W/stderr" || { cat "$W/stderr" >&2; exit 1; }
  read -r secs kb < "$W/time"
  rows=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$W/out.csv") - 1))
  [ "$rows" = "$N" ] || { echo "$label: $rows rows out, $N in" >&2; exit 1; }
  awk -v l="$label" -v s="$secs" -v k="$kb" -v n="$N" \
    'BEGIN{printf "%-28s %8.1f s %10.0f rows/s   peak RSS %6.1f MiB\n", l, s, n/(s>0?s:0.001), k/1024}'
}

# accuracy of out.csv against truth.txt
accuracy() {
  python3 - "$W/out.csv" "$W/truth.txt" <<'EOF'
import csv, sys, collections
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, rows = rows[0], rows[1:]
truth = [l.strip() for l in open(sys.argv[2])]
vi, ri = head.index("verdict"), head.index("reason")
agree = sum(1 for r, t in zip(rows, truth) if r[vi] == t)
false_undeliv = sum(1 for r, t in zip(rows, truth) if r[vi] == "undeliverable" and t == "deliverable")
reasons = collections.Counter(r[ri] for r in rows)
print(f"  accuracy: {agree}/{len(rows)} verdicts agree with the truth ({100*agree/len(rows):.2f} %), "
      f"false undeliverable: {false_undeliv}")
print("  reasons: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
EOF
}

run "--no-smtp" --no-smtp
if [ "$SMTP" = 1 ]; then
  if ! python3 -c 'import socket; socket.create_connection(("127.0.0.70", 25), 1)' 2>/dev/null; then
    echo "SMTP runs skipped: the lab's receiver 127.0.0.70:25 is not up (tests/lab/up.sh)"
    exit 0
  fi
  run "SMTP (lab receiver)" --allow-private --per-domain-concurrency "$PER_MX" --concurrency 32 --timeout-s 20
  accuracy
  # kill -9 at KILLS points, then resume to the end
  rm -f "$W/out.csv" "$W/out.csv.journal"
  args=(verify --offline --zone "$W/bench.zone" --input "$W/list.csv" --output "$W/out.csv" --no-smtp)
  for k in $(seq 1 "$KILLS"); do
    resume=(); [ -f "$W/out.csv.journal" ] && resume=(--resume)
    "$BIN" "${args[@]}" "${resume[@]}" 2>/dev/null &
    pid=$!
    sleep "0.$((RANDOM % 9 + 1))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  "$BIN" "${args[@]}" --resume 2>/dev/null
  python3 - "$W/out.csv" "$N" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))[1:]
ids = [int(r[0]) for r in rows]
n = int(sys.argv[2])
assert ids == list(range(n)), f"rows not exactly once in order: {len(ids)} rows, first bad at {next((i for i,(a,b) in enumerate(zip(ids, range(n))) if a != b), len(ids))}"
print(f"  kill -9 during runs, then --resume: {len(ids)} rows, each exactly once, in input order")
EOF
fi
