# make demo | make test — both build .venv first (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/build/collections
LINK := $(COLLECTIONS)/ansible_collections/bookingsone/office365

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(CURDIR):$(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1

.PHONY: oldest venv demo demo-reset test unit integration molecule sanity lint changelog-lint docs docs-check galaxy ee benchmark clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

OLDEST := .venv-oldest
$(OLDEST)/.installed: requirements.txt requirements-oldest.txt
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/pip install --quiet -r requirements-oldest.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

venv: $(BIN)/.installed $(LINK)

demo: venv
	$(BIN)/python tools/demo.py

demo-reset: venv
	$(BIN)/python tools/demo.py --reset

unit: venv
	$(BIN)/python -m pytest tests/unit tests/emulator

integration: venv
	$(BIN)/python -m pytest tests/integration

# The integration tests of the modules and playbooks again, on the oldest supported ansible-core.
oldest: $(OLDEST)/.installed $(LINK)
	$(OLDEST)/bin/python -m pytest tests/integration/test_app_registration.py tests/integration/test_entra.py \
		tests/integration/test_exchange.py tests/integration/test_playbooks.py

molecule: venv
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/molecule test

sanity: venv
	tools/sanity.sh

lint: venv
	$(BIN)/ansible-lint --profile production

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

docs: venv
	$(BIN)/python tools/docs.py

docs-check: venv
	$(BIN)/python tools/docs.py --check

# The Galaxy tarball, checked by galaxy-importer as Galaxy and Automation Hub would.
galaxy: venv
	$(BIN)/ansible-galaxy collection build --force --output-path build/dist
	cd build && PATH=$(CURDIR)/$(BIN):$$PATH GALAXY_IMPORTER_CONFIG=$(CURDIR)/tools/galaxy-importer.cfg \
		$(CURDIR)/$(BIN)/python -m galaxy_importer.main dist/bookingsone-office365-*.tar.gz

# The execution environment's build context (building the image needs podman or docker).
ee: venv
	rm -rf build/ee
	$(BIN)/ansible-builder create -f execution-environment/execution-environment.yml -c build/ee

benchmark: venv
	$(BIN)/python tools/benchmark.py

# Quick checks first, so a mistake fails in seconds rather than after the integration tests.
test: unit sanity lint changelog-lint docs-check integration oldest molecule galaxy ee

clean:
	rm -rf $(VENV) $(OLDEST) build .emulator reports tests/output
