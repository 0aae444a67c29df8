# The two quick-start commands: `make demo` and `make test`. Each creates .venv on first use
# (only python3 is needed on the machine) and reinstalls when pyproject.toml changes.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint readme clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/auditor demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -q

# Regenerate the README's generated sections (the rule table) from the rule registry.
readme: $(STAMP)
	$(VENV)/bin/auditor policies list --format markdown --update-readme README.md

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache
