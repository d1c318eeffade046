#!/usr/bin/env bash
# Installs what building needs, idempotently: the wasm target and wasm-bindgen-cli at the exact
# version in Cargo.lock. With --e2e also Chromium (Debian) and the Playwright packages (npm).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly; nothing else checks it.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want (have: ${have:-none})"
  # Not --locked: its own lock file names a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ "${1:-}" = "--e2e" ]; then
  if ! command -v chromium >/dev/null; then
    echo "setup: installing Chromium from Debian"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi
