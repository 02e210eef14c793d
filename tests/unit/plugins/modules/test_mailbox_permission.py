"""mailbox_permission: the rights a mailbox grants explicitly, and the plan made from them (what is added
or removed on which mailbox), run against a fake Exchange."""

from __future__ import annotations

import threading

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.modules import mailbox_permission
from ansible_collections.bookingsone.office365.plugins.modules.mailbox_permission import explicit_rights

from ..module_utils.fakes import FakeConnection, run_logic

USER = 'bookings@contoso.com'
BOARD, ANNEX = 'board@contoso.com', 'annex@contoso.com'


def entry(rights, user=USER, **flags):
    return dict(dict(User=user, AccessRights=rights, IsInherited=False, Deny=False), **flags)


def test_explicit_rights_leave_out_inherited_and_deny_entries():
    entries = [entry(['FullAccess']), entry(['ChangeOwner'], IsInherited=True), entry(['DeleteItem'], Deny=True)]
    assert explicit_rights(entries) == {'FullAccess'}


def test_rights_given_as_one_comma_separated_string_are_split():
    assert explicit_rights([entry('FullAccess, ReadPermission')]) == {'FullAccess', 'ReadPermission'}
    assert explicit_rights([entry(None), entry([])]) == set()
    assert explicit_rights([]) == set()


class FakeExchange(object):
    """Recipients and mailbox permissions; the cmdlets sent are recorded."""

    def __init__(self, permissions):
        self.permissions = permissions  # mailbox -> entries of USER
        self.calls = []
        self.lock = threading.Lock()

    def invoke(self, cmdlet, parameters=None, anchor=None):
        with self.lock:
            self.calls.append((cmdlet, dict(parameters or {})))
        identity = parameters['Identity']
        if cmdlet == 'Get-Recipient':
            return [dict(PrimarySmtpAddress=identity)] if identity == USER else []
        if identity not in self.permissions:
            raise MicrosoftApiError('exchange', 404, 'NotFound', "couldn't be found", details=[exchange_api.NOT_FOUND])
        if cmdlet == 'Get-MailboxPermission':
            return self.permissions[identity]
        return []  # Add- and Remove-MailboxPermission

    def writes(self):
        return sorted((c, p['Identity'], p['AccessRights']) for c, p in self.calls if not c.startswith('Get-'))


def run(exo, check_mode=False, **args):
    args.setdefault('user', USER)
    return run_logic(mailbox_permission, FakeConnection(exo), check_mode, **args)


def test_present_adds_only_the_missing_rights_per_mailbox():
    exo = FakeExchange({BOARD: [entry(['FullAccess'])], ANNEX: [entry(['ReadPermission'])]})
    result, failure = run(exo, mailboxes=[BOARD, ANNEX], access_rights=['FullAccess', 'ReadPermission'])
    assert failure is None, failure
    assert exo.writes() == [('Add-MailboxPermission', ANNEX, ['FullAccess']),
                            ('Add-MailboxPermission', BOARD, ['ReadPermission'])]
    assert result['changed'] and result['changed_mailboxes'] == 2
    board = next(m for m in result['mailboxes'] if m['mailbox'] == BOARD)
    assert board == dict(mailbox=BOARD, changed=True, before=['FullAccess'], after=['FullAccess', 'ReadPermission'])


def test_absent_removes_only_the_rights_held_explicitly():
    exo = FakeExchange({BOARD: [entry(['FullAccess'])], ANNEX: [entry(['FullAccess'], IsInherited=True)]})
    result, failure = run(exo, mailboxes=[BOARD, ANNEX], state='absent')
    assert failure is None, failure
    assert exo.writes() == [('Remove-MailboxPermission', BOARD, ['FullAccess'])]  # an inherited right stays
    assert result['changed_mailboxes'] == 1


def test_check_mode_plans_and_writes_nothing_and_a_converged_mailbox_is_unchanged():
    exo = FakeExchange({BOARD: [entry(['FullAccess'])], ANNEX: []})
    result, failure = run(exo, check_mode=True, mailboxes=[BOARD, ANNEX, BOARD.upper()])
    assert failure is None and exo.writes() == [], failure
    assert [m['mailbox'] for m in result['mailboxes']] == [BOARD, ANNEX]  # a mailbox named twice is read once
    assert [m['changed'] for m in result['mailboxes']] == [False, True] and result['changed_mailboxes'] == 1
    assert result['diff'] == dict(before=dict(access_rights=[]), after=dict(access_rights=['FullAccess']),
                                  before_header='%s: %s' % (ANNEX, USER), after_header='%s: %s' % (ANNEX, USER))


def test_an_unknown_user_or_mailbox_fails_before_any_write():
    exo = FakeExchange({BOARD: []})
    _result, failure = run(exo, mailboxes=[BOARD], user='nobody@contoso.com')
    assert failure[0] == "unknown user 'nobody@contoso.com': no such recipient in Exchange Online; nothing was changed"
    _result, failure = run(exo, mailboxes=[BOARD, 'ghost@contoso.com'])
    assert 'unknown mailbox(es) ghost@contoso.com; nothing was changed' in failure[0]
    assert exo.writes() == []
