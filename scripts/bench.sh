#!/usr/bin/env bash
# `make bench`: release builds, then the benchmark scenarios, each printing its figures:
# a burst of 20,000 due at once, steady 100/s, 5,000/s and 10,000/s, all with 2 executors at their
# default settings (throughput, lag p50/p90/p99/max, lost, duplicates, CPU µs per trigger
# for the executors and PostgreSQL, executor peak RSS), then bulk creation of 20,000
# schedules. Each scenario starts its own throwaway PostgreSQL. Record runs in
# docs/benchmarks.md with the command.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SCHEDULEMAN_ROOT"

scripts/install.sh
echo "==> building release binaries" >&2
cargo build --quiet --release -p executor --bin executor --example throughput --example bulk_create

run() {
    echo
    echo "==> $*"
    "$@"
}
bench="$TARGET_DIR/release/examples"
run "$bench/throughput" --schedules 20000 --executors 2
run "$bench/throughput" --schedules 1000 --executors 2 --spread-seconds 10
run "$bench/throughput" --schedules 25000 --executors 2 --spread-seconds 5
run "$bench/throughput" --schedules 100000 --executors 2 --spread-seconds 10
run "$bench/bulk_create" --schedules 20000 --rounds 3
