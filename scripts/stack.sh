# Sourced by run.sh and test.sh: starts and stops the parts of a running Scheduleman (the
# echo target, the server, N executors) as background processes of the calling shell.
# shellcheck shell=bash

STACK_PIDS=()

# start_stack DATABASE_URL SITE_ADDR ECHO_ADDR EXECUTORS LOG_DIR
start_stack() {
    local database_url=$1 site_addr=$2 echo_addr=$3 executors=$4 log_dir=$5
    mkdir -p "$log_dir"
    # The echo target is on loopback, which safe-target checks refuse unless allowed.
    export SCHEDULEMAN_TARGET_ALLOWLIST="${SCHEDULEMAN_TARGET_ALLOWLIST:-127.0.0.0/8}"
    "$TARGET_DIR/debug/executor" echo --addr "$echo_addr" >"$log_dir/echo.log" 2>&1 &
    STACK_PIDS+=($!)
    DATABASE_URL=$database_url LEPTOS_SITE_ADDR=$site_addr \
        "$TARGET_DIR/debug/server" >"$log_dir/server.log" 2>&1 &
    STACK_PIDS+=($!)
    wait_for_url "http://$site_addr/readyz" 120 || {
        echo "stack: the server did not become ready; its log:" >&2
        tail -n 40 "$log_dir/server.log" >&2
        return 1
    }
    local i
    for i in $(seq 1 "$executors"); do
        DATABASE_URL=$database_url "$TARGET_DIR/debug/executor" run --id "executor-$i" \
            >"$log_dir/executor-$i.log" 2>&1 &
        STACK_PIDS+=($!)
    done
}

# stop_stack: SIGTERM to every part, then wait for them to exit.
stop_stack() {
    local pid
    for pid in "${STACK_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${STACK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    STACK_PIDS=()
}

# free_addr: a loopback address with a port nobody listens on now.
free_addr() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print("127.0.0.1:%d" % s.getsockname()[1])'
}

# wait_for_url URL SECONDS: polls until URL answers 2xx.
wait_for_url() {
    local url=$1 deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}
