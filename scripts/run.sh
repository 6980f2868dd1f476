#!/usr/bin/env bash
# THE main command of Inboxlens: build the web app and start the server with it.
#   scripts/run.sh [extra arguments for `inboxlens serve`]
# Steps: scripts/setup.sh --app (toolchain, trunk, wasm-bindgen-cli, npm wasm-opt,
# crates; not the mail lab), trunk build --release --offline, then
# cargo run --release -p inboxlens -- serve --listen $INBOXLENS_LISTEN ...
#   INBOXLENS_LISTEN   address to listen on (default 127.0.0.1:8080)
#   INBOXLENS_SKIP_SETUP=1 / INBOXLENS_SKIP_WEB_BUILD=1   skip those steps
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

LISTEN=${INBOXLENS_LISTEN:-127.0.0.1:8080}
# the command that serves the app (edit here when the serve flags change)
SERVE_CMD=(cargo run --release -p inboxlens -- serve --listen "$LISTEN")

[ "${INBOXLENS_SKIP_SETUP:-0}" = 1 ] || "$ROOT/scripts/setup.sh" --app

if [ "${INBOXLENS_SKIP_WEB_BUILD:-0}" != 1 ]; then
  # the Trunk project: the folder holding Trunk.toml (or index.html); frontend/ first
  TRUNK_DIR=${INBOXLENS_TRUNK_DIR:-}
  for f in Trunk.toml index.html; do
    for d in "$ROOT/frontend" "$ROOT"; do
      [ -z "$TRUNK_DIR" ] && [ -f "$d/$f" ] && TRUNK_DIR=$d
    done
  done
  [ -n "$TRUNK_DIR" ] || { echo "run.sh: no Trunk.toml or index.html in frontend/ or $ROOT" >&2; exit 1; }
  # the web build has its own target dir (as Trunk.toml says)
  TARGET_DIR=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  echo "run.sh: trunk build --release --offline (in $TRUNK_DIR, CARGO_TARGET_DIR=$TARGET_DIR/web)"
  (cd "$TRUNK_DIR" && CARGO_TARGET_DIR="$TARGET_DIR/web" trunk build --release --offline)
fi

echo "run.sh: ${SERVE_CMD[*]} $*"
exec "${SERVE_CMD[@]}" "$@"
