"""ExchangeClient.invoke_each (module_utils/_exchange.py) on ServiceClient.send_batched (_http.py): cmdlets in
$batch requests of ten with continue-on-error and an anchor each, every inner answer judged as if sent alone
(retried alone after its own Retry-After, its error its own), and single requests where the tenant refuses $batch."""

from __future__ import annotations

import json
import threading

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import read_each

from .fakes import FakeClock, FakeResponse, FakeTokens, ScriptedSession, policy

GUID = '3c9d2b1a-7e6f-4d5c-9b8a-1f2e3d4c5b60'
BASE = 'https://exo.example/adminapi/beta/%s' % GUID
SYSTEM = 'APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@' + GUID
NOT_FOUND = {'error': {'code': 'NotFound', 'message': 'Error executing cmdlet', 'details': [{'message': (
    "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be "
    "performed because object 'ghost' couldn't be found.")}]}}
OVERLOADED = {'error': {'code': '', 'message': 'Error executing cmdlet', 'details': [{'message': (
    '|Microsoft.Exchange.Admin.OData.Core.ConcurrencyLimitExceededException|The tenant has exceeded the maximum '
    'number of concurrent requests per tenant (3).')}]}}


class GuidTokens(FakeTokens):
    tenant_id = GUID


class Tenant(object):
    """A session that answers InvokeCommand and $batch from a function of (cmdlet, parameters, attempt), recording
    every request; `batches=False` answers $batch 404, as a tenant that does not serve it."""

    verify = '/path/to/ca.pem'

    def __init__(self, answer=None, batches=True):
        self.answer = answer or (lambda cmdlet, parameters, attempt: (200, {'value': [dict(parameters)]}, {}))
        self.batches = batches
        self.calls, self.attempts = [], {}
        self.lock = threading.Lock()

    def one(self, body):
        key = json.dumps(body, sort_keys=True)
        with self.lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            attempt = self.attempts[key]
        cmdlet = body['CmdletInput']
        return self.answer(cmdlet['CmdletName'], cmdlet['Parameters'], attempt)

    def request(self, method, url, json=None, params=None, headers=None, timeout=None, verify=None, data=None):
        with self.lock:
            self.calls.append(dict(method=method, url=url, json=json, headers=headers))
        if not url.endswith('/$batch'):
            status, body, answer_headers = self.one(json)
            return FakeResponse(status, body, answer_headers)
        if not self.batches:
            return FakeResponse(404, {'error': {'code': 'NotFound', 'message': "Resource not found for the segment "
                                                                               "'$batch'."}})
        responses = []
        for inner in json['requests']:
            status, body, answer_headers = self.one(inner['body'])
            responses.append(dict(id=inner['id'], status=status, headers=answer_headers, body=body))
        return FakeResponse(200, {'responses': responses})

    def batches_sent(self):
        return [call['json']['requests'] for call in self.calls if call['url'].endswith('/$batch')]


def client(session, clock=None):
    return ExchangeClient('https://exo.example', GUID, GuidTokens(), session, policy=policy(clock or FakeClock()))


def reads(rooms):
    return [exchange_api.calendar_processing_read(room) for room in rooms]


ROOMS = ['room-%02d@contoso.com' % n for n in range(23)]


def test_calls_go_ten_at_most_to_a_batch_with_continue_on_error_and_an_anchor_each():
    tenant = Tenant()
    outcomes = client(tenant).invoke_each(reads(ROOMS), workers=8)
    assert outcomes == [([{'Identity': room}], None) for room in ROOMS]
    assert sorted(len(batch) for batch in tenant.batches_sent()) == [7, 8, 8]  # ceil(23 / 10) batches, even
    envelope = tenant.calls[0]
    assert envelope['url'] == BASE + '/$batch' and envelope['method'] == 'POST'
    assert envelope['headers']['Prefer'] == 'odata.continue-on-error' and envelope['headers']['X-AnchorMailbox'] == SYSTEM
    first = tenant.batches_sent()[0][0]
    assert set(first) == {'id', 'method', 'url', 'body', 'headers'} and first['method'] == 'POST'
    assert first['url'] == '/adminapi/beta/%s/InvokeCommand' % GUID
    room = first['body']['CmdletInput']['Parameters']['Identity']
    assert first['headers'] == {'X-AnchorMailbox': 'UPN:%s' % room, 'Prefer': 'odata.maxpagesize=1000'}


