# The two commands of README.md:
#   make run   installs what is missing, builds in release mode, and trains the first notebook's XOR network (nn train, as example 000).
#   make test  installs what is missing and runs the whole test suite (release mode).
# Also: make docs (the DocC site in docs-site/), make format (swift-format, in place), make lint (as CI).
SWIFT ?= swift
RELEASE_FLAGS = -c release

.PHONY: run test deps build bench fuzz docs docs-check format lint clean dist test-mpi

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(RELEASE_FLAGS)

run: build
	$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/nn train --dataset notebook-000 --layers 4 --activation sigmoid \
		--output-activation sigmoid --no-bias --init uniform:-1,1 --loss half-sse --optimizer sgd --learning-rate 1 \
		--epochs 60000 --seed 1 --precision double

test: deps
	$(SWIFT) test $(RELEASE_FLAGS)

# Relocatable nn binaries (Swift runtime and Foundation linked in): dist/nn, and dist/nn-mpi with the MPI
# trait; each is checked from another folder without the toolchain's libraries (scripts/dist.sh).
dist: deps
	./scripts/install-deps.sh --mpi
	./scripts/dist.sh all

# The distributed checks under mpirun (2 and 3 ranks; scripts/mpi-tests.sh), on an nn built with the MPI trait,
# then across two hosts simulated with network namespaces (scripts/mpi-two-hosts.sh; skipped without root).
test-mpi: deps
	./scripts/install-deps.sh --mpi
	./scripts/mpi-tests.sh
	./scripts/mpi-two-hosts.sh "$$(swift build -c release --traits MPI --scratch-path .build-mpi --show-bin-path)/nn"

# Both benchmark tables of BENCHMARKS.md, ours and the peers' side by side (several minutes).
bench: deps
	benchmarks/run-gemm.sh
	benchmarks/run-train.sh

# Builds the libFuzzer targets in .build-fuzz and runs each for FUZZ_SECONDS (see README, Reliability).
FUZZ_SECONDS ?= 10
fuzz:
	./scripts/fuzz.sh $(FUZZ_SECONDS)

# The DocC documentation of Tensor, TensorIO and Network as a static site in docs-site/ (git ignores it);
# serve it with `python3 -m http.server --bind 127.0.0.1 --directory docs-site 8000` and open
# http://127.0.0.1:8000/documentation/ (the landing page of the three). docs-check is CI's form: any DocC warning (a broken
# symbol link, an undocumented parameter) fails it.
docs: deps
	./scripts/build-docs.sh

docs-check: deps
	./scripts/build-docs.sh --warnings-as-errors

# swift-format with the house style of .swift-format: `make format` before committing, `make lint` as CI.
FORMAT_PATHS = Sources Tests benchmarks Fuzz
format:
	$(SWIFT) format format --in-place --recursive --parallel $(FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)

clean:
	rm -rf .build .build-mpi .build-dist .build-dist-mpi dist docs-site
