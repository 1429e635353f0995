#!/usr/bin/env bash
# `make bench`: release builds, then the benchmark scenarios, each printing its figures:
# a burst of 20,000 due at once (on analyzed tables, then on tables fresh from a bulk load
# without statistics), steady 100/s and 5,000/s, then a search for the highest steady
# rate with lag p99 <= 20 ms (scripts/find-rate.sh), all with 2 executors at their
# default settings (throughput, lag p50/p90/p99/max, lost, duplicates, CPU µs per trigger
# for the executors and PostgreSQL, executor peak RSS); 2 executors idle over 1,000,000
# stored schedules (CPU %); bulk creation of 20,000 schedules; and the server over HTTP:
# single creations from 16 clients, then the home page, dead letters, list and search with
# 1,000,000 stored; every page with 10,000 schedules, by one client and by 32; the time
# controls, backfills and schedules as code; and the first page in Chromium under "Fast 3G"
# (bytes transferred, time until interactive; scripts/first-page.sh). Each scenario starts its
# own throwaway PostgreSQL. Record runs in docs/benchmarks.md with the command.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SCHEDULEMAN_ROOT"

scripts/install.sh
echo "==> building release binaries" >&2
cargo build --quiet --release -p executor --bin executor --example throughput --example bulk_create
cargo build --quiet --release -p server --example http_load

run() {
    echo
    echo "==> $*"
    "$@"
}
bench="$TARGET_DIR/release/examples"
run "$bench/throughput" --schedules 20000 --executors 2
run "$bench/throughput" --schedules 20000 --executors 2 --unanalyzed
run "$bench/throughput" --schedules 1000 --executors 2 --spread-seconds 10
run "$bench/throughput" --schedules 25000 --executors 2 --spread-seconds 5
run bash scripts/find-rate.sh
run "$bench/throughput" --schedules 1000000 --executors 2 --idle-seconds 60
run "$bench/bulk_create" --schedules 20000 --rounds 3
run "$bench/http_load" --clients 16 --seconds 5 --stored 1000000
run "$bench/http_load" --clients 32 --seconds 3 --pages 10000
run "$bench/http_load" --clients 30 --seconds 5 --time-control 300
run bash scripts/first-page.sh
