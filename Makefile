# Two commands do all set-up on a machine with only python3:
#   make run   - what cleaning the sample fixtures removes, as a diff with each line's rule
#   make test  - the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench bench-corpus bench-datatrove profile eval fuzz clean-venv fuzz-idempotence

# Running needs only the package; the tests and benchmarks need the test extra too.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

run: $(STAMP)
	$(BIN)/cleaner clean --diff --verbose fixtures/*.txt

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_engine.py

bench-corpus: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_corpus.py --mb 200 --memory 100,1000

bench-datatrove: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_datatrove.py --mb 20

profile: $(TEST_STAMP)
	$(BIN)/python benchmarks/profile_engine.py

eval: $(TEST_STAMP)
	$(BIN)/cleaner eval benchmarks/data/dev.jsonl

# The long run of the bad-input fuzzer (about an hour; CI runs 40 cases of it in tests/test_fuzz_cli.py).
FUZZ_SEED ?= 1
fuzz: $(TEST_STAMP)
	$(BIN)/python benchmarks/fuzz_cli.py --seed $(FUZZ_SEED) --cases 5000

clean-venv:
	rm -rf $(VENV)

# The long run of the idempotence fuzzer (1M seeded cases, about 20 minutes on 2 cores; CI runs 3,000
# of them in tests/test_idempotence.py).
fuzz-idempotence: $(TEST_STAMP)
	$(BIN)/python benchmarks/fuzz_idempotence.py --seed $(FUZZ_SEED) --cases 1000000
