#!/usr/bin/env bash
# Instructions per request, by stage, for `hookctl listen -q --save`, for ../shared/anchors/samework-hyper (the
# same work written plainly: its fair limit) and for the bare hyper server (examples/bare_hyper.rs), counted by valgrind's callgrind (deterministic, unlike timings on a noisy machine).
# Each server takes REQUESTS requests of the Ebriza body from `hookctl send --repeat` (not profiled); the table
# sums callgrind's self cost by stage (the crate or module a function belongs to) and divides by REQUESTS.
# Counting starts once the server has answered a first request (start-up, schema compilation included, is not
# a request's cost).
#   usage: scripts/profile-listen.sh [REQUESTS=2000]
# Needs: valgrind (`apt-get install -y valgrind`), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-2000}
cargo build --profile profiling --quiet --locked --bin hookctl --example bare_hyper
BIN=$PWD/target/profiling/hookctl
HYPER=$PWD/target/profiling/examples/bare_hyper
ANCHORS=${ANCHORS:-../shared/anchors}
SAME_TARGET=${ANCHOR_TARGET:-/tmp/hookctl-anchor-target}
# The anchor's own release profile, with line tables so that callgrind can name its functions.
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_TARGET_DIR=$SAME_TARGET-debug cargo build --release --quiet --manifest-path "$ANCHORS/samework-hyper/Cargo.toml"
SAME=$SAME_TARGET-debug/release/samework-hyper
SEND=$PWD/target/profiling/hookctl
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

profile() { # name command... (the command prints its port, or writes --port-file)
  local name=$1; shift
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$name.out" "$@" > "$work/$name.stdout" 2> "$work/$name.err" &
  local pid=$!
  for _ in $(seq 600); do
    { [ -s "$work/$name.port" ] || [ -s "$work/$name.stdout" ]; } && break
    sleep 0.1
  done
  local port
  port=$(cat "$work/$name.port" 2>/dev/null || head -1 "$work/$name.stdout")
  # One request answered first: start-up work that runs after the port is announced (schema compilation)
  # is done by then and is not counted as a request's cost.
  "$SEND" send ebriza.configuration.changed --to "http://127.0.0.1:$port/hooks" --timeout 120s > /dev/null
  callgrind_control -i on "$pid" > /dev/null 2>&1
  "$SEND" send ebriza.configuration.changed --to "http://127.0.0.1:$port/hooks" --repeat "$REQUESTS" --concurrency 4 --timeout 60s > /dev/null
  sleep 1
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  callgrind_annotate --auto=no --inclusive=no --threshold=100 "$work/$name.out" > "$work/$name.txt" 2>/dev/null
}

profile hookctl "$BIN" listen 0 -q --save "$work/caps.ndjson" --port-file "$work/hookctl.port"
profile hyper "$HYPER"
"$BIN" schema ebriza.configuration.changed > "$work/schema.json"
profile samework "$SAME" "$work/schema.json" "$work/samework.ndjson"
echo "saved: $(wc -l < "$work/caps.ndjson") records of $REQUESTS requests (and 1 warm-up); samework $(wc -l < "$work/samework.ndjson")"

python3 - "$REQUESTS" "$work/hookctl.txt" "$work/hyper.txt" "$work/samework.txt" <<'PY'
import re, sys
requests = int(sys.argv[1])
STAGES = [  # (stage, patterns matched against the function's name), first match wins
    ("detect", ["hookctl::schema::detect", "hookctl::catalog::rules", "hookctl::pointer", "hookctl::listen::examine"]),
    ("validate", ["jsonschema", "referencing", "fancy_regex", "regex", "hookctl::schema", "hookctl::doc"]),
    ("record", ["hookctl::capture", "serde_json::ser", "hookctl::output::json_safe", "base64"]),
    ("write", ["hookctl::listen::batch", "hookctl::listen::display"]),
    ("json parse", ["serde_json"]),
    ("HTTP", ["hyper", "httparse", "http::", "http_body", "bytes::"]),
    ("runtime + kernel", ["tokio", "mio", "std::sys", "epoll", "syscall", "futex", "__libc", "write", "read", "sendto", "recvfrom"]),
    ("allocation", ["mi_", "mimalloc", "malloc", "free", "alloc::"]),
]
def parse(path):
    stages = {name: 0 for name, _ in STAGES}
    stages["other"] = 0
    total = 0
    for line in open(path, errors="replace"):
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)", line)
        if not m:
            continue
        cost = int(m.group(1).replace(",", ""))
        name = m.group(2)
        if "PROGRAM TOTALS" in name:
            continue
        for stage, patterns in STAGES:
            if any(p in name for p in patterns):
                stages[stage] += cost
                break
        else:
            stages["other"] += cost
        total += cost
    return stages, total
ours, our_total = parse(sys.argv[2])
base, base_total = parse(sys.argv[3])
same, same_total = parse(sys.argv[4])
print(f"{'stage':<18}{'listen -q --save':>18}{'samework-hyper':>16}{'bare hyper':>14}   (instructions per request)")
for stage in [s for s, _ in STAGES] + ["other"]:
    print(f"{stage:<18}{ours[stage] / requests:>18,.0f}{same[stage] / requests:>16,.0f}{base[stage] / requests:>14,.0f}")
if __import__("os").environ.get("TOP"):
    others = []
    for line in open(sys.argv[2], errors="replace"):
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)", line)
        if m and "PROGRAM TOTALS" not in m.group(2) and not any(any(p in m.group(2) for p in pats) for _, pats in STAGES):
            others.append((int(m.group(1).replace(",", "")), m.group(2)))
    for cost, name in sorted(others, reverse=True)[: int(__import__("os").environ["TOP"])]:
        print(f"  other: {cost / requests:>10,.0f}  {name[:150]}")
print(f"{'total':<18}{our_total / requests:>18,.0f}{same_total / requests:>16,.0f}{base_total / requests:>14,.0f}"
      f"   listen / samework {our_total / max(same_total, 1):.2f}, listen / bare {our_total / max(base_total, 1):.2f}")
PY
