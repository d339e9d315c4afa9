# Two commands do all set-up on a machine with only python3:
#   make run   - clean the sample fixtures, print output and log
#   make test  - the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-corpus bench-datatrove profile eval clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@for f in fixtures/*.txt; do \
	  echo "==================== $$f (cleaned)"; \
	  $(BIN)/cleaner clean "$$f" --log "$(VENV)/run.log.jsonl" || exit $$?; \
	  echo; echo "-------------------- $$f (removal log)"; \
	  cat "$(VENV)/run.log.jsonl"; \
	done

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

bench-corpus: $(STAMP)
	$(BIN)/python benchmarks/bench_corpus.py --mb 200 --memory 100,1000

bench-datatrove: $(STAMP)
	$(BIN)/python benchmarks/bench_datatrove.py --mb 20

profile: $(STAMP)
	$(BIN)/python benchmarks/profile_engine.py

eval: $(STAMP)
	$(BIN)/cleaner eval benchmarks/data/dev.jsonl

clean-venv:
	rm -rf $(VENV)
