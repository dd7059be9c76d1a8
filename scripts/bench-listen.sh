#!/usr/bin/env bash
# `hookctl listen -q --save FILE` under wrk at concurrency 1, 16 and 64, side by side with the bare tiny_http
# anchor (read, parse, answer: no display, validation or saving) and the Python ThreadingHTTPServer receiver,
# in one run, repeated. Also counts saved lines against the requests wrk saw acknowledged, and runs the
# burst check (64 keep-alive clients connecting at once) against hookctl and against bare tiny_http.
#   usage: scripts/bench-listen.sh [SECONDS=4] [ROUNDS=3]
# Needs: wrk (`apt-get install -y wrk`), python3, and ../shared/anchors (beside this repository).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-4}; ROUNDS=${2:-3}
ANCHORS=${ANCHORS:-../shared/anchors}
cargo build --release --quiet --bin hookctl
CARGO_TARGET_DIR=${ANCHOR_TARGET:-/tmp/hookctl-anchor-target} cargo build --release --quiet --manifest-path "$ANCHORS/bare-tiny-http/Cargo.toml"
TINY=${ANCHOR_TARGET:-/tmp/hookctl-anchor-target}/release/bare-tiny-http
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

target/release/hookctl fixtures show ebriza.configuration.changed --json |
  python3 -c 'import json,sys; sys.stdout.write(json.dumps(json.load(sys.stdin)["body"], separators=(",",":")))' > "$work/body.json"
echo "body: $(wc -c < "$work/body.json") bytes (ebriza.configuration.changed: detected and validated by hookctl)"

wait_line() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

"$TINY" > "$work/tiny.port" & pids+=($!)
python3 "$ANCHORS/python-receiver.py" "$work/python.ndjson" > "$work/python.port" & pids+=($!)
target/release/hookctl listen 0 -q --save "$work/hookctl.ndjson" > /dev/null 2> "$work/hookctl.err" & pids+=($!)
wait_line "$work/tiny.port"; wait_line "$work/python.port"; wait_line "$work/hookctl.err"
declare -A PORT
PORT[tiny_http]=$(head -1 "$work/tiny.port")
PORT[python]=$(head -1 "$work/python.port")
PORT[hookctl]=$(head -1 "$work/hookctl.err" | sed 's/.*://')

run_wrk() { # server concurrency -> "rps p99_ms requests"
  BODY_FILE="$work/body.json" wrk -t"$([ "$2" -lt 2 ] && echo 1 || echo 2)" -c"$2" -d"${SECS}s" --latency -s "$ANCHORS/wrk-post.lua" "http://127.0.0.1:${PORT[$1]}/hook" > "$work/wrk.txt" 2>&1 || true
  python3 - "$work/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
found = re.search(r"Requests/sec:\s+([\d.]+)", t)
if not found:
    sys.stderr.write("wrk failed:\n" + t)
    print(0, 0, 0)
    sys.exit(0)
rps = float(found.group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else 0
n = int(re.search(r"(\d+) requests in", t).group(1))
print(rps, p99, n)
PY
}
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
median() { python3 -c 'import sys,statistics; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.1f}")' "$@"; }

lost=0
declare -A RESULT
for c in 1 16 64; do
  for server in hookctl tiny_http python; do
    rps_all=(); p99_all=()
    for round in $(seq "$ROUNDS"); do
      before=$(lines "$work/hookctl.ndjson")
      read -r rps p99 n < <(run_wrk "$server" "$c")
      rps_all+=("$rps"); p99_all+=("$p99")
      if [ "$server" = hookctl ]; then
        sleep 0.3
        saved=$(( $(lines "$work/hookctl.ndjson") - before ))
        note="saved $saved / acknowledged $n"
        [ "$saved" -lt "$n" ] && { lost=1; note="$note  LOST CAPTURES"; }
      else
        note=""
      fi
      printf 'c=%-3s %-9s round %s  %9.1f req/s  p99 %8.3f ms  %s\n' "$c" "$server" "$round" "$rps" "$p99" "$note"
    done
    RESULT[$server,$c]="$(median "${rps_all[@]}") $(median "${p99_all[@]}")"
  done
done
echo "--- medians over $ROUNDS rounds of ${SECS}s (wrk -t2) ---"
printf '%-5s %-22s %-22s %-22s %-12s %-12s\n' conc "hookctl req/s (p99)" "tiny_http req/s (p99)" "python req/s (p99)" "vs tiny" "vs python"
for c in 1 16 64; do
  read -r h hp <<<"${RESULT[hookctl,$c]}"; read -r t tp <<<"${RESULT[tiny_http,$c]}"; read -r p pp <<<"${RESULT[python,$c]}"
  printf '%-5s %-22s %-22s %-22s %-12s %-12s\n' "$c" "$h ($hp ms)" "$t ($tp ms)" "$p ($pp ms)" \
    "$(python3 -c "print(f'{$h/$t:.2f}x')")" "$(python3 -c "print(f'{$h/$p:.1f}x')")"
done
echo "targets: hookctl >= 0.7x tiny_http at c=16, >= 5x python; zero lost captures: $([ $lost = 0 ] && echo yes || echo NO)"

echo "--- burst: 64 keep-alive clients at once, 300 requests each, 30 s limit ---"
for server in hookctl tiny_http; do
  printf '%-9s ' "$server"
  python3 "$ANCHORS/burst.py" "${PORT[$server]}" 64 300 30 "$work/body.json" || true
done
