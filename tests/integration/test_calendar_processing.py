"""calendar_processing end to end: the booking settings of Contoso's rooms, per room, with a diff each."""

from __future__ import annotations

import pytest

from helpers import CONTOSO_ALIASES, CONTOSO_ROOMS, DELEGATE, processing


def test_calendar_processing_three_ways_with_a_diff_per_room(harness):
    harness.rooms_as_seeded(1, CONTOSO_ALIASES, parts=['calendar_processing'])  # whatever earlier tests set
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
    harness.rooms_as_seeded(1, ['focus-1'], parts=['calendar_processing'])  # Alice its only delegate
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


def test_exchange_refuses_an_app_without_an_exchange_role(harness):
    run = harness.play('calendar.yml', tenant=harness.tenant(3), rooms=['hangar@tailspin.onmicrosoft.com'],
                       horizon=False)
    assert run.rc != 0 and run.writes == [], run
    assert 'AuthorizationException' in run.output or 'Exchange administrator' in run.output
