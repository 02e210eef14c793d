"""AWX job slicing: each slice audits part of the inventory and writes its own report; audit_report's merge
reads the slices of one run and writes the report the unsliced run would have written, with drift against the
previous merged run. Slices that cannot be one run's (a tenant audited twice, an earlier run's file, another
profile, a merged report, not a 2.x report) are refused, naming the files."""

from __future__ import annotations

import copy
import json
import os
import sys
from unittest import mock

import pytest

from ansible_collections.bookingsone.office365.plugins.action import audit_report as action
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_model as model
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import PROFILES
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_merge import (
    MergeError, merge, slice_paths)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
import report_fixture  # noqa: E402  pylint: disable=wrong-import-position

PROFILE = dict(PROFILES['baseline'], name='baseline')
FLEET = report_fixture.synthetic_fleet(30, 3, seed=7)
TENANTS = [entry[0] for entry in FLEET]
LATER = '2026-12-02T06:00:00Z'


def run_of(which):
    """(controls, retries) of the fixture's previous (2) or current (3) run."""
    controls, retries, _not_in_run = report_fixture.controls_of(FLEET, which)
    return controls, retries


def write_unsliced(dest, which, generated):
    controls, retries = run_of(which)
    return report.write_reports(str(dest), 'audit', controls, generated, retries, PROFILE)


def write_slices(dest, which, generated, count=3, limited=True):
    """Each slice audits every count-th tenant and writes its own report (audit-sliceN); limited: it names the
    others as not in its run (a --limit slice), else it knows only its own (an inventory slice)."""
    controls, retries = run_of(which)
    for index in range(count):
        mine = set(TENANTS[index::count])
        report.write_reports(str(dest), 'audit-slice%d' % (index + 1), [c for c in controls if c['tenant'] in mine],
                             generated, dict((t, r) for t, r in retries.items() if t in mine), PROFILE,
                             not_in_run=[t for t in TENANTS if t not in mine] if limited else None)


def action_merge(dest, generated_now, **args):
    task = mock.MagicMock(async_val=0, args=dict(dict(dest=str(dest)), **args))
    plugin = action.ActionModule(task, mock.MagicMock(), mock.MagicMock(check_mode=True), mock.MagicMock(),
                                 mock.MagicMock(), mock.MagicMock())
    with mock.patch.object(action.model, 'now', return_value=generated_now):
        return plugin.run(task_vars=dict(hostvars={}))


def read(dest, name):
    with open(os.path.join(str(dest), name)) as handle:
        return handle.read()


def same_report(merged, unsliced):
    """The parts of two reports that must be equal, and the files beside them too."""
    one, two = json.loads(read(merged, 'audit.json')), json.loads(read(unsliced, 'audit.json'))
    for name in ('controls', 'summary', 'drift', 'trail', 'carried', 'last_success', 'profile', 'generated'):
        assert one[name] == two[name], name
    assert set(one) - set(two) == {'merged_from'}
    for name in ('audit.csv', 'audit.junit.xml', 'audit.prom', 'audit.html'):
        assert read(merged, name) == read(unsliced, name), name


@pytest.mark.parametrize('limited', [True, False])
def test_three_slices_merged_are_the_unsliced_report_with_drift_against_the_previous_merged_run(tmp_path, limited):
    unsliced, sliced = tmp_path / 'unsliced', tmp_path / 'sliced'
    write_unsliced(unsliced, 2, report_fixture.PREVIOUS)
    write_slices(sliced, 2, report_fixture.PREVIOUS, limited=limited)
    first = action_merge(sliced, LATER, merge=[str(sliced / 'audit-slice*.json')], tenants=TENANTS)
    assert first['merged_from'] == [str(sliced / ('audit-slice%d.json' % n)) for n in (1, 2, 3)]
    assert first['generated'] == report_fixture.PREVIOUS  # when the slices judged the controls, not the merge
    same_report(sliced, unsliced)

    # the next day: the merged run compares with the previous merged run, as the unsliced one with its own
    written = write_unsliced(unsliced, 3, report_fixture.CURRENT)
    write_slices(sliced, 3, report_fixture.CURRENT, limited=limited)
    second = action_merge(sliced, LATER, merge=[str(sliced / 'audit-slice*.json')], tenants=TENANTS)
    assert second['drift'] == dict((k, written['drift'][k]) for k in ('new', 'fixed', 'still_failing', 'previous'))
    assert second['drift']['previous'] == report_fixture.PREVIOUS and second['drift']['fixed'] > 0
    assert second['paths']['run'] == str(sliced / 'audit-20261201T060000Z.json')
    same_report(sliced, unsliced)
    assert second['tenants_by_status'] == json.loads(json.dumps(model.by_status(
        json.loads(read(unsliced, 'audit.json'))['summary'])))


