# Two commands do all set-up on a fresh machine:
#   make demo   - create .venv, install, render the bundled demo clients
#   make test   - create .venv, install with test extras, run every test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT ?= out/demo

.PHONY: demo test venv sysdeps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: sysdeps $(STAMP)

# WeasyPrint (PDF) needs Pango from Debian, and HarfBuzz's subsetter to embed fonts quickly
# (without it WeasyPrint falls back to fontTools, ~1 s more per PDF); install them when missing and we may.
sysdeps:
	@{ ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Pango and HarfBuzz-subset for PDF output (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null \
	      || echo "warning: apt-get could not install them; PDF output may be slow or unavailable"; \
	  else echo "warning: PDF output needs libpango-1.0-0 and libpangoft2-1.0-0 (and libharfbuzz-subset0 for speed)"; fi; }

demo: venv
	$(VENV)/bin/cxassess batch data/demo/manifest.csv --out $(OUT)
	@echo "Demo reports:"; for f in $(OUT)/*/report.html $(OUT)/*/report.pdf $(OUT)/index.html; do [ -f "$$f" ] && echo "  $$f"; done; true

test: venv
	$(PY) -m pytest

bench: venv
	$(PY) benchmarks/bench_scoring.py

clean:
	rm -rf $(VENV) out .pytest_cache
