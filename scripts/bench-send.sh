#!/usr/bin/env bash
# `hookctl send --repeat N --concurrency C` against a fast loopback receiver, side by side with oha (and wrk,
# when installed) sending the same body over the same number of connections, in one run, repeated.
# Prints requests/second and p99 for each, the medians, and hookctl's ratio to oha.
# HOOKCTL_BIN=PATH measures that hookctl binary instead of the one it builds.
#   usage: [HOOKCTL_BIN=…] scripts/bench-send.sh [N=20000] [C=16] [ROUNDS=3]
# Needs: oha (`cargo install oha --locked`), optionally wrk (`apt-get install -y wrk`), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}; C=${2:-16}; ROUNDS=${3:-3}
FIXTURE=pgyer.crashlog
cargo build --release --quiet --bin hookctl --example fast_receiver
BIN=${HOOKCTL_BIN:-target/release/hookctl}
work=$(mktemp -d)
cleanup() { kill "${RX:-0}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

target/release/examples/fast_receiver > "$work/port" &
RX=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(head -1 "$work/port")/hooks"
"$BIN" fixtures show "$FIXTURE" --json | python3 -c 'import json,sys; sys.stdout.write(json.dumps(json.load(sys.stdin)["body"], ensure_ascii=False, separators=(",",":")))' > "$work/body.json"
echo "receiver: $URL   body: $(wc -c < "$work/body.json") bytes ($FIXTURE)   N=$N C=$C rounds=$ROUNDS"

median() { python3 -c 'import sys,statistics; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.1f}")' "$@"; }
declare -a H_RPS H_P99 O_RPS O_P99 W_RPS W_P99
for round in $(seq "$ROUNDS"); do
  "$BIN" send "$FIXTURE" --to "$URL" --repeat "$N" --concurrency "$C" --json > "$work/h.json"
  read -r rps p99 < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["failed"]==0, d; print(d["requests_per_second"], d["latency_ms"]["p99"])' "$work/h.json")
  H_RPS+=("$rps"); H_P99+=("$p99")
  printf 'round %s  hookctl send  %10.1f req/s  p99 %7.3f ms\n' "$round" "$rps" "$p99"

  if command -v oha >/dev/null; then
    oha -n "$N" -c "$C" -m POST -H 'Content-Type: application/json' -D "$work/body.json" --no-tui --output-format json "$URL" > "$work/o.json"
    read -r rps p99 < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["summary"]["requestsPerSec"], d["latencyPercentiles"]["p99"]*1000)' "$work/o.json")
    O_RPS+=("$rps"); O_P99+=("$p99")
    printf 'round %s  oha           %10.1f req/s  p99 %7.3f ms\n' "$round" "$rps" "$p99"
  fi
  if command -v wrk >/dev/null; then
    BODY_FILE="$work/body.json" wrk -t2 -c"$C" -d4s --latency -s ../shared/anchors/wrk-post.lua "$URL" > "$work/w.txt" 2>&1 || true
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/w.txt")
    p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$work/w.txt")
    if [ -n "$rps" ]; then
      W_RPS+=("$rps"); W_P99+=("${p99:-0}")
      printf 'round %s  wrk           %10.1f req/s  p99 %7.3f ms\n' "$round" "$rps" "${p99:-0}"
    fi
  fi
done
echo "--- medians over $ROUNDS rounds (N=$N, C=$C, fresh placeholders per hookctl request) ---"
h=$(median "${H_RPS[@]}"); printf 'hookctl send  %10s req/s  p99 %s ms\n' "$h" "$(median "${H_P99[@]}")"
if [ "${#O_RPS[@]}" -gt 0 ]; then
  o=$(median "${O_RPS[@]}"); printf 'oha           %10s req/s  p99 %s ms\n' "$o" "$(median "${O_P99[@]}")"
  python3 -c 'import sys; h,o=float(sys.argv[1]),float(sys.argv[2]); print(f"hookctl / oha = {h/o:.2f}x (target >= 1.2x at C=16; wrk: >= 1.0x at C=8)")' "$h" "$o"
fi
if [ "${#W_RPS[@]}" -gt 0 ]; then
  w=$(median "${W_RPS[@]}"); printf 'wrk           %10s req/s  p99 %s ms\n' "$w" "$(median "${W_P99[@]}")"
  python3 -c 'import sys; h,w=float(sys.argv[1]),float(sys.argv[2]); print(f"hookctl / wrk = {h/w:.2f}x")' "$h" "$w"
fi
