#!/usr/bin/env bash
# Install everything Inboxlens needs to build, run and test, on a fresh Debian 12
# machine. Idempotent: with everything present it only checks (a few seconds).
#
#   scripts/setup.sh          everything (what scripts/test.sh needs)
#   scripts/setup.sh --app    only what scripts/run.sh needs: Rust toolchain + wasm32
#                             target, trunk, wasm-bindgen-cli, npm (wasm-opt), crates
#
# Steps (each is skipped when already satisfied; timings are printed at the end):
#   toolchain    rustup toolchain install (reads rust-toolchain.toml; RUSTUP_AUTO_INSTALL=0
#                is set on these machines, so nothing installs it implicitly)
#   apt + lab    tests/lab/install.sh: the mail lab's Debian packages + chromium and
#                chromium-driver in one apt run (apt-get update only when something is
#                missing), the lab's PyPI venv and npm tools under $LAB_STATE
#   crates       cargo fetch --locked (trunk build --offline needs every crate present);
#                a Cargo.lock that no longer matches the manifests is updated with a
#                warning, or is an error with INBOXLENS_STRICT_LOCK=1
#   trunk        cargo install --locked trunk --version $TRUNK_VERSION, only when
#                `trunk --version` differs (~10 min from scratch)
#   wasm-bindgen wasm-bindgen-cli at the exact version of `wasm-bindgen` in Cargo.lock
#                (also gives wasm-bindgen-test-runner); installed WITHOUT --locked: its
#                own lockfile pins a webpki-roots version crates.io no longer has
#   npm          npm ci for the root package.json (playwright-core, binaryen's wasm-opt)
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.22.1
TOOLCHAIN=$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' rust-toolchain.toml)
[ -n "$TOOLCHAIN" ] || { echo "setup: no channel in rust-toolchain.toml" >&2; exit 1; }

MODE=all
case ${1:-} in
  "") ;;
  --app) MODE=app ;;
  -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {print}' "$0"; exit 0 ;;
  *) echo "usage: scripts/setup.sh [--app]" >&2; exit 2 ;;
esac

# ---- bookkeeping: every step prints what it did and how long it took ----------
REPORT=()
T_ALL=$EPOCHREALTIME
secs() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }
# step NAME FUNCTION : runs FUNCTION, which sets DID to a short description
step() {
  local name=$1 t=$EPOCHREALTIME
  DID=""
  echo "setup: [$name] ..."
  if "$2"; then
    REPORT+=("$(printf '%-13s %7ss  %s' "$name" "$(secs "$t")" "${DID:-ok}")")
  else
    REPORT+=("$(printf '%-13s %7ss  FAILED %s' "$name" "$(secs "$t")" "$DID")")
    print_report
    echo "setup: step '$name' failed" >&2
    exit 1
  fi
}
print_report() {
  echo "setup: summary (mode $MODE, $(secs "$T_ALL") s)"
  printf '  %s\n' "${REPORT[@]}"
}

# cargo install builds in a temporary directory, not in a (shared) CARGO_TARGET_DIR
cargo_install() { env -u CARGO_TARGET_DIR cargo "+$TOOLCHAIN" install "$@" </dev/null; }

# wait_other_install CRATE : another `cargo install CRATE` running on this machine
# (e.g. started by hand) would race with ours for ~/.cargo/bin; wait for it instead
# of starting a second build on a 2-core machine.
wait_other_install() {
  local pids
  pids=$(pgrep -f "cargo( \+[^ ]*)? install .*\b$1\b" || true)
  [ -n "$pids" ] || return 0
  echo "setup: another 'cargo install $1' is running (pid $(echo $pids)); waiting for it"
  while pgrep -f "cargo( \+[^ ]*)? install .*\b$1\b" >/dev/null; do sleep 5; done
}