def test_a_merge_without_tenants_reports_on_every_tenant_a_slice_names(tmp_path):
    write_slices(tmp_path, 3, report_fixture.CURRENT, count=2)
    os.remove(str(tmp_path / 'audit-slice2.json'))  # that slice's job failed: its tenants are not in this run
    merged = merge([str(tmp_path / 'audit-slice*.json')])
    assert [c['tenant'] for c in merged['controls']] == [c['tenant'] for c in sorted(
        run_of(3)[0], key=lambda c: c['tenant']) if c['tenant'] in TENANTS[0::2]]
    assert merged['not_in_run'] == sorted(TENANTS[1::2]) and merged['warnings'] == []
    assert all('first_seen' not in c for c in merged['controls'])  # judged again against the merged trail


def test_a_slice_tenant_not_among_the_tenants_is_left_out_with_a_warning(tmp_path):
    write_slices(tmp_path, 3, report_fixture.CURRENT)
    merged = merge([str(tmp_path / 'audit-slice*.json')], tenants=TENANTS[1:] + ['newcomer'])
    assert merged['warnings'] == ['merge: %s audited %s, which is not among the tenants reported on: left out'
                                  % (tmp_path / 'audit-slice1.json', TENANTS[0])]
    assert merged['not_in_run'] == ['newcomer'] and TENANTS[0] not in set(c['tenant'] for c in merged['controls'])


def test_a_tenant_audited_by_two_slices_is_an_error_naming_both_files(tmp_path):
    write_slices(tmp_path, 3, report_fixture.CURRENT)
    with open(str(tmp_path / 'audit-slice1.json')) as handle:
        twice = json.load(handle)
    with open(str(tmp_path / 'audit-slice9.json'), 'w') as handle:
        json.dump(twice, handle)
    with pytest.raises(action.AnsibleActionFail) as raised:
        action_merge(tmp_path, LATER, merge=[str(tmp_path / 'audit-slice*.json')], tenants=TENANTS)
    message = str(raised.value)
    assert '10 tenant(s) audited by more than one slice: %s (%s, %s)' % (
        sorted(TENANTS[0::3])[0], tmp_path / 'audit-slice1.json', tmp_path / 'audit-slice9.json') in message
    assert message.endswith('Nothing was written.') and not (tmp_path / 'audit.json').exists()


def test_the_run_files_of_the_slices_are_skipped_by_a_glob_and_a_path_is_read_once(tmp_path):
    write_slices(tmp_path, 3, report_fixture.CURRENT)
    names = [os.path.basename(p) for p in slice_paths([str(tmp_path / 'audit-slice*'),
                                                       str(tmp_path / 'audit-slice1.json')])]
    assert names == ['audit-slice1.json', 'audit-slice2.json', 'audit-slice3.json']
    with pytest.raises(MergeError, match='matches no slice report'):
        slice_paths([str(tmp_path / 'nothing-*.json')])


@pytest.mark.parametrize('change, message', [
    (lambda d: d.update(generated='2026-11-29T06:00:00Z'), 'more than 24 hours older than the newest slice'),
    (lambda d: d['profile'].update(name='strict'), 'judged against different profiles: baseline: '),
    (lambda d: d.update(merged_from=[dict(path='x', generated='2026-12-01T06:00:00Z', tenants=[])]),
     'is a merged report, not a slice'),
    (lambda d: d.update(schema_version='1.1'), 'is of schema 1.1; slices are merged from reports of schema 2.x'),
    (lambda d: d.pop('controls'), 'is not an audit report'),
])
def test_slices_that_are_not_one_runs_are_refused_by_name(tmp_path, change, message):
    write_slices(tmp_path, 3, report_fixture.CURRENT)
    path = str(tmp_path / 'audit-slice2.json')
    with open(path) as handle:
        document = json.load(handle)
    changed = copy.deepcopy(document)
    change(changed)
    with open(path, 'w') as handle:
        json.dump(changed, handle)
    with pytest.raises(MergeError, match=message) as raised:
        merge([str(tmp_path / 'audit-slice*.json')])
    assert 'audit-slice2.json' in str(raised.value)


def test_a_merge_needs_no_tenants_but_an_ordinary_run_does(tmp_path):
    with pytest.raises(action.AnsibleActionFail, match='tenants is required'):
        action_merge(tmp_path, LATER)
    with pytest.raises(action.AnsibleActionFail, match='could not be read'):
        action_merge(tmp_path, LATER, merge=[str(tmp_path / 'missing.json')])
