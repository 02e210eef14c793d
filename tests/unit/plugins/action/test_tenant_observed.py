"""What the tenant task hands the audit report of each room: the options the audit judges, no more, and what
could not be read stays unread (None), so the report says error rather than pass."""

from __future__ import annotations

from types import SimpleNamespace

from ansible_collections.bookingsone.office365.plugins.action.tenant import observed_rooms
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
