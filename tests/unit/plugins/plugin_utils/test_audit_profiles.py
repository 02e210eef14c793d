"""Audit profiles: the stricter baseline judges secret lifetime, the instance lock and scoped access."""

from __future__ import annotations

import json

from ansible_collections.bookingsone.office365.plugins.action.audit_report import expected_of
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import tenant_controls

HOST = dict(bookingsone_callback_url='https://b1.example/cb', bookingsone_delegate='bookings@contoso.example')
PERMISSIONS = ['Calendars.ReadWrite', 'Group.Read.All', 'Mail.Send', 'Place.Read.All', 'User.Read.All']


def observed(end='2027-01-01', instance_lock=True):
    """A converged tenant whose secret runs from 2026-01-01 to `end`."""
    secret = dict(key_id='k1', display_name='bookings-one', days_left=300, start_date_time='2026-01-01T00:00:00Z',
                  end_date_time=end + 'T00:00:00Z')
    app = dict(sign_in_audience='AzureADMultipleOrgs', web_redirect_uris=['https://b1.example/cb'],
               requested_permissions=PERMISSIONS, granted_permissions=PERMISSIONS, secrets=[secret],
               instance_lock=instance_lock,
               handoff_record=dict(marked=True, recorded_key_id='k1', dangling=[], orphans=[]))
    return dict(app=dict(exists=True, app=app), rooms=[])


def by_name(controls):
    return dict((c['control'], c) for c in controls)


def test_baseline_judges_two_years_and_the_lock_the_role_sets_by_default():
    controls = by_name(tenant_controls('contoso', expected_of(HOST, 'baseline'), observed('2027-01-01')))
    assert controls['client secret lifetime at most 2 years']['status'] == 'pass'
    assert controls['app instance property lock on']['status'] == 'pass'
    unlocked = by_name(tenant_controls('contoso', expected_of(HOST, 'baseline'), observed(instance_lock=False)))
    assert unlocked['app instance property lock on']['status'] == 'fail'


def test_baseline_leaves_the_lock_out_when_the_tenant_turns_it_off():
    host = dict(HOST, entra_app_instance_lock=False)
    controls = by_name(tenant_controls('contoso', expected_of(host, 'baseline'), observed(instance_lock=False)))
    assert 'app instance property lock on' not in controls
    strict = by_name(tenant_controls('contoso', expected_of(host, 'strict'), observed(instance_lock=False)))
    assert strict['app instance property lock on']['status'] == 'fail'  # the strict profile requires it anyway


def test_strict_fails_a_one_year_secret_and_names_180_days():
    controls = by_name(tenant_controls('contoso', expected_of(HOST, 'strict'), observed('2027-01-01')))
    lifetime = controls['client secret lifetime at most 180 days']
    assert lifetime['status'] == 'fail' and lifetime['expected'] == {'lifetime_days': '<= 180'}
    assert 'client secret lifetime at most 2 years' not in controls
    short = by_name(tenant_controls('contoso', expected_of(HOST, 'strict'), observed('2026-06-01')))  # 151 days
    assert short['client secret lifetime at most 180 days']['status'] == 'pass', short


def test_the_report_names_its_profile():
    profile = dict(name='strict', description='stricter')
    controls = tenant_controls('contoso', expected_of(HOST, 'strict'), observed())
    assert json.loads(report.to_json(controls, 'now', None, profile))['profile']['name'] == 'strict'
    assert 'profile <b>strict</b>' in report.to_html(controls, 'now', None, profile)
    assert 'profile strict' in report.to_junit(controls, 'now', profile)


def test_the_credential_policy_is_judged_where_it_could_be_read():
    tenant = observed('2026-07-20')  # 200 days
    tenant['app']['credential_policy'] = dict(readable=True, password_max_lifetime_days=180,
                                              password_addition_blocked=False, source='tenant app management policy')
    controls = by_name(tenant_controls('contoso', expected_of(HOST, 'baseline'), tenant))
    judged = controls['client secrets within the tenant credential policy']
    assert judged['status'] == 'fail' and judged['observed']['lifetime_days'] == 200, judged
    tenant['app']['credential_policy'].update(password_max_lifetime_days=None, password_addition_blocked=True)
    blocked = by_name(tenant_controls('contoso', expected_of(HOST, 'baseline'), tenant))
    assert 'next rotation will fail' in blocked['client secrets within the tenant credential policy']['detail']
    tenant['app']['credential_policy'] = dict(readable=False)
    unread = by_name(tenant_controls('contoso', expected_of(HOST, 'baseline'), tenant))
    assert 'client secrets within the tenant credential policy' not in unread
