#!/usr/bin/env bash
# `make bench`: the highest sustained trigger rate whose lag p99 stays within 20 ms, found by
# search rather than assumed: each trial is `throughput` with RATE x 5 schedules spread over
# 5 s (2 executors at their defaults, a throwaway PostgreSQL each); the rate doubles from
# 1,000/s until a trial misses, then bisects 4 times between the last pass and the first miss.
# Prints every trial and the answer. Needs the release binaries `make bench` builds.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bench="${THROUGHPUT:-$TARGET_DIR/release/examples/throughput}" # THROUGHPUT=... measures another build
read -r -a extra <<<"${THROUGHPUT_ARGS:-}" # e.g. THROUGHPUT_ARGS=--unanalyzed
goal_ms=${GOAL_MS:-20}

# trial RATE: prints the trial's p99 lag in ms (or a huge number when triggers were lost).
trial() {
    local rate=$1 out p99 lost
    out=$("$bench" --schedules $((rate * 5)) --executors 2 --spread-seconds 5 "${extra[@]}" 2>&1)
    p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$out" | head -n 1)
    lost=$(sed -n 's/^lost \([0-9]*\),.*/\1/p' <<<"$out" | head -n 1)
    if [ -z "$p99" ] || [ "${lost:-1}" != "0" ]; then
        echo 999999
    else
        echo "$p99"
    fi
}

passes() { awk -v p="$1" -v g="$goal_ms" 'BEGIN { exit !(p <= g) }'; }

good=0 bad=0 rate=1000
while [ "$bad" -eq 0 ] && [ "$rate" -le 64000 ]; do
    p99=$(trial "$rate")
    echo "  ${rate}/s for 5 s: lag p99 ${p99} ms"
    if passes "$p99"; then good=$rate; rate=$((rate * 2)); else bad=$rate; fi
done
if [ "$bad" -ne 0 ]; then
    for _ in 1 2 3 4; do
        rate=$(( (good + bad) / 2 ))
        [ "$rate" -le "$good" ] && break
        p99=$(trial "$rate")
        echo "  ${rate}/s for 5 s: lag p99 ${p99} ms"
        if passes "$p99"; then good=$rate; else bad=$rate; fi
    done
fi
echo "highest sustained rate with lag p99 <= ${goal_ms} ms: ${good}/s (first miss: ${bad}/s)"
