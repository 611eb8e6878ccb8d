# Agent Workbench: the two commands of the quick start, and a few helpers.
#   make demo   set up, seed a SQLite central store, start the server, open the app as agent1
#   make test   set up with the test extras and run the whole suite

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip
DEMO_DIR ?= .demo
DEMO_DB  = sqlite:///$(abspath $(DEMO_DIR))/central.db
DEMO_CUSTOMERS ?= 20000
PORT ?= 8765
APT_PACKAGES = fonts-wqy-microhei baresip-core sip-tester xvfb xauth \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libdbus-1-3

.PHONY: demo test setup setup-test system-packages lint migrations screenshots clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[test]'
	touch $@

setup: system-packages $(VENV)/.installed

setup-test: system-packages $(VENV)/.installed-test

# Debian packages the app and the tests use: a CJK font (else Chinese renders as boxes),
# the X11 libraries Qt's xcb platform plugin loads (a desktop has most of them already),
# the baresip softphone and sipp for the softphone tests, Xvfb for a virtual display.
# Skipped with a clear line when not root or not on Debian; the tests that need them skip.
system-packages:
	@bash scripts/install-system-packages.sh $(APT_PACKAGES)

demo: setup
	@mkdir -p $(DEMO_DIR)
	@test -f $(DEMO_DIR)/central.db || { $(VENV)/bin/workbench-server seed-demo --db $(DEMO_DB) --customers $(DEMO_CUSTOMERS) --seed 7 \
	  && echo "training the deal and churn models on the demo history…" \
	  && $(VENV)/bin/workbench-server train --db $(DEMO_DB) --kinds deal,churn --out $(DEMO_DIR)/models \
	  && $(VENV)/bin/workbench-server score --db $(DEMO_DB) --quiet \
	  && $(VENV)/bin/workbench-server import-policies server_stub/lifecycle/demo_retention.yaml --db $(DEMO_DB); }
	@bash scripts/run-demo.sh "$(DEMO_DB)" $(PORT) "$(DEMO_DIR)"

test: setup-test
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

migrations: $(VENV)/.installed
	$(PY) scripts/regen_migrations.py

screenshots: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(PY) scripts/make_screenshots.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) build *.egg-info
