# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin Exchange Online cmdlet calls for room mailboxes.

Parameter names and values are the cmdlets' own (https://learn.microsoft.com/powershell/module/exchange/).
"""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import run_all

# The modules' options for Set-/Get-CalendarProcessing parameters, each the parameter's name in snake_case.
CALENDAR_OPTIONS = ('automate_processing', 'all_book_in_policy', 'all_request_in_policy', 'all_request_out_of_policy',
                    'forward_requests_to_delegates', 'schedule_only_during_work_hours', 'enforce_scheduling_horizon',
                    'booking_window_in_days', 'maximum_duration_in_minutes', 'allow_conflicts',
                    'allow_recurring_meetings', 'resource_delegates')


def cmdlet_parameter(option):
    """The cmdlet parameter an option stands for: automate_processing -> AutomateProcessing."""
    return ''.join(word.capitalize() for word in option.split('_'))


CALENDAR_PROCESSING = dict((option, cmdlet_parameter(option)) for option in CALENDAR_OPTIONS)


def calendar_options(processing):
    """Get-CalendarProcessing's answer in the modules' option names."""
    return dict((option, (processing or {}).get(parameter)) for option, parameter in CALENDAR_PROCESSING.items())


NOT_FOUND = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException'
AMBIGUOUS = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException'
HASHTABLE = '#Exchange.GenericHashTable'


def is_not_found(exc):
    """Exchange's "couldn't be found", whichever body shape carried it (ExchangeClient.error_from)."""
    return isinstance(exc, MicrosoftApiError) and exc.service == 'exchange' and (
        NOT_FOUND in exc.details or exc.status == 404 or exc.code == 'NotFound')


def is_ambiguous(exc):
    """"There are multiple recipients matching the identity": a name several recipients share."""
    return isinstance(exc, MicrosoftApiError) and AMBIGUOUS in exc.details


def edit_values(add=(), remove=()):
    """A multi-valued parameter edited in place: {"@odata.type": "#Exchange.GenericHashTable", "add"/"remove"}.

    The InvokeCommand form of PowerShell's @{Add=...; Remove=...} for a multivalued property
    (https://learn.microsoft.com/exchange/modifying-multivalued-properties-exchange-2013-help), here for
    Set-CalendarProcessing -ResourceDelegates: only the given identities are sent, never the names Exchange
    lists, which need not be unique.
    """
    edit = {'@odata.type': HASHTABLE}
    if add:
        edit['add'] = list(add)
    if remove:
        edit['remove'] = list(remove)
    return edit


# https://learn.microsoft.com/powershell/module/exchange/get-recipient
def get_recipient(exo, identity):
    """The recipient, or None when Exchange knows no such identity."""
    try:
        found = exo.invoke('Get-Recipient', {'Identity': identity})
    except MicrosoftApiError as exc:
        if is_not_found(exc):
            return None
        raise
    return found[0] if found else None


# https://learn.microsoft.com/powershell/module/exchange/get-recipient (-Filter, OPATH: quotes doubled)
def recipients_named(exo, name):
    """Every recipient whose Name is `name` (names need not be unique)."""
    return exo.invoke('Get-Recipient', {'Filter': "Name -eq '%s'" % str(name).replace("'", "''"),
                                        'ResultSize': 'Unlimited'})


# https://learn.microsoft.com/powershell/module/exchange/get-mailbox
def room_mailboxes(exo):
    return exo.invoke('Get-Mailbox', {'RecipientTypeDetails': 'RoomMailbox', 'ResultSize': 'Unlimited'})


# Per-mailbox cmdlets as calls, (cmdlet, parameters, anchor mailbox), for each(): a room costs its calls, not a
# request each (ExchangeClient.invoke_each sends many in one $batch).

# https://learn.microsoft.com/powershell/module/exchange/get-calendarprocessing
def calendar_processing_read(room):
    return 'Get-CalendarProcessing', {'Identity': room}, room


# https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing
def calendar_processing_write(room, parameters):
    return 'Set-CalendarProcessing', dict(parameters, Identity=room), room


# https://learn.microsoft.com/powershell/module/exchange/get-mailboxpermission
def mailbox_permission_read(mailbox, user=None):
    """Permission entries on a mailbox, of one user or of everyone."""
    return 'Get-MailboxPermission', {'Identity': mailbox, 'User': user} if user else {'Identity': mailbox}, mailbox


# https://learn.microsoft.com/powershell/module/exchange/add-mailboxpermission
def mailbox_permission_add(mailbox, user, rights, automapping):
    return 'Add-MailboxPermission', {'Identity': mailbox, 'User': user, 'AccessRights': rights,
                                     'InheritanceType': 'All', 'AutoMapping': automapping}, mailbox


# https://learn.microsoft.com/powershell/module/exchange/remove-mailboxpermission
def mailbox_permission_remove(mailbox, user, rights):
    return 'Remove-MailboxPermission', {'Identity': mailbox, 'User': user, 'AccessRights': rights,
                                        'InheritanceType': 'All'}, mailbox


def first(objects):
    """A cmdlet's one object (Get-CalendarProcessing of one room), or None."""
    return objects[0] if objects else None


def each(exo, items, call, workers, shape=None):
    """[(item, result, error)] of call(item) for every item, as _parallel.run_all gives them: the calls go out
    together (ExchangeClient.invoke_each), yet every item keeps its own result, or its own error (a cmdlet that
    fails for one room fails that room only). `shape(objects)` makes the result, by default the objects."""
    calls = [call(item) for item in items]
    if hasattr(exo, 'invoke_each'):
        outcomes = exo.invoke_each(calls, workers)
    else:  # a client that only sends one cmdlet at a time (a test double)
        outcomes = [(objects, error) for _call, objects, error in run_all(lambda one: exo.invoke(*one), calls, workers)]
    return [(item, objects if error is not None or shape is None else shape(objects), error)
            for item, (objects, error) in zip(items, outcomes)]


def answers(outcomes):
    """each()'s outcomes (of distinct items) as a read function, for _parallel.read_each: it judges them
    (unknown items named, the first failure raised) exactly as it judges reads sent one by one."""
    found = dict((item, (result, error)) for item, result, error in outcomes)

    def read(item):
        result, error = found[item]
        if error is not None:
            raise error
        return result
    return read


def unique_identity(recipient, fallback):
    """An identity naming exactly this recipient: its primary SMTP address (unique in Exchange), else its id."""
    return recipient.get('PrimarySmtpAddress') or recipient.get('ExternalDirectoryObjectId') or fallback


def recipient_names(recipient):
    """Every form in which Exchange may show this recipient in a list (lower case)."""
    keys = ('Identity', 'Name', 'Alias', 'DisplayName', 'PrimarySmtpAddress', 'UserPrincipalName',
            'WindowsLiveID', 'ExternalDirectoryObjectId', 'DistinguishedName', 'Guid')
    return set(str(recipient[k]).lower() for k in keys if recipient.get(k))


# https://learn.microsoft.com/powershell/module/exchange/get-mailbox
def probe(exo):
    """One cheap read: the identity may run Exchange Online's cmdlets in this tenant."""
    exo.invoke('Get-Mailbox', {'ResultSize': 1})
