# Two commands do all set-up on a fresh machine:
#   make demo   - create .venv, install, render the bundled demo clients
#   make test   - create .venv, install with test extras, run every test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT ?= out/demo

.PHONY: demo test fuzz venv sysdeps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: sysdeps $(STAMP)

# System packages from Debian, installed when missing and we may (root with apt-get), in one apt run:
# - WeasyPrint (PDF) needs Pango, and HarfBuzz's subsetter to embed fonts quickly (without it
#   WeasyPrint falls back to fontTools, ~1 s more per PDF);
# - the browser tests drive Debian's Chromium with Playwright (no browser is ever downloaded);
# - the store tests start a throw-away PostgreSQL server (Debian's postgresql, its pg_ctl);
# - LibreOffice opens the PowerPoint decks and Excel workbooks as a real client would, and
#   poppler's pdftoppm turns the decks' PDF pages into PNGs a person can look at;
# - the JupyterHub test puts Debian's configurable-http-proxy (Node; pulls Debian's nodejs) in front of the hub.
SYSDEPS_LIBS := libpangoft2-1.0 libharfbuzz-subset
sysdeps:
	@missing=""; \
	for lib in $(SYSDEPS_LIBS); do ldconfig -p 2>/dev/null | grep -q $$lib || missing="$$missing $$lib"; done; \
	pkgs=""; [ -n "$$missing" ] && pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"; \
	[ -x /usr/bin/chromium ] || pkgs="$$pkgs chromium fonts-dejavu-core"; \
	lean=""; ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || lean="$$lean postgresql"; \
	command -v soffice >/dev/null || lean="$$lean libreoffice-impress libreoffice-calc"; \
	command -v pdftoppm >/dev/null || lean="$$lean poppler-utils"; \
	command -v configurable-http-proxy >/dev/null || lean="$$lean node-configurable-http-proxy"; \
	if [ -n "$$pkgs$$lean" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing with apt-get:$$pkgs$$lean"; \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq \
	      && { [ -z "$$pkgs" ] || apt-get install -y -qq $$pkgs >/dev/null; } \
	      && { [ -z "$$lean" ] || apt-get install -y -qq --no-install-recommends $$lean >/dev/null; } \
	      || echo "warning: apt-get could not install$$pkgs$$lean; PDF, browser, PostgreSQL or LibreOffice tests may fail"; \
	  else echo "warning: please install$$pkgs$$lean (Debian packages): PDF needs Pango; the tests Chromium, PostgreSQL, LibreOffice, poppler"; fi; \
	fi

demo: venv
	$(VENV)/bin/cxassess batch data/demo/manifest.csv --out $(OUT)
	@echo "Demo reports:"; for f in $(OUT)/*/report.html $(OUT)/*/report.pdf $(OUT)/index.html; do [ -f "$$f" ] && echo "  $$f"; done; true

# the gates first (ruff, mypy: settings in pyproject.toml), then every test
test: venv
	$(VENV)/bin/ruff check cxassess tests benchmarks
	$(VENV)/bin/mypy
	$(PY) -m pytest

# property tests of every reader with the large hypothesis budget (over 10,000 cases; make test runs ~300)
fuzz: venv
	CX_HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_fuzz.py --hypothesis-show-statistics

bench: venv
	$(PY) benchmarks/bench_scoring.py

clean:
	rm -rf $(VENV) out .pytest_cache
