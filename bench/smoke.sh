#!/usr/bin/env bash
# Bench smoke (a stage of scripts/test.sh): runs every comparison script briefly with the
# debug binary the tests already built, so the scripts keep working and CI prints their
# figures. Debug-build figures are NOT the README's (those come from release builds with
# the full sizes); nothing here is a pass/fail on speed — only a script that breaks fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INBOXLENS_BIN:-${CARGO_TARGET_DIR:-target}/debug/inboxlens}
[ -x "$BIN" ] || { echo "bench/smoke.sh: no $BIN (build it first: cargo build -p inboxlens)" >&2; exit 1; }
echo "== bench smoke with $BIN (debug build: figures are indicative only)"
echo "-- message analysis vs mailauth (N=60; its CLI on 10)"
INBOXLENS_BIN=$BIN N=60 MAILAUTH_CLI_N=10 bash bench/compare-mailauth.sh
echo "-- domain check vs checkdmarc (1 run, good.test)"
INBOXLENS_BIN=$BIN RUNS=1 DOMAINS="good.test" bash bench/compare-checkdmarc.sh
echo "-- list cleaning (N=2000 over 50 domains, --no-smtp and SMTP against the lab receiver, one kill -9 + --resume)"
INBOXLENS_BIN=$BIN N=2000 D=50 KILLS=1 bash bench/verify-list.sh
echo "-- mailbox verification vs Reacher (N=105, 1 run) — only when its driver is already built"
REACHER=${REACHER_BIN:-}
for c in ${CARGO_TARGET_DIR:+"$CARGO_TARGET_DIR/release/reacher-driver"} bench/reacher/target/release/reacher-driver; do
  [ -n "$REACHER" ] || { [ -x "$c" ] && REACHER=$c; }
done
if [ -n "$REACHER" ]; then
  INBOXLENS_BIN=$BIN REACHER_BIN=$REACHER REACHER_BUILD=0 N=105 REPS=1 bash bench/compare-reacher.sh
else
  echo "skipped: the Reacher driver is not built (CI never builds it; to run this part:"
  echo "  cargo build --release --manifest-path bench/reacher/Cargo.toml)"
fi
