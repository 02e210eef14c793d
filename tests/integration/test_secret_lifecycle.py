"""The client secret Bookings ONE holds survives real operations: fresh controllers, concurrent
and interrupted runs. The tenant (the app's tags) records which secret was handed off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import Run, app_by_unique, days_from_now, open_vault, operator_playbook, tenant_host, write_inventory

VAULT_PASSWORD = 'lifecycle-vault-password'
RECORD = 'bookingsone:handed-off:'


@pytest.fixture
def site(harness, tmp_path):
    """A one-tenant inventory on Contoso (one room), its own app unique name and hand-off store."""
    password = tmp_path / 'vault-pass'
    password.write_text(VAULT_PASSWORD)
    env = harness.env(ANSIBLE_VAULT_PASSWORD_FILE=str(password))
    unique = 'lifecycle-%s' % tmp_path.name[-24:].replace('_', '-').lower()

    def inventory(handoff='handoff', **extra):
        host = dict({'bookingsone_room_addresses': ['board@contoso.onmicrosoft.com'], 'entra_app_unique_name': unique,
                     'entra_app_display_name': 'Bookings ONE ' + unique}, **extra)
        return write_inventory(tmp_path / ('inventory-' + handoff),
                               {'contoso': tenant_host('contoso', harness.tenant(1), tmp_path / handoff, **host)})

    return dict(env=env, unique=unique, inventory=inventory, tmp=tmp_path)


def command(playbook, inventory, *args):
    return [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
            operator_playbook(playbook)] + list(args)


def run(harness, site, playbook, inventory, *args, env=None):
    since = harness.mark()
    completed = subprocess.run(command(playbook, inventory, *args), env=env or site['env'], capture_output=True,
                               text=True, timeout=600, cwd=str(site['tmp']), check=False)
    return Run(completed, harness.emu.requests(since=since))


def app(harness, site):
    with harness.emu.store.lock:
        return next((dict(a) for a in harness.emu.store.tenant(harness.tenant(1))['applications']
                     if a.get('uniqueName') == site['unique']), None)


def our_keys(harness, site):
    return sorted(c['keyId'] for c in app(harness, site)['passwordCredentials'] if c['displayName'] == 'bookings-one')


def recorded(harness, site):
    return [t[len(RECORD):] for t in app(harness, site)['tags'] if t.startswith(RECORD)]


def stored_key(site, handoff='handoff'):
    return open_vault(site['tmp'] / handoff / 'contoso.vault.yml', VAULT_PASSWORD)['secret_key_id']


def concurrently(site, *playbooks_and_inventories):
    """Start the runs at the same moment; (return codes, outputs). Output goes to files: a run blocked
    on a full pipe while the other waits for its lock would deadlock the test, not the product."""
    logs = [open(str(site['tmp'] / ('run-%d.log' % n)), 'w+') for n in range(len(playbooks_and_inventories))]
    runs = [subprocess.Popen(command(playbook, inventory), env=site['env'], stdout=log, stderr=subprocess.STDOUT,
                             text=True, cwd=str(site['tmp']))
            for (playbook, inventory), log in zip(playbooks_and_inventories, logs)]
    codes = [r.wait(timeout=600) for r in runs]
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    return codes, outputs


def secret_writes(result):
    return [w for w in result.writes if w['path'].endswith(('/addPassword', '/removePassword'))]


def test_fresh_hand_off_stores_mint_one_secret(harness, site):
    first = run(harness, site, 'onboard.yml', site['inventory']('store-a'))
    assert first.rc == 0, first
    key = stored_key(site, 'store-a')
    assert our_keys(harness, site) == [key] and recorded(harness, site) == [key]
    for store in ('store-b', 'store-c'):  # a fresh controller, an AWX checkout: no hand-off file
        again = run(harness, site, 'onboard.yml', site['inventory'](store))
        assert again.rc == 0 and again.changed == 0 and again.writes == [], again
        assert 'Bookings ONE holds secret %s' % key in again.output and 'recorded in the tags' in again.output
        assert 'no copy in the hand-off store' in again.output
    assert our_keys(harness, site) == [key]


def test_two_concurrent_onboards_on_a_fresh_tenant(harness, site):
    inventory = site['inventory']()
    since = harness.mark()
    codes, outputs = concurrently(site, ('onboard.yml', inventory), ('onboard.yml', inventory))
    assert codes == [0, 0], outputs
    with harness.emu.store.lock:
        apps = [a for a in harness.emu.store.tenant(harness.tenant(1))['applications']
                if a.get('uniqueName') == site['unique']]
    assert len(apps) == 1
    key = stored_key(site)
    assert our_keys(harness, site) == [key] and recorded(harness, site) == [key]
    mints = [r for r in harness.emu.requests(since=since) if r['path'].endswith('/addPassword')]
    assert len(mints) == 1
    changed = [int(o.split('changed=')[1].split()[0]) for o in outputs]
    assert sorted(changed)[0] == 0 and sorted(changed)[1] > 0, outputs  # one run did the work


def test_two_concurrent_runs_without_a_hand_off_file_mint_nothing(harness, site):
    inventory = site['inventory']()
    assert run(harness, site, 'onboard.yml', inventory).rc == 0
    key = stored_key(site)
    os.remove(str(site['tmp'] / 'handoff' / 'contoso.vault.yml'))
    since = harness.mark()
    codes, outputs = concurrently(site, ('onboard.yml', inventory), ('rotate_secrets.yml', inventory))
    assert codes == [0, 0], outputs
    assert [r for r in harness.emu.requests(since=since) if r['write']] == []
    assert our_keys(harness, site) == [key] and recorded(harness, site) == [key]


def test_rotation_after_a_concurrent_mint_keeps_the_handed_off_secret(harness, site):
    inventory = site['inventory']()
    assert run(harness, site, 'onboard.yml', inventory).rc == 0
    handed = stored_key(site)
    store = harness.emu.store
    with store.lock:  # another controller minted a secret with the same end date and died before its hand-off
        target = app_by_unique(harness, 1, site['unique'])
        twin = dict(target['passwordCredentials'][0], keyId='0badc0de-0000-4000-8000-000000000001', hint='orp')
        target['passwordCredentials'].append(twin)
        soon = days_from_now(5)
        for credential in target['passwordCredentials']:
            credential['endDateTime'] = soon  # both due for rotation, same end date
    rotated = run(harness, site, 'rotate_secrets.yml', inventory)
    assert rotated.rc == 0, rotated
    new = stored_key(site)
    assert new != handed
    # the orphan goes; the secret Bookings ONE held stays for the grace period, the new one is recorded
    assert our_keys(harness, site) == sorted([handed, new])
    assert 'never handed off: %s' % twin['keyId'] in rotated.output
    assert recorded(harness, site) == [new]
    again = run(harness, site, 'rotate_secrets.yml', site['inventory'](entra_app_secret_grace_days=0))
    assert again.rc == 0 and our_keys(harness, site) == [new], again  # grace over: retired by key id
    assert 'earlier handed-off secret(s): %s' % handed in again.output


def test_sigterm_inside_the_hand_off_then_rerun_heals(harness, site):
    endpoint = harness.emu.endpoints['control'] + '/handoff'
    inventory = site['inventory'](entra_app_handoff_url=endpoint)
    harness.emu.handoff_delay_s = 30
    attempts = harness.emu.handoff_attempts
    started = subprocess.Popen(command('onboard.yml', inventory), env=site['env'], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, cwd=str(site['tmp']), start_new_session=True)
    try:
        deadline = time.time() + 300
        while harness.emu.handoff_attempts == attempts and time.time() < deadline:
            time.sleep(0.1)
        assert harness.emu.handoff_attempts > attempts, 'the run never reached its hand-off'
        minted = our_keys(harness, site)
        assert len(minted) == 1  # addPassword done, hand-off under way
        os.killpg(started.pid, signal.SIGTERM)
        started.wait(timeout=60)
    finally:
        harness.emu.handoff_delay_s = 0
    assert not os.path.exists(str(site['tmp'] / 'handoff' / 'contoso.vault.yml'))
    rerun = run(harness, site, 'onboard.yml', inventory)
    assert rerun.rc == 0, rerun
    key = stored_key(site)
    assert key != minted[0] and our_keys(harness, site) == [key] and recorded(harness, site) == [key]
    assert 'never handed off: %s' % minted[0] in rerun.output, rerun
    assert 'took over the lock of an interrupted run' in rerun.output or 'interrupted' in rerun.output


def test_killed_after_the_hand_off_file_is_recorded_by_the_rerun(harness, site):
    """A run that handed the secret over but died before recording it: the store's key is adopted."""
    inventory = site['inventory']()
    assert run(harness, site, 'onboard.yml', inventory).rc == 0
    key = stored_key(site)
    store = harness.emu.store
    with store.lock:  # as if the recording PATCH never happened
        target = app_by_unique(harness, 1, site['unique'])
        target['tags'] = [t for t in target['tags'] if not t.startswith(RECORD)]
    healed = run(harness, site, 'rotate_secrets.yml', inventory)
    assert healed.rc == 0, healed
    assert secret_writes(healed) == [] and recorded(harness, site) == [key]
    assert 'recorded the hand-off of %s found in the hand-off store' % key in healed.output


