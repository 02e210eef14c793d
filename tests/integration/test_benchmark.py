"""tools/benchmark.py --quick runs whole (what `make benchmark` measures at scale): every run of the 2 x 2
case completes, the per-kind counts are printed, and the figures that are facts rather than timings hold:
a converged onboarding writes nothing, the audit alone asks for one token per resource, and the audit with
the collection's work replayed sends nothing. Timings are printed by the benchmark, never asserted."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.emulator.emulator_fixture import REPO

ROW = re.compile(r'^(audit with proof|audit, work replayed|audit|onboard converged|empty play)\s+(\d+)\s+(-?\d+)\s+[\d.]+\s+[\d.]+ \|'
                 r'\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+) \|\s+([\d.]+)\s+([\d.]+) \|\s+[\d.]+ \|\s+(\d+)', re.M)


def test_quick_benchmark_runs_every_case_and_prints_the_targets():
    run = subprocess.run([sys.executable, os.path.join(REPO, 'tools', 'benchmark.py'), '--quick'], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:]
    rows = dict((m.group(1), m.groups()[1:]) for m in ROW.finditer(run.stdout))
    assert set(rows) == {'audit', 'onboard converged', 'empty play', 'audit with proof', 'audit, work replayed'}, \
        run.stdout[-4000:]
    assert all(int(rc) == 0 for _forks, rc, *_rest in rows.values()), rows
    audit, onboard = rows['audit'], rows['onboard converged']
    assert (float(audit[6]), float(audit[7])) == (1.0, 1.0), audit  # one token per resource per tenant
    assert int(onboard[8]) == 0, onboard  # converged: nothing written
    assert int(rows['audit with proof'][8]) > 0  # the proof's test items, made and deleted as Bookings ONE
    assert float(rows['audit, work replayed'][5]) == 0.0  # Ansible's floor: the collection's work replayed, no request
    assert 'work replayed, forks 20:' in run.stdout  # its difference from the audit, printed
    assert 'Exchange: ' in run.stdout and 'Graph: GET /v1.0/applications' in run.stdout
    assert 'Targets (issue 25)' in run.stdout and 'converged onboard 2x2 forks 20: writes 0 = 0: met' in run.stdout
