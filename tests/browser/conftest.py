"""The audit report page in a real browser: Debian's Chromium, headless, over the DevTools protocol.

`make browser` installs Chromium where it is missing (as root, with apt-get); without it these tests
skip and say so. Reports, screenshots and measurements go to tests/output/browser/."""

from __future__ import annotations

import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUTPUT = os.path.join(ROOT, 'tests', 'output', 'browser')
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import cdp  # noqa: E402  pylint: disable=wrong-import-position
import report_fixture  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='session')
def browser():
    binary = cdp.find_chromium()
    if not binary:
        pytest.skip('no Chromium: `make browser` installs Debian\'s chromium when run as root where apt-get '
                    'exists; elsewhere install it (apt-get install chromium) to run the browser tests')
    page = cdp.Chromium(binary)
    yield page
    page.close()


def _reports(name, fleet):
    dest = os.path.join(OUTPUT, name)
    previous, current = report_fixture.write(dest, fleet)
    with open(current['paths']['json']) as handle:
        document = json.load(handle)
    return dict(dest=dest, previous=previous, current=current, document=document,
                url='file://' + current['paths']['html'])


@pytest.fixture(scope='session')
def demo():
    """Nine tenants (one unreachable, one not onboarded, three failing, one of them with an expired secret, one
    with a room address that looks like a formula, one not in this run) and a previous run with failures fixed
    since."""
    return _reports('demo', report_fixture.demo_fleet())


@pytest.fixture(scope='session')
def fleet500():
    """500 tenants x 20 rooms, ~57,000 controls, and its previous run."""
    return _reports('fleet500', report_fixture.synthetic_fleet(500, 20))


MEASURED = {}


@pytest.fixture(scope='session')
def measurements():
    """What the tests measured: printed at the end and kept in tests/output/browser/measurements.json."""
    return MEASURED


def pytest_terminal_summary(terminalreporter):
    if not MEASURED:
        return
    os.makedirs(OUTPUT, exist_ok=True)
    path = os.path.join(OUTPUT, 'measurements.json')
    with open(path, 'w') as handle:
        json.dump(MEASURED, handle, indent=2, sort_keys=True)
    terminalreporter.write_sep('-', 'report page measurements (%s)' % os.path.relpath(path, ROOT))
    for name, value in sorted(MEASURED.items()):
        terminalreporter.write_line('%-40s %s' % (name, value))
