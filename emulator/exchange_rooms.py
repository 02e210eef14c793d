"""The cmdlets over a mailbox's booking settings and permissions: Get/Set-CalendarProcessing and
Get/Add/Remove-MailboxPermission, over the rooms of a tenant's Exchange state (exchange.py).

Groups are no mailboxes: the calendar processing cmdlets resolve identities without them
(exchange.resolve(groups=False)); the permission cmdlets resolve any recipient, and only a room holds entries.
"""

from __future__ import annotations

import copy

from emulator import exchange
from emulator.exchange import CALENDAR_DEFAULTS, RECIPIENT_LISTS
from emulator.exchange_cmdlets import READ, RECIPIENT, ExchangeError, cmdlet, not_found, unchanged
from emulator.exchange_params import IDENTITY, INT32_MAX, boolean, choice, integer, multi, text, text_list

MAILBOX_RIGHTS = ('ChangeOwner', 'ChangePermission', 'DeleteItem', 'ExternalAccount', 'FullAccess',
                  'ReadPermission')
INHERITANCE = choice('None', 'All', 'Children', 'Descendents', 'SelfAndChildren')


def _rights(name, value):
    rights = text_list(name, value)
    for right in rights:
        choice(*MAILBOX_RIGHTS)(name, right)
    return rights


# https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing: every parameter of
# CALENDAR_DEFAULTS, typed (booleans, the recipient lists, the values and ranges the page gives).
CALENDAR_PARAMS = {
    'AutomateProcessing': choice('None', 'AutoUpdate', 'AutoAccept'),
    'BookingType': choice('Standard', 'Reserved'),
    'BookingWindowInDays': integer(0, 1080),
    'MaximumDurationInMinutes': integer(0, INT32_MAX),
    'MinimumDurationInMinutes': integer(0, INT32_MAX),
    'MaximumConflictInstances': integer(0, INT32_MAX),
    'ConflictPercentageAllowed': integer(0, 100),
    'PostReservationMaxClaimTimeInMinutes': integer(0, 60),
    'AdditionalResponse': text,
}
CALENDAR_PARAMS.update((name, boolean) for name, default in CALENDAR_DEFAULTS.items() if isinstance(default, bool))
CALENDAR_PARAMS.update((name, multi) for name in RECIPIENT_LISTS)


# https://learn.microsoft.com/powershell/module/exchange/get-calendarprocessing
@cmdlet('Get-CalendarProcessing', params=IDENTITY, required=('Identity',), roles=READ)
def get_calendar_processing(state, params):
    recipient, room = exchange.room(state, params['Identity'], groups=False)
    processing = room['calendar_processing'] if room else dict(CALENDAR_DEFAULTS, AutomateProcessing='AutoUpdate')
    shown = copy.deepcopy(processing)
    # Recipient lists are kept as unique aliases but shown as Exchange Online shows them: recipient *names*, which
    # need not be unique ("ExO continues to return their Name as the only identifier under the ResourceDelegates
    # property": https://michev.info/blog/post/7028/powershell-cmdlets-to-add-or-remove-resource-delegates-in-bulk).
    names = dict((r['Identity'], r['Name']) for r in exchange.without_groups(state))
    for key in RECIPIENT_LISTS:
        shown[key] = [names.get(alias, alias) for alias in shown.get(key) or []]
    return [dict(shown, Identity=recipient['Identity'], MailboxOwnerId=recipient['Identity'])], []


