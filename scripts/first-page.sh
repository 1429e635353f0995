#!/usr/bin/env bash
# `make bench`, the browser's part: a release site (cargo leptos build --release --split
# --precompress: the pages' code in lazy chunks, app/src/routes.rs),
# a throwaway PostgreSQL, the release server, and Chromium opening the first pages under
# "Fast 3G" (scripts/first-page.mjs): bytes transferred and time until interactive, first as
# served compressed (the precompressed .br/.gz files), then as served before (the same build
# without them). Record runs in docs/benchmarks.md with the command.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/stack.sh"
cd "$SCHEDULEMAN_ROOT"

echo "==> building the release site" >&2
cargo leptos build --release --split --features split --precompress >&2
WORK=$(mktemp -d)
chmod 755 "$WORK" # the private PostgreSQL runs as postgres when we are root
cleanup() { stop_stack; [ -n "${DB_STOP:-}" ] && $DB_STOP; rm -rf "$WORK"; }
trap cleanup EXIT
DATABASE_URL=$("$TARGET_DIR/release/executor" db start --data-dir "$WORK/pg" 2>"$WORK/db.log")
DB_STOP="$TARGET_DIR/release/executor db stop --data-dir $WORK/pg"
SITE_ADDR=$(free_addr)
SCHEDULEMAN_TARGET_ALLOWLIST=127.0.0.0/8 DATABASE_URL=$DATABASE_URL LEPTOS_SITE_ADDR=$SITE_ADDR "$TARGET_DIR/release/server" \
    >"$WORK/server.log" 2>&1 &
STACK_PIDS+=($!)
wait_for_url "http://$SITE_ADDR/readyz" 120

pkg="$LEPTOS_SITE_ROOT/pkg"
node scripts/bundle-sizes.mjs "$pkg"
echo "--> served precompressed"
node scripts/first-page.mjs "http://$SITE_ADDR" 3
rm -f "$pkg"/*.br "$pkg"/*.gz
echo "--> served uncompressed (as before issue 21)"
node scripts/first-page.mjs "http://$SITE_ADDR" 3
