#!/usr/bin/env bash
# Builds the release binary and fails when it is over the size budget (10 MB, stripped, every feature kept).
# Also prints how long `hookctl --help` takes (median of many runs; hyperfine when installed).
# Usage: scripts/check-size.sh [BUDGET_BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-10000000}"
cargo build --release --locked --quiet
bin=target/release/hookctl
# Measured as built: the binary `cargo install` gives is this one, so it must come out of cargo stripped (a
# symbol table left in it fails the check, whatever its size).
size=$(stat -c %s "$bin")
printf 'release binary: %s bytes as built (%.2f MB; budget %.2f MB)\n' "$size" "$(echo "$size / 1000000" | bc -l)" "$(echo "$budget / 1000000" | bc -l)"
if command -v readelf >/dev/null 2>&1 && readelf -S "$bin" | grep -q '\.symtab'; then
  echo "FAIL: the release binary keeps its symbol table (.symtab): the profile's strip did not take effect" >&2
  exit 1
fi
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 20 --runs 200 --shell none --style basic "$bin --help" 2>/dev/null | grep -E "Time|Range" || true
else
  python3 - "$bin" <<'PY'
import subprocess, sys, time
times = []
for _ in range(200):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "--help"], stdout=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"hookctl --help: median {times[len(times)//2]:.2f} ms (p90 {times[int(len(times)*0.9)]:.2f} ms, 200 runs, includes process spawn)")
PY
fi
if [ "$size" -gt "$budget" ]; then
  echo "FAIL: the release binary grew past the budget by $((size - budget)) bytes; run cargo tree -d and cargo bloat" >&2
  exit 1
fi
