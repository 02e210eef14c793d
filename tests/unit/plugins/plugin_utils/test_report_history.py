"""The trail of runs across the upgrade to schema 2.0 and around tenants not onboarded: a 1.x run file (controls
known by name, the threshold as text) is read with each name mapped to its id, so drift and first_seen hold;
a run file of a later major version is passed over; an app deleted since the previous run is one new failure,
not its app controls "fixed"; each tenant's last audit without an error is carried from run to run."""

from __future__ import annotations

import json
import os

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_history as history
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import NOT_ONBOARDED, control

T1, T2, T3, T4 = '2026-11-29T06:00:00Z', '2026-11-30T06:00:00Z', '2026-12-01T06:00:00Z', '2026-12-02T06:00:00Z'


def v1_control(tenant, name, status, observed, expected, room=None, detail=None, first_seen=None):
    item = dict(tenant=tenant, room=room, control=name, status=status, observed=observed, expected=expected,
                detail=detail)
    if first_seen:
        item['first_seen'] = first_seen
    return item


def write_v1(dest, generated, controls, carried=None, version='1.1'):
    """A run file as audit_report 1.x wrote it."""
    document = dict(schema_version=version, generated=generated, profile=None, controls=controls,
                    summary=dict(totals={}, tenants={}), drift=history.no_drift(), carried=carried or {},
                    trail=[dict(generated=generated, totals=dict(fail=2, error=0), new=0, fixed=0,
                                tenants={'fail': 1, 'error': 0, 'pass': 0})])
    path = os.path.join(str(dest), 'audit-%s.json' % history.stamp(generated))
    with open(path, 'w') as handle:
        json.dump(document, handle)
    return path


def document(dest):
    with open(os.path.join(str(dest), 'audit.json')) as handle:
        return json.load(handle)


def changes_of(doc):
    return dict(((c['tenant'], c['room'], c['id']), (c['change'], c['first_seen'])) for c in doc['drift']['changes'])


V1_RUN = [
    v1_control('contoso', 'admin consent: Mail.Send', 'fail', False, True, first_seen=T1),
    v1_control('contoso', 'client secret present', 'fail', dict(days_left=9, key_id='k'), {'days_left': '>= 30'},
               first_seen=T1),
    v1_control('contoso', 'client secret lifetime at most 2 years', 'pass', dict(lifetime_days=700),
               {'lifetime_days': '<= 730'}),
    v1_control('contoso', 'working-hours-only off', 'fail', True, False, room='annex@contoso', first_seen=T1),
    v1_control('contoso', 'delegate set', 'fail', False, True, room='board@contoso', first_seen=T1),
]


def test_a_1x_run_file_is_compared_by_id_so_drift_and_first_seen_hold_across_the_upgrade(tmp_path):
    write_v1(tmp_path, T2, V1_RUN)
    now = [control('contoso', 'consent.Mail.Send', 'fail', False, True),  # still failing since T1
           control('contoso', 'secret.present', 'fail',
                   dict(days_left=8, key_id='k', state='rotate', end_date_time=None), dict(days_left_at_least=30)),
           control('contoso', 'secret.lifetime', 'fail', dict(lifetime_days=800), dict(lifetime_days_at_most=730),
                   name='client secret lifetime at most 2 years'),  # new
           control('contoso', 'room.working_hours_off', 'pass', False, False, room='annex@contoso'),  # fixed
           control('contoso', 'room.delegate_set', 'fail', False, True, room='board@contoso')]
    written = report.write_reports(str(tmp_path), 'audit', now, T3)
    assert written['warnings'] == [] and written['drift']['previous'] == T2
    doc = document(tmp_path)
    assert doc['schema_version'] == '2.0'
    assert changes_of(doc) == {
        ('contoso', None, 'consent.Mail.Send'): ('still_failing', T1),
        ('contoso', None, 'secret.present'): ('still_failing', T1),
        ('contoso', None, 'secret.lifetime'): ('new', T3),
        ('contoso', 'annex@contoso', 'room.working_hours_off'): ('fixed', T1),
        ('contoso', 'board@contoso', 'room.delegate_set'): ('still_failing', T1)}
    assert [c['first_seen'] for c in doc['controls'] if c['status'] != 'pass'] == [T1, T1, T3, T1]
    assert doc['trail'][0]['tenants'] == {'fail': 1, 'error': 0, 'pass': 0}  # 1.x trail entries are kept as they are


