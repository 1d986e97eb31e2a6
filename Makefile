# Entry points; README.md names `make test`. Each target installs what it needs first.
.PHONY: deps test-deps build run test test-engines format lint fuzz docs engine-example bench bench-manifest bench-http bench-sandbox clean

deps:
	@./scripts/install-deps.sh

# What the tests start or call besides the libraries: tinyproxy, openssl, python3-venv, redis-server.
test-deps:
	@./scripts/install-deps.sh --test

build: deps
	swift build $(IMPORT_CHECK)

# Sends an SMS through the built-in sandbox (or Twilio, when TWILIO_* credentials are set).
run: deps
	swift run run-action sendSMS --inputs-file examples/sendSMS.json

# libFuzzer targets (Fuzz/): FUZZ_RUNS inputs each (100,000 by default) from the seed corpus.
fuzz: deps
	./scripts/fuzz.sh

# Regenerates docs/twilio.md from component.yaml.
docs: deps
	swift run run-action --docs > docs/twilio.md

# The example workflow host (examples/engine/host.py) runs its flow against a sandbox it starts.
engine-example: deps
	swift build --product twilio-component
	swift build --product twilio-sandbox
	python3 examples/engine/host.py

# The Swift sources in the style .swift-format sets (the toolchain's `swift format`).
format:
	swift format format --in-place --recursive --parallel Sources Tests bench Fuzz

lint:
	swift format lint --strict --recursive --parallel Sources Tests bench Fuzz

# Every import must be a declared dependency, so the layers' arrows hold for modules without C
# dependencies too (SwiftPM otherwise finds any module already built in the build folder).
IMPORT_CHECK = --explicit-target-dependency-import-check error

test: test-deps
	$(MAKE) --no-print-directory lint
	swift build --build-tests $(IMPORT_CHECK)
	swift test
	$(MAKE) --no-print-directory test-engines
	./scripts/fuzz.sh

# The Celery/Redis adapters and the Airflow provider (integrations/python) against redis-server and a sandbox they start,
# with the debug executables `swift build` made; their virtual environment is kept in .venv-engines.
test-engines: test-deps
	swift build --product twilio-component
	swift build --product twilio-sandbox
	cd integrations/python && "$$(../../scripts/engines-env.sh)" -m pytest -s -p no:cacheprovider tests

# The component beside its peers (the twilio package, curl), written to docs/benchmarks.md and .svg.
# Built as shipped: optimized, with the Swift runtime linked in (a shorter cold start), in .build-static.
BENCH_BUILD = swift build -c release --static-swift-stdlib --scratch-path .build-static
bench: deps
	@./scripts/install-deps.sh --bench
	$(BENCH_BUILD) --product twilio-component
	$(BENCH_BUILD) --product twilio-sandbox
	$(BENCH_BUILD) --product webhook-bench
	$(BENCH_BUILD) --product manifest-bench
	python3 bench/run.py --bin .build-static/release --python "$$(./scripts/python-env.sh)"

# Load + validate a generated manifest of 100, 1,000 and 10,000 actions (release build).
bench-manifest: deps
	swift build -c release --product manifest-bench
	./.build/release/manifest-bench

# 2,000 sequential POSTs through CurlHTTPClient beside the curl tool on the same loopback server.
bench-http: deps
	swift build -c release --product http-bench
	./.build/release/http-bench

# Message creates per second the sandbox serves to wrk on loopback.
bench-sandbox: deps
	./bench/sandbox/run.sh

clean:
	rm -rf .build
