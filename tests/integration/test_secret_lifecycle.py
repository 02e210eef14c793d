"""The client secret Bookings ONE holds survives real operations: fresh controllers, forced rotations, Entra's
propagation delay, interrupted and interleaved runs. The tenant (the app's tags) records which secret was
handed off; the emulator's hand-off stand-in plays Bookings ONE (what it received last is what it holds).
Controllers started together: test_secret_concurrency.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from helpers import app_by_unique, days_from_now, tenant_host, write_inventory
from lifecycle import ROOM, Site, kill_tree

CURRENT, EARLIER, PENDING = 'bookingsone:handed-off:', 'bookingsone:handed-off-earlier:', 'bookingsone:pending:'


@pytest.fixture
def site(harness, tmp_path):
    yield Site(harness, tmp_path)
    harness.emu.handoff_delay_s = 0
    harness.emu.set_faults({})


def mints(result):
    return [w for w in result.writes if w['path'].endswith('/addPassword')]


def secret_writes(result):
    return [w for w in result.writes if w['path'].endswith(('/addPassword', '/removePassword'))]


def controls_of(site, tenant='contoso'):
    """The tenant-level controls of the last audit report written to site.tmp/reports, by name."""
    with open(str(site.tmp / 'reports' / 'audit.json')) as handle:
        controls = json.load(handle)['controls']
    return dict((c['id'], c) for c in controls if c['tenant'] == tenant and not c['room'])


def wait_for(condition, what, seconds=300):
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        time.sleep(0.1)
    assert condition(), what


def test_fresh_hand_off_stores_mint_one_secret(harness, site):
    first = site.run('onboard.yml', 'a')
    assert first.rc == 0, first
    key = site.stored_key('a')
    assert site.keys() == [key] and site.tagged(CURRENT) == [key]
    assert site.received()[-1]['secret_key_id'] == key
    for controller in ('b', 'c'):  # a fresh controller, an AWX checkout: no hand-off file
        again = site.run('onboard.yml', controller)
        assert again.rc == 0 and again.changed == 0 and again.writes == [], again
        assert 'Bookings ONE holds secret %s' % key in again.output and 'recorded in the tags' in again.output
        assert 'no copy in the hand-off store' in again.output
    assert site.keys() == [key] and len(site.received()) == 1


def test_a_forced_rotation_mints_one_secret_and_a_rotation_from_an_empty_store_keeps_it(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    held = site.stored_key('a')
    forced = site.run('rotate_secrets.yml', 'a', entra_app_secret_force_rotate=True)
    assert forced.rc == 0, forced
    assert len(mints(forced)) == 1, forced.writes  # one addPassword: the record step mints nothing
    new = site.stored_key('a')
    last = site.received()[-1]
    assert last['secret_key_id'] == new != held and site.tagged(CURRENT) == [new] and site.tagged(EARLIER) == [held]
    assert 'minted new secret %s (forced (force_rotate)), signed in with it' % new in forced.output
    # a controller whose store never saw the new secret: nothing to do, the new one stays and signs in
    ordinary = site.run('rotate_secrets.yml', 'b')
    assert ordinary.rc == 0 and ordinary.writes == [], ordinary
    assert 'Bookings ONE holds secret %s' % new in ordinary.output
    assert site.keys() == sorted([held, new]) and site.signs_in(last)


def test_a_new_secret_signs_in_through_the_propagation_delay_before_it_is_handed_over(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    harness.emu.set_faults(dict(password_propagation_s=3))
    since = harness.mark()
    forced = site.run('rotate_secrets.yml', 'a', entra_app_secret_force_rotate=True)
    assert forced.rc == 0, forced
    new = site.stored_key('a')
    waited = float(forced.output.split('signed in with it after ')[1].split(' s')[0])
    assert waited >= 2.9, forced.output
    app_id = site.app()['appId']
    refused = [r for r in harness.emu.requests(since=since) if r['service'] == 'login' and r['client_id'] == app_id]
    assert [r['status'] for r in refused][-1] == 200 and 401 in [r['status'] for r in refused]
    assert site.received()[-1]['secret_key_id'] == new and site.signs_in(site.received()[-1])


def test_a_new_secret_that_never_signs_in_is_removed_and_not_handed_over(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    held, before = site.stored_key('a'), len(site.received())
    harness.emu.set_faults(dict(password_propagation_s=600))
    failed = site.run('rotate_secrets.yml', 'a', entra_app_secret_force_rotate=True,
                      entra_app_secret_sign_in_timeout=2)
    assert failed.rc != 0, failed
    minted = mints(failed)[0]
    assert 'was removed again because it never signed in' in failed.output
    assert 'this run took' not in failed.output and 'added secret' in failed.output  # says what it wrote
    assert site.keys() == [held] and site.tagged(CURRENT) == [held] and len(site.received()) == before
    assert site.stored_key('a') == held and minted['status'] == 200


def test_a_rotation_removes_an_old_orphan_and_leaves_a_young_one_alone(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    handed = site.stored_key('a')
    target = app_by_unique(harness, 1, site.unique)
    with harness.emu.store.lock:  # two secrets of killed runs: one a day old, one minted a minute ago
        base = target['passwordCredentials'][0]
        old = dict(base, keyId='0badc0de-0000-4000-8000-000000000001', hint='old',
                   startDateTime=days_from_now(-1))
        young = dict(base, keyId='0badc0de-0000-4000-8000-000000000002', hint='yng',
                     startDateTime=days_from_now(-1 / 1440.0))
        target['passwordCredentials'] += [old, young]
    site.due()
    rotated = site.run('rotate_secrets.yml', 'a')
    assert rotated.rc == 0, rotated
    new = site.stored_key('a')
    assert site.keys() == sorted([handed, new, young['keyId']])  # held one kept for the grace period
    assert 'never handed off: %s' % old['keyId'] in rotated.output
    assert 'left alone: %s' % young['keyId'] in rotated.output
    again = site.run('rotate_secrets.yml', 'a', entra_app_secret_grace_days=0)
    assert again.rc == 0 and handed not in site.keys(), again  # grace over: retired by key id
    assert 'earlier handed-off secret(s): %s' % handed in again.output and young['keyId'] in site.keys()


def test_a_run_killed_inside_its_hand_off_leaves_a_pending_secret_the_next_run_replaces(harness, site):
    harness.emu.handoff_delay_s = 20
    attempts = harness.emu.handoff_attempts
    started = subprocess.Popen(site.command('onboard.yml', site.inventory('a')), env=site.env('a'),
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=str(site.tmp),
                               start_new_session=True)
    wait_for(lambda: harness.emu.handoff_attempts > attempts, 'the run never reached its hand-off')
    minted = site.keys()
    assert len(minted) == 1 and site.tagged(PENDING) == minted  # recorded as pending before the POST
    kill_tree(started.pid)
    started.wait(timeout=60)
    # the POST the killed run made still arrives (Bookings ONE may hold it): the stand-in records it
    wait_for(lambda: len(site.received()) == 1, 'the killed POST never arrived', 60)
    harness.emu.handoff_delay_s = 0
    audit = site.run('audit.yml', 'a', '-e', 'bookingsone_report_dir=%s' % (site.tmp / 'reports'))
    recorded = controls_of(site)['secret.recorded']
    assert audit.writes == [] and recorded['status'] == 'fail', audit
    assert recorded['detail'].startswith('the hand-off of %s was interrupted' % minted[0])
    rerun = site.run('onboard.yml', 'a')
    assert rerun.rc == 0, rerun
    key = site.stored_key('a')
    assert key != minted[0] and site.tagged(CURRENT) == [key] and site.tagged(EARLIER) == minted
    assert minted[0] in site.keys()  # it may be what Bookings ONE holds: kept for the grace period
    assert 'the hand-off of %s was interrupted' % minted[0] in rerun.output, rerun
    assert site.received()[-1]['secret_key_id'] == key and site.signs_in(site.received()[-1])
    assert 'took over the lock' not in rerun.output


def test_a_run_killed_after_its_hand_off_is_recorded_from_its_store(harness, site):
    """A run that handed the secret over but died before recording it: the store's key is adopted."""
    assert site.run('onboard.yml', 'a').rc == 0
    key = site.stored_key('a')
    target = app_by_unique(harness, 1, site.unique)
    with harness.emu.store.lock:  # as if the recording PATCH never happened: only `pending` is there
        target['tags'] = [t for t in target['tags'] if not t.startswith(CURRENT)] + [PENDING + key]
    healed = site.run('rotate_secrets.yml', 'a')
    assert healed.rc == 0, healed
    assert secret_writes(healed) == [] and site.tagged(CURRENT) == [key] and site.tagged(PENDING) == []
    assert 'recorded the hand-off of %s found in the hand-off store' % key in healed.output


