"""An emulator in this process for the emulator's own tests."""

from __future__ import annotations

import pytest
from emulator_client import SEED, Client

from emulator import Emulator


@pytest.fixture(scope='module')
def emu(tmp_path_factory):
    emulator = Emulator(str(tmp_path_factory.mktemp('emulator')), SEED, page_size=2)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture(scope='module')
def client(emu):
    return Client(emu)
