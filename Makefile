# Entry points; README.md names `make test`. Each target installs what it needs first.
.PHONY: deps build test bench-manifest clean

deps:
	@./scripts/install-deps.sh

build: deps
	swift build

test: deps
	swift build --build-tests
	swift test

# Load + validate a generated manifest of 100, 1,000 and 10,000 actions (release build).
bench-manifest: deps
	swift build -c release --product manifest-bench
	./.build/release/manifest-bench

clean:
	rm -rf .build
