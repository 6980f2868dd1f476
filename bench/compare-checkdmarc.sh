#!/usr/bin/env bash
# Domain check latency: checkdmarc (PyPI, from the lab venv) vs `inboxlens domain`, on the
# same lab zones through the +50 ms resolver (127.0.0.54), same checks as far as both do them
# (SPF, DMARC, MX, MTA-STS with policy fetch, TLS-RPT, BIMI, DNSSEC; checkdmarc's SMTP TLS
# probe is skipped with --skip-tls; Inboxlens also probes DKIM selectors, PTR/FCrDNS and DANE,
# all in parallel). Prints the wall time of each tool per domain, the ratio, and Inboxlens's
# time over its critical path = longest chain of dependent queries (from the report's
# timing.critical_path) x the delay.
#   bench/compare-checkdmarc.sh                 # good.test bad.test none.test, 3 runs each
#   RUNS=5 DOMAINS="good.test slow.test" bench/compare-checkdmarc.sh
#   INBOXLENS_BIN=target/debug/inboxlens bench/compare-checkdmarc.sh   # skip the release build
# Needs the lab up (tests/lab/up.sh): unbound on 127.0.0.1, the delay proxy on 127.0.0.54.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lab/lab.env
RUNS=${RUNS:-3}
DOMAINS=${DOMAINS:-"good.test bad.test none.test"}
DELAY_MS=${LAB_DNS_DELAY_MS:-50}
SLOW=${LAB_RESOLVER_SLOW:-127.0.0.54}
CHECKDMARC=${CHECKDMARC:-$LAB_STATE/venv/bin/checkdmarc}
[ -x "$CHECKDMARC" ] || { echo "compare-checkdmarc: $CHECKDMARC not found (run tests/lab/up.sh or set CHECKDMARC)" >&2; exit 2; }
dig +time=2 +tries=1 @"$SLOW" good.test SOA >/dev/null 2>&1 || { echo "compare-checkdmarc: the lab's slow resolver $SLOW does not answer (tests/lab/up.sh)" >&2; exit 2; }
if [ -z "${INBOXLENS_BIN:-}" ]; then
  cargo build --release -q -p inboxlens
  INBOXLENS_BIN=${CARGO_TARGET_DIR:-target}/release/inboxlens
fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
now_ms() { date +%s%3N; }

# checkdmarc resolves the MTA-STS/BIMI HTTPS hosts with the system resolver: run it in the
# lab's mount namespace with the slow resolv.conf, trusting the lab CA.
run_checkdmarc() {
  LAB_RESOLV=slow REQUESTS_CA_BUNDLE=$LAB_CA "$LAB_HOME/bin/labns" \
    "$CHECKDMARC" "$1" -n "$SLOW" --skip-tls -t 5 >"$WORK/cd.json" 2>"$WORK/cd.err" || true
}
run_inboxlens() {
  "$INBOXLENS_BIN" domain "$1" --resolver "$SLOW" --ca-file "$LAB_CA" --json >"$WORK/il.json" 2>"$WORK/il.err" || true
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-12s %12s %12s %8s %9s %6s %8s %8s\n' domain checkdmarc_ms inboxlens_ms ratio in_proc_ms chain crit_ms in/crit
tot_cd=0; tot_il=0; tot_ip=0; tot_crit=0
for d in $DOMAINS; do
  run_checkdmarc "$d"; run_inboxlens "$d"   # warm the resolver's cache once
  : >"$WORK/cd.t"; : >"$WORK/il.t"; : >"$WORK/ip.t"
  for _ in $(seq "$RUNS"); do
    t0=$(now_ms); run_checkdmarc "$d"; t1=$(now_ms); echo $((t1 - t0)) >>"$WORK/cd.t"
    t0=$(now_ms); run_inboxlens "$d"; t1=$(now_ms); echo $((t1 - t0)) >>"$WORK/il.t"
    # In-process time of the check itself (without process start-up): timing.elapsed_ms.
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timing"]["elapsed_ms"])' "$WORK/il.json" >>"$WORK/ip.t"
  done
  cd_ms=$(median <"$WORK/cd.t"); il_ms=$(median <"$WORK/il.t"); ip_ms=$(median <"$WORK/ip.t")
  chain=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timing"]["critical_path"])' "$WORK/il.json")
  crit=$((chain * DELAY_MS))
  awk -v d="$d" -v c="$cd_ms" -v i="$il_ms" -v p="$ip_ms" -v n="$chain" -v k="$crit" \
    'BEGIN { printf "%-12s %12d %12d %7.1fx %9d %6d %8d %7.2fx\n", d, c, i, (i > 0 ? c / i : 0), p, n, k, (k > 0 ? p / k : 0) }'
  tot_cd=$((tot_cd + cd_ms)); tot_il=$((tot_il + il_ms)); tot_ip=$((tot_ip + ip_ms)); tot_crit=$((tot_crit + crit))
done
awk -v c="$tot_cd" -v i="$tot_il" -v p="$tot_ip" -v k="$tot_crit" \
  'BEGIN { printf "%-12s %12d %12d %7.1fx %9d %6s %8d %7.2fx\n", "total", c, i, (i > 0 ? c / i : 0), p, "", k, (k > 0 ? p / k : 0) }'
echo "(median of $RUNS runs per domain after one warm-up; wall times include process start-up; in_proc = the check"
echo " itself (timing.elapsed_ms); chain = longest chain of dependent queries, crit = chain x ${DELAY_MS} ms on resolver $SLOW;"
echo " targets: ratio >= 5x, in/crit <= 1.2x; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
