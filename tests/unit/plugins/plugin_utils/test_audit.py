"""The compliance controls (plugin_utils/_audit.py): a tenant's controls from what the read-only modules
observed (tenant_controls), as judged under each audit profile; the rooms (room_controls), the hand-off
record (record_controls), the tenant credential policy (policy_controls) and scoped access (scope_control).
A control whose value could not be read is an error, never a pass."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.action.audit_report import expected_of
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _audit as audit
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import (
    ERROR, FAIL, PASS, REACH, app_control_names, lifetime_control_name, lifetime_days, policy_controls,
    record_controls, room_controls, scope_control, tenant_controls)

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


# tenant_controls -----------------------------------------------------------------------------------------------

EXPECTED = dict(callback_url='https://b1.example/cb', permissions=['Mail.Send', 'User.Read.All'],
                delegate='bookings@contoso.example', rotate_before_days=30, secret_display_name='bookings-one',
                secret_max_days=730, instance_lock=False, scoped_access=False)
ROUTED = dict(audit.DELEGATE_ROUTING)


def room(address='board@contoso.example', **processing):
    """A room as room_info reports it, set up as Bookings ONE wants unless processing says otherwise."""
    values = dict(ROUTED, resource_delegates=['Bookings@Contoso.example'], schedule_only_during_work_hours=False,
                  enforce_scheduling_horizon=False)
    values.update(processing)
    return dict(address=address, calendar_processing=values, full_access=['bookings@contoso.example'])


def statuses(controls):
    return dict((c['control'], c['status']) for c in controls)


def test_a_tenant_not_reached_is_one_error_with_the_reason():
    assert tenant_controls('tailspin', EXPECTED, dict(error='login invalid_client')) == [audit.control(
        'tailspin', 'tenant reachable', ERROR, None, 'read access', detail='login invalid_client')]
    assert tenant_controls('tailspin', EXPECTED, None)[0]['detail'] == 'the tenant was not reached'


def test_a_converged_tenant_passes_every_control():
    observed_tenant = observed()
    observed_tenant['rooms'] = [room()]
    controls = tenant_controls('contoso', EXPECTED, observed_tenant)
    assert [c['control'] for c in controls if c['status'] != PASS] == []
    assert len(controls) == 1 + 2 + 2 * 2 + 2 + 2 + 5  # app, its settings, permissions, secret, record, room
    assert set(c['tenant'] for c in controls) == {'contoso'}


def test_a_missing_app_fails_each_app_control_and_still_judges_the_rooms():
    controls = tenant_controls('contoso', EXPECTED, dict(app=dict(exists=False, app={}), rooms=[room()]))
    assert controls[0]['control'] == 'app registration exists' and controls[0]['status'] == FAIL
    missing = [c for c in controls if c['observed'] == 'app registration missing']
    assert [c['control'] for c in missing] == app_control_names(EXPECTED) and all(c['status'] == FAIL for c in missing)
    assert [c['status'] for c in controls if c['room']] == [PASS] * 5


def test_an_app_that_could_not_be_read_is_an_error_never_a_pass():
    controls = statuses(tenant_controls('contoso', EXPECTED, dict(app=None, rooms=None)))
    assert set(controls.values()) == {ERROR}
    assert 'app registration exists' in controls and 'client secret present' in controls


def held_secret(tenant):
    return by_name(tenant_controls('contoso', EXPECTED, tenant))['client secret present']


def secret_of(key, days_left, name='bookings-one'):
    return dict(key_id=key, display_name=name, days_left=days_left, start_date_time='2026-01-01T00:00:00Z',
                end_date_time='2027-01-01T00:00:00Z')


def test_the_held_secret_is_the_recorded_one_not_the_newest():
    tenant = observed()
    tenant['app']['app']['secrets'] = [secret_of('k1', 10), secret_of('k2', 700)]  # k1 recorded, due soon
    held = held_secret(tenant)
    assert held['status'] == FAIL and held['observed'] == dict(days_left=10, key_id='k1', state='rotate',
                                                               end_date_time='2027-01-01T00:00:00Z')
    assert held['expected'] == dict(days_left='>= 30')
    assert held['detail'] == ('expires in 10 day(s), within the rotation threshold of 30 days: run '
                              'rotate_secrets.yml')


def test_an_expired_secret_is_its_own_state_and_says_so():
    tenant = observed()
    tenant['app']['app']['secrets'] = [secret_of('k1', -3)]
    held = held_secret(tenant)
    assert held['status'] == FAIL and held['observed']['state'] == 'expired'
    assert held['detail'].startswith('EXPIRED 3 day(s) ago (2027-01-01T00:00:00Z): Bookings ONE cannot sign in')


def test_before_a_record_exists_the_newest_secret_of_ours_is_held():
    tenant = observed()
    tenant['app']['app'].update(secrets=[secret_of('k1', 10), secret_of('k2', 700), secret_of('x', 900, 'theirs')],
                                handoff_record=dict(marked=False, recorded_key_id=None, dangling=[], orphans=[]))
    assert held_secret(tenant)['observed'] == dict(days_left=700, key_id='k2', state='ok',
                                                   end_date_time='2027-01-01T00:00:00Z')


def test_a_marked_app_with_no_recorded_secret_holds_none():
    tenant = observed()
    tenant['app']['app']['handoff_record'] = dict(marked=True, recorded_key_id=None, dangling=[], orphans=['k1'])
    held = held_secret(tenant)
    assert held['status'] == FAIL and held['observed'] == dict(days_left=None, key_id=None, state='missing',
                                                               end_date_time=None)


def test_a_secret_that_outlives_the_profile_fails_the_lifetime_control():
    tenant = observed('2029-01-01')  # three years
    lifetime = by_name(tenant_controls('contoso', EXPECTED, tenant))['client secret lifetime at most 2 years']
    assert lifetime['status'] == FAIL and lifetime['observed'] == dict(lifetime_days=1096)


def test_scoped_access_adds_the_reach_control_judged_from_the_grants():
    tenant = observed()
    controls = by_name(tenant_controls('contoso', dict(EXPECTED, scoped_access=True), tenant))
    assert controls[REACH]['status'] == FAIL
    assert controls[REACH]['detail'] == 'no Exchange RBAC scope for the app: Calendars.ReadWrite, Mail.Send granted ' \
                                        'tenant-wide'


# room_controls -------------------------------------------------------------------------------------------------

def test_rooms_that_could_not_be_listed_are_one_error():
    assert room_controls('contoso', EXPECTED, dict(rooms=None, rooms_error='Exchange refused')) == [audit.control(
        'contoso', 'rooms readable', ERROR, None, 'room list', detail='Exchange refused')]


def test_each_room_is_judged_on_five_controls_with_the_delegate_matched_case_insensitively():
    controls = room_controls('contoso', EXPECTED, dict(rooms=[room()]))
    assert [(c['control'], c['status'], c['room']) for c in controls] == [
        (name, PASS, 'board@contoso.example') for name in (
            'delegate set', 'requests go to the delegate', 'working-hours-only off',
            'auto-decline outside limits off', 'Full Access for the delegate')]


def test_drift_in_a_room_fails_the_controls_it_touches():
    drifted = room(schedule_only_during_work_hours=True, all_book_in_policy=True, resource_delegates=['alice'])
    drifted['full_access'] = []
    controls = statuses(room_controls('contoso', EXPECTED, dict(rooms=[drifted])))
    assert controls == {'delegate set': FAIL, 'requests go to the delegate': FAIL, 'working-hours-only off': FAIL,
                        'auto-decline outside limits off': PASS, 'Full Access for the delegate': FAIL}


def test_room_details_not_read_are_errors():
    controls = room_controls('contoso', EXPECTED, dict(rooms=[dict(address='annex@contoso.example')]))
    assert [c['status'] for c in controls] == [ERROR] * 5
    assert all(c['detail'] == 'could not be read' and c['observed'] is None for c in controls)


# record_controls -----------------------------------------------------------------------------------------------

def test_an_unread_record_is_two_errors():
    assert [(c['control'], c['status']) for c in record_controls('contoso', None)] == [
        ('handed-off secret recorded in the tenant', ERROR), ('no orphaned secrets', ERROR)]


@pytest.mark.parametrize('record,recorded,orphans', [
    (dict(recorded_key_id='k1', dangling=[], orphans=[]), (PASS, None), (PASS, None)),
    (dict(recorded_key_id='k1', dangling=['k0'], orphans=[]), (FAIL, 'the record points at a deleted secret (k0)'),
     (PASS, None)),
    (dict(recorded_key_id=None, dangling=[], orphans=['k2', 'k3']), (FAIL, 'no secret is recorded as handed off'),
     (FAIL, 'secrets never handed off: k2, k3')),
    (dict(recorded_key_id='k2', conflict=['k1', 'k2'], dangling=[], orphans=[]),
     (FAIL, 'two runs handed over k1 and k2: Bookings ONE may hold either; the next onboard or rotation hands over '
            'a new secret that replaces both'), (PASS, None)),
    (dict(recorded_key_id='k1', interrupted=['k5'], dangling=[], orphans=[]),
     (FAIL, 'the hand-off of k5 was interrupted: Bookings ONE may hold it; the next onboard or rotation hands over a '
            'new secret'), (PASS, None)),
])
def test_the_record_names_one_live_secret_and_none_of_ours_is_unaccounted_for(record, recorded, orphans):
    named, stray = record_controls('contoso', dict(record, marked=True))
    assert (named['status'], named['detail']) == recorded and (stray['status'], stray['detail']) == orphans
    assert named['observed'] == dict(recorded_key_id=record['recorded_key_id'], dangling=record['dangling'],
                                     conflict=record.get('conflict', []), interrupted=record.get('interrupted', []))
    assert stray['observed'] == record['orphans']


def test_the_hand_off_store_is_compared_only_where_it_could_be_read():
    record = dict(marked=True, recorded_key_id='k1', dangling=[], orphans=[])
    for state in ('absent', 'unreadable'):
        assert len(record_controls('contoso', record, dict(state=state, key_id=None))) == 2
    (_named, _stray, same) = record_controls('contoso', record, dict(state='same', key_id='k1'))
    assert same['control'] == 'hand-off store holds the recorded secret' and same['status'] == PASS
    (_named, _stray, other) = record_controls('contoso', record, dict(state='other', key_id='k0'))
    assert other['status'] == FAIL and other['detail'] == ('the hand-off store of this controller holds k0, the '
                                                           'tenant records k1: the store is stale')


def test_only_the_callback_passes_the_redirect_control():
    tenant = observed()
    tenant['app']['app']['web_redirect_uris'] = ['https://b1.example/cb', 'https://e.example/steal', 'javascript:x']
    redirect = by_name(tenant_controls('contoso', EXPECTED, tenant))['redirect URI is the Bookings ONE callback']
    assert redirect['status'] == FAIL and redirect['observed'] == tenant['app']['app']['web_redirect_uris']


def test_a_selection_of_no_room_fails():
    (selected,) = room_controls('contoso', EXPECTED, dict(rooms=[]))
    assert selected['control'] == 'rooms selected' and selected['status'] == FAIL


# policy_controls -----------------------------------------------------------------------------------------------

def test_a_policy_the_operator_could_not_read_is_not_judged():
    assert policy_controls('contoso', None, 800) == []
    assert policy_controls('contoso', dict(readable=False), 800) == []


def policy(**values):
    return dict(dict(readable=True, password_max_lifetime_days=180, password_addition_blocked=False,
                     source='tenant app management policy'), **values)


def test_secrets_within_the_policy_pass_and_outliving_it_fails():
    (within,) = policy_controls('contoso', policy(), 180)
    assert within['status'] == PASS and within['detail'] is None
    assert within['expected'] == dict(password_addition_blocked=False, lifetime_days='<= 180')
    (over,) = policy_controls('contoso', policy(), 181)
    assert over['status'] == FAIL and over['detail'] == 'a secret outlives what the policy allows'
    assert over['observed'] == dict(lifetime_days=181, source='tenant app management policy', max_lifetime_days=180,
                                    password_addition_blocked=False)


def test_a_policy_without_a_limit_is_judged_against_two_years_and_a_block_fails():
    (unlimited,) = policy_controls('contoso', policy(password_max_lifetime_days=None), 700)
    assert unlimited['status'] == PASS and unlimited['expected']['lifetime_days'] == '<= 730'
    (blocked,) = policy_controls('contoso', policy(password_addition_blocked=True), 10)
    assert blocked['status'] == FAIL and 'the next rotation will fail' in blocked['detail']


# scope_control -------------------------------------------------------------------------------------------------

ROOMS_IN = {'board@contoso.example': True, 'annex@contoso.example': True}


def access(in_scope=None, out_of_scope=None, unscoped_grants=()):
    """What app_access_scope verified: the rooms in scope, an ordinary mailbox out of it, no grants left."""
    outside = {'adele@contoso.example': True} if out_of_scope is None else out_of_scope
    return dict(verification=dict(in_scope=ROOMS_IN if in_scope is None else in_scope, out_of_scope=outside,
                                  unscoped_grants=None if unscoped_grants is None else list(unscoped_grants)))


def test_a_scope_that_holds_passes():
    judged = scope_control('contoso', access(), ['User.Read.All'])
    assert judged['control'] == REACH and judged['status'] == PASS and judged['detail'] is None
    assert judged['observed'] == dict(rooms_in_scope='2 of 2', not_in_scope=[], reachable_outside=[],
                                      probes=['adele@contoso.example'], tenant_wide_grants=[])


def test_without_a_scope_the_tenant_wide_grants_are_named():
    judged = scope_control('contoso', None, ['User.Read.All', 'Mail.Send'])
    assert judged['status'] == FAIL and judged['observed'] == dict(scope=None, tenant_wide_grants=['Mail.Send'])
    assert scope_control('contoso', dict(verification=None), [])['detail'] == 'no Exchange RBAC scope for the app'


@pytest.mark.parametrize('verification,detail', [
    (access(unscoped_grants=['Application Mail.Send']), 'tenant-wide grants left: Application Mail.Send'),
    (access(out_of_scope={}), 'no ordinary mailbox was tested'),
    (access(out_of_scope={'adele@contoso.example': False}), 'the scope does not hold'),
    (access(in_scope={'board@contoso.example': True, 'annex@contoso.example': False}), 'the scope does not hold'),
])
def test_a_scope_that_does_not_hold_fails_and_says_why(verification, detail):
    judged = scope_control('contoso', verification, [])
    assert judged['status'] == FAIL and judged['detail'] == detail


def test_a_room_out_of_scope_and_a_mailbox_reached_are_named():
    judged = scope_control('contoso', access(in_scope={'board@contoso.example': False},
                                             out_of_scope={'adele@contoso.example': False}), [])
    assert judged['observed']['not_in_scope'] == ['board@contoso.example']
    assert judged['observed']['reachable_outside'] == ['adele@contoso.example']
    assert judged['observed']['rooms_in_scope'] == '0 of 1'


def test_unread_tenant_wide_grants_are_an_error():
    judged = scope_control('contoso', access(unscoped_grants=None), [])
    assert judged['status'] == ERROR and judged['observed'] is None


# names and lifetimes -------------------------------------------------------------------------------------------

def test_the_lifetime_control_is_named_after_the_profile_limit():
    assert lifetime_control_name(730) == 'client secret lifetime at most 2 years'
    assert lifetime_control_name(180) == 'client secret lifetime at most 180 days'


def test_app_control_names_follow_what_the_profile_judges():
    names = app_control_names(EXPECTED)
    assert names[:2] == ['app is multitenant', 'redirect URI is the Bookings ONE callback']
    assert 'app instance property lock on' not in names and REACH not in names
    assert 'admin consent: Mail.Send' in names and names[-2:] == ['handed-off secret recorded in the tenant',
                                                                  'no orphaned secrets']
    strict = app_control_names(dict(EXPECTED, instance_lock=True, scoped_access=True, secret_max_days=180))
    assert strict[2] == 'app instance property lock on' and strict[-1] == REACH
    assert 'client secret lifetime at most 180 days' in strict


def test_a_lifetime_is_whole_days_and_zero_when_the_dates_cannot_be_read():
    assert lifetime_days(dict(start_date_time='2026-01-01T00:00:00Z', end_date_time='2026-01-31T12:00:00Z')) == 30
    assert lifetime_days(dict(start_date_time='2026-01-01T00:00:00Z')) == 0
    assert lifetime_days(dict(start_date_time=None, end_date_time='2026-01-31T00:00:00Z')) == 0
    assert lifetime_days(dict(start_date_time='yesterday', end_date_time='2026-01-31T00:00:00Z')) == 0
