#!/usr/bin/env bash
# Installs every tool Scheduleman's build, run and tests need, each pinned, and only what is
# missing or at the wrong version: a second run prints nothing and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs rustc >= 1.96
SQLX_CLI_VERSION=0.8.6        # matches the sqlx in Cargo.lock
LEPTOSFMT_VERSION=0.1.33      # formats view! macros (about 2 minutes to build)
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { echo "install: $*" >&2; }

apt_updated=false
apt_install() {
    if [ "$(id -u)" != 0 ]; then
        say "missing Debian packages: $* (run as root, or install them yourself)"
        exit 1
    fi
    if ! $apt_updated; then
        apt-get update -qq >/dev/null
        apt_updated=true
    fi
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL server binaries (for the private database), Chromium (browser tests).
if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt_install postgresql
fi
[ -x /usr/bin/chromium ] || apt_install chromium
# libfaketime: the fault-injection suite skews one executor's clock with it.
command -v faketime >/dev/null || apt_install faketime
command -v curl >/dev/null || apt_install curl

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >/dev/null 2>&1
fi

cargo_tool_version() { "$@" 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true; }

if [ "$(cargo_tool_version cargo-leptos --version)" != "$CARGO_LEPTOS_VERSION" ]; then
    say "cargo install cargo-leptos@$CARGO_LEPTOS_VERSION (about 18 minutes on 2 cores)"
    cargo install --quiet --locked "cargo-leptos@$CARGO_LEPTOS_VERSION"
fi
if [ "$(cargo_tool_version wasm-bindgen --version)" != "$WASM_BINDGEN_VERSION" ]; then
    # Not --locked: the CLI's lockfile pins a crate version the registry no longer serves.
    say "cargo install wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
    cargo install --quiet --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi
if [ "$(cargo_tool_version cargo-sqlx sqlx --version)" != "$SQLX_CLI_VERSION" ]; then
    say "cargo install sqlx-cli@$SQLX_CLI_VERSION"
    cargo install --quiet --locked --force "sqlx-cli@$SQLX_CLI_VERSION" \
        --no-default-features --features postgres,rustls
fi

if [ "$(cargo_tool_version leptosfmt --version)" != "$LEPTOSFMT_VERSION" ]; then
    say "cargo install leptosfmt@$LEPTOSFMT_VERSION"
    cargo install --quiet --locked --force "leptosfmt@$LEPTOSFMT_VERSION"
fi

# cronsim, one of the two implementations the cron conformance suite compares with.
CRONSIM_VERSION=2.8
if ! python3 -c "import cronsim, importlib.metadata as m; assert m.version('cronsim') == '$CRONSIM_VERSION'" 2>/dev/null; then
    say "pip install cronsim==$CRONSIM_VERSION"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "cronsim==$CRONSIM_VERSION"
fi

# schemathesis, which fuzzes the API against its OpenAPI document in `make test`.
SCHEMATHESIS_VERSION=4.32.5
if ! python3 -c "import importlib.metadata as m; assert m.version('schemathesis') == '$SCHEMATHESIS_VERSION'" 2>/dev/null; then
    say "pip install schemathesis==$SCHEMATHESIS_VERSION"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "schemathesis==$SCHEMATHESIS_VERSION"
fi

# Tailwind, wasm-opt, Playwright and croner, as package-lock.json pins them. `npm install`, not
# `npm ci`: the registry here does not serve some of Tailwind's optional per-platform
# binaries, so the lock omits them and `npm ci` refuses it as out of sync.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm install"
    npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
