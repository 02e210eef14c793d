"""The Exchange half: room_info, calendar_processing, mailbox_permission and the room_policy role."""

from __future__ import annotations

import json

import pytest

CONTOSO_ROOMS = ['annex@contoso.onmicrosoft.com', 'board@contoso.onmicrosoft.com', 'focus-1@contoso.onmicrosoft.com']
DELEGATE = 'bookings@contoso.onmicrosoft.com'


def exchange_state(harness, tenant_index):
    return harness.emu.store.tenant(harness.tenant(tenant_index))['exchange']


def processing(harness, tenant_index, alias):
    with harness.emu.store.lock:
        return dict(exchange_state(harness, tenant_index)['rooms'][alias]['calendar_processing'])


def rooms_of(harness, tmp_path, **selection):
    path = str(tmp_path / 'rooms.json')
    run = harness.play('rooms.yml', tenant=harness.tenant(1), result_file=path, **selection)
    return run, (json.load(open(path))['rooms'] if run.rc == 0 else None)


def test_room_info_selections(harness, tmp_path):
    run, rooms = rooms_of(harness, tmp_path)
    assert run.rc == 0 and [r['address'] for r in rooms] == CONTOSO_ROOMS, run
    assert rooms[1]['capacity'] == 14 and rooms[1]['building'] == 'HQ' and rooms[1]['floor'] == 5
    _, listed = rooms_of(harness, tmp_path, room_list='hq-rooms@contoso.onmicrosoft.com', exclude=[CONTOSO_ROOMS[2]])
    assert [r['address'] for r in listed] == ['board@contoso.onmicrosoft.com']
    _, matched = rooms_of(harness, tmp_path, pattern='*room*')
    assert [r['display_name'] for r in matched] == ['Board Room', 'Focus Room 1']
    _, mailboxes = rooms_of(harness, tmp_path, source='exchange', details=True)
    # Exchange also lists the room hidden from the address lists, which Graph places leave out
    assert [r['address'] for r in mailboxes] == CONTOSO_ROOMS + ['quiet@contoso.onmicrosoft.com']
    focus = mailboxes[2]
    # listed by name, "alice", which alice@partner.example shares: both are reported
    assert focus['calendar_processing']['resource_delegates'] == ['alice@contoso.onmicrosoft.com',
                                                                  'alice@partner.example']
    assert focus['full_access'] == [] and mailboxes[1]['calendar_processing']['schedule_only_during_work_hours']
    bad, _ = rooms_of(harness, tmp_path, addresses=['nowhere@contoso.onmicrosoft.com'])
    assert bad.rc != 0 and 'nowhere@contoso.onmicrosoft.com' in bad.output


def test_calendar_processing_three_ways_with_a_diff_per_room(harness):
    case = dict(tenant=harness.tenant(1), rooms=CONTOSO_ROOMS, work_hours_only=False, horizon=False,
                delegates=[DELEGATE])
    check, real, _again = harness.three_ways('calendar.yml', **case)
    assert not any((r['cmdlet'] or '').startswith('Set-') for r in check.requests)
    for room in CONTOSO_ROOMS:
        assert '%s' % room in check.output  # the diff header names each room
    assert [w['cmdlet'] for w in real.writes] == ['Set-CalendarProcessing'] * 3
    assert processing(harness, 1, 'board')['ScheduleOnlyDuringWorkHours'] is False
    # add mode kept Alice and added the delegate
    assert processing(harness, 1, 'focus-1')['ResourceDelegates'] == ['alice', 'bookings']


def test_exact_delegates_and_per_room_settings(harness):
    tenant = harness.tenant(1)
    run = harness.play('calendar.yml', tenant=tenant, rooms=['focus-1@contoso.onmicrosoft.com'],
                       delegates=[DELEGATE], mode='exact',
                       room_settings={'focus-1@contoso.onmicrosoft.com': {'booking_window_in_days': 90}})
    assert run.rc == 0 and run.changed == 1, run
    state = processing(harness, 1, 'focus-1')
    assert state['ResourceDelegates'] == ['bookings'] and state['BookingWindowInDays'] == 90
    sets = [w for w in run.writes if w['cmdlet'] == 'Set-CalendarProcessing']
    assert len(sets) == 1  # one call carries only the differing parameters


@pytest.mark.parametrize('case,words', [
    (dict(rooms=['ghost@contoso.onmicrosoft.com', 'annex@contoso.onmicrosoft.com'], horizon=True),
     'ghost@contoso.onmicrosoft.com'),
    (dict(rooms=['annex@contoso.onmicrosoft.com'], delegates=['nobody@contoso.onmicrosoft.com']),
     'nobody@contoso.onmicrosoft.com'),
    (dict(rooms=['annex@contoso.onmicrosoft.com'], window='soon'), 'booking_window_in_days'),
    (dict(rooms=['annex@contoso.onmicrosoft.com'], window=5000), '5000'),
])
def test_calendar_processing_bad_input_changes_nothing(harness, case, words):
    run = harness.play('calendar.yml', tenant=harness.tenant(1), **case)
    assert run.rc != 0 and run.writes == [], run
    assert words in run.output


def test_mailbox_permission_three_ways_and_removal(harness):
    case = dict(tenant=harness.tenant(1), mailboxes=CONTOSO_ROOMS, user=DELEGATE)
    _check, real, _again = harness.three_ways('permission.yml', **case)
    assert [w['cmdlet'] for w in real.writes] == ['Add-MailboxPermission'] * 3
    removed = harness.play('permission.yml', state='absent', **case)
    assert removed.rc == 0 and [w['cmdlet'] for w in removed.writes] == ['Remove-MailboxPermission'] * 3
    assert harness.play('permission.yml', state='absent', **case).changed == 0
    unknown = harness.play('permission.yml', tenant=harness.tenant(1), mailboxes=CONTOSO_ROOMS, user='x@y.example')
    assert unknown.rc != 0 and unknown.writes == [] and 'x@y.example' in unknown.output


def test_role_on_200_rooms_in_one_task_each(harness):
    tenant = harness.tenant(2)
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


def test_exchange_refuses_an_app_without_an_exchange_role(harness):
    run = harness.play('calendar.yml', tenant=harness.tenant(3), rooms=['hangar@tailspin.onmicrosoft.com'],
                       horizon=False)
    assert run.rc != 0 and run.writes == [], run
    assert 'AuthorizationException' in run.output or 'Exchange administrator' in run.output
