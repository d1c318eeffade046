#!/usr/bin/env bash
# Runs every test: unit and integration tests on SQLite, the same on Postgres (a fresh database
# per test, dropped afterwards), then the Playwright suite against the built server.
# Postgres: TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --e2e
source scripts/env.sh
scripts/build.sh --with-tests

pg=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
status=0
summary=()
passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { # name, command...: runs it, keeps its output to count the results
  local name=$1; shift
  echo "=== $name"
  local ok=1
  "$@" 2>&1 | tee "$log" || ok=0
  # cargo: "test result: ok. 38 passed; 0 failed; 7 ignored; …" (ignored: skipped here);
  # Playwright: "  12 passed (15s)", "  1 flaky" (passed on a retry), "  1 failed", "  2 skipped",
  # "  3 did not run".
  local p f s
  p=$(sed -nE 's/^test result: .* ([0-9]+) passed; [0-9]+ failed.*/\1/p; s/^ +([0-9]+) (passed|flaky).*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
  f=$(sed -nE 's/^test result: .* [0-9]+ passed; ([0-9]+) failed.*/\1/p; s/^ +([0-9]+) failed.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
  s=$(sed -nE 's/^test result: .* ([0-9]+) ignored;.*/\1/p; s/^ +([0-9]+) (skipped|did not run).*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
  # A runner that failed without a failed test (a build error, a lint, a crash) is one failure.
  if [ "$ok" = 0 ] && [ "${f:-0}" = 0 ]; then f=1; fi
  if [ "$ok" = 1 ]; then summary+=("$name: ok"); else summary+=("$name: FAILED"); status=1; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
}

# Hygiene first; a failure here is reported at the end, and the tests still run.
run "cargo fmt" cargo fmt --all --check
run "cargo clippy (ssr)" cargo clippy --no-default-features --features ssr --lib --bins --tests --benches -- -D warnings
run "cargo clippy (hydrate)" cargo clippy --no-default-features --features hydrate --lib \
  --target wasm32-unknown-unknown --target-dir="$CARGO_TARGET_DIR/front" -- -D warnings

# --no-fail-fast: a failing test binary must not keep the others from running and being counted.
cargo_test=(cargo test --no-fail-fast --no-default-features --features ssr --bins --lib --tests)
# The tests that need Postgres are #[ignore = "needs Postgres"]: skipped on SQLite, run here.
run "cargo test (SQLite)" env -u TEST_DATABASE_URL "${cargo_test[@]}"
run "cargo test (Postgres)" env TEST_DATABASE_URL="$pg" "${cargo_test[@]}" -- --include-ignored
# Test databases are named wevion_t_*; drop what the run left behind.
if command -v psql >/dev/null; then
  psql "$pg" -Atc "select datname from pg_database where datname like 'wevion_t_%'" 2>/dev/null |
    while read -r db; do psql "$pg" -qc "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true; done
fi

rm -rf target/e2e && mkdir -p target/e2e
export WEVION_BIN="$CARGO_TARGET_DIR/debug/wevion"
run "playwright" bash -c 'cd end2end && npx playwright test'

echo
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
