#!/usr/bin/env bash
# `make sqlx-prepare`: regenerates .sqlx/ (the compile-time query data) against a
# PostgreSQL with every migration applied: DATABASE_URL when set, else a throwaway one
# started with an already built `executor` (a new query cannot build offline before its
# data exists, so the binary from before the change is used when there is one).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SCHEDULEMAN_ROOT"
scripts/install.sh
if [ -z "${DATABASE_URL:-}" ]; then
    [ -x "$TARGET_DIR/debug/executor" ] || cargo build --quiet -p executor
    PG_DIR=$(mktemp -d /tmp/scheduleman-prepare-XXXXXX)
    chmod 755 "$PG_DIR"
    trap '"$TARGET_DIR/debug/executor" db stop --data-dir "$PG_DIR/pg" || true; rm -rf "$PG_DIR"' EXIT
    DATABASE_URL=$("$TARGET_DIR/debug/executor" db start --data-dir "$PG_DIR/pg" 2>/dev/null)
    export DATABASE_URL
fi
sqlx migrate run --source migrations >/dev/null
cargo sqlx prepare --workspace -- --all-targets --workspace --exclude frontend
