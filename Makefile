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
APT_PACKAGES = fonts-wqy-microhei baresip-core sip-tester xvfb xauth nginx kannel kannel-extras chromium chromium-driver \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libdbus-1-3
# the venv, the rest of what Qt's libraries load on a bare Debian 12 (tests/integration/test_qt_libraries.py),
# PostgreSQL for a throw-away test cluster, the tools of `make package` and of the tel: handler
APT_PACKAGES += python3-venv libglib2.0-0 libfontconfig1 libfreetype6 libx11-xcb1 libxrender1 libsm6 libice6 \
	libwayland-cursor0 libwayland-egl1 libwayland-client0 libcups2 postgresql dpkg-dev fakeroot xdg-utils desktop-file-utils
# the versions tested together (make lock refreshes it): every install below uses it
CONSTRAINTS = requirements/constraints.txt

.PHONY: demo test setup setup-test system-packages lint lock package migrations screenshots clean

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c $(CONSTRAINTS) -e '.[desktop,server]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) -e '.[desktop,server,test]'
	touch $@

# Re-resolve the lock after a change of pyproject.toml's dependencies (keeps the pins that still fit).
lock: $(VENV)/.installed-test
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile -q --extra desktop --extra server --extra test --extra package --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o $(CONSTRAINTS) pyproject.toml

setup: system-packages $(VENV)/.installed

setup-test: system-packages $(VENV)/.installed-test

# Debian packages the app and the tests use: a CJK font (else Chinese renders as boxes),
# the X11 libraries Qt's xcb platform plugin loads (a desktop has most of them already),
# the baresip softphone and sipp for the softphone tests, Xvfb for a virtual display.
# Not root or not Debian: a clear note and the tests that need them skip, saying why;
# under CI=true any failure to install fails the run.
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

# -rs prints every skip's reason. Without a PostgreSQL at 127.0.0.1:5432 the wrapper starts a
# throw-away cluster from Debian's postgresql package for the run (and removes it afterwards).
test: setup-test
	QT_QPA_PLATFORM=offscreen bash scripts/with-test-postgres.sh $(VENV)/bin/python -m pytest -q -rs $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# The desktop package: a PyInstaller bundle (one folder) and a .deb that installs it with a
# .desktop entry, an icon and the tel:/callto: handler. Output in dist/.
VERSION = $(shell $(PY) -c "import workbench; print(workbench.__version__)" 2>/dev/null)
package: $(VENV)/.installed
	$(PIP) install -q -c $(CONSTRAINTS) -e '.[desktop,package]'
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath build/package/dist --workpath build/package/work \
	  packaging/workbench.spec
	bash scripts/build-deb.sh build/package/dist/agent-workbench dist $(VERSION)

migrations: $(VENV)/.installed
	$(PY) scripts/regen_migrations.py

screenshots: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(PY) scripts/make_screenshots.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) build dist *.egg-info
