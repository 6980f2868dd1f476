#!/usr/bin/env bash
# THE test command of Inboxlens: sets the machine up, brings the mail lab up, runs
# every test stage, stops the lab, prints a summary and exits non-zero when any
# stage failed. Works from any directory, without a terminal or stdin, and with CI=true.
#
# Stages (each runs even when an earlier one failed; output streams through):
#   setup      scripts/setup.sh (toolchain, apt, trunk, wasm-bindgen-cli, npm, crates, lab tools)
#   lab        tests/lab/up.sh (real DNS/DNSBL/SMTP/HTTPS servers on 127.0.0.x; see tests/lab/README.md)
#   web-build  trunk build --release --offline (the Yew app, embedded by the server build)
#   lint       cargo fmt --check; cargo clippy -D warnings (native crates, all targets; the web app on wasm32)
#   native     cargo test --workspace --exclude inboxlens-web (unit + integration + lab tests)
#   wasm       wasm-bindgen tests of inboxlens-core in headless Chromium (tests/wasm_parity.rs)
#   e2e        node --test tests/e2e/ (playwright-core + Debian's chromium)
#   bench      bench/smoke.sh, when there is one
# A stage whose tests do not exist (yet) is reported as skipped.
#
# Environment given to the tests:
#   INBOXLENS_LAB=1             the lab is up (lab tests run; without it they skip)
#   INBOXLENS_REQUIRE_LAB=1     (CI=true) a lab test that finds no lab fails instead of skipping
#   INBOXLENS_REQUIRE_CORPORA=1 (CI=true) a corpus test that finds no corpora fails
#   LAB_HOME, LAB_STATE, LAB_CA, LAB_RESOLVER, ... every variable of tests/lab/lab.env
#   INBOXLENS_ROOT              the repository root
#   INBOXLENS_DIST              the web app built by trunk (for the e2e tests)
#   INBOXLENS_BIN               the debug `inboxlens` binary built by the native stage
#   CHROMIUM, CHROMEDRIVER      /usr/bin/chromium, /usr/bin/chromedriver
# Knobs:
#   INBOXLENS_SKIP_SETUP=1      do not run scripts/setup.sh
#   INBOXLENS_KEEP_LAB=0|1      stop / keep the lab at the end (default: keep it only when a
#                               lab was already running before this script started, so a
#                               developer's lab stays available; on CI it is stopped)
#   INBOXLENS_CARGO_TEST_ARGS   extra arguments for the native `cargo test` (e.g. "-- --nocapture")
set -uo pipefail
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
export INBOXLENS_ROOT=$ROOT
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

CI_MODE=0
case ${CI:-} in true|1|yes) CI_MODE=1 ;; esac

# ---- stage bookkeeping ------------------------------------------------------------
NAMES=() RESULTS=() TIMES=() NOTES=()
T_ALL=$EPOCHREALTIME
secs() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }
record() { NAMES+=("$1"); RESULTS+=("$2"); TIMES+=("$3"); NOTES+=("${4:-}"); }
banner() { printf '\n==================== [%s] %s\n' "$1" "$2"; }
# stage NAME DESCRIPTION CMD... : run CMD (stdin closed), record pass/fail + time
stage() {
  local name=$1 desc=$2 t=$EPOCHREALTIME rc; shift 2
  banner "$name" "$desc"
  "$@" </dev/null; rc=$?
  if [ $rc -eq 0 ]; then record "$name" pass "$(secs "$t")" "$desc"
  else record "$name" FAIL "$(secs "$t")" "$desc (exit $rc)"; fi
  printf '==================== [%s] %s (exit %s, %s s)\n' "$name" "$([ $rc -eq 0 ] && echo pass || echo FAIL)" "$rc" "$(secs "$t")"
  return $rc
}
skip() { banner "$1" "SKIPPED: $2"; record "$1" skipped 0.0 "$2"; }

# ---- the lab: always stopped on exit unless it is to be kept ----------------------
. "$ROOT/tests/lab/lab.env" || exit 1
LAB_WAS_UP=0
[ -n "$(lab_listeners)" ] && LAB_WAS_UP=1
KEEP_LAB=${INBOXLENS_KEEP_LAB:-$LAB_WAS_UP}
[ $CI_MODE = 1 ] && [ -z "${INBOXLENS_KEEP_LAB:-}" ] && KEEP_LAB=0
LAB_STARTED=0
finish_lab() {
  [ $LAB_STARTED = 1 ] || return 0
  if [ "$KEEP_LAB" = 1 ]; then
    echo "test.sh: leaving the lab up (it was up before; INBOXLENS_KEEP_LAB=0 stops it); stop it with tests/lab/down.sh"
  else
    echo "test.sh: stopping the lab"; "$ROOT/tests/lab/down.sh" </dev/null
  fi
  LAB_STARTED=0
}
trap finish_lab EXIT
trap 'echo "test.sh: interrupted" >&2; exit 130' INT TERM HUP

# ---- stages -----------------------------------------------------------------------
if [ "${INBOXLENS_SKIP_SETUP:-0}" = 1 ]; then skip setup "INBOXLENS_SKIP_SETUP=1"
else stage setup "scripts/setup.sh" "$ROOT/scripts/setup.sh"; fi

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium} CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
[ $CI_MODE = 1 ] && export INBOXLENS_REQUIRE_LAB=1 INBOXLENS_REQUIRE_CORPORA=1