@pytest.mark.parametrize('extra,words', [
    (dict(entra_app_secret_lifetime_days=0), 'lifetime_days 0'),
    (dict(entra_app_secret_lifetime_days=-5), 'lifetime_days -5'),
    (dict(entra_app_secret_rotate_before_days=800), 'rotate_before_days 800'),
    (dict(bookingsone_delegate='nobody@contoso.onmicrosoft.com'), 'nobody@contoso.onmicrosoft.com'),
    (dict(bookingsone_room_addresses=['ghost@contoso.onmicrosoft.com']), 'ghost@contoso.onmicrosoft.com'),
    (dict(bookingsone_room_list='nolist@contoso.onmicrosoft.com'), 'nolist@contoso.onmicrosoft.com'),
    (dict(bookingsone_callback_url='http://contoso.bookingsone.example/cb'), 'http://contoso.bookingsone.example/cb'),
    (dict(bookingsone_room_lst='hq-rooms@contoso.onmicrosoft.com'), 'bookingsone_room_lst (did you mean bookingsone_room_list?)'),
    (dict(entra_app_secret_lifetme_days=30), 'did you mean entra_app_secret_lifetime_days?'),
])
def test_bad_input_is_refused_before_any_write(harness, site, extra, words):
    result = run(harness, site, 'onboard.yml', site['inventory'](**extra))
    assert result.rc != 0 and result.writes == [], result
    assert words in result.output, result
    assert 'nothing was written to this tenant' in result.output
    assert 'Nothing was changed' not in result.output
    assert app(harness, site) is None


