"""The one way the tests start an emulator in their own process, on the test seed: the integration
tests' session emulator, the emulator's own tests and the auth unit tests all start it here.

Imported as tests.emulator.emulator_fixture (the repository root is on sys.path: PYTHONPATH in the
Makefile, and `python -m pytest` from the root), so every test directory finds the same module.
"""

from __future__ import annotations

import contextlib
import os

import yaml

from emulator import Emulator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = os.path.join(REPO, 'emulator', 'seeds', 'test.yml')


def load_seed():
    with open(SEED) as handle:
        return yaml.safe_load(handle)


def start_emulator(state_dir, **options):
    """A started emulator on the test seed with its state in state_dir; options as Emulator takes them."""
    return Emulator(str(state_dir), SEED, **options).start()


@contextlib.contextmanager
def running_emulator(state_dir, **options):
    """start_emulator for the length of a with block (a fixture's lifetime): stopped however the block ends."""
    emulator = start_emulator(state_dir, **options)
    try:
        yield emulator
    finally:
        emulator.stop()
