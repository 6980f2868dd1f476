#!/usr/bin/env bash
# The web app's size floor: builds bench/wasm-floor (mail-parser + mail-auth verification
# only, no Inboxlens code) exactly as Trunk builds the app (wasm-release settings,
# wasm-bindgen, wasm-opt -Oz) and prints its gzipped size next to the app's, so the share
# of the budget the chosen dependencies take is measured, not guessed.
#   bench/wasm-floor.sh            # after `trunk build --release --offline` (for the app's figure)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cp -r bench/wasm-floor/. "$WORK/"
cp Cargo.lock rust-toolchain.toml "$WORK/"
FLOOR_TARGET_DIR=${FLOOR_TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/wasm-floor}
(cd "$WORK" && CARGO_TARGET_DIR=$FLOOR_TARGET_DIR cargo build -q --release --target wasm32-unknown-unknown)
cp "$FLOOR_TARGET_DIR/wasm32-unknown-unknown/release/inboxlens_wasm_floor.wasm" "$WORK/floor.wasm"
wasm-bindgen --target web --out-dir "$WORK/out" "$WORK/floor.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-reference-types --enable-multivalue "$WORK/out/floor_bg.wasm" -o "$WORK/floor.opt.wasm"
gz() { gzip -9 -c "$1" | wc -c; }
floor=$(gz "$WORK/floor.opt.wasm")
printf 'wasm floor (mail-parser + mail-auth verification, wasm-opt -Oz): %d bytes raw, %.1f KiB gzipped\n' \
  "$(stat -c %s "$WORK/floor.opt.wasm")" "$(echo "$floor / 1024" | bc -l)"
app=$(ls dist/*.wasm 2>/dev/null | head -1 || true)
if [ -n "$app" ]; then
  total=$(gz "$app")
  printf 'web app (%s): %.1f KiB gzipped; Inboxlens on top of the floor: %.1f KiB\n' "$app" \
    "$(echo "$total / 1024" | bc -l)" "$(echo "($total - $floor) / 1024" | bc -l)"
fi
