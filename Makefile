# Each target sets up .venv on first use, so `make demo` and `make test` are one command each
# on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install chromium demo demo-serve test run webhook bench lint format messages lock clean

$(INSTALLED): pyproject.toml hatch_build.py $(wildcard bot/locales/*/LC_MESSAGES/*.po)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Linli needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Installing compiles the translation catalogues (see hatch_build.py).
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED) chromium

# The web pages' tests drive the system's Chromium (Playwright cannot download its own here).
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Chromium for the web pages' tests (apt-get install chromium)"; \
		apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; } || \
		{ echo "Could not install Chromium: run 'apt-get install chromium' as root; the tests in tests/web need /usr/bin/chromium." >&2; exit 1; }; }

demo: $(INSTALLED)
	$(BIN)/linli demo --out demo-output

# The demo, then its web pages until Ctrl-C: prints the dashboard's address and a sign-in link.
demo-serve: $(INSTALLED)
	$(BIN)/linli demo --out demo-output --serve

test: $(INSTALLED) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

run: $(INSTALLED)
	$(BIN)/linli db upgrade
	$(BIN)/linli run

webhook: $(INSTALLED)
	$(BIN)/linli db upgrade
	$(BIN)/linli webhook

# Every benchmark (README, Benchmarks), then a table of the figures: about 5 minutes. Needs
# PostgreSQL for the tally's second run (LINLI_TEST_POSTGRES_URL); not part of `make test`.
bench: $(INSTALLED)
	$(BIN)/python -m bench

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# After changing resident-facing text: refresh the template and the catalogues, then translate
# the new entries in bot/locales/*/LC_MESSAGES/linli.po.
messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k __ --no-location --sort-output --project=linli \
		-o bot/locales/linli.pot bot handlers
	$(BIN)/pybabel update -D linli -i bot/locales/linli.pot -d bot/locales -w 100 \
		--no-fuzzy-matching --ignore-obsolete

# After changing dependencies in pyproject.toml: pin the environment's packages for the image.
lock: $(INSTALLED)
	{ echo "# Every package of Linli's environment (runtime and dev) at the version the tests ran with."; \
	  echo "# The image installs Linli under these pins (Dockerfile). Regenerate with \`make lock\`."; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements.lock

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache .hypothesis
