#!/usr/bin/env bash
# Fuzzing campaign (issue "Safe to expose"): runs each target until it has executed RUNS inputs
# (default 10^7), seeded from the public suites in ../shared/corpora (read in place: the seeds
# are extracted into the cache, never into the repository), and appends one line per run to
# $FUZZ_STATE/campaign.tsv (date, target, executions, seconds, corpus size, result).
#
#   fuzz/campaign.sh [TARGET ...]      default: every target in fuzz/Cargo.toml
#   RUNS=10000000 NICE=19 FUZZ_STATE=/root/.cache/inboxlens/fuzz-state fuzz/campaign.sh
#
# Corpora persist in $FUZZ_STATE/corpus/TARGET between runs; a crash leaves its input in
# fuzz/artifacts/TARGET/ (turn it into a regression test) and marks the line `CRASH`.
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and RUSTC_BOOTSTRAP=1 on the pinned stable
# toolchain (see README "Fuzzing").
set -uo pipefail
FUZZ=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$FUZZ/.." && pwd)
CORPORA=${INBOXLENS_CORPORA:-$(cd "$ROOT/.." && pwd)/shared/corpora}
STATE=${FUZZ_STATE:-/root/.cache/inboxlens/fuzz-state}
TARGET_DIR=${FUZZ_TARGET_DIR:-/root/.cache/inboxlens/t-fuzz}
RUNS=${RUNS:-10000000}
NICE=${NICE:-0}
export RUSTC_BOOTSTRAP=1
mkdir -p "$STATE/corpus" "$STATE/seeds" "$STATE/logs"
[ -f "$STATE/campaign.tsv" ] || printf 'date\ttarget\texecutions\tseconds\tcorpus_files\tresult\n' > "$STATE/campaign.tsv"

# ---- seeds: one small file per unit, from the public suites (and the lab's own zone files)
seed_lines() { # seed_lines TARGET < lines : one file per distinct line
  local dir="$STATE/seeds/$1" n=0 line
  mkdir -p "$dir"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    printf '%s' "$line" > "$dir/$(printf '%s' "$line" | sha1sum | cut -c1-16)"; n=$((n + 1))
  done
  echo "seeds: $1 +$n lines"
}
seed_files() { # seed_files TARGET FILE... : files as they are (messages)
  local t=$1 dir="$STATE/seeds/$1" f; shift; mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(sha1sum < "$f" | cut -c1-16)"; done
  echo "seeds: $t $(ls "$dir" | wc -l) files"
}
make_seeds() {
  [ -d "$CORPORA" ] || { echo "campaign: no corpora at $CORPORA (INBOXLENS_CORPORA): empty seeds"; return; }
  local spf
  spf=$(grep -rhoE 'v=spf1[^"'"'"']*' "$CORPORA/openspf-spf-tests" "$CORPORA/mailauth/spf" 2>/dev/null | sort -u)
  printf '%s\n' "$spf" | seed_lines spf_record
  printf '%s\n' "$spf" | tr ' ' '\n' | sort -u | seed_lines spf_terms
  if command -v python3 >/dev/null; then
    python3 - "$CORPORA/mox/record-parse-vectors.json" <<'PY' | seed_lines domain_records
import json, sys
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): yield from walk(x)
    elif isinstance(v, list):
        for x in v: yield from walk(x)
    elif isinstance(v, str) and ('=' in v or ':' in v):
        yield v.replace('\n', '\\n')
try:
    for s in sorted(set(walk(json.load(open(sys.argv[1]))))): print(s)
except OSError: pass
PY
    python3 - "$CORPORA/mail-authenticationresults-perl" "$CORPORA/authres-python" <<'PY' | seed_lines auth_results
import json, os, re, sys
for root in sys.argv[1:]:
    for dp, _, fs in os.walk(root):
        for f in fs:
            text = open(os.path.join(dp, f), errors='replace').read()
            for m in re.findall(r'Authentication-Results:\s*([^"\n]+)', text): print(m.strip())
            for m in re.findall(r"parse\(['\"]([^'\"]+)['\"]", text): print(m.replace('Authentication-Results: ', ''))
