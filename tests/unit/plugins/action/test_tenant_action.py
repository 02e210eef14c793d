"""The tenant task: what it hands the audit report of each room (the options the audit judges, no more; what
could not be read stays unread, so the report says error), and how its two halves join when they overlap."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from ansible_collections.bookingsone.office365.plugins.action.tenant import StepFailed, Steps, observed_rooms
from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _audit as audit

DELEGATE = 'bookings@contoso.example'


def steps_read(current):
    """The steps' results as the tenant task keeps them: Get-CalendarProcessing per room, Full Access per mailbox."""
    return SimpleNamespace(results=dict(
        calendar_processing=dict(rooms=[dict(room='Board@contoso.example', current=current),
                                        dict(room='annex@contoso.example', current=None)]),
        mailbox_permission=dict(mailboxes=[dict(mailbox='board@contoso.example', before=['FullAccess']),
                                           dict(mailbox='annex@contoso.example', before=[])])))


def test_each_room_carries_the_options_the_audit_judges_only():
    current = dict(bookingsone.room_settings(), resource_delegates=[DELEGATE], booking_window_in_days=180,
                   maximum_duration_in_minutes=1440, allow_conflicts=False)
    checked = dict(rooms=[dict(address='board@contoso.example', display_name='Board', capacity=8, building='HQ'),
                          dict(address='annex@contoso.example', display_name='Annex', capacity=2, building=None)])
    board, annex = observed_rooms(steps_read(current), dict(delegate=DELEGATE), checked)
    assert board == dict(address='board@contoso.example', full_access=[DELEGATE],
                         calendar_processing=dict(bookingsone.room_settings(), resource_delegates=[DELEGATE]))
    assert annex == dict(address='annex@contoso.example', full_access=[], calendar_processing=None)
    statuses = dict(((c['room'], c['id']), c['status'])
                    for c in audit.room_controls('t1', dict(delegate=DELEGATE), dict(rooms=[board, annex])))
    assert set(s for (room, _id), s in statuses.items() if room == 'board@contoso.example') == {audit.PASS}
    assert statuses[('annex@contoso.example', 'room.delegate_set')] == audit.ERROR
    assert statuses[('annex@contoso.example', 'room.full_access')] == audit.FAIL


class Runner(object):
    """Runs no module: each step returns what its args say."""

    def run(self, module, args):
        return dict(changed=args.get('changed', False), diff=dict(after=args['name']), failed=args.get('failed', False),
                    msg='%s failed' % args['name'] if args.get('failed') else None)


def test_overlapped_halves_join_in_the_order_given_whatever_order_they_end_in():
    entra_may_end = threading.Event()

    def entra(own):  # ends after the rooms half, so only the join can put its steps first
        own.run('app', None, dict(name='app'))
        assert entra_may_end.wait(5)
        own.run('secret', None, dict(name='secret', changed=True))

    def rooms(own):
        own.run('calendar', None, dict(name='calendar'))
        entra_may_end.set()

    steps = Steps(Runner())
    steps.overlapped(entra, rooms)
    assert list(steps.results) == ['app', 'secret', 'calendar'] and steps.changed
    assert [d['after'] for d in steps.diffs] == ['app', 'secret', 'calendar']


def test_a_failed_half_is_raised_once_both_ended_with_what_each_did():
    def entra(own):
        own.run('app', None, dict(name='app'))

    def rooms(own):
        own.run('permission', None, dict(name='permission', failed=True))

    steps = Steps(Runner())
    with pytest.raises(StepFailed) as raised:
        steps.overlapped(entra, rooms)
    assert raised.value.step == 'permission' and list(steps.results) == ['app', 'permission']
