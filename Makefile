# The two set-up commands are `make demo` and `make test`; everything else supports them.
# They work on a fresh Debian machine with Python 3.11: what is missing is installed
# (the virtual environment via pip; Mosquitto, Chromium, poppler, NATS and PostgreSQL via apt,
# as root or sudo).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := mosquitto chromium poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-fast lint bench firmware messages screenshots runtime-deps system-deps install

demo: $(STAMP) runtime-deps
	$(BIN)/ewidencjoner demo

test: $(STAMP) runtime-deps system-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The pure and storage tests, under a minute: no broker, browser, MicroPython or slow test
# (the markers are set in tests/conftest.py). `make test` runs them all.
test-fast: $(STAMP) runtime-deps
	$(BIN)/python -m pytest -q -m "not broker and not browser and not micropython and not city and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check hub web tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP) runtime-deps system-deps
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ingest_flood.py
	$(BIN)/python bench/firmware.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/cli_start.py
	$(BIN)/python bench/bank_import.py
	$(BIN)/python bench/attendance_stats.py
	$(BIN)/python bench/backup.py
	$(BIN)/python bench/archive.py
	$(BIN)/python bench/year_end.py

# The reader's bundle (.mpy modules and main.py, no simulator) for flashing: hardware/flashing.md.
firmware: $(STAMP)
	$(BIN)/python -m hub.provision.firmware build build/firmware

# The README's pictures: the main pages of the demo kindergarten (a week of taps) in Chromium,
# desktop and phone, as small PNGs in docs/screenshots/ (tests/screenshots.py).
screenshots: $(STAMP) runtime-deps system-deps
	$(BIN)/python -m tests.screenshots docs/screenshots

# The catalogues: new message ids from web/ (Python and templates) and hub/ (refusals, the
# command line's words) are added to hub/locale/*/LC_MESSAGES/messages.po, ready to
# translate (web/README.md, "Translations").
messages: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel extract -F web/babel.cfg --add-comments=Translators: --no-location --sort-output \
	  --no-wrap --project=ewidencjoner --version=0.1 -o build/messages.pot web hub
	$(BIN)/pybabel update -i build/messages.pot -d hub/locale --no-wrap --ignore-pot-creation-date \
	  --ignore-obsolete --no-fuzzy-matching

install: $(STAMP)

$(STAMP): pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); echo "Installing python3-venv with apt"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv && \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# the desk reader's package without its Pi-only dependencies (the tests fake them);
	# the pin is the `desk` extra's in pyproject.toml (tests/test_desk_reader.py checks)
	$(BIN)/python -m pip install --quiet --no-deps mfrc522==0.0.7
	touch $(STAMP)

# What the hub needs from the system: DejaVu Sans (Polish letters), which the PDF reports embed
# (Typst, the PDF engine, is a Python wheel with no system library).
runtime-deps:
	@missing=""; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing with apt:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# What the tests need besides: a Mosquitto broker, Chromium for browser tests, pdftotext,
# systemd-analyze to check the service unit in deploy/, and the city's engines (NATS with
# JetStream, PostgreSQL).
system-deps:
	@missing=""; \
	[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || missing="$$missing mosquitto"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	[ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null || missing="$$missing nats-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing with apt:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
