"""The room_policy role: the Exchange half of onboarding, all of a tenant's rooms in one task."""

from __future__ import annotations

from helpers import exchange_state


def test_role_on_200_rooms_in_one_task_each(harness):
    tenant = harness.tenant(2)
    harness.rooms_as_seeded(2)  # none of Fabrikam's 200 rooms set up yet
    variables = dict(room_policy_tenant_id=tenant, room_policy_delegate='bookings@fabrikam.onmicrosoft.com',
                     room_policy_record_file=harness.home + '/fabrikam-rooms.json')
    first = harness.play('room_policy.yml', **variables)
    assert first.rc == 0, first
    # Writes hold Exchange's per-tenant concurrency slots longer than reads: the tenant may refuse some
    # (not carried out, repeated); each room is written exactly once.
    carried_out = [w for w in first.writes if w['status'] < 300]
    refused = [w for w in first.writes if w['status'] >= 300]
    assert all(w['status'] == 429 for w in refused), refused
    sets = [w for w in carried_out if w['cmdlet'] == 'Set-CalendarProcessing']
    adds = [w for w in carried_out if w['cmdlet'] == 'Add-MailboxPermission']
    assert len(sets) == 200 and len(adds) == 200
    # the whole half in one task (bookingsone.office365.tenant), all 200 rooms in it
    assert first.output.count('TASK [bookingsone.office365.room_policy : Booking settings and Full Access') == 1, first
    converged = harness.play('room_policy.yml', **variables)
    assert converged.rc == 0 and converged.changed == 0 and converged.writes == [], converged
    per_room = [r for r in converged.requests if r['service'] == 'exchange' and r['cmdlet'] in
                ('Get-CalendarProcessing', 'Get-MailboxPermission')]
    assert len(per_room) == 400  # two Exchange reads per room once converged
    with harness.emu.store.lock:
        sample = exchange_state(harness, 2)['rooms']['room-137']
        assert sample['calendar_processing']['EnforceSchedulingHorizon'] is False
        assert sample['calendar_processing']['ResourceDelegates'] == ['bookings']
        assert any(p['User'] == 'bookings@fabrikam.onmicrosoft.com' and p['AccessRights'] == ['FullAccess']
                   for p in sample['permissions'])


def test_role_unknown_delegate_fails_before_any_write(harness):
    run = harness.play('room_policy.yml', room_policy_tenant_id=harness.tenant(1),
                       room_policy_delegate='ghost@contoso.onmicrosoft.com')
    assert run.rc != 0 and run.writes == [] and 'ghost@contoso.onmicrosoft.com' in run.output, run
