#!/usr/bin/env bash
# Mailbox verification against the peer (issue 11): `inboxlens verify` vs Reacher's
# check-if-email-exists (crates.io 0.11.11, driven as a library by bench/reacher/), on the
# same lab receivers, the same list, the same cores, in one run. Measures
#   - accuracy against the truth the list is built with, per receiver behaviour (a table),
#     false undeliverable (an address that is not known to be undeliverable called
#     undeliverable: an existing mailbox, a blocked probe, a catch-all), false deliverable;
#   - wall time of each complete run (median of REPS, tools alternating first), addresses/s,
#     and the ratio; the Reacher driver's own in-process time (no process start-up, no
#     namespace set-up) and its ratio too, so the peer's start-up is not the headline.
# Then the same two figures on the list without grey (the one behaviour whose truth needs a
# wait: engine against engine) and, as a diagnostic, also without Postfix (see below).
# The list: N addresses spread evenly over the lab's verify.test behaviours (tests/lab/bin/
# verifysmtp.py, tests/lab/conf/zones/verify.test.zone) and the lab Postfix (good.test), every
# address distinct (the existing mailboxes — user / info / postmaster / sales on verifysmtp.py,
# user / postmaster / dmarc / tlsrpt on Postfix — in case variants: both match local parts
# case-insensitively; nonexistent ones nobodyK, not a role name for Reacher). Truth:
#   accept, good.test, gmail / yahoo / exchange texts, grey (450 "try again in 3 seconds"),
#   rcptcap (452 after 3 RCPTs), tlsreq (530 before STARTTLS), fallback (dead primary MX),
#   implicit (no MX, an A record: RFC 5321 §5.1), IDN domain, noutf8 with an ASCII local part:
#   the mailbox's real answer; catchall: risky; block (550 5.7.1 "client blocked"): unknown —
#   a block is about the prober, never undeliverable; alldead: unknown; nullmx (RFC 7505),
#   nosuch (NXDOMAIN), noaddr (MX host without an address), nomail (no MX, no address):
#   undeliverable; a UTF-8 local part on a receiver that advertises SMTPUTF8 (no such mailbox)
#   and on one that does not (RFC 6531 §3.4: it cannot be sent there at all): undeliverable.
# Not in the list: ratelimit.verify.test (its per-minute state carries over between runs and
# tools, so two runs are not comparable); RATELIMIT=1 measures it separately afterwards
# (a minute's pause before each tool; its own small table).
# Verdicts: inboxlens's verdict as is; Reacher's is_reachable safe -> deliverable, invalid ->
# undeliverable, risky -> risky, unknown -> unknown. Reacher calls every role account risky
# (user, info, postmaster, sales — and "nobody" — are in its roles list), so the headline
# maps it "role-neutral": risky only because of the role flag is read from its SMTP answer
# (is_deliverable -> deliverable, else undeliverable); the is_reachable-as-printed figure is
# shown too. inboxlens reports the role as a column and keeps the verdict.
# Settings for both: concurrency CONCURRENCY (inboxlens's default, 16), EHLO verifier.lab.test,
# a MAIL FROM of its own per tool and run (greylisting keys on the sender: each run meets a
# fresh greylist), SMTP step deadline TIMEOUT_S (Reacher: per connection). Reacher: port 25,
# RETRIES=2 connections per address (its documented way past greylisting), no Gravatar / HIBP
# / headless / web APIs. inboxlens: its defaults otherwise (2 sessions per MX host, waits out
# greylisting up to --max-wait-s).
# Physical floor: the grey receiver refuses a new (client, sender, recipient) triplet for
# LAB_VERIFY_GREY_S (3) seconds, its reply saying "try again in 4 seconds", so a verifier that
# gets grey addresses right cannot end before 3 s (4 s if it trusts the hint) + one RCPT round
# trip after its last greylisted first attempt; without grey, the receivers: one Python
# aiosmtpd process for all of verify.test (both tools share it) and Postfix.
# DNS: inboxlens asks the lab resolver (--resolver 127.0.0.1); Reacher reads /etc/resolv.conf
# (hickory's system configuration, a new resolver per address) — it runs in a private mount
# namespace with a resolv.conf naming 127.0.0.1 only bind-mounted over /etc/resolv.conf. No
# traffic leaves 127.0.0.0/8.
#   bench/compare-reacher.sh                          # N=1000, REPS=3
#   N=2000 REPS=5 CONCURRENCY=32 bench/compare-reacher.sh
#   INBOXLENS_ARGS="--per-domain-concurrency 8" bench/compare-reacher.sh
#   INBOXLENS_BIN=target/debug/inboxlens REACHER_BIN=/path/reacher-driver bench/compare-reacher.sh
#   KEEP=1 bench/compare-reacher.sh     # keep the work folder: the lists, every run's JSON lines
# The peer is built on first use (cargo build --release in bench/reacher, a few minutes);
# REACHER_BUILD=0 refuses to build it. Needs the lab up (tests/lab/up.sh) and root (or
# user namespaces: unshare -rm) for the mount namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lab/lab.env
BIN=${INBOXLENS_BIN:-${CARGO_TARGET_DIR:-target}/release/inboxlens}
[ -x "$BIN" ] || BIN=${CARGO_TARGET_DIR:-target}/debug/inboxlens
[ -x "$BIN" ] || { echo "compare-reacher: build inboxlens first (cargo build --release -p inboxlens)" >&2; exit 1; }
N=${N:-1000}
REPS=${REPS:-3}
CONCURRENCY=${CONCURRENCY:-16}
TIMEOUT_S=${TIMEOUT_S:-30}
RETRIES=${RETRIES:-2}
RATELIMIT=${RATELIMIT:-0}
INBOXLENS_ARGS=${INBOXLENS_ARGS:-}   # more `inboxlens verify` options, e.g. "--per-domain-concurrency 8"
HELO=verifier.lab.test
RESOLVER=${LAB_RESOLVER:-127.0.0.1}
case $RESOLVER in 127.*) ;; *) echo "compare-reacher: resolver $RESOLVER is not on 127.0.0.0/8; refusing" >&2; exit 2 ;; esac

