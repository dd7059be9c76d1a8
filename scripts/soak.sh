#!/usr/bin/env bash
# Soak: REQUESTS requests (default 1,000,000) at CONCURRENCY 64 through `hookctl listen -q --save`, driven by
# `hookctl send --repeat` (which counts every answer). Checks that every acknowledged request is in the file
# (zero lost) and samples listen's RSS every second: memory must stay flat (the last sample within 10% of
# the one taken after warm-up).
#   usage: scripts/soak.sh [REQUESTS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-1000000}
CONCURRENCY=${2:-64}
cargo build --release --quiet --locked --bin hookctl
BIN=$PWD/target/release/hookctl
work=$(mktemp -d)
cleanup() { [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$BIN" listen 0 -q --save "$work/caps.ndjson" --port-file "$work/port" > /dev/null 2> "$work/listen.err" &
listener=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")

rss() { awk '/VmRSS/ {print $2}' "/proc/$listener/status"; }
( while kill -0 "$listener" 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 1; done ) > "$work/rss" &
sampler=$!

start=$(date +%s.%N)
"$BIN" send pgyer.crashlog --to "http://127.0.0.1:$port/hooks" --repeat "$REQUESTS" \
    --concurrency "$CONCURRENCY" --json > "$work/send.json"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
sleep 1.5
kill -TERM "$listener"; wait "$listener" || true
kill "$sampler" 2>/dev/null || true

python3 - "$work" "$REQUESTS" "$elapsed" <<'PY'
import json, sys
work, requests, elapsed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
summary = json.load(open(f"{work}/send.json"))
acknowledged = summary.get("ok", 0)
lines = 0
with open(f"{work}/caps.ndjson", "rb") as f:
    for line in f:
        lines += 1
samples = [int(l.split()[1]) for l in open(f"{work}/rss") if len(l.split()) == 2]
warm = samples[min(3, len(samples) - 1)] if samples else 0
last = samples[-2] if len(samples) > 1 else warm  # the last sample taken under load
print(f"requests sent        {requests:,}")
print(f"acknowledged (2xx)   {acknowledged:,}")
print(f"records in the file  {lines:,}")
print(f"lost                 {max(acknowledged - lines, 0):,}")
print(f"elapsed              {elapsed:.1f} s ({requests / elapsed:,.0f} req/s)")
print(f"RSS after warm-up    {warm / 1024:.1f} MiB")
print(f"RSS at the end       {last / 1024:.1f} MiB ({(last - warm) / warm * 100 if warm else 0:+.1f}%)")
print(f"RSS peak             {max(samples) / 1024:.1f} MiB" if samples else "RSS peak n/a")
flat = warm and last <= warm * 1.10
ok = acknowledged == requests and lines >= acknowledged and flat
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
echo "listen said: $(tail -1 "$work/listen.err")"
