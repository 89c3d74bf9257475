# The two commands of the README:
#   make book   create the virtual environment, install, execute the chapters, build _build/html
#   make test   create the virtual environment if needed, run the whole test suite
# Both work on a fresh clone, offline, on the CPU.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BOOK_FLAGS := -W -n --keep-going

.PHONY: book test test-fast venv release clean chromium bubblewrap student-kit

venv: $(STAMP)

# Re-installs only when a requirements file or the package metadata changes.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# The notebooks' "python3" kernel must be this environment's Python, where genmod lives.
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (genmod)"
	touch $@

# jupyter-cache re-executes a chapter only when its code changes; it cannot see
# the helper package, so a change there clears the cache and every chapter runs again.
book: $(STAMP)
	@mkdir -p _build
	@hash=$$(cat genmod/*.py | sha256sum | cut -c1-16); \
	if [ "$$(cat _build/.genmod-hash 2>/dev/null)" != "$$hash" ]; then \
	  echo "genmod changed: clearing the execution cache"; rm -rf _build/.jupyter_cache; \
	  echo "$$hash" > _build/.genmod-hash; fi
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)
	@echo "The book is in _build/html/index.html"

# The browser tests (tests/test_site.py) drive the system's Chromium, never a downloaded
# one. Installed here when missing and we are root with apt-get (CI, containers);
# elsewhere a note, and those tests skip (they fail instead when CI=true).
chromium:
	@if [ -n "$$CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	     || command -v google-chrome >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "Note: could not install Chromium; the browser tests will not run"; \
	else \
	  echo "Note: Chromium not found; the browser tests will be skipped."; \
	  echo "      Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM=/path/to/it."; \
	fi >&2

# The grading sandbox (grader/sandbox.py) uses bubblewrap where it can. Installed
# here when missing and we are root with apt-get; elsewhere grading falls back to
# resource limits only, and says so (tests that need it skip, or fail under CI=true).
bubblewrap:
	@if command -v bwrap >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing bubblewrap for the grading sandbox (apt-get install bubblewrap)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null) \
	    || echo "Note: could not install bubblewrap; grading runs without the sandbox"; \
	else \
	  echo "Note: bubblewrap not found; grading runs with resource limits only."; \
	  echo "      Install it (Debian/Ubuntu: sudo apt-get install bubblewrap)."; \
	fi >&2

# One test worker per core: the book build and each lab's nbgrader runs are independent.
# --durations=25 lists every lab's mutant table and the fixed costs: the suite's cost per lab.
test: $(STAMP) chromium bubblewrap
	$(BIN)/python -m pytest -n auto --dist loadgroup --durations=25

# Everything except the book build and the nbgrader runs (seconds, for quick iterations).
test-fast: $(STAMP) chromium bubblewrap
	$(BIN)/python -m pytest -n auto --dist loadgroup -m "not slow"

# What students get instead of this repository (which holds the solutions and stays
# private): the released labs, genmod, set-up and self-check; see kit/build.py.
# `make book` also puts the zip into the site, from the same code.
student-kit: $(STAMP)
	$(BIN)/python kit/build.py _build

release: $(STAMP)
	$(BIN)/python -m grader release

clean:
	rm -rf _build .grading .pytest_cache