def test_lifetime_over_the_tenant_policy_is_refused_before_any_write(harness, site, tmp_path):
    inventory = site['inventory'](bookingsone_tenant_id=harness.tenant(2), bookingsone_delegate='bookings@fabrikam.onmicrosoft.com',
                                  bookingsone_room_addresses=['room001@fabrikam.onmicrosoft.com'])
    result = run(harness, site, 'rotate_secrets.yml', inventory)
    assert result.rc != 0 and result.writes == [], result
    assert 'secret_lifetime_days 730 exceeds the 180 days the tenant app management policy allows' in result.output


def test_a_policy_applied_to_the_app_takes_the_place_of_the_tenant_default(harness, site):
    from emulator import app_policies
    fabrikam = harness.tenant(2)
    created = harness.play('app_registration.yml', tenant=fabrikam, unique_name=site['unique'], name='Policy test')
    assert created.rc == 0, created
    policy = dict(id='7f3c2a10-0000-4000-8000-00000000a9b1', displayName='30-day secrets', description='test',
                  isEnabled=True, restrictions=dict(passwordCredentials=[dict(
                      restrictionType='passwordLifetime', state='enabled', maxLifetime='P30D',
                      restrictForAppsCreatedAfterDateTime=None)], keyCredentials=[]))
    with harness.emu.store.lock:
        tenant = harness.emu.store.tenant(fabrikam)
        app_id = next(a['id'] for a in tenant['applications'] if a.get('uniqueName') == site['unique'])
        app_policies.policies(tenant).append(policy)
        app_policies.assignments(tenant)[app_id] = policy['id']
    try:
        inventory = site['inventory'](bookingsone_tenant_id=fabrikam, bookingsone_delegate='bookings@fabrikam.onmicrosoft.com',
                                      bookingsone_room_addresses=['room001@fabrikam.onmicrosoft.com'],
                                      entra_app_secret_lifetime_days=90)  # within the tenant's 180 days
        result = run(harness, site, 'rotate_secrets.yml', inventory)
        assert result.rc != 0 and result.writes == [], result
        assert ('secret_lifetime_days 90 exceeds the 30 days the app management policy %s applied to the app allows'
                % policy['id']) in result.output, result
    finally:
        with harness.emu.store.lock:
            app_policies.assignments(tenant).pop(app_id, None)
            app_policies.policies(tenant).remove(policy)


def test_a_room_listed_twice_is_written_once(harness, site):
    board = 'board@contoso.onmicrosoft.com'
    with harness.emu.store.lock:  # drift, so the room policy has something to write
        harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['board']['calendar_processing'][
            'ScheduleOnlyDuringWorkHours'] = True
    result = run(harness, site, 'onboard.yml', site['inventory'](bookingsone_room_addresses=[board, board.upper()]))
    assert result.rc == 0, result
    sets = [w for w in result.writes if w.get('cmdlet') == 'Set-CalendarProcessing']
    assert len(sets) == 1, sets