def test_a_cmdlet_error_is_that_calls_own_and_the_others_answer():
    tenant = Tenant(lambda cmdlet, parameters, attempt: (404, NOT_FOUND, {}) if parameters['Identity'] == 'ghost'
                    else (200, {'value': [{'Identity': parameters['Identity']}]}, {}))
    rooms = ['annex', 'ghost', 'board', 'focus']
    outcomes = client(tenant).invoke_each(reads(rooms), workers=1)
    assert [objects for objects, _error in outcomes] == [[{'Identity': 'annex'}], None, [{'Identity': 'board'}],
                                                         [{'Identity': 'focus'}]]
    error = outcomes[1][1]
    assert exchange_api.is_not_found(error) and error.status == 404 and "'ghost'" in error.message
    assert len(tenant.batches_sent()) == 1  # not repeated: a cmdlet error is an answer


def test_a_throttled_request_goes_again_alone_in_a_later_batch_after_its_retry_after():
    clock = FakeClock()
    tenant = Tenant(lambda cmdlet, parameters, attempt: (429, {'error': {'code': 'TooManyRequests', 'message': 'x'}},
                                                         {'Retry-After': '2'})
                    if parameters['Identity'] == 'board' and attempt == 1 else (200, {'value': [parameters]}, {}))
    exo = client(tenant, clock)
    outcomes = exo.invoke_each(reads(['annex', 'board', 'focus']), workers=1)
    assert [objects for objects, _error in outcomes] == [[{'Identity': r}] for r in ('annex', 'board', 'focus')]
    first, second = tenant.batches_sent()
    assert len(first) == 3 and [r['body']['CmdletInput']['Parameters']['Identity'] for r in second] == ['board']
    assert clock.sleeps == [2.0] and exo.policy.retries() == {'exchange': {'retried': 1, 'waited_s': 2.0}}


def test_an_overloaded_request_is_repeated_and_fewer_go_in_flight():
    tenant = Tenant(lambda cmdlet, parameters, attempt: (503, OVERLOADED, {}) if attempt == 1 and
                    parameters['Identity'] == 'annex' else (200, {'value': []}, {}))
    exo = client(tenant)
    assert [error for _objects, error in exo.invoke_each(reads(['annex', 'board']), workers=1)] == [None, None]
    assert len(tenant.batches_sent()) == 2 and exo.in_flight.lowest == 1


def test_a_write_answered_500_is_not_repeated():
    tenant = Tenant(lambda cmdlet, parameters, attempt: (500, {'error': {'code': 'InternalServerError',
                                                                         'message': 'boom'}}, {})
                    if parameters['Identity'] == 'annex' else (200, {'value': []}, {}))
    calls = [exchange_api.calendar_processing_write(room, {'AllowConflicts': False}) for room in ('annex', 'board')]
    outcomes = client(tenant).invoke_each(calls, workers=1)
    assert outcomes[0][1].status == 500 and outcomes[1] == ([], None)
    assert len(tenant.batches_sent()) == 1


def test_a_retry_after_over_the_wait_budget_fails_that_call_only():
    clock = FakeClock()
    tenant = Tenant(lambda cmdlet, parameters, attempt: (429, {'error': {'code': 'TooManyRequests', 'message': 'x'}},
                                                         {'Retry-After': '3600'})
                    if parameters['Identity'] == 'board' else (200, {'value': []}, {}))
    outcomes = client(tenant, clock).invoke_each(reads(['annex', 'board']), workers=1)
    assert outcomes[0] == ([], None) and 'wait_budget=300' in outcomes[1][1].message
    assert clock.sleeps == [] and len(tenant.batches_sent()) == 1


def test_a_refused_batch_url_sends_alone_from_then_on():
    tenant = Tenant(batches=False)
    exo = client(tenant)
    assert exo.invoke_each(reads(ROOMS[:5]), workers=2) == [([{'Identity': r}], None) for r in ROOMS[:5]]
    assert not exo.batching and len(tenant.batches_sent()) == 1
    assert exo.invoke_each(reads(ROOMS[5:10]), workers=2) == [([{'Identity': r}], None) for r in ROOMS[5:10]]
    assert len(tenant.batches_sent()) == 1 and len(tenant.calls) == 11  # the refused batch, then one per call


def test_fewer_calls_than_go_in_flight_go_alone():
    tenant = Tenant()
    client(tenant).invoke_each(reads(ROOMS[:3]), workers=8)
    assert tenant.batches_sent() == [] and len(tenant.calls) == 3


