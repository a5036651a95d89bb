# The two commands of the README: `make run` and `make test`. Both build .venv when needed.
# Installs are pinned by constraints.txt (the lock: every package and version, tested together);
# `make lock` rewrites it from what .venv holds after a deliberate upgrade.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PIP_INSTALL := $(PY) -m pip install --quiet -c constraints.txt

.PHONY: run test lint bench-intake lock

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# `make run` needs the app and the embedded emulator/SMTP server; `make test` also the test tools.
$(VENV)/.installed-run: pyproject.toml constraints.txt | $(PY)
	$(PIP_INSTALL) -e '.[embedded]'
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(PY)
	$(PIP_INSTALL) -e '.[test,embedded]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(VENV)/bin/ats serve --embedded

test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

bench-intake: $(VENV)/.installed-test
	$(PY) bench/intake.py

# Every distribution .venv holds but the project itself (and pip/setuptools/wheel), pinned.
lock: $(VENV)/.installed-test
	{ echo "# The lock: make lock wrote it from .venv (pip freeze --exclude-editable). Used as pip -c."; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
