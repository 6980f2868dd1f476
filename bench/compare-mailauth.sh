#!/usr/bin/env bash
# Throughput: Inboxlens `analyze --offline --jsonl` (all messages in one process) vs mailauth
# (npm, 4.x on Node 20) on the same messages and the same DNS answers. Prints messages/s and
# two ratios:
#   - vs the mailauth CLI, `mailauth report --dns-cache FILE MESSAGE`: the comparison the
#     project set the >= 20x target on. Its `report` command takes one message, so it runs
#     once per message (MAILAUTH_CLI_N of them, default min(N, 100)), Node start-up included;
#   - vs mailauth's library, `authenticate()` over all N messages in one warm Node process
#     with the same cache behind its resolver hook: stricter (no start-up, JIT warm), the
#     figure to watch for the engine itself.
#   N=1000 bench/compare-mailauth.sh
#   INBOXLENS_BIN=target/debug/inboxlens N=50 MAILAUTH_CLI_N=10 bench/compare-mailauth.sh
# Needs: the lab's mailauth ($LAB_STATE/node, installed by tests/lab/install.sh) or MAILAUTH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
LAB_STATE=${LAB_STATE:-/tmp/inboxlens-lab}
MAILAUTH_DIR=${MAILAUTH_DIR:-}
for d in "$MAILAUTH_DIR" "$LAB_STATE/node/node_modules/mailauth" /tmp/mail-lab/node/node_modules/mailauth; do
  [ -n "$d" ] && [ -f "$d/lib/mailauth.js" ] && { MAILAUTH_DIR=$d; break; }
done
[ -f "${MAILAUTH_DIR:-}/lib/mailauth.js" ] || { echo "compare-mailauth: mailauth not found (run tests/lab/install.sh or set MAILAUTH_DIR)" >&2; exit 2; }
if [ -z "${INBOXLENS_BIN:-}" ]; then
  cargo build --release -q -p inboxlens
  INBOXLENS_BIN=${CARGO_TARGET_DIR:-target}/release/inboxlens
fi
BIN=$INBOXLENS_BIN
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/msgs"
# The messages: the bundled sample (DKIM-signed, SPF/DMARC pass) and a tampered copy (body hash
# mismatch), alternating. The DNS: the sample's zone, for both tools.
cp crates/core/assets/sample.zone "$WORK/sample.zone"
sed 's/three new notebooks/three cheap notebooks/' crates/core/assets/sample.eml > "$WORK/tampered.eml"
for i in $(seq -w 1 "$N"); do
  if [ $((10#$i % 2)) -eq 0 ]; then cp "$WORK/tampered.eml" "$WORK/msgs/$i.eml"; else cp crates/core/assets/sample.eml "$WORK/msgs/$i.eml"; fi
done
# mailauth's DNS cache, made from Inboxlens's own evidence of the same answers.
"$BIN" analyze --sample --json | python3 -c '
import json, sys
rep = json.load(sys.stdin); cache = {}
for e in rep["dns"]:
    for line in e["records"]:
        name, ttl, _in, rtype, data = line.split(None, 4)
        name = name.rstrip(".")
        c = cache.setdefault(name, {})
        if rtype == "TXT":
            import shlex
            c.setdefault("TXT", []).append(shlex.split(data))
        elif rtype == "MX":
            pref, host = data.split(); c.setdefault("MX", []).append({"priority": int(pref), "exchange": host.rstrip(".")})
        elif rtype in ("A", "AAAA"):
            c.setdefault(rtype, []).append(data)
        elif rtype == "PTR":
            c.setdefault("PTR", []).append(data.rstrip("."))
json.dump(cache, open(sys.argv[1], "w"))
' "$WORK/dns-cache.json"
NOW=1795425307
echo "messages: $N (half DKIM-valid, half tampered), DNS from the sample zone"
t0=$(date +%s.%N)
"$BIN" analyze --offline --zone "$WORK/sample.zone" --now "$NOW" --jsonl "$WORK/msgs" > "$WORK/inboxlens.jsonl" || true
t1=$(date +%s.%N)
lines=$(wc -l < "$WORK/inboxlens.jsonl")
[ "$lines" -eq "$N" ] || { echo "compare-mailauth: inboxlens produced $lines reports for $N messages" >&2; exit 1; }
ours=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN{printf "%.1f", n/(b-a)}')
verdicts=$(python3 - "$WORK/inboxlens.jsonl" <<'PY'
import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1]):
    a = json.loads(line)["auth"]
    c["spf=%s dkim=%s dmarc=%s" % (a["spf"]["result"], a["dkim"][0]["result"], a["dmarc"]["result"])] += 1
print(dict(c))
PY
)
theirs_json=$(node bench/mailauth-bench.cjs "$MAILAUTH_DIR" "$WORK/dns-cache.json" "$WORK/msgs")
theirs=$(python3 -c 'import json,sys; print("%.1f" % json.loads(sys.argv[1])["per_second"])' "$theirs_json")
# The mailauth CLI, one run per message (its `report` reads one message), as a user runs it.
CLI_N=${MAILAUTH_CLI_N:-$(( N < 100 ? N : 100 ))}
mkdir "$WORK/cli"
c0=$(date +%s.%N)
for f in $(ls "$WORK/msgs" | head -n "$CLI_N"); do
  node "$MAILAUTH_DIR/bin/mailauth.js" report --dns-cache "$WORK/dns-cache.json" --mta mx.recipient.example \
    "$WORK/msgs/$f" > "$WORK/cli/$f.json"
done
c1=$(date +%s.%N)
cli=$(awk -v a="$c0" -v b="$c1" -v n="$CLI_N" 'BEGIN{printf "%.1f", n/(b-a)}')
cli_verdicts=$(python3 - "$WORK/cli" <<'PY'
import json, os, sys, collections
c = collections.Counter()
for f in sorted(os.listdir(sys.argv[1])):
    r = json.load(open(os.path.join(sys.argv[1], f)))
    c["spf=%s dkim=%s dmarc=%s" % (r["spf"]["status"]["result"], r["dkim"]["results"][0]["status"]["result"], r["dmarc"]["status"]["result"])] += 1
print(dict(c))
PY
)
echo "inboxlens:                     $ours messages/s   verdicts: $verdicts"
echo "mailauth CLI (one run/message): $cli messages/s ($CLI_N messages)   verdicts: $cli_verdicts"
echo "mailauth library (one process): $theirs messages/s   verdicts: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["results"])' "$theirs_json")"
awk -v a="$ours" -v b="$cli" 'BEGIN{printf "ratio: %.0fx the mailauth CLI (target >= 20x)\n", a/b}'
awk -v a="$ours" -v b="$theirs" 'BEGIN{printf "ratio: %.1fx the mailauth library in one warm process (stricter)\n", a/b}'
