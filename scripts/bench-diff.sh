#!/usr/bin/env bash
# `hookctl diff` (validate + extra fields + masked diff) on a 5 MB Pgyer crashlog (long notes) and a 20,000-key
# Ebriza configuration, side by side with check-jsonschema validating the same files against the same schema
# (`hookctl schema NAME`), in one run (hyperfine, medians), plus peak memory against the input size.
#   usage: scripts/bench-diff.sh [RUNS=10]
# Needs: hyperfine (`apt-get install -y hyperfine`), check-jsonschema (`pip install check-jsonschema`), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
cargo build --release --quiet --bin hookctl
BIN=$PWD/target/release/hookctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$BIN" fixtures show pgyer.crashlog --json | python3 -c '
import json, sys
body = json.load(sys.stdin)["body"]
frame = "libsystem_kernel.dylib 0x3094c49c mach_msg_trap 20 CoreFoundation 0x21edf7f3 <redacted> 146\n"
body["notes"] = (frame * (5 * 1024 * 1024 // len(frame) + 1))[: 5 * 1024 * 1024]
json.dump(body, open(sys.argv[1], "w"))' "$work/crashlog.json"
"$BIN" fixtures show ebriza.configuration.changed --json | python3 -c '
import json, sys, uuid
body = json.load(sys.stdin)["body"]
config = body["Configuration"]
for i in range(20000 - len(config)):
    kind = i % 4
    config[f"field{i:05d}"] = [True, f"text value {i}", ["opt1", "opt2"], str(uuid.uuid4()).upper()][kind]
json.dump(body, open(sys.argv[1], "w"))' "$work/ebriza.json"
"$BIN" fixtures show pgyer.crashlog --json | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["body"], open(sys.argv[1], "w"))' "$work/small.json"
"$BIN" schema pgyer.crashlog > "$work/crashlog.schema.json"
"$BIN" schema ebriza.configuration.changed > "$work/ebriza.schema.json"

for case in crashlog:pgyer.crashlog ebriza:ebriza.configuration.changed; do
  file=${case%%:*}; event=${case##*:}
  size=$(wc -c < "$work/$file.json")
  echo "=== $file.json ($size bytes) against $event ==="
  "$BIN" diff "$work/$file.json" --against "$event" > /dev/null   # must match (exit 0)
  check-jsonschema --schemafile "$work/$file.schema.json" "$work/$file.json" > /dev/null
  hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$work/$file.hf.json" \
    -n "hookctl diff" "$BIN diff $work/$file.json --against $event" \
    -n "check-jsonschema" "check-jsonschema --schemafile $work/$file.schema.json $work/$file.json" 2>&1 | grep -E "Time|±" || true
  python3 - "$work/$file.hf.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
h, c = r["hookctl diff"], r["check-jsonschema"]
print(f"median: hookctl {h*1000:.1f} ms, check-jsonschema {c*1000:.1f} ms -> hookctl is {c/h:.1f}x faster (target >= 25x)")
PY
  base=$(/usr/bin/time -f %M "$BIN" diff "$work/small.json" --against pgyer.crashlog 2>&1 >/dev/null | tail -1)
  peak=$(/usr/bin/time -f %M "$BIN" diff "$work/$file.json" --against "$event" 2>&1 >/dev/null | tail -1)
  peer=$(/usr/bin/time -f %M check-jsonschema --schemafile "$work/$file.schema.json" "$work/$file.json" 2>&1 >/dev/null | tail -1)
  python3 -c "
size, base, peak, peer = $size, $base * 1024, $peak * 1024, $peer * 1024
print(f'memory: peak RSS {peak/2**20:.1f} MiB = {peak/size:.1f}x the input; above the {base/2**20:.1f} MiB baseline '
      f'(same command, small input): {(peak-base)/2**20:.1f} MiB = {(peak-base)/size:.1f}x the input (target < 5x); '
      f'check-jsonschema peak RSS {peer/2**20:.1f} MiB')"
done
