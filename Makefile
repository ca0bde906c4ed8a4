# The two commands of README.md:
#   make run   installs what is missing, builds in release mode, and trains the first notebook's XOR network (nn train, as example 000).
#   make test  installs what is missing and runs the whole test suite (release mode).
SWIFT ?= swift
RELEASE_FLAGS = -c release

.PHONY: run test deps build bench fuzz clean

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

# Both benchmark tables of BENCHMARKS.md, ours and the peers' side by side (several minutes).
bench: deps
	benchmarks/run-gemm.sh
	benchmarks/run-train.sh

# Builds the libFuzzer targets in .build-fuzz and runs each for FUZZ_SECONDS (see README, Reliability).
FUZZ_SECONDS ?= 10
fuzz:
	./scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build
