#!/bin/sh
# Builds the libFuzzer targets (Fuzz/, with TWILIO_FUZZ=1 into .build-fuzz) and runs each from
# its committed seed corpus for FUZZ_RUNS inputs (100,000 by default), all at once (one per core
# and more). Fails on any crash, leak, failed check or input slower than 10 s; prints each
# target's tally.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${FUZZ_RUNS:-100000}"
targets="fuzz-manifest fuzz-inputs fuzz-webhook fuzz-serve-line fuzz-hosts"
export TWILIO_FUZZ=1
for target in $targets; do
    swift build --scratch-path .build-fuzz --product "$target" 2>&1 | grep -E "error|warning: unre|Compiling fuzz|Build" || true
done
bin="$(swift build --scratch-path .build-fuzz --show-bin-path)"
# Swift's own crash backtracer would deadlock under ASan; the sanitizer reports instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:malloc_context_size=4"
export LSAN_OPTIONS="suppressions=$root/Fuzz/lsan.supp:print_suppressions=0"
results="$(mktemp -d)"

# Runs one target; writes its tally (or its failure, with the input) to $results/<target>.
fuzz() {
    target="$1"
    work="$results/$target.corpus"
    log="$results/$target.log"
    mkdir -p "$work"
    # New inputs go to the scratch directory; the committed corpus is only read. Manifests are
    # long (the seed component.yaml is 21 kB); requests and webhooks are not.
    max_len=4096
    [ "$target" = fuzz-manifest ] && max_len=32768
    if "$bin/$target" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1 \
        -artifact_prefix="$results/$target-" "$work" "Fuzz/corpus/$target" > "$log" 2>&1; then
        executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        coverage=$(grep -E "^#[0-9]+.*(DONE|cov:)" "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*corp: \([0-9]*\).*/cov \1, corpus \2/p')
        echo "fuzz: $target: $executed runs ($per_second/s), $coverage, 0 crashes, 0 leaks, 0 timeouts" > "$results/$target"
    else
        {
            echo "fuzz: $target FAILED; the last lines of its log, and the input that failed (base64):"
            tail -60 "$log"
            for artifact in "$results/$target"-*; do [ -f "$artifact" ] && base64 "$artifact" | head -40; done
        } > "$results/$target.failed"
    fi
}

for target in $targets; do fuzz "$target" & done
wait
status=0
for target in $targets; do
    if [ -f "$results/$target" ]; then cat "$results/$target"; else cat "$results/$target.failed"; status=1; fi
done
rm -rf "$results"
exit $status
