#!/usr/bin/env python3
"""What a page group's code reaches beyond the main module, summed by name.

    python3 scripts/wasm-reach.py WASM GROUP [PATTERN ...]

WASM is the hydrate module before wasm-split, with its name section
(target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm after
`cargo leptos build --release --split --features split`); GROUP is part of a split export's
name (listing_page, detail_page, writing_page, admin_page). The script follows direct calls
and `ref.func` from the group's export and from the main module's exports, and prints the
bytes of code only the group reaches, then the share of functions whose mangled name holds
each PATTERN. Calls through the function table that no `ref.func` names are not followed, so
the figures are a lower bound. Needs `wasm-objdump` (Debian's `wabt`).
"""

import collections
import re
import subprocess
import sys

DEFAULT_PATTERNS = [
    "serde_json",
    "Deserialize",
    "chrono_tz",
    "chrono6format",
    "reactive_graph",
    "tachys",
    "scheduleman",
    "3app",
]


def objdump(wasm, *args):
    return subprocess.run(
        ["wasm-objdump", *args, wasm], capture_output=True, text=True, check=True
    ).stdout


def functions(wasm):
    """Each function's size and name, by index."""
    size, name = {}, {}
    for line in objdump(wasm, "-x", "-j", "Code").splitlines():
        found = re.match(r"\s*- func\[(\d+)\] size=(\d+)(?: <(.*)>)?", line)
        if found:
            index = int(found.group(1))
            size[index] = int(found.group(2))
            name[index] = found.group(3) or ""
    return size, name


def calls(wasm):
    """The functions each function calls or takes a reference to."""
    graph = collections.defaultdict(set)
    current = None
    for line in objdump(wasm, "-d").splitlines():
        start = re.match(r"^[0-9a-f]+ func\[(\d+)\]", line)
        if start:
            current = int(start.group(1))
            continue
        target = re.search(r"\|\s+(?:call|ref\.func) (\d+)", line)
        if target and current is not None:
            graph[current].add(int(target.group(1)))
    return graph


def exports(wasm, group):
    """The main module's exported functions, and the group's split exports."""
    main, grouped = [], []
    for line in objdump(wasm, "-x", "-j", "Export").splitlines():
        found = re.match(r"\s*- func\[(\d+)\] <([^>]*)>", line)
        if not found:
            continue
        index, export = int(found.group(1)), found.group(2)
        if "__wasm_split_00" in export:
            if group in export:
                grouped.append(index)
        elif "describe" not in export:
            main.append(index)
    return main, grouped


def reach(graph, roots):
    seen, stack = set(roots), list(roots)
    while stack:
        for callee in graph.get(stack.pop(), ()):
            if callee not in seen:
                seen.add(callee)
                stack.append(callee)
    return seen


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    wasm, group, patterns = sys.argv[1], sys.argv[2], sys.argv[3:] or DEFAULT_PATTERNS
    size, name = functions(wasm)
    graph = calls(wasm)
    main_roots, group_roots = exports(wasm, group)
    if not group_roots:
        sys.exit(f"no split export names {group!r}: was the module built with --split?")
    only_group = reach(graph, group_roots) - reach(graph, main_roots)
    total = sum(size.get(f, 0) for f in only_group)
    print(f"{group}: {len(only_group)} functions, {total} bytes of code beyond the main module")
    for pattern in patterns:
        bytes_ = sum(size.get(f, 0) for f in only_group if pattern in name.get(f, ""))
        print(f"  {pattern:20} {bytes_:9} B {100 * bytes_ / max(total, 1):5.1f} %")


if __name__ == "__main__":
    main()
