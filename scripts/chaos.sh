#!/usr/bin/env bash
# `make chaos`: the fault-injection suite (executor/tests/chaos.rs, and the database failover
# in executor/tests/failover.rs) at full length, against a throwaway PostgreSQL. Prints one
# line per case and exits non-zero on any loss.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SCHEDULEMAN_ROOT"

scripts/install.sh
# The server too: a case runs it under a skewed clock.
cargo build --quiet -p executor -p server
PG_DIR=$(mktemp -d /tmp/scheduleman-chaos-XXXXXX)
chmod 755 "$PG_DIR"
cleanup() {
    "$TARGET_DIR/debug/executor" db stop --data-dir "$PG_DIR/pg" || true
    rm -rf "$PG_DIR"
}
trap cleanup EXIT
DATABASE_URL=$("$TARGET_DIR/debug/executor" db start --data-dir "$PG_DIR/pg" 2>"$PG_DIR/db.log")
export DATABASE_URL
CHAOS_SECONDS="${CHAOS_SECONDS:-60}" cargo test -p executor --test chaos --test failover -- --nocapture 2>&1 \
    | tee "$PG_DIR/chaos.log" | grep -E '^(chaos:|test |test result)'
# The pipeline's status is grep's; the suite's verdict is in its log.
! grep -q '^test result: FAILED' "$PG_DIR/chaos.log" && grep -q '^test result: ok' "$PG_DIR/chaos.log"
