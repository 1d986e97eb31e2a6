#!/bin/sh
# Builds the libFuzzer targets (Fuzz/, with TWILIO_FUZZ=1 into .build-fuzz) and runs each from
# its committed seed corpus for FUZZ_RUNS inputs (100,000 by default). Fails on any crash, leak,
# failed check or input slower than 10 s; prints each target's tally.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${FUZZ_RUNS:-100000}"
targets="fuzz-manifest fuzz-inputs fuzz-webhook fuzz-serve-line"
export TWILIO_FUZZ=1
for target in $targets; do
    swift build --scratch-path .build-fuzz --product "$target" 2>&1 | grep -E "error|warning: unre|Compiling fuzz|Build" || true
done
bin="$(swift build --scratch-path .build-fuzz --show-bin-path)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:malloc_context_size=4"
status=0
for target in $targets; do
    work="$(mktemp -d)"
    log="$work.log"
    # New inputs go to the scratch directory; the committed corpus is only read.
    if "$bin/$target" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
        "$work" "Fuzz/corpus/$target" > "$log" 2>&1; then
        executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        coverage=$(grep -E "^#[0-9]+.*(DONE|cov:)" "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*corp: \([0-9]*\).*/cov \1, corpus \2/p')
        echo "fuzz: $target: $executed runs ($per_second/s), $coverage, 0 crashes, 0 leaks, 0 timeouts"
    else
        echo "fuzz: $target FAILED; the last lines of its log ($log):"
        tail -40 "$log"
        status=1
    fi
    rm -rf "$work"
done
exit $status
