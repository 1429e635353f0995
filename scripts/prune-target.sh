#!/usr/bin/env bash
# Keeps the shared target dir from filling the disk: every rebuild of a test or example
# binary leaves the previous one behind (each server test binary is ~700 MB with debug
# info), so delete all but the newest executable of each name in debug/deps, and the
# incremental caches. Safe: cargo relinks anything it still needs.
set -euo pipefail
source "$(dirname "$0")/env.sh"
for dir in "$TARGET_DIR/debug/deps" "$TARGET_DIR/release/deps"; do
    [ -d "$dir" ] || continue
    python3 - "$dir" <<'PY'
import collections, os, stat, sys
os.chdir(sys.argv[1])
newest = collections.defaultdict(list)
for name in os.listdir('.'):
    info = os.stat(name)
    if '.' not in name and stat.S_ISREG(info.st_mode) and info.st_mode & stat.S_IXUSR:
        newest[name.rsplit('-', 1)[0]].append((info.st_mtime, name, info.st_size))
freed = 0
for builds in newest.values():
    for _, name, size in sorted(builds)[:-1]:
        os.remove(name)
        freed += size
if freed:
    print(f"prune-target: {freed / 1e9:.1f} GB of stale binaries removed from {sys.argv[1]}")
PY
done
rm -rf "$TARGET_DIR/debug/incremental" "$TARGET_DIR/release/incremental"
