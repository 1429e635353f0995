#!/usr/bin/env bash
# `make test`: the whole suite. Formatting, clippy (server and wasm), the sqlx query data,
# unit and integration tests against a throwaway PostgreSQL, and the browser end-to-end tests
# against the real server, executors and echo target in headless Chromium, and schemathesis
# against the API's OpenAPI document.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/stack.sh"
cd "$SCHEDULEMAN_ROOT"

step() { echo "==> $*" >&2; }

scripts/install.sh

scripts/prune-target.sh

step "cargo fmt --check, leptosfmt --check (view! macros)"
cargo fmt --all --check
leptosfmt --check app/src | grep -v "^✅" || true
leptosfmt --check app/src >/dev/null

step "cargo clippy -D warnings (native, then the wasm frontend)"
cargo clippy --quiet --workspace --exclude frontend --all-targets -- -D warnings
cargo clippy --quiet -p frontend --target wasm32-unknown-unknown -- -D warnings

step "one door: the server and the UI build without the store's tables (only commands reach them)"
cargo clippy --quiet -p server -- -D warnings

step "cargo doc, warnings denied (broken intra-doc links fail)"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --workspace --exclude frontend

step "building the executor and starting a throwaway PostgreSQL"
cargo build --quiet -p executor
PG_DIR=$(mktemp -d /tmp/scheduleman-test-XXXXXX)
chmod 755 "$PG_DIR"
cleanup() {
    stop_stack
    "$TARGET_DIR/debug/executor" db stop --data-dir "$PG_DIR/pg" || true
    rm -rf "$PG_DIR"
}
trap cleanup EXIT
DATABASE_URL=$("$TARGET_DIR/debug/executor" db start --data-dir "$PG_DIR/pg" 2>"$PG_DIR/db.log")
export DATABASE_URL

step "sqlx: migrations apply, and .sqlx/ matches every query"
sqlx migrate run --source migrations >/dev/null
cargo sqlx prepare --workspace --check -- --all-targets --workspace --exclude frontend

step "cargo test (unit and integration, against the throwaway PostgreSQL)"
cargo test --workspace --exclude frontend 2>&1 | tee "$PG_DIR/cargo-test.log"

step "cron conformance: Scheduleman against cronsim and croner (every disagreement explained)"
cargo build --quiet -p executor --example conformance_next
python3 conformance/run.py --ours "$TARGET_DIR/debug/examples/conformance_next"

step "browser end-to-end tests"
cargo leptos build
SITE_ADDR=$(free_addr)
ECHO_ADDR=$(free_addr)
start_stack "$DATABASE_URL" "$SITE_ADDR" "$ECHO_ADDR" 2 "$PG_DIR/logs"
# A second server, started with an API token, for the sign-in test.
GUARDED_ADDR=$(free_addr)
GUARDED_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
DATABASE_URL=$DATABASE_URL LEPTOS_SITE_ADDR=$GUARDED_ADDR SCHEDULEMAN_API_TOKEN=$GUARDED_TOKEN \
    "$TARGET_DIR/debug/server" >"$PG_DIR/logs/server-guarded.log" 2>&1 &
STACK_PIDS+=($!)
wait_for_url "http://$GUARDED_ADDR/readyz" 120
SCHEDULEMAN_URL="http://$SITE_ADDR" SCHEDULEMAN_ECHO_URL="http://$ECHO_ADDR" \
    SCHEDULEMAN_GUARDED_URL="http://$GUARDED_ADDR" SCHEDULEMAN_GUARDED_TOKEN="$GUARDED_TOKEN" \
    node --test --test-reporter=spec end2end/ 2>&1 | tee "$PG_DIR/end2end.log" || {
    echo "end-to-end tests failed; server log:" >&2
    tail -n 50 "$PG_DIR/logs/server.log" >&2
    exit 1
}

step "schemathesis: the API against its own OpenAPI document (every check, 60 s)"
python3 -m schemathesis.cli --config-file conformance/schemathesis.toml \
    run "http://$SITE_ADDR/api/v1/openapi.json" --checks all --max-time 60 --workers 1 \
    --seed 20261201 2>&1 | tee "$PG_DIR/schemathesis.log" | tail -n 12 || {
    echo "schemathesis failed; what it found:" >&2
    sed -n '/^=* \(ERRORS\|FAILURES\) =*$/,/^=* SUMMARY =*$/p' "$PG_DIR/schemathesis.log" | head -n 120 >&2
    exit 1
}

# One closing line for the whole suite: Rust tests plus browser tests.
passed=$(( $(awk '/^test result:/ { sum += $4 } END { print sum + 0 }' "$PG_DIR/cargo-test.log") \
    + $(awk '/^ℹ pass/ { print $3 }' "$PG_DIR/end2end.log") ))
failed=$(( $(awk '/^test result:/ { sum += $6 } END { print sum + 0 }' "$PG_DIR/cargo-test.log") \
    + $(awk '/^ℹ fail/ { print $3 }' "$PG_DIR/end2end.log") ))
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
