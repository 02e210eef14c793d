"""Pure helpers of the room_info module: who holds Full Access, and the delegates' names mapped to addresses."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.modules.room_info import delegate_addresses, full_access_holders


def test_full_access_holders_are_the_explicit_full_access_grants_sorted_once_each():
    entries = [
        dict(User='zoe@contoso.com', AccessRights=['FullAccess']),
        dict(User='amy@contoso.com', AccessRights=['FullAccess', 'ReadPermission']),
        dict(User='amy@contoso.com', AccessRights=['FullAccess']),  # listed twice
        dict(User='NT AUTHORITY\\SELF', AccessRights=['FullAccess']),  # the mailbox itself
        dict(User='inherited@contoso.com', AccessRights=['FullAccess'], IsInherited=True),
        dict(User='denied@contoso.com', AccessRights=['FullAccess'], Deny=True),
        dict(User='reader@contoso.com', AccessRights=['ReadPermission']),
        dict(User='none@contoso.com', AccessRights=None),
    ]
    assert full_access_holders(entries) == ['amy@contoso.com', 'zoe@contoso.com']
    assert full_access_holders([]) == []


class Recipients(object):
    """Get-Recipient by identity (unique, ambiguous or unknown) and by -Filter on the name."""

    def __init__(self, recipients):
        self.recipients = recipients
        self.warnings = []
        self.calls = []

    def invoke(self, cmdlet, parameters=None, anchor=None):
        self.calls.append(dict(parameters))
        if 'Filter' in parameters:  # Name -eq '<name, quotes doubled>'
            name = parameters['Filter'][len("Name -eq '"):-1].replace("''", "'")
            return [r for r in self.recipients if r['Name'] == name]
        named = [r for r in self.recipients if r['Name'] == parameters['Identity']]
        if len(named) > 1:
            raise MicrosoftApiError('exchange', 400, 'BadRequest', 'There are multiple recipients matching the '
                                    'identity', details=[exchange_api.AMBIGUOUS])
        if not named:
            raise MicrosoftApiError('exchange', 404, 'NotFound', "couldn't be found", details=[exchange_api.NOT_FOUND])
        return named


def room(*delegates):
    return dict(calendar_processing=dict(resource_delegates=list(delegates) if delegates else None))


RECIPIENTS = [dict(Name='bookings', PrimarySmtpAddress='bookings@contoso.com'),
              dict(Name='alice', PrimarySmtpAddress='alice@partner.example'),
              dict(Name='alice', PrimarySmtpAddress='alice@contoso.com'),
              dict(Name='printer')]  # a recipient without an address


def test_each_name_is_looked_up_once_and_a_shared_name_maps_to_every_address_with_a_warning():
    exo = Recipients(RECIPIENTS)
    addresses = delegate_addresses(exo, [room('bookings', 'alice'), room('alice'), room()])
    assert addresses == {'alice': ['alice@contoso.com', 'alice@partner.example'], 'bookings': ['bookings@contoso.com']}
    assert [c.get('Identity') for c in exo.calls if 'Identity' in c] == ['alice', 'bookings']  # once per name
    assert exo.warnings == ["delegate 'alice' is a name 2 recipients share (alice@contoso.com, "
                            "alice@partner.example); all are listed"]


def test_names_without_an_address_are_left_out_of_the_map():
    addresses = delegate_addresses(Recipients(RECIPIENTS), [room('printer', 'ghost')])
    assert addresses == {}  # the room then shows those delegates as Exchange listed them


def test_a_name_with_a_quote_is_quoted_in_the_filter():
    exo = Recipients([dict(Name="o'brien", PrimarySmtpAddress='pat@contoso.com'),
                      dict(Name="o'brien", PrimarySmtpAddress='kim@contoso.com')])
    assert delegate_addresses(exo, [room("o'brien")]) == {"o'brien": ['kim@contoso.com', 'pat@contoso.com']}
    assert {'Filter': "Name -eq 'o''brien'", 'ResultSize': 'Unlimited'} in exo.calls


def test_other_errors_are_not_taken_for_a_shared_name():
    class Refusing(Recipients):
        def invoke(self, cmdlet, parameters=None, anchor=None):
            raise MicrosoftApiError('exchange', 403, 'Forbidden', 'denied')

    with pytest.raises(MicrosoftApiError):
        delegate_addresses(Refusing([]), [room('alice')])