def test_a_run_whose_hand_off_another_run_undid_fails_naming_both_and_the_next_run_heals(harness, site):
    """A's lease expires while its POST is slow; B (another controller) takes the lease and hands over its own
    secret. Each fails naming both key IDs, both stay recorded, and the next run replaces both (I3)."""
    assert site.run('onboard.yml', 'a').rc == 0
    held = site.stored_key('a')
    harness.emu.handoff_delay_s = 6
    attempts = harness.emu.handoff_attempts
    short = dict(entra_app_secret_force_rotate=True, entra_app_secret_lease_seconds=2)
    logs = [open(str(site.tmp / name), 'w+') for name in ('a.log', 'b.log')]
    first = subprocess.Popen(site.command('rotate_secrets.yml', site.inventory('a', **short)), env=site.env('a'),
                             stdout=logs[0], stderr=subprocess.STDOUT, cwd=str(site.tmp))
    wait_for(lambda: harness.emu.handoff_attempts > attempts, 'A never reached its hand-off')
    time.sleep(2.5)  # A's lease has expired
    second = subprocess.Popen(site.command('rotate_secrets.yml', site.inventory('b', **short)), env=site.env('b'),
                              stdout=logs[1], stderr=subprocess.STDOUT, cwd=str(site.tmp))
    codes = [first.wait(timeout=300), second.wait(timeout=300)]
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
    harness.emu.handoff_delay_s = 0
    a_key, b_key = site.stored_key('a'), site.stored_key('b')
    assert a_key != b_key and held not in (a_key, b_key)
    assert codes[0] != 0 and a_key in outputs[0] and b_key in outputs[0], outputs[0][-3000:]
    assert 'another run recorded' in outputs[0]
    assert sorted(site.tagged(CURRENT)) == sorted([a_key, b_key])  # Bookings ONE may hold either
    assert set(site.keys()) >= {held, a_key, b_key}
    audit = site.run('audit.yml', 'c', '-e', 'bookingsone_report_dir=%s' % (site.tmp / 'reports'))
    assert controls_of(site)['secret.recorded']['detail'].startswith('two runs handed over')
    healed = site.run('rotate_secrets.yml', 'c')
    assert healed.rc == 0 and 'two runs handed over' in healed.output, healed
    new = site.stored_key('c')
    assert site.tagged(CURRENT) == [new] and {a_key, b_key} <= set(site.tagged(EARLIER))
    assert site.received()[-1]['secret_key_id'] == new and site.signs_in(site.received()[-1])


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
    result = site.run('onboard.yml', 'a', **extra)
    assert result.rc != 0 and result.writes == [], result
    assert words in result.output, result
    assert 'nothing was written to this tenant' in result.output
    assert 'Nothing was changed' not in result.output
    assert site.app() is None


