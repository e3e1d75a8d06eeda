# Wraps the CMake configurations. `make test` is the README's test command and CI's.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30

.PHONY: all build deps test fuzz fuzz-build bench examples clean format-check

all: build

deps:
	@./scripts/deps

build: deps
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DREFRACT_TESTS=OFF >/dev/null
	@cmake --build build/release -j $(JOBS)

# The test build: ASan + UBSan, every warning an error, then every test through ctest.
test: deps
	@cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DREFRACT_SANITIZE=ON >/dev/null
	@cmake --build build/test -j $(JOBS)
	@cd build/test && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

fuzz-build: deps
	@CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DREFRACT_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j $(JOBS)

# Run every fuzz target for FUZZ_SECONDS each, starting from its corpus.
fuzz: fuzz-build
	@./scripts/fuzz-run build/fuzz $(FUZZ_SECONDS)

bench: build
	@./scripts/bench build/release

examples: build
	@for f in examples/*.json; do echo "== $$f"; ./build/release/refract assess "$$f" || exit 1; done

clean:
	rm -rf build
