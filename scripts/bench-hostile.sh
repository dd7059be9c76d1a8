#!/usr/bin/env bash
# Every hostile description of issue 34 through `hookctl import` (and `fuzz` on the fixture it writes for
# the large minItems), each under a 2 GB address-space limit (`ulimit -v`) and a 60 s timeout: time, peak RSS
# and exit code side by side. The goal: each ends in <= 10 s with peak RSS <= 1 GiB, exit 0 (with a note) or
# 2 (one line), never 134/137 or a hang; import of 1,000 webhooks sharing one 2,000-property component under
# 300 MiB.
#   usage: [HOOKCTL_BIN=…] scripts/bench-hostile.sh
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${HOOKCTL_BIN:-}" ]; then
  cargo build --release --quiet --bin hookctl
fi
BIN=$(realpath "${HOOKCTL_BIN:-target/release/hookctl}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 tests/specs/hostile/make.py "$work/specs" --large

run() { # label, then the command
  local label=$1; shift
  local out="$work/out.$RANDOM"
  mkdir -p "$out"
  ( ulimit -v 2097152; cd "$out" && exec /usr/bin/time -f '%e %M' -o "$work/time" timeout 60 "$@" ) > "$work/stdout" 2> "$work/stderr"
  local code=$?
  read -r secs kb < <(tail -1 "$work/time")
  local said
  said=$(grep -v '^\s*$' "$work/stderr" | grep -v 'Command exited' | head -1 | cut -c1-90)
  printf '%-34s %6.2f s %8.1f MiB  exit %3s  %s\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)" "$code" "$said"
}

printf '%-34s %8s %12s  %8s  %s\n' shape time "peak RSS" code "first stderr line"
for spec in "$work"/specs/*; do
  name=$(basename "$spec")
  run "import $name" "$BIN" import "$spec" --provider acme --out fixtures
done
# fuzz on a fixture whose schema requires a million items (what import would have written for min-items).
mkdir -p "$work/fx"
printf '{"name":"acme.big","description":"d","body":{"a":[]}}' > "$work/fx/acme.big.json"
printf '{"type":"object","required":["a"],"properties":{"a":{"type":"array","minItems":1000000}}}' > "$work/fx/acme.big.schema.json"
python3 -c 'import http.server,sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length",0))); self.send_response(400); self.send_header("Content-Length","0"); self.end_headers()
    def log_message(self,*a): pass
s=http.server.ThreadingHTTPServer(("127.0.0.1",0),H); print(s.server_address[1],flush=True); s.serve_forever()' > "$work/port" &
RX=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
run "fuzz minItems 1000000" "$BIN" --fixtures "$work/fx" fuzz acme.big --to "http://127.0.0.1:$(head -1 "$work/port")/" --seed 1 --json
kill $RX 2>/dev/null
