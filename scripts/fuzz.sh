#!/bin/sh
# Long-running robustness checks that `cargo test` keeps short:
#   1. the property tests (src/properties.rs) with PROPTEST_CASES cases each (default 1,000,000), release build;
#   2. each cargo-fuzz target (fuzz/fuzz_targets) for SECONDS seconds (default 120) under libFuzzer, on nightly.
# Any crash the fuzzer finds is saved under fuzz/artifacts/TARGET/; turn it into a regression test.
#
#   scripts/fuzz.sh [SECONDS]        e.g. scripts/fuzz.sh 600
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-120}
cases=${PROPTEST_CASES:-1000000}

echo "== property tests: $cases cases each (release build)"
start=$(date +%s)
PROPTEST_CASES=$cases cargo test --release --locked --lib properties -- --test-threads=2
echo "   property tests took $(( $(date +%s) - start )) s"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "== fuzzing skipped: no nightly toolchain (rustup toolchain install nightly)"
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "== fuzzing skipped: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)"
    exit 0
fi

# Seeds: the documented provider payloads and the fixtures' bodies.
for target in json_document request_path; do
    mkdir -p "fuzz/corpus/$target"
    cp tests/data/*.json tests/data/*.txt "fuzz/corpus/$target/" 2>/dev/null || true
done
mkdir -p fuzz/corpus/capture_file

status=0
for target in json_document request_path capture_file; do
    echo "== fuzzing $target for $seconds s"
    if cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 2>&1 \
        | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+== ERROR|SUMMARY|Done)' ; then :; fi
    if [ -n "$(ls -A "fuzz/artifacts/$target" 2>/dev/null)" ]; then
        echo "   CRASH: see fuzz/artifacts/$target/"
        status=1
    else
        echo "   no crash"
    fi
done
exit $status
