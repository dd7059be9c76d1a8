#!/usr/bin/env bash
# What `listen --save --fsync` costs: requests/second and p99 latency of `listen -q --save` with and without
# --fsync, driven by `hookctl send --repeat` at c=1 and c=16, ROUNDS rounds each (medians), in one run.
# The save file lives in $TMPDIR (put it on the disk you care about: TMPDIR=/var/tmp scripts/bench-fsync.sh).
#   usage: scripts/bench-fsync.sh [REQUESTS=20000] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-20000}
ROUNDS=${2:-3}
cargo build --release --quiet --locked --bin hookctl
BIN=$PWD/target/release/hookctl
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

run() { # flags concurrency -> "rps p99"
    rm -f "$work/caps.ndjson" "$work/port"
    "$BIN" listen 0 -q --save "$work/caps.ndjson" $1 --port-file "$work/port" > /dev/null 2>&1 &
    local pid=$!
    while [ ! -s "$work/port" ]; do sleep 0.02; done
    "$BIN" send pgyer.crashlog --to "http://127.0.0.1:$(cat "$work/port")/" --repeat "$REQUESTS" \
        --concurrency "$2" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["requests_per_second"], s["latency_ms"]["p99"])'
    kill -TERM "$pid"; wait "$pid" || true
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-6s %-12s %12s %10s\n' "c" "mode" "req/s" "p99 ms"
for c in 1 16; do
    for mode in "" "--fsync"; do
        : > "$work/rounds"
        for _ in $(seq "$ROUNDS"); do run "$mode" "$c" >> "$work/rounds"; done
        rps=$(cut -d' ' -f1 "$work/rounds" | median)
        p99=$(cut -d' ' -f2 "$work/rounds" | median)
        printf '%-6s %-12s %12s %10s\n' "$c" "${mode:-(default)}" "$rps" "$p99"
    done
done
df -h "$work" | tail -1 | awk '{print "save file on: " $1 " (" $NF ")"}'
