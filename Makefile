# The two commands a newcomer needs: `make run` and `make test`.
# Each creates .venv and installs the project into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench messages clean stress-test

# PYTHONWARNINGS: setuptools' "Editable installation" notice is not for our users.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/digest-bot run

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/search.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/window.py

# The delivery tests STRESS_RUNS times with two CPU hogs beside them (a busy machine):
# ordering in those tests comes from events, not from the machine's speed, so every run
# passes. Each run's output is in .stress/run-N.log. STRESS_POSTS: the posts the
# ingest-during-a-fan-out test stores per run (the test's own default is 400).
STRESS_RUNS ?= 20
STRESS_POSTS ?= 100
DELIVERY_TESTS := tests/test_delivery.py tests/test_delivery_load.py tests/test_delivery_pacing.py
stress-test: $(STAMP)
	@mkdir -p .stress; hogs=""; \
	for i in 1 2; do yes >/dev/null & hogs="$$hogs $$!"; done; \
	trap 'kill $$hogs' EXIT; trap 'exit 130' INT TERM; failures=0; \
	for run in $$(seq $(STRESS_RUNS)); do \
	  DELIVERY_LOAD_POSTS=$(STRESS_POSTS) $(BIN)/pytest -q -p no:randomly $(DELIVERY_TESTS) \
	    >.stress/run-$$run.log 2>&1 \
	    || { failures=$$((failures + 1)); echo "run $$run FAILED: .stress/run-$$run.log"; }; \
	  echo "run $$run of $(STRESS_RUNS): $$failures failure(s)"; \
	done; \
	echo "stress-test: $(STRESS_RUNS) runs with 2 CPU hogs, $$failures failed"; \
	test $$failures -eq 0

# After changing a text users read: extract the texts, update the Chinese catalog,
# then translate the new entries in bot/i18n/locales/zh/LC_MESSAGES/messages.po.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output -o bot/i18n/messages.pot .
	$(BIN)/pybabel -q update -i bot/i18n/messages.pot -d bot/i18n/locales -l zh --ignore-obsolete --no-fuzzy-matching --no-wrap

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