# ---- steps ----------------------------------------------------------------------
do_toolchain() {
  command -v rustup >/dev/null || { DID="rustup not found (install it from https://rustup.rs)"; return 1; }
  if rustup toolchain list | grep -q "^$TOOLCHAIN-" \
     && rustup target list --installed --toolchain "$TOOLCHAIN" | grep -qx wasm32-unknown-unknown \
     && rustup component list --installed --toolchain "$TOOLCHAIN" 2>/dev/null | grep -q '^clippy'; then
    DID="$TOOLCHAIN with wasm32-unknown-unknown present"; return 0
  fi
  # no arguments: installs the toolchain, targets and components of rust-toolchain.toml
  rustup toolchain install </dev/null || { DID="rustup toolchain install failed"; return 1; }
  rustup target add --toolchain "$TOOLCHAIN" wasm32-unknown-unknown </dev/null
  DID="installed $TOOLCHAIN (+wasm32-unknown-unknown, rustfmt, clippy)"
}

do_lab() {
  local out
  out=$(LAB_EXTRA_APT_PKGS="chromium chromium-driver" "$ROOT/tests/lab/install.sh" </dev/null) \
    || { DID="tests/lab/install.sh failed"; printf '%s\n' "$out"; return 1; }
  printf '%s\n' "$out" | sed 's/^/  /'
  out=$(printf '%s\n' "$out" | grep -v 'install.sh: done' | sed 's/^install.sh: //' | paste -sd';' || true)
  DID=${out:-"apt packages (lab + chromium), lab venv and npm tools present"}
}

do_trunk() {
  local want="trunk $TRUNK_VERSION" have
  have=$(trunk --version 2>/dev/null || true)
  if [ "$have" != "$want" ]; then wait_other_install trunk; have=$(trunk --version 2>/dev/null || true); fi
  if [ "$have" = "$want" ]; then DID="$want present"; return 0; fi
  cargo_install --locked trunk --version "$TRUNK_VERSION" || { DID="cargo install trunk failed"; return 1; }
  DID="installed $want (was: ${have:-none})"
}

do_wasm_bindgen() {
  local v have
  v=$(awk '/^\[\[package\]\]/{n=""} /^name = "wasm-bindgen"$/{n=1; next} n && /^version = /{gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
  [ -n "$v" ] || { DID="no wasm-bindgen in Cargo.lock (nothing to install)"; return 0; }
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$v" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
    wait_other_install wasm-bindgen-cli
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  fi
  if [ "$have" = "$v" ] && command -v wasm-bindgen-test-runner >/dev/null; then
    DID="wasm-bindgen-cli $v present (= Cargo.lock)"; return 0
  fi
  cargo_install wasm-bindgen-cli --version "$v" || { DID="cargo install wasm-bindgen-cli $v failed"; return 1; }
  DID="installed wasm-bindgen-cli $v (was: ${have:-none})"
}

do_npm() {
  command -v npm >/dev/null || { DID="npm not found (Node.js >= 20 is needed)"; return 1; }
  # node_modules/.package-lock.json is npm's record of what it installed
  if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
     && [ node_modules/.package-lock.json -nt package.json ] && [ -x node_modules/.bin/wasm-opt ]; then
    DID="node_modules up to date ($(node_modules/.bin/wasm-opt --version 2>/dev/null))"; return 0
  fi
  npm ci --no-audit --no-fund --loglevel=error </dev/null || { DID="npm ci failed"; return 1; }
  DID="npm ci ($(node_modules/.bin/wasm-opt --version 2>/dev/null))"
}

do_crates() {
  if cargo fetch --locked </dev/null; then DID="all crates of Cargo.lock in ~/.cargo/registry"; return 0; fi
  # Cargo.lock does not match the Cargo.toml files (a dependency was added without
  # committing the lock file). INBOXLENS_STRICT_LOCK=1 makes that an error;
  # otherwise let cargo update the lock file (as any cargo build would) and say so.
  if [ "${INBOXLENS_STRICT_LOCK:-0}" = 1 ]; then DID="Cargo.lock is out of date (INBOXLENS_STRICT_LOCK=1)"; return 1; fi
  echo "setup: WARNING: Cargo.lock is out of date with the Cargo.toml files; updating it (commit the result)" >&2
  cargo fetch </dev/null || { DID="cargo fetch failed"; return 1; }
  DID="WARNING: Cargo.lock was out of date and has been updated by cargo fetch"
}

step toolchain do_toolchain
[ "$MODE" = app ] || step apt+lab do_lab
step crates do_crates          # first: wasm-bindgen's version is read from Cargo.lock
step trunk do_trunk
step wasm-bindgen do_wasm_bindgen
step npm do_npm
print_report