PY
  fi
  seed_files analyze_message "$CORPORA"/mailauth/fixtures/*.eml "$CORPORA"/nodemailer-mailparser/*.eml \
    "$CORPORA"/stalwart-mail-auth/dkim/*.eml "$CORPORA"/spamassassin/* "$CORPORA"/mox/*.eml
  seed_files bounce "$CORPORA"/nodemailer-mailparser/*.eml "$CORPORA"/stalwart-mail-auth/arf/*
  seed_files zone_text "$ROOT"/tests/lab/conf/zones/*.zone
  # SMTP: the replies and commands of the lab's receivers and of RFC 5321's examples
  printf '%s\n' '220 mx.example.test ESMTP' '250-mx.example.test' '250-PIPELINING' '250-SIZE 10240000' \
    '250-STARTTLS' '250-AUTH PLAIN LOGIN' '250 SMTPUTF8' '450 4.7.1 <a@b.test>: Recipient address rejected: Greylisted, try again in 300 seconds' \
    '550 5.1.1 The email account that you tried to reach does not exist.' '421 4.7.0 Too many connections' \
    '535 5.7.8 Error: authentication failed' '354 End data with <CR><LF>.<CR><LF>' | seed_lines smtp_reply
  printf '%s\n' 'EHLO client.example.test' 'HELO x' 'MAIL FROM:<a@b.test> SIZE=100 BODY=8BITMIME SMTPUTF8' \
    'RCPT TO:<tok@fuzz.test>' 'DATA' 'RSET' 'NOOP' 'QUIT' 'STARTTLS' 'AUTH PLAIN AGJvYgBzZWNyZXQ=' 'VRFY x' \
    'BDAT 10 LAST' | seed_lines smtp_command
  # DNS wire: real responses for a.fuzz.test built by dnspython (the lab's venv), prefixed by the
  # type-picking byte of the dns_wire target (0 A, 1 AAAA, 2 MX, 3 TXT, 4 PTR, 5 CNAME, 6 TLSA, 7 CAA)
  local py=${LAB_STATE:-/tmp/inboxlens-lab}/venv/bin/python
  [ -x "$py" ] && mkdir -p "$STATE/seeds/dns_wire" && "$py" - "$STATE/seeds/dns_wire" <<'PY'
import sys, dns.message, dns.rrset
out = sys.argv[1]
cases = [(0, 'A', ['127.0.0.1', '192.0.2.7']), (1, 'AAAA', ['2001:db8::1']), (2, 'MX', ['10 mx.fuzz.test.', '0 .']),
         (3, 'TXT', ['"v=spf1 ip4:192.0.2.0/24 -all"', '"v=DMARC1; p=reject" "; rua=mailto:d@fuzz.test"']),
         (4, 'PTR', ['host.fuzz.test.']), (5, 'CNAME', ['b.fuzz.test.']),
         (6, 'TLSA', ['3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']),
         (7, 'CAA', ['0 issue "ca.example"'])]
for pick, rtype, rdatas in cases:
    q = dns.message.make_query('a.fuzz.test', rtype, want_dnssec=True)
    r = dns.message.make_response(q)
    r.answer.append(dns.rrset.from_text('a.fuzz.test.', 300, 'IN', rtype, *rdatas))
    open(f'{out}/{rtype}', 'wb').write(bytes([pick]) + r.to_wire())
print('seeds: dns_wire', len(cases), 'responses')
PY
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' "$FUZZ/Cargo.toml" | grep -v '^inboxlens-fuzz$')
fi
make_seeds
cd "$FUZZ" || exit 1
for t in "${targets[@]}"; do
  mkdir -p "$STATE/corpus/$t" "$STATE/seeds/$t"
  log="$STATE/logs/$t.$(date +%Y%m%dT%H%M%S).log"
  echo "campaign: $t to $RUNS executions (log $log)"
  t0=$(date +%s)
  nice -n "$NICE" cargo fuzz run -O --target-dir "$TARGET_DIR" "$t" "$STATE/corpus/$t" "$STATE/seeds/$t" \
    -- -runs="$RUNS" -print_final_stats=1 -rss_limit_mb=2048 -max_len=65536 > "$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  result=ok; [ $rc -eq 0 ] || result=CRASH
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${execs:-?}" "$secs" "$(ls "$STATE/corpus/$t" | wc -l)" "$result" \
    | tee -a "$STATE/campaign.tsv"
done
