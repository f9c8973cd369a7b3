# Runbook Revenant analytics toolkit. `make help` lists the targets.
BIN := .build/debug

.PHONY: help setup build release install demo test samples fixtures goldens report-picture bench bench-1m fuzz clean

help:
	@echo "make demo      install what is missing, build, run the main job on the bundled samples"
	@echo "make test      install what is missing, build, run the whole test suite"
	@echo "make samples   regenerate samples/ with the sample generator, and the figures and goldens that check them"
	@echo "make report-picture  regenerate the README's picture of a weekly workbook (LibreOffice)"
	@echo "make goldens   regenerate the golden outputs of slo check / slo report (review the diff)"
	@echo "make bench     the performance benchmark at 1M and 10M events, against DuckDB and psql (Benchmarks/README.md)"
	@echo "make bench-1m  the same at 1M events only (a few minutes)"
	@echo "make fuzz      build the libFuzzer targets and run each for FUZZ_SECONDS (60) (scripts/fuzz)"
	@echo "make release   build optimised executables into .build/release"
	@echo "make install   install the executables, manual pages and completions under PREFIX (/usr/local) (scripts/install)"

SWIFT := . scripts/swift-env && swift

setup:
	@scripts/bootstrap

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

PREFIX ?= /usr/local

install:
	@scripts/install $(PREFIX)

demo:
	@scripts/demo

test:
	@scripts/test

fuzz: setup
	@scripts/fuzz $(FUZZ_SECONDS)

# The samples are generated, never edited by hand; the figures the tests compare
# them with come from an independent Python computation (Tests/Fixtures).
samples: build
	$(BIN)/incidents generate --out samples/events.jsonl --slos-out samples/slos.yaml
	$(MAKE) fixtures goldens

fixtures:
	python3 Tests/Fixtures/independent_figures.py samples/events.jsonl > Tests/Fixtures/sample-figures.json

goldens:
	scripts/update-goldens

# The README's picture of a weekly workbook, as LibreOffice prints it.
report-picture: build
	scripts/render-report --readme

bench: setup
	@Benchmarks/run.sh

bench-1m: setup
	@Benchmarks/run.sh 1m

clean:
	rm -rf .build
