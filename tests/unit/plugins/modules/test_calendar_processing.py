"""Pure helpers of the calendar_processing module: input checks, the per-room overrides, the delegate
plan (what to send so Exchange never gets a name back) and the room as the result shows it."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.modules.calendar_processing import (
    check_input, check_room_settings, delegate_plan, observed, resolve_delegates)

BOOKINGS = {'bookings@contoso.com': {'Name': 'bookings', 'PrimarySmtpAddress': 'bookings@contoso.com',
                                     'Alias': 'bookings'}}
ALICE = {'alice@contoso.com': {'Name': 'alice', 'PrimarySmtpAddress': 'alice@contoso.com', 'Alias': 'alice',
                               'DisplayName': 'Alice Admin'}}
HASHTABLE = '#Exchange.GenericHashTable'


def params(**options):
    values = dict(booking_window_in_days=None, maximum_duration_in_minutes=None, concurrency=4,
                  rooms=['board@contoso.com'], room_settings={})
    values.update(options)
    return values


def test_delegate_plan_never_writes_names_back():
    shown, edit = delegate_plan(['alice'], BOOKINGS, 'add')
    assert shown == ['alice', 'bookings']
    assert edit == {'@odata.type': '#Exchange.GenericHashTable', 'add': ['bookings@contoso.com']}
    assert delegate_plan(['alice', 'bookings'], BOOKINGS, 'add') == (['alice', 'bookings'], None)
    assert delegate_plan(['alice', 'bookings'], BOOKINGS, 'remove')[1] == {
        '@odata.type': '#Exchange.GenericHashTable', 'remove': ['bookings@contoso.com']}
    assert delegate_plan(['alice'], BOOKINGS, 'exact') == (['bookings'], ['bookings@contoso.com'])
    assert delegate_plan(['bookings'], BOOKINGS, 'exact') == (['bookings'], None)


def test_removing_a_delegate_that_is_not_listed_changes_nothing():
    assert delegate_plan(['alice'], BOOKINGS, 'remove') == (['alice'], None)
    assert delegate_plan(None, BOOKINGS, 'remove') == ([], None)


def test_remove_drops_every_form_the_delegate_is_listed_in_and_keeps_the_others():
    shown, edit = delegate_plan(['alice', 'Bookings', 'bookings@contoso.com'], BOOKINGS, 'remove')
    assert shown == ['alice'] and edit == {'@odata.type': HASHTABLE, 'remove': ['bookings@contoso.com']}


def test_exact_drops_the_others_by_sending_only_unique_identities():
    delegates = dict(BOOKINGS, **ALICE)
    shown, value = delegate_plan(['alice', 'carol'], delegates, 'exact')
    assert shown == ['alice', 'bookings']  # sorted by address, shown by name
    assert value == ['alice@contoso.com', 'bookings@contoso.com']  # a plain list: carol goes
    assert delegate_plan(['Alice Admin', 'bookings'], delegates, 'exact')[1] is None  # already exactly these


def test_a_recipient_without_a_smtp_address_is_sent_by_its_directory_id():
    nameless = {'room-bot@contoso.com': {'Name': 'bot', 'ExternalDirectoryObjectId': 'aad-object-id'}}
    assert delegate_plan([], nameless, 'add') == (['bot'], {'@odata.type': HASHTABLE, 'add': ['aad-object-id']})


@pytest.mark.parametrize('options,words', [
    (dict(booking_window_in_days=1081), 'booking_window_in_days 1081 is out of range 0 to 1080'),
    (dict(booking_window_in_days=-1), 'booking_window_in_days -1'),
    (dict(maximum_duration_in_minutes=-5), 'maximum_duration_in_minutes -5 is out of range'),
    (dict(maximum_duration_in_minutes=2147483648), 'maximum_duration_in_minutes 2147483648'),
    (dict(concurrency=0), 'concurrency 0 must be at least 1'),
    (dict(rooms=[]), 'rooms is empty'),
])
def test_bad_input_is_refused_with_the_value_named(options, words):
    with pytest.raises(InputError) as err:
        check_input(params(**options))
    assert words in str(err.value)


def test_the_limits_themselves_are_accepted_and_one_past_them_is_not():
    for window, duration in ((0, 2147483647), (1080, 0)):
        check_input(params(booking_window_in_days=window, maximum_duration_in_minutes=duration))  # no InputError
    for window, duration in ((1081, 0), (0, 2147483648)):
        with pytest.raises(InputError):
            check_input(params(booking_window_in_days=window, maximum_duration_in_minutes=duration))


def test_room_settings_are_returned_when_every_room_and_option_is_known():
    settings = {'board@contoso.com': {'booking_window_in_days': 90, 'resource_delegates': ['bookings@contoso.com']}}
    assert check_room_settings(params(room_settings=settings)) == settings
    assert check_room_settings(params(room_settings=None)) == {}


@pytest.mark.parametrize('settings,words', [
    ({'ghost@contoso.com': {}, 'annex@contoso.com': {}}, 'room(s) not in rooms: annex@contoso.com, ghost@contoso.com'),
    ({'board@contoso.com': 90}, "room_settings['board@contoso.com'] must be a dictionary"),
    ({'board@contoso.com': {'booking_window': 90}}, "has unknown option(s) booking_window; valid: "),
    ({'board@contoso.com': {'resource_delegates_mode': 'exact'}}, 'unknown option(s) resource_delegates_mode'),
])
def test_room_settings_refuse_unknown_rooms_and_options(settings, words):
    with pytest.raises(InputError) as err:
        check_room_settings(params(room_settings=settings))
    assert words in str(err.value)


def test_observed_shows_our_delegates_by_the_address_given_and_keeps_the_others():
    have = dict(schedule_only_during_work_hours=True, resource_delegates=['carol', 'bookings'])
    shown = observed(have, dict(BOOKINGS, **ALICE))
    assert shown['resource_delegates'] == ['bookings@contoso.com', 'carol']  # alice is not a delegate here
    assert shown['schedule_only_during_work_hours'] is True
    assert have['resource_delegates'] == ['carol', 'bookings']  # the read itself is left as it was
    assert observed(have, None) is have


class Recipients(object):
    """Get-Recipient of a fake Exchange: the known addresses, "couldn't be found" for the rest."""

    def __init__(self, *known):
        self.known = dict((address, {'PrimarySmtpAddress': address, 'Name': address.split('@')[0]})
                          for address in known)

    def invoke(self, cmdlet, parameters=None, anchor=None):
        assert cmdlet == 'Get-Recipient'
        identity = parameters['Identity']
        if identity not in self.known:
            raise MicrosoftApiError('exchange', 404, 'NotFound', "couldn't be found", details=[exchange_api.NOT_FOUND])
        return [self.known[identity]]


def test_delegates_are_resolved_to_recipients_and_unknown_ones_named_together():
    found = resolve_delegates(Recipients('bookings@contoso.com'), ['bookings@contoso.com'])
    assert found == {'bookings@contoso.com': {'PrimarySmtpAddress': 'bookings@contoso.com', 'Name': 'bookings'}}
    with pytest.raises(InputError) as err:
        resolve_delegates(Recipients('bookings@contoso.com'), ['zed@x.com', 'bookings@contoso.com', 'amy@x.com'])
    assert str(err.value) == ('unknown resource delegate(s) amy@x.com, zed@x.com: no such recipient in '
                              'Exchange Online')
