"""audit.prom, the report's OpenMetrics file, as Prometheus' own checker reads it: `promtool check metrics`
(Debian's prometheus package ships it; `make browser` installs it as root where apt-get exists, as it does
Chromium). Without promtool this test skips and says so."""

from __future__ import annotations

import shutil
import subprocess

import pytest


@pytest.fixture(scope='module')
def promtool():
    binary = shutil.which('promtool')
    if not binary:
        pytest.skip('no promtool: `make browser` installs Debian\'s prometheus package (which ships it) when run as '
                    'root where apt-get exists; elsewhere install it (apt-get install prometheus) to run this check')
    return binary


@pytest.mark.parametrize('reports', ['demo', 'fleet500'])
def test_promtool_accepts_the_metrics_file(promtool, reports, request):
    written = request.getfixturevalue(reports)['current']['paths']['metrics']
    with open(written, 'rb') as handle:
        text = handle.read()
        handle.seek(0)
        checked = subprocess.run([promtool, 'check', 'metrics'], stdin=handle, capture_output=True, timeout=120)
    output = (checked.stdout + checked.stderr).decode(errors='replace')
    assert checked.returncode == 0, output  # lint problems (e.g. a unit other than seconds) fail it too
    assert text.endswith(b'\n# EOF\n') and b'# TYPE bookingsone_tenant_status gauge' in text


def test_promtool_does_refuse_a_bad_file(promtool):
    """So that its pass above means something: a unit other than seconds and a missing HELP fail the check."""
    bad = b'# TYPE bookingsone_client_secret_days_left gauge\nbookingsone_client_secret_days_left{tenant="a"} 3\n# EOF\n'
    checked = subprocess.run([promtool, 'check', 'metrics'], input=bad, capture_output=True, timeout=60)
    assert checked.returncode != 0 and b'days' in checked.stdout + checked.stderr
