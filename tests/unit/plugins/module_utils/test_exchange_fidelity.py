"""ExchangeClient against Exchange's real answers: tenant GUID, paging header, concurrency limit, error shapes."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exo_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._http import RetryPolicy
from ansible_collections.bookingsone.office365.plugins.modules.calendar_processing import delegate_plan

from .fakes import FakeClock, FakeResponse, FakeTokens, ScriptedSession, policy

GUID = '3c9d2b1a-7e6f-4d5c-9b8a-1f2e3d4c5b60'
NOT_FOUND = "The operation couldn't be performed because object 'ghost@x' couldn't be found on 'x'."
TYPE = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException'
CONCURRENCY = 'The tenant has exceeded the maximum number of concurrent requests per tenant (3).'


class GuidTokens(FakeTokens):
    tenant_id = 'contoso.onmicrosoft.com'

    def token(self, service, refresh=False):
        self.tenant_id = GUID  # the TokenProvider learns the GUID from the token's tid
        return super(GuidTokens, self).token(service, refresh)


def client(*answers, clock=None):
    return ExchangeClient('https://exo.example', 'contoso.onmicrosoft.com', GuidTokens(), ScriptedSession(*answers),
                          policy=policy(clock or FakeClock()))


def test_tenant_guid_in_url_and_anchor_and_prefer_on_reads():
    exo = client(FakeResponse(200, {'value': []}), FakeResponse(200, {'value': []}))
    exo.invoke('Get-Mailbox')
    exo.invoke('Set-CalendarProcessing', {'Identity': 'r'}, anchor='r@x')
    first, second = exo.session.calls
    assert first['url'] == 'https://exo.example/adminapi/beta/%s/InvokeCommand' % GUID
    assert first['headers']['X-AnchorMailbox'] == 'APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@' + GUID
    assert first['headers']['Prefer'] == 'odata.maxpagesize=1000' and 'Prefer' not in second['headers']


@pytest.mark.parametrize('status,headers', [(429, {'Retry-After': '2'}), (500, {}), (503, {})])
def test_concurrency_limit_is_retried_in_every_variant(status, headers):
    clock = FakeClock()
    refused = FakeResponse(status, {'error': {'code': '', 'message': 'Error executing cmdlet', 'details': [
        {'message': '|Microsoft.Exchange.Admin.OData.Core.ConcurrencyLimitExceededException|' + CONCURRENCY}]}},
        headers)
    exo = client(refused, FakeResponse(200, {'value': [{'Identity': 'r'}]}), clock=clock)
    assert exo.invoke('Set-CalendarProcessing', {'Identity': 'r'}) == [{'Identity': 'r'}]
    assert exo.policy.retries()['exchange']['retried'] == 1


def test_a_plain_500_is_not_repeated_for_a_write():
    exo = client(FakeResponse(500, {'error': {'code': 'InternalServerError', 'message': 'boom'}}))
    with pytest.raises(MicrosoftApiError):
        exo.invoke('Set-CalendarProcessing', {'Identity': 'r'})
    assert len(exo.session.calls) == 1


@pytest.mark.parametrize('body', [
    {'error': {'code': 'NotFound', 'message': 'Error executing cmdlet',
               'details': [{'code': 'Context', 'target': '', 'message': 'Ex6F9304|%s|%s' % (TYPE, NOT_FOUND)}]}},
    {'error': {'code': 'NotFound', 'message': 'Error executing cmdlet',
               'details': [{'code': 'Context', 'target': '', 'message': '|%s|%s' % (TYPE, NOT_FOUND)}]}},
    {'error': {'code': 'NotFound', 'message': 'Error executing cmdlet', 'innererror': {
        'message': 'Error executing cmdlet', 'type': 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
        'internalexception': {'message': 'Ex6F9304|%s|%s' % (TYPE, NOT_FOUND), 'type': TYPE}}}},
    {'error': {'code': 'InternalServerError', 'message': 'Error executing cmdlet', 'innererror': {
        'message': 'Error executing cmdlet', 'type': 'X', 'internalexception': {'message': NOT_FOUND, 'type': TYPE}}}},
])
def test_every_error_shape_gives_the_message_and_not_found(body):
    exo = client(FakeResponse(404 if body['error']['code'] == 'NotFound' else 500, body))
    with pytest.raises(MicrosoftApiError) as err:
        exo.invoke('Get-CalendarProcessing', {'Identity': 'ghost@x'})
    assert err.value.message == NOT_FOUND and exo_api.is_not_found(err.value)


def test_an_empty_403_still_explains_itself():
    exo = client(FakeResponse(403, None))
    with pytest.raises(MicrosoftApiError) as err:
        exo.invoke('Get-Mailbox')
    assert err.value.code == 'HTTP403' and 'Exchange Administrator' in err.value.message
    assert not exo_api.is_not_found(err.value)


def test_a_write_refused_by_rbac_says_why():
    detail = ("Ex1|System.Management.Automation.CommandNotFoundException|The term 'Set-CalendarProcessing' is not "
              "recognized as a name of a cmdlet.")
    body = {'error': {'code': 'BadRequest', 'message': 'Error executing cmdlet', 'details': [{'message': detail}]}}
    exo = client(FakeResponse(400, body))
    with pytest.raises(MicrosoftApiError) as err:
        exo.invoke('Set-CalendarProcessing', {'Identity': 'r'})
    assert 'read-only' in err.value.message and 'Exchange Administrator' in err.value.message


BOOKINGS = {'bookings@contoso.com': {'Name': 'bookings', 'PrimarySmtpAddress': 'bookings@contoso.com',
                                     'Alias': 'bookings'}}


def test_delegate_plan_never_writes_names_back():
    shown, edit = delegate_plan(['alice'], BOOKINGS, 'add')
    assert shown == ['alice', 'bookings']
    assert edit == {'@odata.type': '#Exchange.GenericHashTable', 'add': ['bookings@contoso.com']}
    assert delegate_plan(['alice', 'bookings'], BOOKINGS, 'add') == (['alice', 'bookings'], None)
    assert delegate_plan(['alice', 'bookings'], BOOKINGS, 'remove')[1] == {
        '@odata.type': '#Exchange.GenericHashTable', 'remove': ['bookings@contoso.com']}
    assert delegate_plan(['alice'], BOOKINGS, 'exact') == (['bookings'], ['bookings@contoso.com'])
    assert delegate_plan(['bookings'], BOOKINGS, 'exact') == (['bookings'], None)


def test_retry_policy_is_the_shared_one():
    assert isinstance(client().policy, RetryPolicy)