def test_lifetime_over_the_tenant_policy_is_refused_before_any_write(harness, site):
    result = site.run('rotate_secrets.yml', 'a', bookingsone_tenant_id=harness.tenant(2),
                      bookingsone_delegate='bookings@fabrikam.onmicrosoft.com',
                      bookingsone_room_addresses=['room001@fabrikam.onmicrosoft.com'])
    assert result.rc != 0 and result.writes == [], result
    assert 'secret_lifetime_days 730 exceeds the 180 days the tenant app management policy allows' in result.output


def test_a_policy_applied_to_the_app_takes_the_place_of_the_tenant_default(harness, site):
    from emulator import app_policies
    fabrikam = harness.tenant(2)
    created = harness.play('app_registration.yml', tenant=fabrikam, unique_name=site.unique, name='Policy test')
    assert created.rc == 0, created
    policy = dict(id='7f3c2a10-0000-4000-8000-00000000a9b1', displayName='30-day secrets', description='test',
                  isEnabled=True, restrictions=dict(passwordCredentials=[dict(
                      restrictionType='passwordLifetime', state='enabled', maxLifetime='P30D',
                      restrictForAppsCreatedAfterDateTime=None)], keyCredentials=[]))
    with harness.emu.store.lock:
        tenant = harness.emu.store.tenant(fabrikam)
        app_id = next(a['id'] for a in tenant['applications'] if a.get('uniqueName') == site.unique)
        app_policies.policies(tenant).append(policy)
        app_policies.assignments(tenant)[app_id] = policy['id']
    try:
        result = site.run('rotate_secrets.yml', 'a', bookingsone_tenant_id=fabrikam,
                          bookingsone_delegate='bookings@fabrikam.onmicrosoft.com',
                          bookingsone_room_addresses=['room001@fabrikam.onmicrosoft.com'],
                          entra_app_secret_lifetime_days=90)  # within the tenant's 180 days
        assert result.rc != 0 and result.writes == [], result
        assert ('secret_lifetime_days 90 exceeds the 30 days the app management policy %s applied to the app allows'
                % policy['id']) in result.output, result
    finally:
        with harness.emu.store.lock:
            app_policies.assignments(tenant).pop(app_id, None)
            app_policies.policies(tenant).remove(policy)


