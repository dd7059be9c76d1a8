#!/usr/bin/env bash
# `hookctl listen` under wrk, side by side with ../shared/anchors/samework-hyper (the same work written plainly:
# parse, validate against the event's schema with the jsonschema crate, append one JSON line before answering:
# the fair limit for `listen -q --save`), a bare hyper server built with the same release profile
# (examples/bare_hyper.rs: read, parse, answer), the bare tiny_http anchor and the Python receiver, in one run:
# concurrency 1, 16 and 64, ROUNDS rounds of SECS seconds each, the servers' rounds interleaved (round 1 of every
# server, then round 2…, so a noisy spell hits them all), medians of requests/second and of p99 latency, and each
# server's ratio to samework-hyper (`same` columns) and to bare hyper (`bare`). Modes: `-q --save FILE`, `-q`, `--json > FILE`, the default view
# redirected to a file, `-q --save --secret` (signed requests), `-q --save --ui`. Every run also checks that the
# save file holds at least as many records as wrk saw answered (nothing acknowledged is lost).
# HOOKCTL_BIN=PATH measures that hookctl binary instead of building one; ALT_BIN=PATH adds `q-save-alt`, the
# same `-q --save` run on a second binary (another build of hookctl), to the interleaved rounds.
#   usage: [SERVERS="samework q-save …"] [HOOKCTL_BIN=…] [ALT_BIN=…] scripts/bench-listen.sh [SECS=4] [ROUNDS=3]
# Needs: wrk (`apt-get install -y wrk`), python3, ../shared/anchors (beside this repository) for tiny_http/Python.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-4}; ROUNDS=${2:-3}
ANCHORS=${ANCHORS:-../shared/anchors}
cargo build --release --quiet --locked --bin hookctl --example bare_hyper
BIN=${HOOKCTL_BIN:-$PWD/target/release/hookctl}
HYPER=$PWD/target/release/examples/bare_hyper
TINY=""; SAME=""
for anchor in bare-tiny-http samework-hyper; do
  [ -d "$ANCHORS/$anchor" ] && CARGO_TARGET_DIR=${ANCHOR_TARGET:-/tmp/hookctl-anchor-target} cargo build --release --quiet --manifest-path "$ANCHORS/$anchor/Cargo.toml"
done
[ -d "$ANCHORS/bare-tiny-http" ] && TINY=${ANCHOR_TARGET:-/tmp/hookctl-anchor-target}/release/bare-tiny-http
[ -d "$ANCHORS/samework-hyper" ] && SAME=${ANCHOR_TARGET:-/tmp/hookctl-anchor-target}/release/samework-hyper
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

"$BIN" fixtures show ebriza.configuration.changed --json |
  python3 -c 'import json,sys; sys.stdout.write(json.dumps(json.load(sys.stdin)["body"], separators=(",",":")))' > "$work/body.json"
