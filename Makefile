# The two commands of the README: `make run` and `make test`. Both build .venv when needed.
# Installs are pinned by constraints.txt (the lock: every package and version, tested together);
# `make lock` rewrites it from what .venv holds after a deliberate upgrade.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PIP_INSTALL := $(PY) -m pip install --quiet -c constraints.txt

.PHONY: run test lint lint-infra bench-intake lock

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

test: $(VENV)/.installed-test lint-infra
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# Infrastructure checks (issue 12): cfn-lint and checkov on infra/, 0 findings; suppressions live
# in the templates with their reasons. checkov has its own venv: in .venv it would downgrade
# boto3 and packaging. --skip-download: no call to the vendor's platform, the bundled checks only.
INFRA_VENV ?= .venv-infra
$(INFRA_VENV)/.installed: constraints-infra.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(INFRA_VENV)/bin/python -m pip install --quiet -c constraints-infra.txt checkov cfn-lint
	touch $@

lint-infra: $(INFRA_VENV)/.installed
	$(INFRA_VENV)/bin/cfn-lint infra/aws/*.yaml
	$(INFRA_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation -d infra/aws
	$(INFRA_VENV)/bin/checkov --quiet --compact --skip-download --framework kubernetes -d infra/k8s
	$(INFRA_VENV)/bin/checkov --quiet --compact --skip-download --framework dockerfile -f Dockerfile

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

bench-intake: $(VENV)/.installed-test
	$(PY) bench/intake.py

# Every distribution .venv holds but the project itself (and pip/setuptools/wheel), pinned.
lock: $(VENV)/.installed-test
	{ echo "# The lock: make lock wrote it from .venv (pip freeze --exclude-editable). Used as pip -c."; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
