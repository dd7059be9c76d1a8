#!/usr/bin/env bash
# hookctl fuzz side by side with Schemathesis on the same seeded-bug receivers (scripts/fuzz-receivers.py):
# which bug each finds, in how many requests and how long. Schemathesis gets each event's schema wrapped as
# the request body of one OpenAPI operation, positive mode (as the issue measured it), 100 examples, the same seed.
#   scripts/bench-fuzz.sh            (needs python3 -m pip install schemathesis check-jsonschema)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=$PWD/target/release/hookctl
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
command -v st >/dev/null || { echo "Schemathesis is missing: python3 -m pip install schemathesis" >&2; exit 2; }

mkdir -p "$work/schemas"
for name in $("$bin" fixtures --json | python3 -c 'import json,sys; print(" ".join(f["name"] for f in json.load(sys.stdin)))'); do
  "$bin" schema "$name" > "$work/schemas/$name.schema.json"
done

# An OpenAPI 3.1 document with one operation whose request body is EVENT's schema ($defs moved to components).
wrap() {
  python3 - "$work/schemas/$1.schema.json" > "$work/$1.openapi.json" <<'PY'
import json, sys
schema = json.load(open(sys.argv[1]))
defs = schema.pop("$defs", {})
text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
defs_text = json.dumps(defs).replace('"#/$defs/', '"#/components/schemas/')
for key in ("$schema", "$id"):
    schema.pop(key, None)
body = json.loads(text); body.pop("$schema", None); body.pop("$id", None)
print(json.dumps({"openapi": "3.1.0", "info": {"title": "webhook", "version": "1"},
  "paths": {"/hooks": {"post": {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
  "responses": {"200": {"description": "ok"}, "400": {"description": "refused"}, "422": {"description": "refused"}}}}},
  "components": {"schemas": json.loads(defs_text)}}))
PY
}

port=39100
row() { printf '%-18s %-29s %-58s %s\n' "$@"; }
row "seeded bug" "event" "hookctl fuzz" "schemathesis (100 examples)"
row "----------" "-----" "------------" "---------------------------"
run() {
  local bug=$1 event=$2; shift 2
  port=$((port + 1))
  python3 scripts/fuzz-receivers.py "$bug" "$port" "$work/schemas" & local pid=$!
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  local start end doc ours theirs
  start=$(date +%s.%N)
  "$bin" fuzz $event --to "http://127.0.0.1:$port/hooks" --seed 1 --json --save-failures "$work/found" "$@" >"$work/ours.json" 2>/dev/null || true
  end=$(date +%s.%N)
  ours=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); k=sorted({f["check"]+"/"+f["kind"] for f in d["findings"]}); print((", ".join(k) or "nothing"), "·", d["requests"], "req")' "$work/ours.json")
  ours="$ours · $(printf '%.1f' "$(echo "$end - $start" | bc)")s"
  theirs="-"
  if [ "$event" != "" ]; then
    wrap "${event%% *}"
    start=$(date +%s.%N)
    if st run "$work/${event%% *}.openapi.json" --url "http://127.0.0.1:$port" -n 100 --seed 1 --request-timeout 1 \
        --mode positive --checks not_a_server_error,positive_data_acceptance --continue-on-failure --workers 1 >"$work/st.log" 2>&1; then
      theirs="nothing"
    else
      theirs=$(sed -n '/^Failures:/,/^$/p' "$work/st.log" | grep -oE "ST[0-9]+ [^:]+" | sort -u | paste -sd, - || true)
      [ -n "$theirs" ] || theirs="failed (see log)"
    fi
    end=$(date +%s.%N)
    theirs="$theirs · $(printf '%.1f' "$(echo "$end - $start" | bc)")s"
  fi
  row "$bug" "${event:-(all 16)}" "$ours" "$theirs"
  kill $pid 2>/dev/null || true
}
run non-ascii pgyer.crashlog
run int32 pgyer.crashlog
run long-string obniz.install.create
run enum-android pgyer.crashlog
run missing-object obniz.install.create
run null obniz.install.create
run number-for-string obniz.install.create
run empty-array ebriza.configuration.changed
run extra-key obniz.install.create
run slow-large pgyer.crashlog --timeout 1s
run duplicate pgyer.feedback
run strict obniz.install.create
run strict ""
