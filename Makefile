# privmw developer tasks. `make demo` runs the example app, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint docs bench bench-quick clean

# Developer tools are PEP 735 dependency groups (pip >= 25.1 reads them: the
# venv's pip is upgraded first); user features are extras.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade 'pip>=25.1'
	$(PY) -m pip install -q -e '.[redis,prometheus,speedups]' --group test
	touch $@

$(VENV)/.bench: $(VENV)/.installed
	$(PY) -m pip install -q --group bench
	touch $@

# privmw's one secret for the demo, made once (consent choices survive restarts).
# In production set PRIVMW_SECRET yourself, the same in every process.
$(VENV)/demo-secret: $(VENV)/.installed
	$(PY) -c "import secrets; print(secrets.token_urlsafe(32))" > $@

demo: $(VENV)/.installed $(VENV)/demo-secret
	PRIVMW_SECRET="$${PRIVMW_SECRET:-$$(cat $(VENV)/demo-secret)}" \
	$(PY) -m uvicorn examples.fastapi_app.app:app --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(PY) -m ruff check src tests benchmarks examples
	$(PY) -m ruff format --check src tests benchmarks examples
	$(PY) -m mypy

test: lint docs
	$(PY) -m pytest

# The documentation site, strict: a broken link or a missing object fails.
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet --site-dir .site

bench: $(VENV)/.bench
	$(PY) -m benchmarks --json benchmarks/results/latest.json

bench-quick: $(VENV)/.bench
	$(PY) -m benchmarks --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .site dist
