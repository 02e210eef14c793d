"""Proof as Bookings ONE: after onboard.yml the tenant works for Bookings ONE as Bookings ONE itself finds it (signed
in with the handed-off secret, every permission used, a booking request left to the delegate), and the audit's proof
fails, naming the step, for what a value check misses or cannot see: a revoked consent, a deleted secret, a disabled
app, a room whose requests never reach the delegate. Then an earlier secret retired on Entra's sign-in evidence."""

from __future__ import annotations

import datetime
import json
import os

import pytest
import requests
from helpers import VAULT_PASSWORD, app_by_unique, open_vault, operator_playbook, tenant_host, write_inventory

CONTOSO = 1
UNIQUE = 'bookings-one-proof'
ROOMS = ('board', 'focus-1', 'annex', 'quiet')
GROUP_READ_ALL = '5b567255-7703-4780-807c-7be8301ae99b'


@pytest.fixture(scope='module')
def tenant(harness, tmp_path_factory):
    """Contoso onboarded for an app of this module's own, every room asked by the proof on each run."""
    root = tmp_path_factory.mktemp('proof')
    host = tenant_host('contoso', harness.tenant(CONTOSO), root / 'handoff', entra_app_unique_name=UNIQUE,
                       entra_app_display_name='Bookings ONE proof', bookingsone_proof_rooms=len(ROOMS),
                       bookingsone_report_dir=str(root / 'reports'))
    password = root / 'vault-pass'
    password.write_text(VAULT_PASSWORD + '\n')
    found = dict(root=root, inventory=write_inventory(root / 'inventory', {'contoso': host}), vault=str(password))
    onboard = play(harness, found, 'onboard.yml')
    assert onboard.rc == 0, [line[-900:] for line in onboard.output.splitlines() if '"msg"' in line]
    found['onboard'] = onboard
    return found


def play(harness, tenant, name, *args, vault=True, **extra_vars):
    options = ['--vault-password-file', tenant['vault']] if vault else []
    return harness.play(operator_playbook(name), args=('-i', tenant['inventory'], '-e', json.dumps(extra_vars)) +
                        tuple(options) + args)


def audit(harness, tenant, **extra_vars):
    """audit.yml with the vault password; (run, the proof's controls by (id, room), every control by id)."""
    run = play(harness, tenant, 'audit.yml', bookingsone_audit_fail_on='never', **extra_vars)
    assert run.rc == 0 and run.writes == [], run  # the operator writes nothing
    with open(os.path.join(str(tenant['root']), 'reports', 'audit.json')) as handle:
        controls = json.load(handle)['controls']
    proof = dict(((c['id'], c['room']), c) for c in controls if c['group'] == 'proof')
    return run, proof, dict((c['id'], c) for c in controls if not c.get('room'))


def failing(proof):
    return sorted((ident, room) for (ident, room), c in proof.items() if c['status'] != 'pass')


def test_onboarding_ends_with_a_proof_that_passes(harness, tenant):
    onboard = tenant['onboard']
    made = onboard.proof_writes
    posts = [r for r in made if r['method'] == 'POST']
    # each request deleted again (and the room's cancelled copy of it, as Exchange keeps one)
    assert posts and len([r for r in made if r['method'] == 'DELETE']) >= len(posts), made
    app = app_by_unique(harness, CONTOSO, UNIQUE)
    assert all(r['client_id'] == app['appId'] for r in made), made  # as Bookings ONE, not the operator


def test_the_audit_proves_every_permission_and_leaves_nothing(harness, tenant):
    before = calendar_sizes(harness)
    run, proof, _controls = audit(harness, tenant)
    assert proof and failing(proof) == [], proof
    steps = set(ident for ident, _room in proof)
    assert {'proof.sign_in', 'proof.User.Read.All', 'proof.Group.Read.All', 'proof.Place.Read.All',
            'proof.Calendars.ReadWrite', 'proof.Mail.Send', 'proof.room_request'} <= steps
    assert sorted(room for ident, room in proof if ident == 'proof.room_request') == \
        sorted('%s@contoso.onmicrosoft.com' % r for r in ROOMS)
    assert 'works for Bookings ONE (proven as Bookings ONE): 1 yes' in run.output, run
    assert run.proof_writes and calendar_sizes(harness) == before  # every test event and request removed again


def calendar_sizes(harness):
    with harness.emu.store.lock:
        calendars = harness.emu.store.tenant(harness.tenant(CONTOSO))['exchange'].get('calendars') or {}
        return dict((mailbox, len(events)) for mailbox, events in calendars.items() if events)


def test_without_the_vault_password_nothing_is_proven_and_it_says_so(harness, tenant):
    run = play(harness, tenant, 'audit.yml', vault=False, bookingsone_audit_fail_on='never')
    assert run.rc == 0 and run.proof_writes == [], run
    assert '1 not\nproven' in run.output or '1 not proven' in run.output, run


def test_a_revoked_consent_is_named(harness, tenant):
    app = app_by_unique(harness, CONTOSO, UNIQUE)
    store = harness.emu.store
    with store.lock:
        data = store.tenant(harness.tenant(CONTOSO))
        principal = store.principal_by_app_id(data, app['appId'])
        taken = [a for a in data['appRoleAssignments']
                 if a['principalId'] == principal['id'] and a['appRoleId'] == GROUP_READ_ALL]
        data['appRoleAssignments'] = [a for a in data['appRoleAssignments'] if a not in taken]
    try:
        _run, proof, _controls = audit(harness, tenant)
    finally:
        with store.lock:
            data['appRoleAssignments'].extend(taken)
    assert taken and failing(proof) == [('proof.Group.Read.All', None)], proof
    assert 'HTTP 403' in proof[('proof.Group.Read.All', None)]['detail']