# https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing
@cmdlet('Set-CalendarProcessing', params=dict(IDENTITY, **CALENDAR_PARAMS), required=('Identity',), roles=RECIPIENT)
def set_calendar_processing(state, params):
    recipient, room = exchange.room(state, params['Identity'], groups=False)
    if room is None:
        raise ExchangeError(400, 'Ex4A8B1C', 'Microsoft.Exchange.Management.Tasks.RecipientTaskException',
                            "Calendar processing can only be set on resource mailboxes; '%s' is a %s."
                            % (params['Identity'], recipient['RecipientTypeDetails']))
    changes = {}
    processing = room['calendar_processing']
    for name, value in params.items():
        if name == 'Identity':
            continue
        if name in RECIPIENT_LISTS:
            # Every identity is resolved first: an unknown or ambiguous one fails the whole call.
            edit = dict((k, [exchange.resolve(state, v, groups=False)['Identity'] for v in values])
                        for k, values in value.items())
            if 'replace' in edit:
                value = edit['replace']
            else:
                value = [a for a in processing.get(name) or [] if a not in edit.get('remove', [])]
                value += [a for a in edit.get('add', []) if a not in value]
        changes[name] = value
    if all(processing.get(k) == v for k, v in changes.items()):
        return unchanged(recipient['Identity'])
    processing.update(changes)
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/get-mailboxpermission
@cmdlet('Get-MailboxPermission', params=dict(IDENTITY, User=text, ResultSize=None), required=('Identity',),
        roles=READ)
def get_mailbox_permission(state, params):
    recipient, room = exchange.room(state, params['Identity'])
    permissions = room['permissions'] if room else []
    user = exchange.resolve(state, params['User'])['PrimarySmtpAddress'] if 'User' in params else None
    entries = [dict(e, Identity=recipient['Identity']) for e in permissions
               if user is None or e['User'].lower() == user.lower()]
    return entries, []


PERMISSION_PARAMS = dict(IDENTITY, User=text, AccessRights=_rights, InheritanceType=INHERITANCE, Deny=boolean)
PERMISSION_REQUIRED = ('Identity', 'User', 'AccessRights')


def _permission_target(state, params):
    """(mailbox recipient, its room, the user's address) a permission write names; only a room holds entries."""
    recipient, room = exchange.room(state, params['Identity'])
    if room is None:
        raise not_found(params['Identity'], state['domain'])
    return recipient, room, exchange.resolve(state, params['User'])['PrimarySmtpAddress']


# https://learn.microsoft.com/powershell/module/exchange/add-mailboxpermission
@cmdlet('Add-MailboxPermission', params=dict(PERMISSION_PARAMS, AutoMapping=boolean), required=PERMISSION_REQUIRED,
        roles=RECIPIENT)
def add_mailbox_permission(state, params):
    recipient, room, user = _permission_target(state, params)
    deny = params.get('Deny', False)
    entry = next((e for e in room['permissions'] if e['User'].lower() == user.lower() and e['Deny'] == deny
                  and not e['IsInherited']), None)
    warnings = []
    if entry is None:
        entry = {'User': user, 'AccessRights': [], 'IsInherited': False, 'Deny': deny,
                 'InheritanceType': params.get('InheritanceType', 'All')}
        room['permissions'].append(entry)
    missing = [r for r in params['AccessRights'] if r not in entry['AccessRights']]
    if not missing:
        warnings.append("An existing permission entry was found for user: %s." % user)
    entry['AccessRights'] = entry['AccessRights'] + missing
    entry['AutoMapping'] = params.get('AutoMapping', True)
    return [dict(entry, Identity=recipient['Identity'])], warnings


# https://learn.microsoft.com/powershell/module/exchange/remove-mailboxpermission
@cmdlet('Remove-MailboxPermission', params=dict(PERMISSION_PARAMS, Confirm=boolean), required=PERMISSION_REQUIRED,
        roles=RECIPIENT)
def remove_mailbox_permission(state, params):
    recipient, room, user = _permission_target(state, params)
    for entry in list(room['permissions']):
        if entry['User'].lower() != user.lower() or entry['IsInherited'] or entry['Deny'] != params.get('Deny', False):
            continue
        kept = [r for r in entry['AccessRights'] if r not in params['AccessRights']]
        if kept == entry['AccessRights']:
            continue
        if kept:
            entry['AccessRights'] = kept
        else:
            room['permissions'].remove(entry)
        return [], []
    return [], ["Can't remove the access control entry on the object '%s' for account '%s' because the ACE "
                "doesn't exist on the object." % (recipient['Identity'], user)]
