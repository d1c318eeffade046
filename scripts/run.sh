#!/usr/bin/env bash
# Installs what the build needs, builds the site and serves it on http://127.0.0.1:3000
# (sandbox mode and embedded SQLite unless the environment or .env says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh "$@"
profile=debug; [ "${1:-}" = "--release" ] && profile=release
exec "$CARGO_TARGET_DIR/$profile/wevion" serve