def test_a_disabled_app_fails_the_sign_in_while_every_value_is_right(harness, tenant):
    app = app_by_unique(harness, CONTOSO, UNIQUE)
    store = harness.emu.store
    with store.lock:
        principal = store.principal_by_app_id(store.tenant(harness.tenant(CONTOSO)), app['appId'])
        principal['accountEnabled'] = False
    try:
        _run, proof, controls = audit(harness, tenant)
    finally:
        with store.lock:
            principal['accountEnabled'] = True
    assert failing(proof) == [('proof.sign_in', None)], proof
    assert 'AADSTS7000112' in proof[('proof.sign_in', None)]['detail']
    values = [c for ident, c in controls.items() if ident.split('.')[0] in ('app', 'consent', 'permission', 'secret')]
    assert values and all(c['status'] == 'pass' for c in values), values


def test_a_deleted_secret_fails_the_sign_in(harness, tenant):
    app = app_by_unique(harness, CONTOSO, UNIQUE)
    held = open_vault(os.path.join(str(tenant['root']), 'handoff', 'contoso.vault.yml'), VAULT_PASSWORD)
    store = harness.emu.store
    with store.lock:
        kept = [c for c in app['passwordCredentials'] if c['keyId'] == held['secret_key_id']]
        app['passwordCredentials'] = [c for c in app['passwordCredentials'] if c not in kept]
    try:
        _run, proof, _controls = audit(harness, tenant)
    finally:
        with store.lock:
            app['passwordCredentials'].extend(kept)
    assert kept and ('proof.sign_in', None) in failing(proof), proof
    assert 'AADSTS7000215' in proof[('proof.sign_in', None)]['detail']


@pytest.mark.parametrize('setting, value', [('AllRequestInPolicy', False), ('ResourceDelegates', []),
                                            ('ScheduleOnlyDuringWorkHours', True)])
def test_a_room_whose_requests_never_reach_the_delegate_fails_the_proof(harness, tenant, setting, value):
    store = harness.emu.store
    with store.lock:
        processing = store.tenant(harness.tenant(CONTOSO))['exchange']['rooms']['board']['calendar_processing']
        before = processing[setting]
        processing[setting] = value
    try:
        _run, proof, _controls = audit(harness, tenant)
    finally:
        with store.lock:
            processing[setting] = before
    assert failing(proof) == [('proof.room_request', 'board@contoso.onmicrosoft.com')], proof


def test_an_earlier_secret_is_retired_only_once_bookings_one_stopped_using_it(harness, tenant):
    rotate = dict(entra_app_secret_retire_when='unused', entra_app_secret_grace_days=400)
    before = open_vault(os.path.join(str(tenant['root']), 'handoff', 'contoso.vault.yml'), VAULT_PASSWORD)
    forced = play(harness, tenant, 'rotate_secrets.yml', entra_app_secret_force_rotate=True, **rotate)
    assert forced.rc == 0, forced
    app = app_by_unique(harness, CONTOSO, UNIQUE)
    keys = sorted(c['keyId'] for c in app['passwordCredentials'])
    assert before['secret_key_id'] in keys and len(keys) == 2, keys

    # without Entra's report (here: no Microsoft Entra ID P1/P2 licence) the grace period applies, and it says why
    with harness.emu.store.lock:
        harness.emu.store.tenant(harness.tenant(CONTOSO))['premium'] = False
    try:
        unlicensed = play(harness, tenant, 'rotate_secrets.yml', **rotate)
    finally:
        with harness.emu.store.lock:
            harness.emu.store.tenant(harness.tenant(CONTOSO))['premium'] = True
    assert unlicensed.rc == 0 and unlicensed.writes == [], unlicensed
    assert 'the grace period applies (retire_when unused)' in unlicensed.output and 'HTTP 403' in unlicensed.output

    # the earlier secret signed in yesterday (Bookings ONE may not have switched): kept
    record_sign_in(harness, app, before['secret_key_id'], days_ago=1)
    kept = play(harness, tenant, 'rotate_secrets.yml', **rotate)
    assert kept.rc == 0 and kept.writes == [], kept
    assert 'still in use: %s' % before['secret_key_id'] in kept.output, kept.output[-3000:]

    # and once unused for longer than entra_app_secret_unused_days, retired though the grace period is not over
    record_sign_in(harness, app, before['secret_key_id'], days_ago=30)
    retired = play(harness, tenant, 'rotate_secrets.yml', **rotate)
    assert retired.rc == 0, retired
    assert sorted(c['keyId'] for c in app['passwordCredentials']) == [k for k in keys if k != before['secret_key_id']]


def record_sign_in(harness, app, key_id, days_ago):
    """The emulator's Entra records a sign-in with the app's credential `key_id`, `days_ago` days ago."""
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days_ago)
    record = dict(tenant=harness.tenant(CONTOSO), appId=app['appId'], keyId=key_id,
                  lastSignInDateTime=moment.strftime('%Y-%m-%dT%H:%M:%SZ'))
    requests.post(harness.emu.endpoints['control'] + '/signins', json=record, verify=harness.emu.endpoints['ca_bundle'],
                  timeout=30).raise_for_status()