# The peer: REACHER_BIN, else where `cargo build --release` in bench/reacher puts it.
REACHER=${REACHER_BIN:-}
if [ -z "$REACHER" ]; then
  for c in ${CARGO_TARGET_DIR:+"$CARGO_TARGET_DIR/release/reacher-driver"} bench/reacher/target/release/reacher-driver; do
    [ -x "$c" ] && { REACHER=$c; break; }
  done
fi
if [ -z "$REACHER" ]; then
  [ "${REACHER_BUILD:-1}" = 0 ] && { echo "compare-reacher: the Reacher driver is not built (cargo build --release --manifest-path bench/reacher/Cargo.toml) and REACHER_BUILD=0" >&2; exit 3; }
  echo "compare-reacher: building the Reacher driver (bench/reacher, release; a few minutes, once)" >&2
  nice cargo build --release -q --manifest-path bench/reacher/Cargo.toml
  REACHER=${CARGO_TARGET_DIR:-bench/reacher/target}/release/reacher-driver
fi
[ -x "$REACHER" ] || { echo "compare-reacher: no Reacher driver at $REACHER" >&2; exit 1; }

dig +time=2 +tries=1 @"$RESOLVER" accept.verify.test MX +short 2>/dev/null | grep -q mx.accept ||
  { echo "compare-reacher: the lab resolver $RESOLVER does not answer verify.test (tests/lab/up.sh)" >&2; exit 2; }
python3 -c 'import socket; socket.create_connection(("127.0.0.70", 25), 2)' 2>/dev/null ||
  { echo "compare-reacher: the lab's verify.test receivers (127.0.0.70-80:25) are not up (tests/lab/up.sh)" >&2; exit 2; }

W=$(mktemp -d /tmp/inboxlens-bench-reacher.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
[ -z "${KEEP:-}" ] || echo "compare-reacher: work folder $W (kept)" >&2
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$RESOLVER" >"$W/resolv.conf"
UNSHARE=(unshare -m)
[ "$(id -u)" = 0 ] || UNSHARE=(unshare -rm)
now_ns() { date +%s%N; }
RUN_ID=$$-$(date +%s)

# make_list FILE.tsv N RATELIMIT_ONLY : address <TAB> behaviour <TAB> truth, one a line
make_list() {
  python3 - "$1" "$2" "$3" <<'EOF'
import itertools, random, sys
out, n, rl_only = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
random.seed(11)
D, U, R, K = "deliverable", "undeliverable", "risky", "unknown"
# (behaviour, domain, kind, fixed truth): kind "mailbox" = half existing (truth D), half not (U)
BEHAVIOURS = [
    ("accept", "accept.verify.test", "mailbox", None),
    ("postfix good.test", "good.test", "mailbox", None),
    ("gmail text", "gmail.verify.test", "mailbox", None),
    ("yahoo text", "yahoo.verify.test", "mailbox", None),
    ("exchange text", "exchange.verify.test", "mailbox", None),
    ("catchall", "catchall.verify.test", "mailbox", R),
    ("block (our IP)", "block.verify.test", "mailbox", K),
    ("grey 3 s", "grey.verify.test", "mailbox", None),
    ("rcptcap 452", "rcptcap.verify.test", "mailbox", None),
    ("tlsreq 530", "tlsreq.verify.test", "mailbox", None),
    ("fallback MX", "fallback.verify.test", "mailbox", None),
    ("alldead MX", "alldead.verify.test", "mailbox", K),
    ("implicit MX (A)", "implicit.verify.test", "mailbox", None),
    ("IDN domain", "münchen.verify.test", "mailbox", None),
    ("noutf8 ASCII", "noutf8.verify.test", "mailbox", None),
    ("utf8 local, SMTPUTF8", "utf8.verify.test", "utf8", U),
    ("utf8 local, no SMTPUTF8", "noutf8.verify.test", "utf8", U),
    ("nullmx", "nullmx.verify.test", "mailbox", U),
    ("nosuch NXDOMAIN", "nosuch.verify.test", "mailbox", U),
    ("noaddr MX host", "noaddr.verify.test", "mailbox", U),
    ("nomail", "nomail.verify.test", "mailbox", U),
]
if rl_only:
    BEHAVIOURS = [("ratelimit 421", "ratelimit.verify.test", "mailbox", None)]
EXISTING = ["user", "info", "postmaster", "sales"]  # verifysmtp.py's mailboxes
EXISTING_AT = {"good.test": ["user", "postmaster", "dmarc", "tlsrpt"]}  # the lab Postfix's vmailbox

def variants(name):
    """Every upper/lower-case spelling of a local part (the receivers compare lowercased)."""
    vs = ["".join(c) for c in itertools.product(*[(ch, ch.upper()) for ch in name])]
    random.shuffle(vs)
    return vs

pools = {}  # (domain, name) -> iterator over case variants, cycling when used up
serial = itertools.count(1)
rows = []
for i in range(n):
    beh, dom, kind, fixed = BEHAVIOURS[i % len(BEHAVIOURS)]
    k = next(serial)
    if kind == "utf8":
        local, truth = f"jörg{k}", fixed
    elif (i // len(BEHAVIOURS)) % 2 == 0:
        name = EXISTING_AT.get(dom, EXISTING)[(i // (2 * len(BEHAVIOURS))) % 4]
        it = pools.setdefault((dom, name), itertools.cycle(variants(name)))
        local, truth = next(it), fixed or D
    else:
        local, truth = f"nobody{k}", fixed or U
    rows.append((f"{local}@{dom}", beh, truth))
random.shuffle(rows)
with open(out, "w") as f:
    for r in rows:
        f.write("\t".join(r) + "\n")
with open(out[:-4] + ".order", "w") as f:  # the table's row order
    f.write("\n".join(b[0] for b in BEHAVIOURS) + "\n")
EOF
  cut -f1 "$1" >"${1%.tsv}.txt"
}

# run_inboxlens LIST.txt OUT.jsonl FROM [ARGS...]
run_inboxlens() {
  local list=$1 out=$2 from=$3; shift 3
  "$BIN" verify --input "$list" --format txt --jsonl --allow-private --resolver "$RESOLVER" \
    --helo "$HELO" --from-address "$from" --concurrency "$CONCURRENCY" --timeout-s "$TIMEOUT_S" $INBOXLENS_ARGS "$@" \
    >"$out" 2>"$W/il.err" || { echo "compare-reacher: inboxlens failed:" >&2; cat "$W/il.err" >&2; exit 1; }
}
# run_reacher LIST.txt OUT.jsonl FROM : in a mount namespace whose /etc/resolv.conf is the lab's
run_reacher() {
  local list=$1 out=$2 from=$3
  "${UNSHARE[@]}" -- sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' ns "$W/resolv.conf" \
    "$REACHER" --concurrency "$CONCURRENCY" --helo "$HELO" --from "$from" --port 25 \
    --timeout-s "$TIMEOUT_S" --retries "$RETRIES" <"$list" >"$out" 2>"$W/rch.err" ||
    { echo "compare-reacher: the Reacher driver failed:" >&2; cat "$W/rch.err" >&2; exit 1; }
  # its own in-process wall time: "reacher-driver: N addresses in MS ms (in-process), ..."
  sed -n 's/.* addresses in \([0-9]*\) ms (in-process).*/\1/p' "$W/rch.err" >"$out.inproc"
}

# score TSV PREFIX REPS full|brief : accuracy per behaviour (full) and the totals, times from
# PREFIX.{il,rch}.REP.ms
score() {
  python3 - "$@" <<'EOF'
import collections, json, os, statistics, sys
tsv, prefix, reps, brief = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "brief"
rows = [l.rstrip("\n").split("\t") for l in open(tsv, encoding="utf-8")]
n = len(rows)
order_file = tsv[:-4] + ".order"
order = [l.strip() for l in open(order_file, encoding="utf-8")] if os.path.exists(order_file) else []
order = [b for b in order if any(r[1] == b for r in rows)]
REACH = {"safe": "deliverable", "invalid": "undeliverable", "risky": "risky", "unknown": "unknown"}
ABBR = {"deliverable": "D", "undeliverable": "U", "risky": "R", "unknown": "K"}

def reacher_why(r):
    """A short cause of a Reacher answer, from its SMTP details or error."""
    smtp = r.get("smtp") or {}
    if isinstance(smtp, dict) and "error" in smtp:
        msg = smtp["error"].get("message", "")
        low = msg.lower()
        for key, word in (("greylist", "450 greylisted"), ("starttls", "530 STARTTLS"),
                          ("refused", "conn. refused"), ("too many", "452/421"),
                          ("yahoo.com account", "554 text unparsed")):
            if key in low:
                return word
        return msg[:30]
    if r.get("is_valid_syntax") is False:
        return "syntax refused"
    if not (r.get("mx") or {}).get("accepts_mail"):
        return "no MX: invalid"
    if smtp.get("is_catch_all"):
        return "catch-all"
    if r.get("is_role_account") and r["is_reachable"] == "risky":
        return "role" + ("+550" if not smtp.get("is_deliverable") else "")
    return "5xx=not found" if not smtp.get("is_deliverable") else "250"

def reacher_neutral(r):
    """is_reachable, except that risky only because of the role flag reads the SMTP answer."""
    v = REACH[r["is_reachable"]]
    smtp = r.get("smtp") or {}
    if v == "risky" and isinstance(smtp, dict) and "error" not in smtp and not smtp.get("is_catch_all") \
            and not smtp.get("has_full_inbox") and not r.get("is_disposable"):
        return "deliverable" if smtp.get("is_deliverable") else "undeliverable"
    return v

def load(rep):
    il = [json.loads(l) for l in open(f"{prefix}.il.{rep}.jsonl", encoding="utf-8")]
    assert len(il) == n and all(a["address"] == r[0] for a, r in zip(il, rows)), f"inboxlens run {rep}: rows missing or out of order"
    rc = [None] * n
    for l in open(f"{prefix}.rch.{rep}.jsonl", encoding="utf-8"):
        d = json.loads(l)
        rc[d["line"]] = d
    assert all(x is not None and x["address"] == r[0] for x, r in zip(rc, rows)), f"reacher run {rep}: an address is missing"
    return il, rc

tools = ("inboxlens", "reacher", "reacher_strict")
agree = {t: collections.Counter() for t in tools}
per_n = collections.Counter()
truths = collections.defaultdict(collections.Counter)
wrong = {t: collections.defaultdict(collections.Counter) for t in ("inboxlens", "reacher")}
false_u = collections.Counter()
false_d = collections.Counter()
verdicts = {t: collections.Counter() for t in tools}
dur = {t: collections.defaultdict(list) for t in ("inboxlens", "reacher")}
for rep in range(1, reps + 1):
    il, rc = load(rep)
    for (addr, beh, truth), a, r in zip(rows, il, rc):
        if beh not in order:
            order.append(beh)
        per_n[beh] += 1
        truths[beh][truth] += 1
        dur["inboxlens"][beh].append(a["duration_ms"])
        dur["reacher"][beh].append(r["duration_ms"])
        got = {"inboxlens": a["verdict"], "reacher": reacher_neutral(r), "reacher_strict": REACH[r["is_reachable"]]}
        for t, v in got.items():
            verdicts[t][v] += 1
            if v == truth:
                agree[t][beh] += 1
            elif v == "undeliverable":
                false_u[t] += 1
            elif v == "deliverable" and truth == "undeliverable":
                false_d[t] += 1
        if got["inboxlens"] != truth:
            wrong["inboxlens"][beh][f'{ABBR.get(got["inboxlens"], "?")} {a["reason"]}'] += 1
        if got["reacher"] != truth:
            wrong["reacher"][beh][f'{ABBR.get(got["reacher"], "?")} {reacher_why(r)}'] += 1
tot = n * reps

def pct(a, b):
    return f"{100 * a / b:.1f} %" if b else "-"

def why(t, beh):
    return ", ".join(f"{k} x{v / reps:g}" for k, v in wrong[t][beh].most_common(2))

if not brief:
    print(f"{'behaviour':<24} {'n':>4} {'truth':<9} {'inboxlens':>9} {'reacher':>8} {'strict':>8}  {'reacher misses (per run)':<30} inboxlens misses")
    for beh in order:
        tr = " ".join(f"{ABBR[k]}{v // reps}" for k, v in sorted(truths[beh].items()))
        print(f"{beh:<24} {per_n[beh] // reps:>4} {tr:<9} {pct(agree['inboxlens'][beh], per_n[beh]):>9} "
              f"{pct(agree['reacher'][beh], per_n[beh]):>8} {pct(agree['reacher_strict'][beh], per_n[beh]):>8}  "
              f"{why('reacher', beh):<30} {why('inboxlens', beh)}")
    print("(truth: D deliverable, U undeliverable, R risky, K unknown; reacher: role-neutral mapping; strict: its")
    print(" is_reachable as printed; a miss: the verdict given and why, Reacher's from its SMTP answer or error)")
    print()

ms = {t: [int(open(f"{prefix}.{t}.{rep}.ms").read()) for rep in range(1, reps + 1)] for t in ("il", "rch")}
inproc = [int(open(f"{prefix}.rch.{rep}.jsonl.inproc").read().strip() or 0) for rep in range(1, reps + 1)]
med = {t: statistics.median(v) for t, v in ms.items()}
med_in = statistics.median(inproc)
acc = {t: sum(agree[t].values()) for t in tools}
print(f"{'':<30} {'inboxlens':>12} {'reacher':>12} {'reacher strict':>15}")
frac = {t: f"{acc[t]}/{tot}" for t in tools}
print(f"{'agree with truth (all runs)':<30} {frac['inboxlens']:>12} {frac['reacher']:>12} {frac['reacher_strict']:>15}")
print(f"{'accuracy':<30} {pct(acc['inboxlens'], tot):>12} {pct(acc['reacher'], tot):>12} {pct(acc['reacher_strict'], tot):>15}")
print(f"{'false undeliverable per run':<30} {false_u['inboxlens'] / reps:>12g} {false_u['reacher'] / reps:>12g} {false_u['reacher_strict'] / reps:>15g}")
print(f"{'false deliverable per run':<30} {false_d['inboxlens'] / reps:>12g} {false_d['reacher'] / reps:>12g} {false_d['reacher_strict'] / reps:>15g}")
print(f"{f'wall time, median of {reps} (s)':<30} {med['il'] / 1000:>12.2f} {med['rch'] / 1000:>12.2f}")
print(f"{'  each run (s)':<30} {' '.join(f'{x / 1000:.2f}' for x in ms['il']):>12} {' '.join(f'{x / 1000:.2f}' for x in ms['rch']):>12}")
print(f"{'  reacher in-process (s)':<30} {'':>12} {med_in / 1000:>12.2f}")
print(f"{'addresses/s':<30} {n / (med['il'] / 1000):>12.0f} {n / (med['rch'] / 1000):>12.0f}")
if not brief:
    for t, label in (("inboxlens", "inboxlens"), ("reacher", "reacher"), ("reacher_strict", "reacher strict")):
        print(f"verdicts per run, {label + ':':<16} " + ", ".join(f"{k} {v // reps}" for k, v in verdicts[t].most_common()))
    for t in ("inboxlens", "reacher"):
        slow = sorted(((statistics.median(v), b) for b, v in dur[t].items()), reverse=True)[:3]
        print(f"slowest behaviours, {t + ':':<14} " + ", ".join(f"{b} {m:.0f} ms" for m, b in slow)
              + " (median time of one address, as the tool reports it)")
ratio = med["rch"] / med["il"] if med["il"] else 0
print(f"ratio: wall time reacher / inboxlens = {ratio:.2f}x (>= 1: inboxlens at least as fast; Reacher in-process: "
      f"{med_in / med['il'] if med['il'] else 0:.2f}x); accuracy {pct(acc['inboxlens'], tot)} vs {pct(acc['reacher'], tot)} "
      f"({100 * (acc['inboxlens'] - acc['reacher']) / tot:+.1f} points); false undeliverable "
      f"{false_u['inboxlens'] / reps:g} vs {false_u['reacher'] / reps:g} per run")
EOF
}

# The lab is shared: a restart (tests/lab/up.sh from another worktree) in the middle of a run
# turns every answer into a time-out. Its daemons' pids before and after each run tell.
lab_pids() { cat "$LAB_STATE"/run/pids/*.pid "$LAB_STATE"/run/*.pid 2>/dev/null | tr '\n' ' '; }
LAB_PIDS=$(lab_pids)
lab_unchanged() {
  [ "$(lab_pids)" = "$LAB_PIDS" ] && return 0
  echo "compare-reacher: the lab restarted during the run (its daemons' pids changed): figures void, run again" >&2
  exit 4
}

# timed_runs LIST.txt PREFIX : REPS runs of each tool, alternating which goes first (neither
# always meets a warmer receiver); a MAIL FROM per tool and run (a fresh greylist each time)
timed_runs() {
  local list=$1 prefix=$2 rep t first
  for rep in $(seq "$REPS"); do
    if [ $((rep % 2)) = 1 ]; then first="il rch"; else first="rch il"; fi
    for t in $first; do
      t0=$(now_ns)
      if [ "$t" = il ]; then
        run_inboxlens "$list" "$prefix.il.$rep.jsonl" "il-$RUN_ID-${prefix##*/}$rep@$HELO"
      else
        run_reacher "$list" "$prefix.rch.$rep.jsonl" "rch-$RUN_ID-${prefix##*/}$rep@$HELO"
      fi
      t1=$(now_ns)
      lab_unchanged
      echo $(((t1 - t0) / 1000000)) >"$prefix.$t.$rep.ms"
    done
  done
}

make_list "$W/list.tsv" "$N" 0
echo "== inboxlens verify vs Reacher check-if-email-exists 0.11.11: $N addresses, $(cut -f2 "$W/list.tsv" | sort -u | wc -l) behaviours, $REPS runs each, concurrency $CONCURRENCY"
echo "   inboxlens: $BIN${INBOXLENS_ARGS:+ ($INBOXLENS_ARGS)}"
echo "   reacher:   $REACHER (retries $RETRIES, DNS $RESOLVER via a private /etc/resolv.conf)"
timed_runs "$W/list.txt" "$W/r"
score "$W/list.tsv" "$W/r" "$REPS" full
# The same list without the greylisting receiver: the one behaviour whose truth needs a wait
# (its 3 s floor, which Reacher does not wait out), so what is left is engine against engine.
# Then, as a diagnostic (not a headline), also without the lab Postfix (good.test), which
# costs a session time two ways: ~1 s to open a queue file at the first accepted RCPT of every
# transaction, and past smtpd_soft_error_limit (10) rejected RCPTs in one session a 1 s
# smtpd_error_sleep_time before each reply (the session is dropped at 20). A verifier that
# batches many recipients into few sessions meets both one after another; Reacher's one
# short connection per address, 16 at a time, overlaps the first and never meets the second.
subset() { # subset NAME LABEL REGEX : the list without the rows whose behaviour matches REGEX
  grep -Ev "$(printf '\t')($3)$(printf '\t')" "$W/list.tsv" >"$W/$1.tsv"
  cut -f1 "$W/$1.tsv" >"$W/$1.txt"
  echo
  echo "== $2 ($(wc -l <"$W/$1.tsv") addresses)"
  timed_runs "$W/$1.txt" "$W/$1"
  score "$W/$1.tsv" "$W/$1" "$REPS" brief
}
subset nowait "the same list without grey.verify.test: no receiver asks anyone to wait" "grey 3 s"
subset nopostfix "diagnostic: also without good.test (Postfix's queue-file second and error sleep)" "grey 3 s|postfix good.test"
echo "(load average now: $(cut -d' ' -f1-3 /proc/loadavg); wall times include process start-up (and for Reacher the"
echo " mount namespace); goal: accuracy above Reacher's, false undeliverable 0, ratio >= 1)"

if [ "$RATELIMIT" = 1 ]; then
  # ratelimit.verify.test allows LAB_VERIFY_RATE_N RCPTs per minute per client IP, then 421:
  # each tool starts after a minute without traffic to it; inboxlens may wait out the window.
  make_list "$W/rl.tsv" 16 1
  echo
  echo "== ratelimit.verify.test (${LAB_VERIFY_RATE_N} RCPTs/min, then 421), 16 addresses, one run each after a 61 s pause"
  sleep 61; t0=$(now_ns); run_inboxlens "$W/rl.txt" "$W/rl.il.1.jsonl" "il-$RUN_ID-rl@$HELO" --max-wait-s 150; t1=$(now_ns)
  lab_unchanged
  echo $(((t1 - t0) / 1000000)) >"$W/rl.il.1.ms"
  sleep 61; t0=$(now_ns); run_reacher "$W/rl.txt" "$W/rl.rch.1.jsonl" "rch-$RUN_ID-rl@$HELO"; t1=$(now_ns)
  lab_unchanged
  echo $(((t1 - t0) / 1000000)) >"$W/rl.rch.1.ms"
  score "$W/rl.tsv" "$W/rl" 1 full
fi
