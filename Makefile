# Entry points; README.md names `make test`. Each target installs what it needs first.
.PHONY: deps test-deps build run test test-engines test-examples format lint fuzz docs engine-example release install uninstall dist dist-check bench bench-manifest bench-http bench-sandbox clean test-airflow-cluster wheel wheel-check

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
	swift run run-action --docs > docs/twilio.md.tmp && mv docs/twilio.md.tmp docs/twilio.md || { rm -f docs/twilio.md.tmp; exit 1; }

# The example workflow host (examples/engine/host.py) runs its flow against a sandbox it starts.
engine-example: deps
	swift build --product twilio-component
	swift build --product twilio-sandbox
	python3 examples/engine/host.py

# The Swift sources in the style .swift-format sets (the toolchain's `swift format`), the example
# components' included (not their build folders).
SWIFT_SOURCES = Sources Tests bench Fuzz examples/fixture-component examples/sendgrid/Package.swift examples/sendgrid/Sources examples/sendgrid/Tests

format:
	swift format format --in-place --recursive --parallel $(SWIFT_SOURCES)

lint:
	swift format lint --strict --recursive --parallel $(SWIFT_SOURCES)

# Every import must be a declared dependency, so the layers' arrows hold for modules without C
# dependencies too (SwiftPM otherwise finds any module already built in the build folder).
IMPORT_CHECK = --explicit-target-dependency-import-check error

test: test-deps
	$(MAKE) --no-print-directory lint
	swift build --build-tests $(IMPORT_CHECK)
	swift test
	$(MAKE) --no-print-directory test-examples
	$(MAKE) --no-print-directory test-engines
# The provider under a real Airflow cluster with a worker killed: about 2 minutes, so it fits here.
	$(MAKE) --no-print-directory test-airflow-cluster
	./scripts/fuzz.sh

# The SendGrid component (examples/sendgrid), its own package on the kit's products, built in its
# own .build and tested against loopback servers; the engine tests then run its executable too.
test-examples: deps
	swift build --package-path examples/sendgrid --build-tests
	swift test --package-path examples/sendgrid --skip-build

# The Celery/Redis adapters, their fault suite and the Airflow provider (integrations/python) against
# redis-server and a sandbox they start, with the debug executables `swift build` made; their virtual
# environment is kept in .venv-engines. Three pytest processes at once, each with its own
# redis-server and sandbox: the fault cases mostly wait out leases. The tallies close the output.
test-engines: test-deps
	swift build --product twilio-component
	swift build --product twilio-sandbox
	swift build --product fixture-component
	swift build --package-path examples/sendgrid --product sendgrid-component
	cd integrations/python && "$$(../../scripts/engines-env.sh)" -m pytest -p no:cacheprovider -n 3 tests

# The Airflow provider as deployed (integrations/python/tests/test_airflow_cluster.py): PostgreSQL,
# the scheduler, DAG processor, triggerer and API server, and two Celery workers on redis-server,
# from .venv-airflow with the provider installed from the platform wheel of the debug executable; a
# worker is killed mid-batch. Its own target: test-engines' pytest run skips it (it takes minutes).
test-airflow-cluster: test-deps
	swift build --product twilio-component
	swift build --product twilio-sandbox
	cd integrations/python && AIRFLOW_CLUSTER_TEST=1 AIRFLOW_CLUSTER_PYTHON="$$(../../scripts/airflow-cluster-env.sh)" \
		"$$(../../scripts/engines-env.sh)" -m pytest -p no:cacheprovider tests/test_airflow_cluster.py

# The build users run, installed and shipped: optimized, with the Swift runtime linked in (a
# shorter cold start, and no Swift toolchain needed where it runs), in .build-static. Debug
# sections are stripped on install; the symbol table stays, so crash reports name functions.
RELEASE_BUILD = swift build -c release --static-swift-stdlib --scratch-path .build-static
# twilio-mcp serves `twilio-component mcp` (it links the MCP SDK and full Foundation; twilio-component does not).
EXECUTABLES = twilio-component twilio-mcp run-action twilio-sandbox
PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^version: "\(.*\)"/\1/p' component.yaml)
DIST_NAME = twilio-component-$(VERSION)-linux-$(shell uname -m)