LAB_STARTED=1   # from here on the trap stops whatever up.sh left running
if stage lab "tests/lab/up.sh (LAB_STATE=$LAB_STATE)" "$ROOT/tests/lab/up.sh"; then
  export INBOXLENS_LAB=1
else
  unset INBOXLENS_LAB
  echo "test.sh: the lab is not up; lab tests will skip$([ $CI_MODE = 1 ] && echo ', or fail (INBOXLENS_REQUIRE_LAB=1)')" >&2
fi

# where cargo puts its output (CARGO_TARGET_DIR, .cargo/config or ./target)
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null) \
  || TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export INBOXLENS_BIN=$TARGET_DIR/debug/inboxlens

# The web app first: the companion server binary built by the native stage embeds
# dist/ (server/build.rs rebuilds it when dist/ changes), and the e2e stage runs it.
# the Trunk project: the folder holding Trunk.toml (or index.html); frontend/ first
TRUNK_DIR=${INBOXLENS_TRUNK_DIR:-}
if [ -z "$TRUNK_DIR" ]; then
  for d in "$ROOT/frontend" "$ROOT"; do [ -f "$d/Trunk.toml" ] && { TRUNK_DIR=$d; break; }; done
  [ -n "$TRUNK_DIR" ] || for d in "$ROOT/frontend" "$ROOT"; do [ -f "$d/index.html" ] && { TRUNK_DIR=$d; break; }; done
fi
DIST_REL=dist
if [ -n "$TRUNK_DIR" ] && [ -f "$TRUNK_DIR/Trunk.toml" ]; then
  d=$(sed -n 's/^[[:space:]]*dist[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$TRUNK_DIR/Trunk.toml" | head -1)
  [ -n "$d" ] && DIST_REL=$d
fi
export INBOXLENS_DIST=${INBOXLENS_DIST:-$(realpath -m "${TRUNK_DIR:-$ROOT/frontend}/$DIST_REL")}
web_build() {
  [ -n "$TRUNK_DIR" ] || { echo "test.sh: no Trunk.toml or index.html in frontend/ or the repository root" >&2; return 1; }
  cargo fetch --locked || return 1
  # its own target dir (as Trunk.toml says): the web build neither waits on nor
  # invalidates the native builds
  (cd "$TRUNK_DIR" && CARGO_TARGET_DIR="$TARGET_DIR/web" trunk build --release --offline)
}
stage web-build "trunk build --release --offline (in ${TRUNK_DIR:-?}, CARGO_TARGET_DIR=$TARGET_DIR/web)" web_build

lint() {
  local rc=0
  cargo fmt --all --check || { echo "test.sh: cargo fmt --check found unformatted code (run cargo fmt --all)" >&2; rc=1; }
  cargo clippy --workspace --exclude inboxlens-web --all-targets -- -D warnings || rc=1
  # the web app builds only for wasm32 (its futures are not Send); its own target dir, as the web build
  CARGO_TARGET_DIR="$TARGET_DIR/web" cargo clippy -p inboxlens-web --target wasm32-unknown-unknown -- -D warnings || rc=1
  return $rc
}
stage lint "cargo fmt --check + cargo clippy -D warnings (workspace lints in Cargo.toml)" lint

read -r -a EXTRA_TEST_ARGS <<< "${INBOXLENS_CARGO_TEST_ARGS:-}"
stage native "cargo test --workspace --exclude inboxlens-web" \
  cargo test --workspace --exclude inboxlens-web --no-fail-fast "${EXTRA_TEST_ARGS[@]}"

if [ -f "$ROOT/crates/core/tests/wasm_parity.rs" ]; then
  stage wasm "inboxlens-core wasm_parity on wasm32 in headless Chromium" \
    env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
        CHROMEDRIVER="$CHROMEDRIVER" WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/scripts/webdriver.json" \
        cargo test -p inboxlens-core --target wasm32-unknown-unknown --test wasm_parity
else
  skip wasm "crates/core/tests/wasm_parity.rs does not exist"
fi


if [ -d "$ROOT/tests/e2e" ]; then
  stage e2e "node --test tests/e2e/ (INBOXLENS_DIST=$INBOXLENS_DIST)" node --test tests/e2e/
else
  skip e2e "tests/e2e/ does not exist"
fi

if [ -x "$ROOT/bench/smoke.sh" ]; then
  stage bench "bench/smoke.sh" "$ROOT/bench/smoke.sh"
else
  skip bench "no bench smoke test (bench/smoke.sh) yet"
fi

finish_lab

# ---- summary ----------------------------------------------------------------------
pass=0 fail=0 skipped=0
printf '\n==================== summary (%s s)\n' "$(secs "$T_ALL")"
printf '%-10s %-8s %8s  %s\n' stage result seconds what
for i in "${!NAMES[@]}"; do
  printf '%-10s %-8s %8s  %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}" "${NOTES[$i]}"
  case ${RESULTS[$i]} in pass) pass=$((pass + 1)) ;; FAIL) fail=$((fail + 1)) ;; *) skipped=$((skipped + 1)) ;; esac
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
