# kb — make install | wiki | test | bench | eval | clean
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= sqlite:///kb.sqlite
SITE   ?= site
# make bench BENCH_ARGS="--repeat 3"; with $$KB_TEST_PG_URL set it also times PostgreSQL
BENCH_ARGS ?=

.PHONY: install wiki test bench eval clean

install: $(STAMP)

# pkuseg 0.0.25 has no wheel for Python 3.11: it compiles against numpy and cython,
# which must be installed first, without build isolation. Its sdist ships the model.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet numpy cython
	$(BIN)/pip install --quiet --no-build-isolation pkuseg==0.0.25
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# kb build's last line says where to open the site
wiki: install
	$(BIN)/kb glossary import --db $(DB) glossary
	$(BIN)/kb build --db $(DB) examples/logs --out $(SITE)

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/bench_ingest.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) kb.sqlite kb.sqlite-wal kb.sqlite-shm $(SITE) corpus.sqlite corpus.sqlite-wal corpus.sqlite-shm corpus-site .pytest_cache