def test_reads_are_kept_and_a_write_batch_forgets_them():
    tenant = Tenant()
    exo = client(tenant)
    exo.invoke_each(reads(ROOMS[:4]), workers=1)
    assert exo.invoke('Get-CalendarProcessing', {'Identity': ROOMS[0]}, anchor=ROOMS[0]) == [{'Identity': ROOMS[0]}]
    assert exo.invoke_each(reads(ROOMS[:4]), workers=1)[3] == ([{'Identity': ROOMS[3]}], None)
    assert len(tenant.calls) == 1
    exo.invoke_each([exchange_api.calendar_processing_write(room, {}) for room in ROOMS[:2]], workers=1)
    exo.invoke_each(reads(ROOMS[:4]), workers=1)
    assert len(tenant.calls) == 3


def test_a_room_write_forgets_only_the_reads_it_can_change_and_any_other_write_all_of_them():
    tenant = Tenant()
    exo = client(tenant)
    permissions = [exchange_api.mailbox_permission_read(room, 'delegate@contoso.example') for room in ROOMS[:4]]
    exo.invoke_each(reads(ROOMS[:4]) + permissions, workers=1)
    sent = len(tenant.calls)
    exo.invoke_each([exchange_api.calendar_processing_write(room, {}) for room in ROOMS[:2]], workers=1)
    exo.invoke_each(permissions, workers=1)
    assert len(tenant.calls) == sent + 1  # the write's batch: the permissions came from the reads kept
    exo.invoke_each(reads(ROOMS[:4]), workers=1)
    assert len(tenant.calls) == sent + 2  # calendar processing read again after its write
    exo.invoke_each([exchange_api.mailbox_permission_add(ROOMS[0], 'delegate@contoso.example', ['FullAccess'], False)],
                    workers=1)
    exo.invoke_each(reads(ROOMS[:4]), workers=1)
    assert len(tenant.calls) == sent + 3  # calendar processing kept through a permission write
    exo.invoke_each(permissions, workers=1)
    assert len(tenant.calls) == sent + 4
    exo.invoke('New-DistributionGroup', {'Name': 'Rooms', 'RoomList': True})
    exo.invoke_each(reads(ROOMS[:4]) + permissions, workers=1)
    assert len(tenant.calls) == sent + 6  # a write of any other kind: everything read again


def test_more_pages_and_warnings_come_through_later_batches():
    def answer(cmdlet, parameters, attempt):
        if parameters['Identity'] == 'annex' and attempt == 1:
            return 200, {'value': [1], '@odata.nextLink': BASE + '/InvokeCommand?$skiptoken=Mg', '@adminapi.warnings':
                         ['careful']}, {}
        return 200, {'value': [2]}, {}
    tenant = Tenant(answer)
    exo = client(tenant)
    assert exo.invoke_each(reads(['annex', 'board']), workers=1) == [([1, 2], None), ([2], None)]
    later = tenant.batches_sent()[1]
    assert [r['url'] for r in later] == ['/adminapi/beta/%s/InvokeCommand?$skiptoken=Mg' % GUID]
    assert later[0]['body'] == tenant.batches_sent()[0][0]['body'] and exo.warnings == ['careful']


def test_an_envelope_failure_is_every_call_of_that_batch():
    session = ScriptedSession(FakeResponse(403, None))
    outcomes = client(session).invoke_each(reads(['annex', 'board']), workers=1)
    assert [error.status for _objects, error in outcomes] == [403, 403] and len(session.calls) == 1


def test_each_gives_what_read_each_judges_as_before():
    tenant = Tenant(lambda cmdlet, parameters, attempt: (404, NOT_FOUND, {}) if parameters['Identity'] == 'ghost'
                    else (200, {'value': [{'Identity': parameters['Identity']}]}, {}))
    rooms = ['annex', 'board', 'ghost', 'focus']
    found = exchange_api.each(client(tenant), rooms, exchange_api.calendar_processing_read, 4, exchange_api.first)
    assert [(item, result) for item, result, _error in found][:2] == [('annex', {'Identity': 'annex'}),
                                                                      ('board', {'Identity': 'board'})]
    with pytest.raises(InputError) as err:
        read_each(exchange_api.answers(found), rooms, 1, 'room mailbox(es)', exchange_api.is_not_found)
    assert str(err.value) == 'unknown room mailbox(es) ghost; nothing was changed'
