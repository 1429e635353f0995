# Sourced by the other scripts: puts the project's tools on PATH and shares one target dir.
# shellcheck shell=bash
SCHEDULEMAN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$SCHEDULEMAN_ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Builds use the committed query data in .sqlx/ (regenerate with `make sqlx-prepare`).
export SQLX_OFFLINE=true
# No incremental caches: they doubled the shared target dir and filled the disk twice.
export CARGO_INCREMENTAL=0
# The binaries cargo-leptos builds, and the site it writes.
TARGET_DIR="${CARGO_TARGET_DIR:-$SCHEDULEMAN_ROOT/target}"
export LEPTOS_OUTPUT_NAME=scheduleman
export LEPTOS_SITE_ROOT="$SCHEDULEMAN_ROOT/target/site"
export LEPTOS_SITE_PKG_DIR=pkg
