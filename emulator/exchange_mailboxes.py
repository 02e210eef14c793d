"""The recipient cmdlets: Get-Mailbox, Get-Recipient and Get-User over a tenant's Exchange state (exchange.py).

Groups are recipients (Get-Recipient lists and resolves them) but neither mailboxes nor users: Get-Mailbox and
Get-User see exchange.without_groups().
"""

from __future__ import annotations

import re

from emulator import exchange
from emulator.exchange_cmdlets import READ, ExchangeError, cmdlet
from emulator.exchange_params import IDENTITY, result_size, text

NAME_FILTER = re.compile(r"^\s*Name\s+-eq\s+'((?:[^']|'')*)'\s*$", re.I)


def _mailbox_view(recipient, room):
    view = dict(recipient)
    view['ResourceCapacity'] = room['place']['capacity'] if room else None
    view['Office'] = room['place']['building'] if room else None
    view['HiddenFromAddressListsEnabled'] = bool(room and room['place'].get('hidden_from_address_lists'))
    return view


# https://learn.microsoft.com/powershell/module/exchange/get-mailbox
@cmdlet('Get-Mailbox', params=dict(IDENTITY, RecipientTypeDetails=text, ResultSize=None), roles=READ)
def get_mailbox(state, params):
    if 'Identity' in params:
        found = [exchange.room(state, params['Identity'], groups=False)]
    else:
        found = [(r, state['rooms'].get(r['Alias'])) for r in exchange.without_groups(state)]
    if 'RecipientTypeDetails' in params:
        found = [(r, room) for r, room in found if r['RecipientTypeDetails'] == params['RecipientTypeDetails']]
    found, warnings = result_size(found, params)
    return [_mailbox_view(r, room) for r, room in found], warnings


def _recipients(state, params, groups):
    """Get-Recipient (groups=True) and Get-User (groups=False); both take ResultSize but return every match."""
    if 'Identity' in params:
        return [dict(exchange.resolve(state, params['Identity'], groups))], []
    found = state['recipients'] if groups else exchange.without_groups(state)
    if 'Filter' in params:
        # OPATH (https://learn.microsoft.com/powershell/exchange/recipient-filters); only Name -eq '…' here,
        # anything else is refused rather than guessed.
        match = NAME_FILTER.match(params['Filter'])
        if not match:
            raise ExchangeError(400, 'Ex7C2E91', 'Microsoft.Exchange.Management.Tasks.InvalidFilterException',
                                "The filter \"%s\" isn't supported here; use Name -eq '<name>'." % params['Filter'])
        wanted = match.group(1).replace("''", "'").lower()
        found = [r for r in found if r['Name'].lower() == wanted]
    if 'RecipientTypeDetails' in params:
        found = [r for r in found if r['RecipientTypeDetails'] == params['RecipientTypeDetails']]
    return [dict(r) for r in found], []


# https://learn.microsoft.com/powershell/module/exchange/get-recipient
@cmdlet('Get-Recipient', params=dict(IDENTITY, RecipientTypeDetails=text, ResultSize=None, Filter=text), roles=READ)
def get_recipient(state, params):
    return _recipients(state, params, groups=True)


# https://learn.microsoft.com/powershell/module/exchange/get-user
@cmdlet('Get-User', params=dict(IDENTITY, ResultSize=None), roles=READ)
def get_user(state, params):
    return _recipients(state, params, groups=False)
