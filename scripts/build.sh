#!/usr/bin/env bash
# Builds the site the way cargo-leptos would, without needing cargo-leptos:
# the hydrate bundle (wasm + JS glue), the stylesheet and public assets, then the server.
# Usage: scripts/build.sh [--release] [--with-tests]
# --with-tests builds the server in one go with the tests: the features the tests'
# dev-dependencies switch on (wiremock's hyper, tempfile's) are then the server's too, and the
# `cargo test` that follows rebuilds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

profile_dir=debug; cargo_profile=(); wasm_profile=(); wasm_dir=debug; server=(--bin=wevion)
for arg in "$@"; do
  case "$arg" in
    --release) profile_dir=release; cargo_profile=(--release); wasm_profile=(--profile=wasm-release); wasm_dir=wasm-release ;;
    --with-tests) server+=(--bins --lib --tests) ;;
    *) echo "build: unknown option $arg (expected --release or --with-tests)" >&2; exit 2 ;;
  esac
done

cargo build --lib --target=wasm32-unknown-unknown --target-dir="$CARGO_TARGET_DIR/front" \
  --no-default-features --features=hydrate "${wasm_profile[@]}"

pkg=target/site/pkg
mkdir -p "$pkg"
wasm-bindgen --target=web --out-name=wevion --out-dir="$pkg" \
  "$CARGO_TARGET_DIR/front/wasm32-unknown-unknown/$wasm_dir/wevion.wasm"
# HydrationScripts loads /pkg/wevion.wasm.
mv -f "$pkg/wevion_bg.wasm" "$pkg/wevion.wasm"
if [ "$profile_dir" = release ] && command -v wasm-opt >/dev/null; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int -o "$pkg/wevion.wasm" "$pkg/wevion.wasm"
fi
cp style/main.css "$pkg/wevion.css"
cp -r public/. target/site/

cargo build "${server[@]}" --no-default-features --features=ssr "${cargo_profile[@]}"
echo "built: $CARGO_TARGET_DIR/$profile_dir/wevion (site in target/site)"
