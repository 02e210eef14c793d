"""Emulators in this process for the emulator's own tests."""

from __future__ import annotations

import pytest
from emulator_client import Client

from tests.emulator.emulator_fixture import running_emulator, start_emulator


@pytest.fixture(scope='module')
def emu(tmp_path_factory):
    """One emulator per test module, with a small page size so paging is exercised."""
    with running_emulator(tmp_path_factory.mktemp('emulator'), page_size=2) as emulator:
        yield emulator


@pytest.fixture(scope='module')
def client(emu):
    return Client(emu)


@pytest.fixture
def clean_faults(emu):
    """Tests that set faults leave none behind."""
    yield emu
    emu.set_faults({})


@pytest.fixture
def own_emulator(tmp_path):
    """A private emulator for tests that need state of their own: own_emulator(**options)."""
    started = []

    def make(state_dir=None, **options):
        emulator = start_emulator(state_dir or tmp_path / 'state', **options)
        started.append(emulator)
        return emulator
    yield make
    for emulator in started:
        emulator.stop()
