"""ExchangeClient (module_utils/_exchange.py) against Exchange's real answers: tenant GUID, paging header,
concurrency limit, and error_from on every error shape Exchange answers with."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient, _split
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import RetryPolicy

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
    assert err.value.message == NOT_FOUND and exchange_api.is_not_found(err.value)


def test_an_empty_403_still_explains_itself():
    exo = client(FakeResponse(403, None))
    with pytest.raises(MicrosoftApiError) as err:
        exo.invoke('Get-Mailbox')
    assert err.value.code == 'HTTP403' and 'Exchange Administrator' in err.value.message
    assert not exchange_api.is_not_found(err.value)


def test_a_write_refused_by_rbac_says_why():
    detail = ("Ex1|System.Management.Automation.CommandNotFoundException|The term 'Set-CalendarProcessing' is not "
              "recognized as a name of a cmdlet.")
    body = {'error': {'code': 'BadRequest', 'message': 'Error executing cmdlet', 'details': [{'message': detail}]}}
    exo = client(FakeResponse(400, body))
    with pytest.raises(MicrosoftApiError) as err:
        exo.invoke('Set-CalendarProcessing', {'Identity': 'r'})
    assert 'read-only' in err.value.message and 'Exchange Administrator' in err.value.message


def test_retry_policy_is_the_shared_one():
    assert isinstance(client().policy, RetryPolicy)


# error_from, shape by shape ---------------------------------------------------------------------------------

URL = 'https://exo.example/adminapi/beta/%s/InvokeCommand' % GUID


def error_of(status, body=None, headers=None, content=None):
    """What ExchangeClient.error_from makes of one answer (content: a raw, non-JSON body)."""
    response = FakeResponse(status, body, headers)
    if content is not None:
        response.content = content
    return client().error_from(response, 'POST', URL)


def test_a_plain_error_keeps_its_code_message_and_the_request_id_header():
    err = error_of(400, {'error': {'code': 'BadRequest', 'message': 'The value is out of range.'}},
                   headers={'request-id': 'header-id'})
    assert (err.service, err.status, err.code) == ('exchange', 400, 'BadRequest')
    assert err.message == 'The value is out of range.'
    assert err.request_id == 'header-id' and err.details == []
    assert (err.method, err.url) == ('POST', URL)


def test_a_detail_in_code_type_message_form_gives_code_message_and_exception_type():
    err = error_of(404, {'error': {'code': 'NotFound', 'message': 'Error executing cmdlet', 'details': [
        {'code': 'Context', 'target': '', 'message': 'Ex6F9304|%s|%s' % (TYPE, NOT_FOUND)}]}})
    assert err.code == 'Ex6F9304' and err.message == NOT_FOUND and err.details == [TYPE]


def test_an_empty_code_in_the_detail_keeps_the_top_level_code():
    err = error_of(404, {'error': {'code': 'NotFound', 'message': 'Error executing cmdlet',
                                   'details': [{'message': '|%s|%s' % (TYPE, NOT_FOUND)}]}})
    assert err.code == 'NotFound' and err.message == NOT_FOUND and err.details == [TYPE]


def test_details_that_are_not_objects_are_skipped():
    err = error_of(400, {'error': {'code': 'BadRequest', 'message': 'Error executing cmdlet',
                                   'details': ['not an object', {'message': '|A.Reason|the real text'}]}})
    assert err.message == 'the real text' and err.details == ['A.Reason']


def test_the_innermost_internal_exception_wins_in_either_spelling():
    body = {'error': {'code': 'InternalServerError', 'message': 'Error executing cmdlet', 'innererror': {
        'message': 'Error executing cmdlet', 'type': 'Outer.Exception',
        'internalException': {'message': 'The real reason.', 'type': 'Inner.Exception'}}}}
    err = error_of(500, body)
    assert err.message == 'The real reason.' and err.details == ['Inner.Exception']
    assert err.code == 'InternalServerError'


def test_the_request_id_of_inner_error_comes_before_the_header():
    body = {'error': {'code': 'Forbidden', 'message': 'Access denied.',
                      'innerError': {'request-id': 'inner-id', 'date': '2026-11-24T00:00:00'}}}
    err = error_of(403, body, headers={'request-id': 'header-id'})
    assert err.request_id == 'inner-id' and err.message == 'Access denied.' and err.details == []


def test_a_non_json_403_names_the_role_the_operator_needs():
    err = error_of(403, content=b'<html><body>Forbidden</body></html>')
    assert err.code == 'HTTP403' and err.message.startswith('Exchange Online answered HTTP 403 with no error text')
    assert 'Exchange.ManageAsApp' in err.message and 'Global Reader' in err.message


def test_an_empty_500_says_so_without_the_role_hint():
    err = error_of(500)
    assert err.code == 'HTTP500' and err.message == 'Exchange Online answered HTTP 500 with no error text'


def test_an_error_member_that_is_not_an_object_is_treated_as_no_text():
    err = error_of(401, {'error': 'unauthorized'})
    assert err.code == 'HTTP401' and 'with no error text' in err.message and err.request_id is None


@pytest.mark.parametrize('text,parts', [
    ('Ex1|Microsoft.Exchange.SomeException|the text', ('Ex1', 'Microsoft.Exchange.SomeException', 'the text')),
    ('|A.B|a message | with a pipe', ('', 'A.B', 'a message | with a pipe')),
    ('no pipes at all', (None, None, 'no pipes at all')),
    ('Ex1|not a type|the text', (None, None, 'Ex1|not a type|the text')),  # a space: not an exception type
    ('Ex1|NoDot|the text', (None, None, 'Ex1|NoDot|the text')),
    (None, (None, None, None)),
])
def test_split_takes_only_a_dotted_exception_type_between_the_pipes(text, parts):
    assert _split(text) == parts


def test_overloaded_is_the_concurrency_text_on_an_error_only():
    exo = client()
    limit = {'error': {'code': '', 'message': CONCURRENCY.upper()}}
    assert exo.overloaded(FakeResponse(429, limit)) and exo.overloaded(FakeResponse(503, limit))
    assert not exo.overloaded(FakeResponse(200, limit))  # a success is never repeated
    assert not exo.overloaded(FakeResponse(429, None))  # an empty body says nothing about the limit
    assert not exo.overloaded(FakeResponse(500, {'error': {'code': 'InternalServerError', 'message': 'boom'}}))


def test_each_calendar_option_names_its_cmdlet_parameter():
    from ansible_collections.bookingsone.office365.plugins.module_utils._exchange_api import CALENDAR_PROCESSING
    assert CALENDAR_PROCESSING['schedule_only_during_work_hours'] == 'ScheduleOnlyDuringWorkHours'
    assert CALENDAR_PROCESSING['enforce_scheduling_horizon'] == 'EnforceSchedulingHorizon'
    assert CALENDAR_PROCESSING['maximum_duration_in_minutes'] == 'MaximumDurationInMinutes'
    assert len(CALENDAR_PROCESSING) == 12
