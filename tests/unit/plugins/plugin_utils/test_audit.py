"""The compliance controls (plugin_utils/_audit.py): a tenant's controls from what the read-only modules
observed (tenant_controls), as judged under each audit profile; the rooms (room_controls), the hand-off
record (record_controls), the tenant credential policy (policy_controls) and scoped access (scope_control).
A control whose value could not be read is an error, never a pass. Each control is data: a stable id, its
group and subject, a name for people, typed expected and observed values and, when it does not pass, a fix."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.action.audit_report import expected_of
from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _audit as audit
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import (
    CATALOGUE, ERROR, FAIL, PASS, id_of_name, kind_of, lifetime_control_name, lifetime_days, policy_controls,
    record_controls, room_controls, scope_control, tenant_controls)
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import GROUPS

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


def by_id(controls):
    return dict((c['id'], c) for c in controls if not c['room'])


def test_baseline_judges_two_years_and_the_lock_the_role_sets_by_default():
    controls = by_id(tenant_controls('contoso', expected_of(HOST.get, 'baseline'), observed('2027-01-01')))
    lifetime = controls['secret.lifetime']
    assert lifetime['status'] == 'pass' and lifetime['name'] == 'client secret lifetime at most 2 years'
    assert lifetime['expected'] == {'lifetime_days_at_most': 730} and lifetime['fix'] is None
    assert controls['app.instance_lock']['status'] == 'pass'
    unlocked = by_id(tenant_controls('contoso', expected_of(HOST.get, 'baseline'), observed(instance_lock=False)))
    assert unlocked['app.instance_lock']['status'] == 'fail'
    assert unlocked['app.instance_lock']['fix'] == 'run onboard.yml (sets the lock; entra_app_instance_lock: true)'


def test_baseline_leaves_the_lock_out_when_the_tenant_turns_it_off():
    host = dict(HOST, entra_app_instance_lock=False)
    controls = by_id(tenant_controls('contoso', expected_of(host.get, 'baseline'), observed(instance_lock=False)))
    assert 'app.instance_lock' not in controls
    strict = by_id(tenant_controls('contoso', expected_of(host.get, 'strict'), observed(instance_lock=False)))
    assert strict['app.instance_lock']['status'] == 'fail'  # the strict profile requires it anyway


def test_strict_fails_a_one_year_secret_and_names_180_days():
    controls = by_id(tenant_controls('contoso', expected_of(HOST.get, 'strict'), observed('2027-01-01')))
    lifetime = controls['secret.lifetime']  # the same id in every profile, so drift holds across a change
    assert lifetime['status'] == 'fail' and lifetime['expected'] == {'lifetime_days_at_most': 180}
    assert lifetime['name'] == 'client secret lifetime at most 180 days' and lifetime['observed'] == {'lifetime_days': 365}
    assert lifetime['fix'] == ('set entra_app_secret_lifetime_days to at most 180, then run rotate_secrets.yml -e '
                               'entra_app_secret_force_rotate=true')
    short = by_id(tenant_controls('contoso', expected_of(HOST.get, 'strict'), observed('2026-06-01')))  # 151 days
    assert short['secret.lifetime']['status'] == 'pass', short


def test_the_credential_policy_is_judged_where_it_could_be_read():
    tenant = observed('2026-07-20')  # 200 days
    tenant['app']['credential_policy'] = dict(readable=True, password_max_lifetime_days=180,
                                              password_addition_blocked=False, source='tenant app management policy')
    controls = by_id(tenant_controls('contoso', expected_of(HOST.get, 'baseline'), tenant))
    judged = controls['secret.policy']
    assert judged['status'] == 'fail' and judged['observed']['lifetime_days'] == 200, judged
    assert judged['name'] == 'client secrets within the tenant credential policy' and judged['subject'] == 'tenant'
    tenant['app']['credential_policy'].update(password_max_lifetime_days=None, password_addition_blocked=True)
    blocked = by_id(tenant_controls('contoso', expected_of(HOST.get, 'baseline'), tenant))['secret.policy']
    assert 'next rotation will fail' in blocked['detail'] and blocked['fix'].startswith('ask the tenant')
    tenant['app']['credential_policy'] = dict(readable=False)
    unread = by_id(tenant_controls('contoso', expected_of(HOST.get, 'baseline'), tenant))
    assert 'secret.policy' not in unread


# tenant_controls -----------------------------------------------------------------------------------------------

EXPECTED = dict(callback_url='https://b1.example/cb', permissions=['Mail.Send', 'User.Read.All'],
                delegate='bookings@contoso.example', rotate_before_days=30, secret_display_name='bookings-one',
                secret_max_days=730, instance_lock=False, scoped_access=False)
ROUTED = bookingsone.ROOM_POLICY[0].wanted()  # requests to the delegate
# What each room is judged on: the delegate, each rule of the room policy, Full Access.
ROOM_CONTROLS = ['room.delegate_set'] + [rule.id for rule in bookingsone.ROOM_POLICY] + ['room.full_access']
REACH = 'Bookings ONE can reach only the managed rooms'


def room(address='board@contoso.example', **processing):
    """A room as room_info reports it, set up as Bookings ONE wants unless processing says otherwise."""
    values = dict(bookingsone.room_settings(), resource_delegates=['Bookings@Contoso.example'])
    values.update(processing)
    return dict(address=address, calendar_processing=values, full_access=['bookings@contoso.example'])


def statuses(controls):
    return dict((c['id'], c['status']) for c in controls)


def test_a_tenant_not_reached_is_one_error_with_the_reason():
    (reached,) = tenant_controls('tailspin', EXPECTED, dict(error='login invalid_client'))
    assert reached == audit.control('tailspin', 'tenant.reachable', ERROR, None, True, detail='login invalid_client')
    assert (reached['name'], reached['group'], reached['subject']) == ('tenant reachable', 'reach', 'tenant')
    assert reached['fix'].startswith('check the operator credentials of this tenant')
    assert tenant_controls('tailspin', EXPECTED, None)[0]['detail'] == 'the tenant was not reached'


def test_a_converged_tenant_passes_every_control():
    observed_tenant = observed()
    observed_tenant['rooms'] = [room()]
    controls = tenant_controls('contoso', EXPECTED, observed_tenant)
    assert [c['id'] for c in controls if c['status'] != PASS] == []
    # app, its settings, permissions, secret, record; per room the delegate, each room policy rule and Full Access
    assert len(controls) == 1 + 2 + 2 * 2 + 2 + 2 + 2 + len(bookingsone.ROOM_POLICY)
    assert set(c['tenant'] for c in controls) == {'contoso'} and set(c['fix'] for c in controls) == {None}
    assert [c['id'] for c in controls][:7] == ['app.exists', 'app.multitenant', 'app.redirect_uri',
                                               'permission.Mail.Send', 'consent.Mail.Send', 'permission.User.Read.All',
                                               'consent.User.Read.All']


@pytest.mark.parametrize('expected', [EXPECTED, dict(EXPECTED, scoped_access=True, instance_lock=True)])
def test_a_missing_app_is_one_not_onboarded_control_and_the_rooms_are_still_judged(expected):
    controls = tenant_controls('contoso', expected, dict(app=dict(exists=False, app={}), rooms=[room()]))
    first = controls[0]
    assert (first['id'], first['name'], first['status'], first['observed'], first['expected']) == (
        'app.exists', 'app registration exists', FAIL, False, True)
    assert first['detail'] == 'not onboarded: the tenant has no Bookings ONE app registration'
    assert first['fix'] == 'run onboard.yml'
    # not a failure per app control: the rest are the room's, judged as ever
    assert [(c['id'], c['status']) for c in controls[1:]] == [(i, PASS) for i in ROOM_CONTROLS]


def test_an_app_that_could_not_be_read_is_an_error_never_a_pass():
    judged = tenant_controls('contoso', EXPECTED, dict(app=None, rooms=None))
    controls = statuses(judged)
    assert set(controls.values()) == {ERROR}
    assert 'app.exists' in controls and 'secret.present' in controls and 'secret.lifetime' in controls
    # each unread control names what to check, except the rooms, which name the Exchange role to give
    fixes = dict((c['id'], c['fix']) for c in judged)
    assert fixes['app.exists'] == audit.FIX_READ and fixes['rooms.readable'].startswith('give the operator an Exchange')


def held_secret(tenant):
    return by_id(tenant_controls('contoso', EXPECTED, tenant))['secret.present']


def secret_of(key, days_left, name='bookings-one'):
    return dict(key_id=key, display_name=name, days_left=days_left, start_date_time='2026-01-01T00:00:00Z',
                end_date_time='2027-01-01T00:00:00Z')


def test_the_held_secret_is_the_recorded_one_not_the_newest():
    tenant = observed()
    tenant['app']['app']['secrets'] = [secret_of('k1', 10), secret_of('k2', 700)]  # k1 recorded, due soon
    held = held_secret(tenant)
    assert held['status'] == FAIL and held['observed'] == dict(days_left=10, key_id='k1', state='rotate',
                                                               end_date_time='2027-01-01T00:00:00Z', last_sign_in=None)
    assert held['expected'] == dict(days_left_at_least=30)  # a number, not text to parse
    assert held['detail'] == ('expires in 10 day(s), within the rotation threshold of 30 days: run '
                              'rotate_secrets.yml')
    assert held['fix'] == 'run rotate_secrets.yml' and held['name'] == 'client secret present'


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
                                                   end_date_time='2027-01-01T00:00:00Z', last_sign_in=None)


def test_a_marked_app_with_no_recorded_secret_holds_none():
    tenant = observed()
    tenant['app']['app']['handoff_record'] = dict(marked=True, recorded_key_id=None, dangling=[], orphans=['k1'])
    held = held_secret(tenant)
    assert held['status'] == FAIL and held['observed'] == dict(days_left=None, key_id=None, state='missing',
                                                               end_date_time=None, last_sign_in=None)


def test_each_secrets_last_sign_in_is_shown_when_entra_reported_it():
    tenant = observed()
    tenant['app']['app']['secrets'] = [dict(secret_of('k1', 300), last_sign_in='2026-12-01T08:00:00Z'),
                                       secret_of('k2', 700)]
    assert held_secret(tenant)['observed']['last_sign_in'] == {'k1': '2026-12-01T08:00:00Z'}


def test_a_secret_that_outlives_the_profile_fails_the_lifetime_control():
    tenant = observed('2029-01-01')  # three years
    lifetime = by_id(tenant_controls('contoso', EXPECTED, tenant))['secret.lifetime']
    assert lifetime['status'] == FAIL and lifetime['observed'] == dict(lifetime_days=1096)


def test_scoped_access_adds_the_reach_control_judged_from_the_grants():
    tenant = observed()
    reach = by_id(tenant_controls('contoso', dict(EXPECTED, scoped_access=True), tenant))['scope.rooms_only']
    assert reach['status'] == FAIL and reach['group'] == 'scope' and reach['name'] == REACH
    assert reach['detail'] == 'no Exchange RBAC scope for the app: Calendars.ReadWrite, Mail.Send granted tenant-wide'
    assert reach['fix'] == 'set bookingsone_access_scope: rooms, then run onboard.yml'


# room_controls -------------------------------------------------------------------------------------------------

def test_rooms_that_could_not_be_listed_are_one_error():
    assert room_controls('contoso', EXPECTED, dict(rooms=None, rooms_error='Exchange refused')) == [audit.control(
        'contoso', 'rooms.readable', ERROR, None, True, detail='Exchange refused')]


def test_each_room_is_judged_on_the_delegate_each_policy_rule_and_full_access():
    controls = room_controls('contoso', EXPECTED, dict(rooms=[room()]))
    names = [('room.delegate_set', 'delegate set')] + [(r.id, r.name) for r in bookingsone.ROOM_POLICY] + [
        ('room.full_access', 'Full Access for the delegate')]
    assert [(c['id'], c['name'], c['status'], c['room'], c['subject'], c['group']) for c in controls] == [
        (ident, name, PASS, 'board@contoso.example', 'room', 'rooms') for ident, name in names]


def test_drift_in_a_room_fails_the_controls_it_touches():
    drifted = room(schedule_only_during_work_hours=True, all_book_in_policy=True, resource_delegates=['alice'])
    drifted['full_access'] = []
    judged = room_controls('contoso', EXPECTED, dict(rooms=[drifted]))
    assert dict((ident, status) for ident, status in statuses(judged).items() if status != PASS) == {
        'room.delegate_set': FAIL, 'room.requests_to_delegate': FAIL, 'room.working_hours_off': FAIL,
        'room.full_access': FAIL}
    assert dict((c['id'], c['fix']) for c in judged if c['fix']) == {
        'room.delegate_set': 'run onboard.yml (makes bookingsone_delegate the delegate)',
        'room.requests_to_delegate': 'run onboard.yml (routes booking requests to the delegate)',
        'room.working_hours_off': 'run onboard.yml (turns working-hours-only off)',
        'room.full_access': 'run onboard.yml (grants bookingsone_delegate Full Access)'}


def test_without_a_delegate_the_fix_is_to_name_one():
    judged = room_controls('contoso', dict(EXPECTED, delegate=None), dict(rooms=[room()]))
    assert dict((c['id'], c['fix']) for c in judged if c['fix']) == {
        'room.delegate_set': 'set bookingsone_delegate to a recipient of the tenant, then run onboard.yml',
        'room.full_access': 'set bookingsone_delegate to a recipient of the tenant, then run onboard.yml'}


def test_room_details_not_read_are_errors():
    controls = room_controls('contoso', EXPECTED, dict(rooms=[dict(address='annex@contoso.example')]))
    assert [c['status'] for c in controls] == [ERROR] * (2 + len(bookingsone.ROOM_POLICY))
    assert all(c['detail'] == 'could not be read' and c['observed'] is None for c in controls)


# record_controls -----------------------------------------------------------------------------------------------

def test_an_unread_record_is_two_errors():
    assert [(c['id'], c['name'], c['status']) for c in record_controls('contoso', None)] == [
        ('secret.recorded', 'handed-off secret recorded in the tenant', ERROR),
        ('secret.no_orphans', 'no orphaned secrets', ERROR)]


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
    assert same['name'] == 'hand-off store holds the recorded secret' and same['status'] == PASS
    assert same['id'] == 'secret.store' and same['expected'] == dict(store_key_id='k1')
    (_named, _stray, other) = record_controls('contoso', record, dict(state='other', key_id='k0'))
    assert other['status'] == FAIL and other['detail'] == ('the hand-off store of this controller holds k0, the '
                                                           'tenant records k1: the store is stale')


def test_only_the_callback_passes_the_redirect_control():
    tenant = observed()
    tenant['app']['app']['web_redirect_uris'] = ['https://b1.example/cb', 'https://e.example/steal', 'javascript:x']
    redirect = by_id(tenant_controls('contoso', EXPECTED, tenant))['app.redirect_uri']
    assert redirect['status'] == FAIL and redirect['observed'] == tenant['app']['app']['web_redirect_uris']
    assert redirect['expected'] == ['https://b1.example/cb'] and redirect['name'] == 'redirect URI is the Bookings ONE callback'
    assert redirect['fix'] == 'run onboard.yml (restores the redirect URI)'


def test_a_selection_of_no_room_fails():
    (selected,) = room_controls('contoso', EXPECTED, dict(rooms=[]))
    assert selected['id'] == 'rooms.selected' and selected['status'] == FAIL
    assert selected['expected'] == dict(rooms_at_least=1) and 'bookingsone_room_addresses' in selected['fix']


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
    assert within['expected'] == dict(password_addition_blocked=False, lifetime_days_at_most=180)
    (over,) = policy_controls('contoso', policy(), 181)
    assert over['status'] == FAIL and over['detail'] == 'a secret outlives what the policy allows'
    assert over['observed'] == dict(lifetime_days=181, source='tenant app management policy', max_lifetime_days=180,
                                    password_addition_blocked=False)


def test_a_policy_without_a_limit_is_judged_against_two_years_and_a_block_fails():
    (unlimited,) = policy_controls('contoso', policy(password_max_lifetime_days=None), 700)
    assert unlimited['status'] == PASS and unlimited['expected']['lifetime_days_at_most'] == 730
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
    assert judged['name'] == REACH and judged['status'] == PASS and judged['detail'] is None
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

def test_every_control_is_data_with_a_known_id_group_and_subject():
    tenant = observed()
    tenant['rooms'] = [room(), room('annex@contoso.example', schedule_only_during_work_hours=True)]
    tenant['app']['credential_policy'] = dict(readable=True, password_max_lifetime_days=None)
    tenant['app']['handoff_store'] = dict(state='other', key_id='k0')
    controls = tenant_controls('contoso', dict(EXPECTED, instance_lock=True, scoped_access=True), tenant)
    fields = ['tenant', 'room', 'id', 'group', 'subject', 'name', 'status', 'observed', 'expected', 'detail', 'fix']
    assert all(list(c) == fields for c in controls)
    assert len(set((c['room'], c['id']) for c in controls)) == len(controls)  # an id is unique per subject
    assert set(c['group'] for c in controls) <= set(g for g, _title in GROUPS)
    assert set(c['subject'] for c in controls) == {'app', 'tenant', 'room'}
    assert all((c['fix'] is None) == (c['status'] == PASS) for c in controls)
    assert all(kind_of(c['id'])[:2] == (c['group'], c['subject']) for c in controls)


@pytest.mark.parametrize('name, ident', [
    ('tenant reachable', 'tenant.reachable'), ('app registration exists', 'app.exists'),
    ('admin consent: Mail.Send', 'consent.Mail.Send'), ('permission requested: User.Read.All', 'permission.User.Read.All'),
    ('client secret present', 'secret.present'), ('client secret lifetime at most 2 years', 'secret.lifetime'),
    ('client secret lifetime at most 180 days', 'secret.lifetime'), ('no orphaned secrets', 'secret.no_orphans'),
    ('Bookings ONE can reach only the managed rooms', 'scope.rooms_only'), ('delegate set', 'room.delegate_set'),
    ('auto-decline outside limits off', 'room.horizon_off'), ('something else', None), ('admin consent: ', None),
])
def test_a_1x_name_maps_to_its_id(name, ident):
    assert id_of_name(name) == ident


def test_every_catalogue_name_maps_back_to_its_id():
    for ident, (_group, _subject, name, _fix) in CATALOGUE.items():
        assert id_of_name(name.replace('%s', 'X.Y')) == ident.replace('*', 'X.Y'), ident


def test_an_unknown_id_is_refused():
    with pytest.raises(KeyError, match='no control has the id'):
        audit.control('contoso', 'app.colour', PASS, 1, 1)
    with pytest.raises(KeyError):
        kind_of('consent.')


def test_the_lifetime_control_is_named_after_the_profile_limit():
    assert lifetime_control_name(730) == 'client secret lifetime at most 2 years'
    assert lifetime_control_name(180) == 'client secret lifetime at most 180 days'


def test_a_lifetime_is_whole_days_and_zero_when_the_dates_cannot_be_read():
    assert lifetime_days(dict(start_date_time='2026-01-01T00:00:00Z', end_date_time='2026-01-31T12:00:00Z')) == 30
    assert lifetime_days(dict(start_date_time='2026-01-01T00:00:00Z')) == 0
    assert lifetime_days(dict(start_date_time=None, end_date_time='2026-01-31T00:00:00Z')) == 0
    assert lifetime_days(dict(start_date_time='yesterday', end_date_time='2026-01-31T00:00:00Z')) == 0
