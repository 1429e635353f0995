#!/usr/bin/env bash
# `make dev`: cargo leptos watch. The server starts the private PostgreSQL itself (unless
# DATABASE_URL is set) and leaves it running between rebuilds; `executor db stop` stops it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SCHEDULEMAN_ROOT"
scripts/install.sh
exec cargo leptos watch