def test_one_tenant_with_login_500_fails_clearly_the_other_finishes(harness, site):
    root = site['tmp'] / 'pair'
    hosts = {}
    for name, tenant, room in (('contoso', harness.tenant(1), 'board@contoso.onmicrosoft.com'),
                               ('fabrikam', harness.tenant(2), 'room001@fabrikam.onmicrosoft.com')):
        hosts[name] = tenant_host(name, tenant, site['tmp'] / 'pair-handoff', bookingsone_room_addresses=[room],
                                  entra_app_unique_name=site['unique'], entra_app_secret_lifetime_days=180)
    write_inventory(root, hosts)
    env = dict(site['env'], BOOKINGSONE_TOKEN_CACHE='false')
    harness.emu.set_faults(dict(services=['login'], error_rate=1.0, error_status=500, tenants=[harness.tenant(2)]))
    try:
        result = run(harness, site, 'onboard.yml', str(root), env=env)
    finally:
        harness.emu.set_faults({})
    assert result.rc != 0, result
    assert 'Failed tenants: fabrikam' in result.output, result
    assert 'login HTTP 500' in result.output and 'AADSTS50000' in result.output and 'correlation' in result.output
    assert result.recap['contoso']['failed'] == 0
    assert app(harness, site) is not None  # contoso was onboarded


def test_audit_reports_orphans_and_a_record_pointing_at_a_deleted_secret(harness, site):
    import json
    inventory = site['inventory']()
    assert run(harness, site, 'onboard.yml', inventory).rc == 0
    handed = stored_key(site)
    reports = str(site['tmp'] / 'reports')

    def audit():
        result = run(harness, site, 'audit.yml', inventory, '-e', 'bookingsone_report_dir=%s' % reports)
        assert result.writes == [], result
        controls = json.load(open(os.path.join(reports, 'audit.json')))['controls']
        return result, dict((c['control'], c) for c in controls if c['tenant'] == 'contoso' and not c['room'])

    clean, controls = audit()
    assert clean.rc == 0, clean
    assert controls['handed-off secret recorded in the tenant']['status'] == 'pass'
    assert controls['handed-off secret recorded in the tenant']['observed']['recorded_key_id'] == handed
    assert controls['no orphaned secrets']['status'] == 'pass'
    store = harness.emu.store
    with store.lock:  # an orphan of a killed run, then the handed-off secret deleted behind our back
        target = app_by_unique(harness, 1, site['unique'])
        orphan = dict(target['passwordCredentials'][0], keyId='0badc0de-0000-4000-8000-000000000002')
        target['passwordCredentials'].append(orphan)
    _, controls = audit()
    assert controls['no orphaned secrets']['status'] == 'fail'
    assert controls['no orphaned secrets']['observed'] == [orphan['keyId']]
    with store.lock:
        target['passwordCredentials'] = [c for c in target['passwordCredentials'] if c['keyId'] != handed]
    _, controls = audit()
    dangling = controls['handed-off secret recorded in the tenant']
    assert dangling['status'] == 'fail' and dangling['observed']['dangling'] == [handed]
    assert 'deleted secret' in dangling['detail']


def test_audit_refuses_a_typo_in_the_inventory(harness, site):
    reports = str(site['tmp'] / 'reports-typo')
    result = run(harness, site, 'audit.yml', site['inventory'](bookingsone_room_exclud=['board@contoso.onmicrosoft.com']),
                 '-e', 'bookingsone_report_dir=%s' % reports)
    assert result.rc != 0 and result.writes == [], result
    assert 'bookingsone_room_exclud (did you mean bookingsone_room_exclude?)' in result.output


def test_sigterm_inside_a_rotation_then_rerun_keeps_the_held_secret(harness, site):
    endpoint = harness.emu.endpoints['control'] + '/handoff'
    inventory = site['inventory'](entra_app_handoff_url=endpoint)
    assert run(harness, site, 'onboard.yml', inventory).rc == 0
    held = stored_key(site)
    harness.emu.handoff_delay_s = 30
    attempts = harness.emu.handoff_attempts
    forced = site['inventory'](entra_app_handoff_url=endpoint, entra_app_secret_force_rotate=True)
    rotating = subprocess.Popen(command('rotate_secrets.yml', forced), env=site['env'], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                cwd=str(site['tmp']), start_new_session=True)
    try:
        deadline = time.time() + 300
        while harness.emu.handoff_attempts == attempts and time.time() < deadline:
            time.sleep(0.1)
        assert harness.emu.handoff_attempts > attempts, 'the rotation never reached its hand-off'
        minted = [k for k in our_keys(harness, site) if k != held]
        assert len(minted) == 1
        os.killpg(rotating.pid, signal.SIGTERM)
        rotating.wait(timeout=60)
    finally:
        harness.emu.handoff_delay_s = 0
    assert stored_key(site) == held  # the file still names what Bookings ONE holds
    rerun = run(harness, site, 'rotate_secrets.yml', site['inventory'](entra_app_handoff_url=endpoint))
    assert rerun.rc == 0, rerun
    # the half-done secret is gone; the one Bookings ONE holds stays and is still the recorded one
    assert our_keys(harness, site) == [held] and recorded(harness, site) == [held]
    assert 'never handed off: %s' % minted[0] in rerun.output, rerun
