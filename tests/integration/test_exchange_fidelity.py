"""Exchange Online as the real service answers (issue 11): tenant GUID, concurrency limit, error shapes,
delegates listed by non-unique names, and the read-only audit identity."""

from __future__ import annotations

import pytest

from helpers import CONTOSO_ROOMS, DELEGATE, operator_playbook, processing, tenant_host, write_inventory


def exchange_requests(run):
    return [r for r in run.requests if r['service'] == 'exchange']


def delegates_stored(harness, alias):
    return list(processing(harness, 1, alias)['ResourceDelegates'])


def test_tenant_given_as_a_domain_uses_the_guid_for_exchange(harness):
    run = harness.play('calendar_concurrent.yml', check=True, tenant='contoso.onmicrosoft.com',
                       rooms=CONTOSO_ROOMS, horizon=False)
    assert run.rc == 0 and run.writes == [], run
    paths = set(r['path'] for r in exchange_requests(run))
    assert paths == {'/adminapi/beta/%s/InvokeCommand' % harness.tenant(1)}, paths


@pytest.mark.parametrize('status', [429, 503, 500])
def test_concurrency_limit_refusals_are_retried_and_the_run_completes(harness, status):
    emu = harness.emu
    emu.exchange_concurrency_limit, emu.exchange_cmdlet_ms, emu.exchange_concurrency_status = 1, 150, status
    try:
        run = harness.play('calendar_concurrent.yml', check=True, tenant=harness.tenant(1), rooms=CONTOSO_ROOMS,
                           horizon=False, concurrency=8)
    finally:
        emu.exchange_concurrency_limit, emu.exchange_cmdlet_ms, emu.exchange_concurrency_status = 3, 0, 429
    assert run.rc == 0, run
    refused = [r for r in exchange_requests(run) if r['status'] == status]
    assert refused, run  # the limit was hit, and every refused read was repeated until it passed
    reads = [r for r in exchange_requests(run) if r['cmdlet'] == 'Get-CalendarProcessing' and r['status'] == 200]
    assert len(reads) == 3, run
    assert 'the tenant refused requests over its concurrency limit, so at most' in run.output, run


def test_a_concurrency_below_one_is_refused_before_any_request(harness):
    run = harness.play('calendar_concurrent.yml', tenant=harness.tenant(1), rooms=CONTOSO_ROOMS, horizon=False,
                       concurrency=0)
    assert run.rc != 0 and 'concurrency 0 must be at least 1' in run.output, run
    assert exchange_requests(run) == [], run


@pytest.mark.parametrize('shapes', ['details', 'pipe', 'innererror', 'random'])
def test_every_error_shape_names_the_unknown_room_and_writes_nothing(harness, shapes):
    harness.emu.exchange_error_shapes = shapes
    try:
        run = harness.play('calendar_concurrent.yml', tenant=harness.tenant(1),
                           rooms=['ghost@contoso.onmicrosoft.com', 'annex@contoso.onmicrosoft.com'], horizon=True)
    finally:
        harness.emu.exchange_error_shapes = 'details'
    assert run.rc != 0 and run.writes == [], run
    assert 'unknown room mailbox(es) ghost@contoso.onmicrosoft.com; nothing was changed' in run.output, run


def test_a_delegate_whose_name_is_shared_is_added_by_an_unambiguous_identity(harness):
    # focus-1's delegate is listed as "alice", a name alice@partner.example has too; writing the list
    # back would fail, so the add sends only the new delegate (its name "bookings" is shared as well).
    with harness.emu.store.lock:  # as seeded, whatever earlier tests (onboarding all of Contoso's rooms) did
        harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['focus-1']['calendar_processing'][
            'ResourceDelegates'] = ['alice']
    added = harness.play('calendar_concurrent.yml', tenant=harness.tenant(1), rooms=['focus-1@contoso.onmicrosoft.com'],
                         delegates=[DELEGATE])
    assert added.rc == 0 and added.changed == 1, added
    assert [w['cmdlet'] for w in added.writes] == ['Set-CalendarProcessing'] and added.writes[0]['status'] == 200
    assert delegates_stored(harness, 'focus-1') == ['alice', 'bookings']  # the user, not the shared mailbox
    again = harness.play('calendar_concurrent.yml', tenant=harness.tenant(1), rooms=['focus-1@contoso.onmicrosoft.com'],
                         delegates=[DELEGATE])
    assert again.rc == 0 and again.changed == 0 and again.writes == [], again
    exact = harness.play('calendar_concurrent.yml', tenant=harness.tenant(1), rooms=['focus-1@contoso.onmicrosoft.com'],
                         delegates=[DELEGATE], mode='exact')
    assert exact.rc == 0 and exact.changed == 1 and delegates_stored(harness, 'focus-1') == ['bookings'], exact
    converged = harness.play('calendar_concurrent.yml', tenant=harness.tenant(1),
                             rooms=['focus-1@contoso.onmicrosoft.com'], delegates=[DELEGATE], mode='exact')
    assert converged.rc == 0 and converged.changed == 0, converged


@pytest.fixture(scope='module')
def auditor_inventory(harness, tmp_path_factory):
    root = tmp_path_factory.mktemp('auditor')
    write_inventory(root / 'inventory', {'contoso': tenant_host('contoso', harness.tenant(1), root / 'handoff')})
    return root


def test_audit_with_the_read_only_identity_passes_without_writing(harness, auditor_inventory):
    env = harness.env(operator=harness.seed['operators'][1])
    reports = str(auditor_inventory / 'reports')
    run = harness.play(operator_playbook('audit.yml'), env=env,
                       args=('-i', str(auditor_inventory / 'inventory'), '-e', 'bookingsone_report_dir=%s' % reports))
    assert run.rc == 0, run
    assert run.writes == [], run.writes
    assert 'could not be audited' not in run.output, run
    # Policy.Read.All is optional (README): without it the preflight skips the secret lifetime policy.
    denied = [(r['method'], r['path'], r['status']) for r in run.requests if r['status'] in (401, 403)
              and r['path'] != '/v1.0/policies/defaultAppManagementPolicy']
    assert denied == [], denied


def test_the_read_only_identity_is_refused_by_exchange_on_the_first_write(harness):
    env = harness.env(operator=harness.seed['operators'][1])
    run = harness.play('room_policy.yml', env=env, room_policy_tenant_id=harness.tenant(1),
                       room_policy_delegate=DELEGATE, room_policy_record_file=harness.home + '/auditor-rooms.json')
    assert run.rc != 0, run
    writes = run.writes
    assert writes and all(w['service'] == 'exchange' and w['status'] == 400 for w in writes), writes
    assert 'Exchange does not offer Set-CalendarProcessing to this identity' in run.output, run
