# make demo | make test: both build .venv first (see README.md). `make test` is what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
OLDEST := .venv-oldest

# ansible looks for bookingsone.office365 under <path>/ansible_collections/bookingsone/office365;
# this link makes the work tree that collection, with no copy to go stale.
COLLECTIONS := $(CURDIR)/build/collections
LINK := $(COLLECTIONS)/ansible_collections/bookingsone/office365

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# `import emulator` (repo root) and `import ansible_collections.bookingsone.office365...`, in pytest
# and in the processes it, molecule and the demo start (python3 -m emulator).
export PYTHONPATH := $(CURDIR):$(COLLECTIONS)
# The venv's tools first: ansible-lint, molecule and ansible-test start ansible-* by name.
# Venvs are made by the system python3.11, looked up before that.
SYSTEM_PYTHON := $(shell command -v $(PYTHON) || echo $(PYTHON))
export PATH := $(BIN):$(PATH)
export ANSIBLE_NOCOLOR := 1
export NO_COLOR := 1

.PHONY: venv oldest demo demo-reset test unit browser integration molecule sanity lint changelog-lint \
	docs docs-check galaxy ee benchmark clean

# Rebuilt from scratch only when a requirements file changes (the stamp is older than it).
$(VENV)/bin/.installed: requirements.txt requirements-dev.txt
	rm -rf $(VENV)
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(OLDEST)/.installed: requirements.txt requirements-oldest.txt
	rm -rf $(OLDEST)
	$(SYSTEM_PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/pip install --quiet -r requirements-oldest.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

venv: $(VENV)/bin/.installed $(LINK)

# pytest on the given directories ($(2): more options). Its exit code 5 ("no tests collected") is a failure, except
# while none of them holds a test file yet: then there is nothing to run and we say so.
define pytest
	@if [ -z "$$(find $(1) -name 'test_*.py' -o -name '*_test.py' 2>/dev/null)" ]; then \
		echo "pytest: no test files in $(1) yet, nothing to run"; \
	else \
		echo "$(VENV)/bin/python -m pytest $(1) $(2)"; \
		$(BIN)/python -m pytest $(1) $(2); \
	fi
endef

unit: venv
	$(call pytest,tests/unit tests/emulator)

integration: venv
	$(call pytest,tests/integration,-n 2 --dist loadfile)

# The audit report page in headless Chromium (tests/browser, screenshots in tests/output/browser), and
# its metrics file in promtool. Debian's chromium, and Debian's prometheus for its promtool, are
# installed where they are missing and this is root with apt-get; elsewhere those tests skip and say
# so. Only Chromium itself: the tests speak the DevTools protocol on a pipe.
browser: venv
	@if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "browser: installing Debian's chromium"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
				|| echo "browser: installing chromium failed: the browser tests skip"; \
		else \
			echo "browser: no chromium, and installing it needs root and apt-get: the browser tests skip"; \
		fi; \
	fi
	@if ! command -v promtool >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "browser: installing Debian's prometheus (for promtool)"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				prometheus >/dev/null; } || echo "browser: installing prometheus failed: the promtool check skips"; \
		else \
			echo "browser: no promtool, and installing it needs root and apt-get: the promtool check skips"; \
		fi; \
	fi
	$(call pytest,tests/browser)

# The integration tests of the modules and playbooks again, on the oldest supported ansible-core.
oldest: $(OLDEST)/.installed $(LINK)
	$(OLDEST)/bin/python -m pytest $(addprefix tests/integration/test_,$(addsuffix .py,app_registration \
		admin_consent app_secret credentials_handoff entra_app_role calendar_processing mailbox_permission \
		room_info room_policy_role playbooks input_validation))

molecule: venv
	molecule test

# ansible-test sanity on what the Galaxy tarball ships; see tools/sanity.sh.
sanity: venv
	tools/sanity.sh

lint: venv
	ansible-lint --profile production

changelog-lint: venv
	antsibull-changelog lint

demo: venv
	$(BIN)/python tools/demo.py

demo-reset: venv
	$(BIN)/python tools/demo.py --reset

docs: venv
	$(BIN)/python tools/docs.py

docs-check: venv
	$(BIN)/python tools/docs.py --check

# The Galaxy tarball, checked by galaxy-importer as Galaxy and Automation Hub would.
galaxy: venv
	ansible-galaxy collection build --force --output-path build/dist
	cd build && GALAXY_IMPORTER_CONFIG=$(CURDIR)/tools/galaxy-importer.cfg \
		$(BIN)/python -m galaxy_importer.main dist/bookingsone-office365-*.tar.gz

# The execution environment's build context (building the image needs podman or docker).
ee: venv
	rm -rf build/ee
	ansible-builder create -f execution-environment/execution-environment.yml -c build/ee

benchmark: venv
	$(BIN)/python tools/benchmark.py

# Quick checks first, so a mistake fails in seconds rather than after the integration tests;
# make stops at the first target that fails.
test: unit browser sanity lint changelog-lint docs-check integration oldest molecule galaxy ee

clean:
	rm -rf $(VENV) $(OLDEST) build .emulator reports tests/output