SECRET=whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD
# A signed request: wrk sends the same headers every time; they stay within the 5-minute tolerance for a run.
"$BIN" sign --secret "$SECRET" --format headers "$work/body.json" > "$work/signature.txt"
cat > "$work/post.lua" <<LUA
local f = io.open("$work/body.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
for line in io.lines("$work/signature.txt") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name and os.getenv("SIGNED") == "1" then wrk.headers[name] = value end
end
LUA
"$BIN" schema ebriza.configuration.changed > "$work/schema.json"
echo "body: $(wc -c < "$work/body.json") bytes (ebriza.configuration.changed: detected and validated by hookctl)"

start_server() { # name command... ; the port is the first line of stdout (anchors) or of --port-file (hookctl)
  local name=$1; shift
  "$@" & pids+=($!)
  for _ in $(seq 200); do [ -s "$work/$name.port" ] && break; sleep 0.025; done
  head -1 "$work/$name.port"
}

# run NAME PORT C SIGNED -> "rps p99_ms answered"
run() {
  local threads=2; [ "$3" -lt 2 ] && threads=1
  SIGNED=$4 wrk -t"$threads" -c"$3" -d"${SECS}s" --latency -s "$work/post.lua" "http://127.0.0.1:$2/hooks" 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
done = int(re.search(r"(\d+) requests in", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {float(p99.group(1)) * scale:.2f} {done - (int(errors.group(1)) if errors else 0)}")'
}

declare -A CMD SIGNED_BY
[ -n "$SAME" ] && CMD[samework]="$SAME $work/schema.json $work/samework.ndjson"
CMD[hyper]="$HYPER"
[ -n "$TINY" ] && CMD[tiny_http]="$TINY"
[ -f "$ANCHORS/python-receiver.py" ] && CMD[python]="python3 $ANCHORS/python-receiver.py $work/python.ndjson"
CMD["q-save"]="$BIN listen 0 -q --save $work/q-save.ndjson --port-file $work/q-save.port"
CMD["q"]="$BIN listen 0 -q --port-file $work/q.port"
CMD["json"]="$BIN listen 0 --json --port-file $work/json.port"
CMD["view"]="$BIN listen 0 --port-file $work/view.port"
CMD["q-save-secret"]="$BIN listen 0 -q --save $work/q-save-secret.ndjson --secret $SECRET --port-file $work/q-save-secret.port"
CMD["q-save-ui"]="$BIN listen 0 -q --save $work/q-save-ui.ndjson --ui --port-file $work/q-save-ui.port"
[ -n "${ALT_BIN:-}" ] && CMD["q-save-alt"]="$ALT_BIN listen 0 -q --save $work/q-save-alt.ndjson --port-file $work/q-save-alt.port"
SIGNED_BY["q-save-secret"]=1
# SERVERS="samework q-save" (say) runs only those.
read -r -a ORDER <<< "${SERVERS:-samework hyper q-save q q-save-secret q-save-ui json view tiny_http python}"

declare -A PORT
for name in "${ORDER[@]}"; do
  [ -n "${CMD[$name]:-}" ] || continue
  case $name in
    samework|hyper|tiny_http|python) ${CMD[$name]} > "$work/$name.port" 2>/dev/null & pids+=($!) ;;
    json|view) ${CMD[$name]} > "$work/$name.out" 2>/dev/null & pids+=($!) ;;
    *) ${CMD[$name]} > /dev/null 2>&1 & pids+=($!) ;;
  esac
  for _ in $(seq 200); do [ -s "$work/$name.port" ] && break; sleep 0.025; done
  PORT[$name]=$(head -1 "$work/$name.port")
done

# Interleaved: each round runs every server at every concurrency before the next round starts.
declare -A RESULTS
for round in $(seq "$ROUNDS"); do
  for c in 1 16 64; do
    for name in "${ORDER[@]}"; do
      [ -n "${PORT[$name]:-}" ] || continue
      RESULTS["$name $c $round"]=$(run "$name" "${PORT[$name]}" "$c" "${SIGNED_BY[$name]:-0}")
    done
  done
done
for name in "${ORDER[@]}"; do
  if [ -f "$work/$name.ndjson" ]; then
    answered=0
    for key in "${!RESULTS[@]}"; do
      case $key in "$name "*) answered=$((answered + $(echo "${RESULTS[$key]}" | cut -d' ' -f3))) ;; esac
    done
    for _ in $(seq 40); do [ "$(wc -l < "$work/$name.ndjson")" -ge "$answered" ] && break; sleep 0.05; done
    saved=$(wc -l < "$work/$name.ndjson")
    echo "$name: $saved records saved, $answered answered 2xx by wrk's count ($( [ "$saved" -ge "$answered" ] && echo 'none lost' || echo 'LOST SOME'))"
  fi
done

python3 - "$ROUNDS" "${ORDER[@]}" <<PY
import statistics, sys
rounds = int(sys.argv[1]); order = sys.argv[2:]
raw = """$(for key in "${!RESULTS[@]}"; do echo "$key ${RESULTS[$key]}"; done)"""
data = {}
for line in raw.strip().splitlines():
    name, c, _round, rps, p99, _done = line.split()
    data.setdefault((name, int(c)), []).append((float(rps), float(p99)))
def median(name, c, i):
    return statistics.median(x[i] for x in data[(name, c)]) if (name, c) in data else None
print(f"medians of {rounds} rounds; 'same' = ratio to samework-hyper (req/s, and p99 in brackets), 'bare' = to bare hyper")
print(f"{'server':<14}" + "".join(f"{'c=' + str(c) + ' req/s':>13}{'same':>6}{'(p99)':>7}{'bare':>6}{'p99 ms':>8}" for c in (1, 16, 64)))
for name in order:
    if (name, 1) not in data:
        continue
    row = f"{name:<14}"
    for c in (1, 16, 64):
        rps, p99 = median(name, c, 0), median(name, c, 1)
        same, same_p99, bare = median("samework", c, 0), median("samework", c, 1), median("hyper", c, 0)
        row += f"{rps:>13,.0f}"
        row += f"{rps / same:>6.2f}{'(' + format(p99 / same_p99, '.2f') + ')':>7}" if same else f"{'-':>6}{'':>7}"
        row += f"{rps / bare:>6.2f}" if bare else f"{'-':>6}"
        row += f"{p99:>8.2f}"
    print(row)
PY
