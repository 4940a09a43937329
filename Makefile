# Gongjiang: `make demo` runs the platform with demo data; `make test` runs the test suite.
# Both set up everything they need on a fresh machine (Python environment, database, browser).

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test setup browser screenshots lint typecheck messages bench-synth bench-verify bench-policy bench-training bench-rollup bench-import bench-evaluation bench-pages-demo bench-competition bench-matching bench-wages bench-pages bench-forecast clean

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced

# Debian's chromium drives the browser tests (Playwright uses it through its executable path), with a CJK
# font so that pages and screenshots show Chinese rather than boxes.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wqy" || { \
	  echo "Installing Debian chromium and a CJK font for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-wqy-microhei; }

demo: setup
	$(VENV)/bin/gongjiang demo

test: setup browser
	$(VENV)/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# The browser tests, saving the user guide's screenshots under docs/screenshots/ as they go.
# The portal's tests start their own Playwright, so they run in a second pytest process.
SCREENSHOT_TESTS := tests/browser/test_officer.py tests/browser/test_honours.py tests/browser/test_wages.py \
  tests/browser/test_labour.py tests/browser/test_evaluation.py tests/browser/test_competitions.py
screenshots: setup browser
	GONGJIANG_SCREENSHOTS=1 $(VENV)/bin/python -m pytest -q -p no:cacheprovider $(SCREENSHOT_TESTS)
	GONGJIANG_SCREENSHOTS=1 $(VENV)/bin/python -m pytest -q -p no:cacheprovider gongjiang/portal/tests/test_browser.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy gongjiang

messages: setup
	$(VENV)/bin/python scripts/compile_messages.py

bench-synth: setup
	$(VENV)/bin/python bench/synth.py

# Public verification API over ~17 million certificates on PostgreSQL (the database is built once, reused).
bench-verify: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/verify.py $(BENCH_ARGS)

# 1 and 10 million events through the policy sets; each size runs under the shared bench lock.
bench-policy: setup
	$(VENV)/bin/python bench/policy.py $(BENCH_ARGS)

# The training fraud and anomaly checks over 1 million synthetic claims, against a per-row Python baseline.
bench-training: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/training_checks.py $(BENCH_ARGS)

# Indicator rollups at province scale (15 million persons, 25 million certificates) on SQLite and
# PostgreSQL; the databases are built once under /tmp/gj-bench-rollup and reused.
bench-rollup: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/rollup.py $(BENCH_ARGS)

# Bulk import of 1 million persons and 1.5 million certificates on SQLite and PostgreSQL, against a raw
# load of the same rows and django-import-export on a 50,000-row sample.
bench-import: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/import.py $(BENCH_ARGS)

# Issuing a 100,000-certificate evaluation batch on PostgreSQL (numbers, rows, Merkle root and signature,
# change records, the indicators' update) against the per-certificate service path on a 2,000 sample,
# and the inclusion-proof check.
bench-evaluation: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/evaluation.py $(BENCH_ARGS)

# Page time of the officer's browser test on the demo database (built first when missing), beside /healthz/.
bench-pages-demo: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/pages_demo.py $(BENCH_ARGS)

# A province-wide competition season (1,000 competitions, 100,000 participants, 5 judges each) scored on
# arrays, against the row-by-row reference beside it; no database.
bench-competition: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/competition.py $(BENCH_ARGS)

# Recommendations for 1 million seekers over 100,000 posts (top 10 with their sentences), and the stable
# matching of 50,000 students to 2,000 order classes against the matching package on the same instance.
bench-matching: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/labour_matching.py $(BENCH_ARGS)

# A province-scale wage-price edition: 5 million employee records in 50,000 enterprises; weighted point
# estimates against a plain Polars group-by, then the full edition with standard errors and suppression.
bench-wages: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/wages.py --workers 2 $(BENCH_ARGS)

# Every page each role opens (lists, their deep pages, records, home, dashboards, the API's lists) under
# gunicorn on the PostgreSQL province of bench-rollup (built once by its builder and reused): p50/p95
# beside /healthz/.
bench-pages: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/pages.py $(BENCH_ARGS)

# 10,000 yearly headcount series: back-test, combination, conformal intervals and forecasts of the labour
# forecasting engine, against statsforecast (AutoETS, AutoTheta, AutoARIMA and their mean) on all of them,
# both in 2 processes (about 2 hours of statsforecast; cached in chunks, a run resumes where it stopped).
bench-forecast: setup
	flock /tmp/gongjiang-bench.lock $(VENV)/bin/python bench/forecast.py --baseline 10000 --jobs 2 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .uv var