def test_a_room_listed_twice_is_written_once(harness, site):
    with harness.emu.store.lock:  # drift, so the room policy has something to write
        harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['board']['calendar_processing'][
            'ScheduleOnlyDuringWorkHours'] = True
    result = site.run('onboard.yml', 'a', bookingsone_room_addresses=[ROOM, ROOM.upper()])
    assert result.rc == 0, result
    sets = [w for w in result.writes if w.get('cmdlet') == 'Set-CalendarProcessing']
    assert len(sets) == 1, sets


def test_one_tenant_with_login_500_fails_clearly_the_other_finishes(harness, site):
    hosts = {}
    for name, tenant, room in (('contoso', harness.tenant(1), ROOM),
                               ('fabrikam', harness.tenant(2), 'room001@fabrikam.onmicrosoft.com')):
        hosts[name] = tenant_host(name, tenant, site.store('pair'), bookingsone_room_addresses=[room],
                                  entra_app_unique_name=site.unique, entra_app_secret_lifetime_days=180)
    inventory = write_inventory(site.tmp / 'pair', hosts)
    harness.emu.set_faults(dict(services=['login'], error_rate=1.0, error_status=500, tenants=[harness.tenant(2)]))
    result = site.run('onboard.yml', 'a', inventory=inventory, env=site.env('a', BOOKINGSONE_TOKEN_CACHE='false'))
    harness.emu.set_faults({})
    assert result.rc != 0, result
    assert '1 of 2 tenant(s) in this run succeeded, 1 failed: fabrikam (' in result.output, result
    assert 'login HTTP 500' in result.output and 'AADSTS50000' in result.output and 'correlation' in result.output
    assert result.recap['contoso']['failed'] == 0 and result.recap['fabrikam']['failed'] == 1
    assert site.app() is not None  # contoso was onboarded


