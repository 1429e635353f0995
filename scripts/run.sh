#!/usr/bin/env bash
# `make run`: installs what is missing, builds, and runs the whole stack on this machine: the
# private PostgreSQL (unless DATABASE_URL is set), the web app on http://127.0.0.1:3000,
# EXECUTORS executor processes (default 2) and the echo target on 127.0.0.1:5003.
# Ctrl-C stops them all.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/stack.sh"
cd "$SCHEDULEMAN_ROOT"

EXECUTORS=${EXECUTORS:-2}
SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
ECHO_ADDR=${SCHEDULEMAN_ECHO_ADDR:-127.0.0.1:5003}

scripts/install.sh
cargo leptos build
cargo build --quiet -p executor

started_db=false
if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$("$TARGET_DIR/debug/executor" db start)
    started_db=true
fi

shutdown() {
    trap - INT TERM EXIT
    echo "run: stopping" >&2
    stop_stack
    if $started_db; then "$TARGET_DIR/debug/executor" db stop; fi
}
trap shutdown INT TERM EXIT

start_stack "$DATABASE_URL" "$SITE_ADDR" "$ECHO_ADDR" "$EXECUTORS" .scheduleman/logs

# A first run gets a demo schedule, so triggers show up at the echo target at once.
auth=()
[ -n "${SCHEDULEMAN_API_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $SCHEDULEMAN_API_TOKEN")
if curl -fsS "${auth[@]}" "http://$SITE_ADDR/api/v1/schedules?limit=1" | grep -q '"items":\[\]'; then
    curl -fsS "${auth[@]}" -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"name\": \"demo: every 10 seconds\", \"schedule\": {\"every\": \"10s\"},
             \"target\": {\"url\": \"http://$ECHO_ADDR/demo\"}}" \
        "http://$SITE_ADDR/api/v1/schedules" && echo "run: created the demo schedule" >&2
fi
echo "run: Scheduleman is up at http://$SITE_ADDR with $EXECUTORS executors; echo target at http://$ECHO_ADDR" >&2
echo "run: logs in .scheduleman/logs; Ctrl-C stops everything" >&2
tail -n 0 -F .scheduleman/logs/echo.log &
STACK_PIDS+=($!)
wait -n "${STACK_PIDS[@]}" || true
