"""mailbox_permission end to end: Full Access for the Bookings ONE delegate on Contoso's rooms, and its removal."""

from __future__ import annotations

from helpers import CONTOSO_ALIASES, CONTOSO_ROOMS, DELEGATE


def test_mailbox_permission_three_ways_and_removal(harness):
    # the rooms' permissions as seeded (no Full Access for the delegate), whatever earlier tests granted
    harness.rooms_as_seeded(1, CONTOSO_ALIASES, parts=['permissions'])
    case = dict(tenant=harness.tenant(1), mailboxes=CONTOSO_ROOMS, user=DELEGATE)
    _check, real, _again = harness.three_ways('permission.yml', **case)
    assert [w['cmdlet'] for w in real.writes] == ['Add-MailboxPermission'] * 3
    removed = harness.play('permission.yml', state='absent', **case)
    assert removed.rc == 0 and [w['cmdlet'] for w in removed.writes] == ['Remove-MailboxPermission'] * 3
    assert harness.play('permission.yml', state='absent', **case).changed == 0
    unknown = harness.play('permission.yml', tenant=harness.tenant(1), mailboxes=CONTOSO_ROOMS, user='x@y.example')
    assert unknown.rc != 0 and unknown.writes == [] and 'x@y.example' in unknown.output