def test_the_audit_reports_orphans_and_a_record_pointing_at_a_deleted_secret(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    handed = site.stored_key('a')
    reports = str(site.tmp / 'reports')

    def audit():
        result = site.run('audit.yml', 'a', '-e', 'bookingsone_report_dir=%s' % reports)
        assert result.writes == [], result
        with open(os.path.join(reports, 'audit.json')) as handle:
            controls = json.load(handle)['controls']
        return result, dict((c['id'], c) for c in controls if c['tenant'] == 'contoso' and not c['room'])

    clean, controls = audit()
    assert clean.rc == 0, clean
    assert controls['secret.recorded']['status'] == 'pass'
    assert controls['secret.recorded']['observed']['recorded_key_id'] == handed
    assert controls['secret.no_orphans']['status'] == 'pass'
    assert controls['secret.store']['status'] == 'pass'
    target = app_by_unique(harness, 1, site.unique)
    with harness.emu.store.lock:  # an orphan of a run killed a day ago, then the handed-off secret deleted
        orphan = dict(target['passwordCredentials'][0], keyId='0badc0de-0000-4000-8000-000000000002',
                      startDateTime=days_from_now(-1))
        target['passwordCredentials'].append(orphan)
    _, controls = audit()
    assert controls['secret.no_orphans']['status'] == 'fail'
    assert controls['secret.no_orphans']['observed'] == [orphan['keyId']]
    with harness.emu.store.lock:
        target['passwordCredentials'] = [c for c in target['passwordCredentials'] if c['keyId'] != handed]
    missing, controls = audit()
    dangling = controls['secret.recorded']
    assert dangling['status'] == 'fail' and dangling['observed']['dangling'] == [handed]
    assert 'deleted secret' in dangling['detail'] and missing.rc == 0  # a failed control, not an error


def test_the_audit_refuses_a_typo_in_the_inventory(harness, site):
    result = site.run('audit.yml', 'a', '-e', 'bookingsone_report_dir=%s' % (site.tmp / 'reports-typo'),
                      bookingsone_room_exclud=[ROOM])
    assert result.rc != 0 and result.writes == [], result
    assert 'bookingsone_room_exclud (did you mean bookingsone_room_exclude?)' in result.output


def test_a_rotation_killed_inside_its_hand_off_then_rerun_keeps_what_bookings_one_may_hold(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    held = site.stored_key('a')
    harness.emu.handoff_delay_s = 20
    attempts = harness.emu.handoff_attempts
    forced = site.inventory('a', entra_app_secret_force_rotate=True)
    rotating = subprocess.Popen(site.command('rotate_secrets.yml', forced), env=site.env('a'),
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=str(site.tmp),
                                start_new_session=True)
    wait_for(lambda: harness.emu.handoff_attempts > attempts, 'the rotation never reached its hand-off')
    minted = [k for k in site.keys() if k != held]
    assert len(minted) == 1 and site.tagged(PENDING) == minted
    kill_tree(rotating.pid, signal.SIGTERM)
    rotating.wait(timeout=60)
    wait_for(lambda: len(site.received()) == 2, 'the killed POST never arrived', 60)
    harness.emu.handoff_delay_s = 0
    assert site.stored_key('a') == held  # the file still names what the store last wrote
    rerun = site.run('rotate_secrets.yml', 'a')
    assert rerun.rc == 0, rerun
    new = site.stored_key('a')
    # neither the held secret nor the half-handed one is removed: the new one replaces both after the grace
    assert set(site.keys()) == {held, minted[0], new} and site.tagged(CURRENT) == [new]
    assert set(site.tagged(EARLIER)) == {held, minted[0]}
    assert site.received()[-1]['secret_key_id'] == new and site.signs_in(site.received()[-1])