release: deps
	@for product in $(EXECUTABLES); do $(RELEASE_BUILD) --product $$product || exit 1; done

# Installs the executables into $(PREFIX)/bin (without root: make install PREFIX=$$HOME/.local).
install: release
	install -d "$(DESTDIR)$(PREFIX)/bin"
	@for product in $(EXECUTABLES); do \
		echo "install $(DESTDIR)$(PREFIX)/bin/$$product"; \
		install -m 755 .build-static/release/$$product "$(DESTDIR)$(PREFIX)/bin/$$product" && \
		strip --strip-debug "$(DESTDIR)$(PREFIX)/bin/$$product" || exit 1; \
	done

uninstall:
	@for product in $(EXECUTABLES); do echo "rm -f $(DESTDIR)$(PREFIX)/bin/$$product"; rm -f "$(DESTDIR)$(PREFIX)/bin/$$product"; done

# .build-dist/$(DIST_NAME).tar.gz: the installed executables, component.yaml, the docs and their
# SHA-256 sums, with the tarball's own sum beside it. Runs where libcurl4 and libyaml-0-2 are.
dist: deps
	rm -rf .build-dist/$(DIST_NAME) .build-dist/$(DIST_NAME).tar.gz .build-dist/$(DIST_NAME).tar.gz.sha256
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/.build-dist/$(DIST_NAME)
	mkdir -p .build-dist/$(DIST_NAME)/docs
	cp Sources/TwilioComponent/component.yaml README.md .build-dist/$(DIST_NAME)/
	cp docs/*.md docs/*.svg .build-dist/$(DIST_NAME)/docs/
	cd .build-dist/$(DIST_NAME) && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS
	tar -C .build-dist -czf .build-dist/$(DIST_NAME).tar.gz $(DIST_NAME)
	cd .build-dist && sha256sum $(DIST_NAME).tar.gz > $(DIST_NAME).tar.gz.sha256
	@ls -l .build-dist/$(DIST_NAME).tar.gz && cat .build-dist/$(DIST_NAME).tar.gz.sha256

# The tarball in a fresh Debian root (debootstrap, with only libcurl4 and libyaml-0-2 added; no
# Swift): --version, manifest, and an invoke through its own twilio-sandbox.
dist-check: dist
	./scripts/dist-check.sh .build-dist/$(DIST_NAME).tar.gz

# The platform wheel of component-engines in .build-wheel: the Python package with the release
# twilio-component and its manifest inside, tagged manylinux by auditwheel (libyaml grafted in,
# libcurl4 the system's), and the pure-Python sdist beside it (scripts/build-wheel.py, its tools in
# .venv-wheel). wheel-check installs it into new venvs, alone and with Airflow (scripts/wheel-check.sh).
WHEEL_DIR = .build-wheel

wheel: deps
	$(RELEASE_BUILD) --product twilio-component
	rm -rf $(WHEEL_DIR)
	./scripts/build-wheel.py --executable .build-static/release/twilio-component --out $(WHEEL_DIR) --sdist

wheel-check: wheel
	./scripts/wheel-check.sh $(WHEEL_DIR)

# The component beside its peers (the twilio package, curl), written to docs/benchmarks.md and .svg.
# It measures the executables as make install installs them (into .build-static/installed); the
# cluster row runs the Celery adapter on a redis-server it starts (hence --test's redis-server).
bench: deps
	@./scripts/install-deps.sh --bench
	@./scripts/install-deps.sh --test
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/.build-static/installed
	$(RELEASE_BUILD) --product webhook-bench
	$(RELEASE_BUILD) --product manifest-bench
	python3 bench/run.py --bin .build-static/installed/bin --tools .build-static/release --python "$$(./scripts/python-env.sh)" \
		--engines-python "$$(./scripts/engines-env.sh)"

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
