#!/usr/bin/env bash
# The captures toolkit on a large capture file: RECORDS records (default 1,000,000) of real Pgyer, obniz and
# Ebriza deliveries (captured once by `listen --save`, then repeated with fresh ids), side by side with
# `wc -l` and `jq` doing the same count where they can. Prints the wall time (median of ROUNDS) and the
# peak memory of each command.
#   usage: scripts/bench-captures.sh [RECORDS] [ROUNDS]
# Needs: python3; jq for the comparison (skipped when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-1000000}
ROUNDS=${2:-5}
cargo build --release --quiet --locked --bin hookctl
BIN=$PWD/target/release/hookctl
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# A few real records to repeat.
"$BIN" listen 0 -q --save "$work/seed.ndjson" --port-file "$work/port" --count 16 --timeout 30s > /dev/null 2>&1 &
while [ ! -s "$work/port" ]; do sleep 0.02; done
for name in $("$BIN" fixtures --json | python3 -c 'import json,sys; print(" ".join(f["name"] for f in json.load(sys.stdin)))'); do
  "$BIN" send "$name" --to "http://127.0.0.1:$(cat "$work/port")/hooks" > /dev/null
done
wait
python3 - "$work/seed.ndjson" "$work/big.ndjson" "$RECORDS" <<'PY'
import sys, re
seed = [l.rstrip("\n") for l in open(sys.argv[1])]
total = int(sys.argv[3])
with open(sys.argv[2], "w") as out:
    for i in range(total):
        line = seed[i % len(seed)]
        out.write(re.sub(r'^\{"id":\d+,', '{"id":%d,' % (i + 1), line, count=1) + "\n")
PY
size=$(du -h "$work/big.ndjson" | cut -f1)
echo "capture file: $RECORDS records, $size"

measure() { # label command... -> "label  median_s  peak_MiB"
  local label=$1; shift
  python3 - "$ROUNDS" "$label" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
rounds, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
times = []
for _ in range(rounds):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{label:<58} {statistics.median(times):8.3f} s {peak:9.1f} MiB")
PY
}

printf '%-58s %10s %13s\n' "command" "median" "peak RSS"
measure "hookctl captures FILE --count" "$BIN" captures "$work/big.ndjson" --count
measure "wc -l FILE" wc -l "$work/big.ndjson"
measure "hookctl captures FILE --event 'pgyer.*' --count" "$BIN" captures "$work/big.ndjson" --event 'pgyer.*' --count
measure "hookctl captures FILE --invalid --grep OooPlay --count" "$BIN" captures "$work/big.ndjson" --invalid --grep OooPlay --count
measure "hookctl captures FILE:-1 --json (the last record)" "$BIN" captures "$work/big.ndjson:-1" --json
measure "hookctl captures FILE:500000..500010 (11 lines)" "$BIN" captures "$work/big.ndjson:500000..500010"
measure "hookctl captures FILE --last 20" "$BIN" captures "$work/big.ndjson" --last 20
measure "hookctl diff FILE:-1" "$BIN" diff "$work/big.ndjson:-1"
if command -v jq >/dev/null 2>&1; then
  measure "jq -c 'select(.event|tostring|startswith(\"pgyer.\"))' FILE" jq -c 'select(.event|tostring|startswith("pgyer."))' "$work/big.ndjson"
fi

# The inspector over the same file: time until the first page is served, time until the whole file is
# indexed, and the server's memory then (RSS).
echo
echo "hookctl inspect on the same file:"
"$BIN" inspect "$work/big.ndjson" > /dev/null 2> "$work/inspect.err" &
inspector=$!
python3 - "$work/inspect.err" "$inspector" <<'PY'
import json, re, sys, time, urllib.request
err, pid = sys.argv[1], sys.argv[2]
start = time.perf_counter()
port = None
while port is None:
    text = open(err).read()
    m = re.search(r"127\.0\.0\.1:(\d+)/", text)
    if m:
        port = int(m.group(1))
    else:
        time.sleep(0.005)
def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
        return json.load(r)
while True:
    try:
        page = get("/api/captures?limit=100")
        if page["captures"]:
            break
    except Exception:
        pass
    time.sleep(0.005)
first = time.perf_counter() - start
while get("/api/captures?limit=1")["indexing"]:
    time.sleep(0.05)
indexed = time.perf_counter() - start
rss = int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1)) / 1024
t = time.perf_counter(); get("/api/captures?limit=100&event=pgyer.*"); filtered = time.perf_counter() - t
t = time.perf_counter(); get("/api/captures?limit=100&before_id=500000"); middle = time.perf_counter() - t
print(f"  first page served after      {first:6.3f} s ({len(page['captures'])} rows, newest id {page['captures'][0]['id']})")
print(f"  whole file indexed after     {indexed:6.3f} s ({page['total']:,} records known at first page)")
print(f"  inspector RSS, all indexed   {rss:6.1f} MiB")
print(f"  a filtered page (event)      {filtered * 1000:6.1f} ms")
print(f"  a page in the middle         {middle * 1000:6.1f} ms")
PY
kill "$inspector"