def test_upgrade_maps_names_to_ids_types_the_threshold_and_keeps_an_unknown_name():
    upgraded = history.upgrade(dict(schema_version='1.1', generated=T1, controls=V1_RUN + [
        v1_control('contoso', 'a control of long ago', 'fail', 1, 2, room='annex@contoso')],
        carried=dict(fabrikam=dict(generated=T1, controls=[
            v1_control('fabrikam', 'tenant reachable', 'error', None, 'read access')]))))
    controls = dict((c['id'], c) for c in upgraded['controls'])
    assert sorted(controls) == ['a control of long ago', 'consent.Mail.Send', 'room.delegate_set',
                                'room.working_hours_off', 'secret.lifetime', 'secret.present']
    assert controls['secret.present']['expected'] == dict(days_left_at_least=30)
    assert (controls['consent.Mail.Send']['group'], controls['consent.Mail.Send']['subject']) == ('consent', 'app')
    assert controls['consent.Mail.Send']['name'] == 'admin consent: Mail.Send' and 'control' not in controls['secret.present']
    assert controls['a control of long ago']['group'] == 'rooms'  # unknown: a room's, as it names a room
    carried = upgraded['carried']['fabrikam']['controls'][0]
    assert (carried['id'], carried['group']) == ('tenant.reachable', 'reach')
    two = dict(schema_version='2.0', controls=[])
    assert history.upgrade(two) is two and history.upgrade(dict(schema_version='3.0', controls=[])) is None


def test_a_run_file_of_a_later_major_version_or_of_this_run_is_passed_over(tmp_path):
    write_v1(tmp_path, T1, V1_RUN, version='1.0')
    write_v1(tmp_path, T2, V1_RUN, version='3.0')
    write_v1(tmp_path, T3, V1_RUN)  # the same second as the run: a merge written again
    previous, path, warnings = history.previous_run(str(tmp_path), 'audit', T3)
    assert previous['generated'] == T1 and path.endswith('audit-20261129T060000Z.json')
    assert warnings == ['%s is of schema 3.0, which this version cannot read; compared with an older run'
                        % os.path.join(str(tmp_path), 'audit-20261130T060000Z.json')]


def onboarded(tenant, app_status='pass'):
    return [control(tenant, 'app.exists', 'pass', True, True),
            control(tenant, 'consent.Mail.Send', app_status, app_status == 'pass', True),
            control(tenant, 'secret.present', app_status, dict(days_left=5, key_id='k', state='rotate',
                                                               end_date_time=None), dict(days_left_at_least=30)),
            control(tenant, 'room.delegate_set', 'fail', False, True, room='annex@%s' % tenant),
            control(tenant, 'room.horizon_off', 'fail', True, False, room='gone@%s' % tenant)]


def test_an_app_deleted_since_is_one_new_failure_and_its_controls_are_not_fixed(tmp_path):
    report.write_reports(str(tmp_path), 'audit', onboarded('contoso', 'fail'), T1)
    now = [control('contoso', 'app.exists', 'fail', False, True, detail=NOT_ONBOARDED),
           control('contoso', 'room.delegate_set', 'fail', False, True, room='annex@contoso')]
    written = report.write_reports(str(tmp_path), 'audit', now, T2)
    assert changes_of(document(tmp_path)) == {
        ('contoso', None, 'app.exists'): ('new', T2),
        ('contoso', 'annex@contoso', 'room.delegate_set'): ('still_failing', T1),
        ('contoso', 'gone@contoso', 'room.horizon_off'): ('fixed', T1)}  # a room no longer managed is fixed
    assert (written['drift']['new'], written['drift']['fixed']) == (1, 1)
    # onboarded again: the app is fixed; its failing controls are judged afresh (new)
    report.write_reports(str(tmp_path), 'audit', onboarded('contoso', 'fail')[:4], T3)
    changes = changes_of(document(tmp_path))
    assert changes[('contoso', None, 'app.exists')] == ('fixed', T2)
    assert changes[('contoso', None, 'consent.Mail.Send')] == ('new', T3)


def test_the_last_audit_without_an_error_is_carried_per_tenant(tmp_path):
    unread = [control('tailspin', 'tenant.reachable', 'error', None, True, detail='login failed')]
    report.write_reports(str(tmp_path), 'audit', onboarded('contoso') + onboarded('tailspin'), T1)
    assert document(tmp_path)['last_success'] == dict(contoso=T1, tailspin=T1)
    # tailspin in error: its last success stays; contoso not in this run: kept as well
    report.write_reports(str(tmp_path), 'audit', unread, T2, not_in_run=['contoso'])
    assert document(tmp_path)['last_success'] == dict(contoso=T1, tailspin=T1)
    report.write_reports(str(tmp_path), 'audit', onboarded('contoso') + unread, T3)
    assert document(tmp_path)['last_success'] == dict(contoso=T3, tailspin=T1)
    report.write_reports(str(tmp_path), 'audit', onboarded('contoso'), T4)  # tailspin no longer reported on
    assert document(tmp_path)['last_success'] == dict(contoso=T4)


def test_the_last_success_of_a_1x_previous_run_is_read_from_its_controls(tmp_path):
    write_v1(tmp_path, T2, V1_RUN + [v1_control('tailspin', 'tenant reachable', 'error', None, 'read access')],
             carried=dict(fabrikam=dict(generated=T1, controls=[
                 v1_control('fabrikam', 'delegate set', 'pass', True, True, room='a@fabrikam')])))
    unread = [control('contoso', 'tenant.reachable', 'error', None, True, detail='login failed')]
    report.write_reports(str(tmp_path), 'audit', unread, T3, not_in_run=['fabrikam', 'tailspin'])
    assert document(tmp_path)['last_success'] == dict(contoso=T2, fabrikam=T1)  # tailspin had an error
