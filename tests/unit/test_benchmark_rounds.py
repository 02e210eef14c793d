"""tools/benchmark.py's rounds of a one-tenant case: each figure is the run of median CPU, every run's CPU is
kept beside it, and a failed run in any round makes the figure's rc non-zero (so no target is marked met)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'tools'))

import benchmark  # noqa: E402


def run(label, cpu, rc=0, forks=5):
    return dict(label=label, forks=forks, cpu=cpu, cpu_tenant=cpu, rc=rc, wall=cpu * 10)


def test_each_figure_is_the_median_run_with_every_run_beside_it():
    rows = [run('audit', 1.4), run('empty play', 0.6), run('audit', 1.1), run('empty play', 0.5),
            run('audit', 2.0), run('empty play', 0.7)]
    merged = dict((row['label'], row) for row in benchmark.median_rows(rows))
    assert merged['audit']['cpu_tenant'] == 1.4 and merged['audit']['wall'] == 14.0  # the median run's own figures
    assert merged['audit']['cpu_runs'] == [1.4, 1.1, 2.0]
    assert merged['empty play']['cpu_tenant'] == 0.6


def test_a_failed_run_in_any_round_fails_the_figure():
    merged = benchmark.median_rows([run('audit', 1.0), run('audit', 1.1), run('audit', 1.2, rc=2)])
    assert merged[0]['cpu_tenant'] == 1.1 and merged[0]['rc'] == 2


def test_forks_are_kept_apart():
    merged = benchmark.median_rows([run('audit', 1.0, forks=5), run('audit', 3.0, forks=20)])
    assert sorted((row['forks'], row['cpu_tenant']) for row in merged) == [(5, 1.0), (20, 3.0)]
