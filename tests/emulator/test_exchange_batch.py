"""Exchange's $batch (exchange_batch.py): the OData JSON batch format as CIPP's client sends it, at most ten
requests, continue-on-error, per-request faults and concurrency slots, and the concurrency limit counting a
request's injected latency."""

from __future__ import annotations

import random
import threading
import time

import pytest

CONTINUE = 'odata.maxpagesize = 1000;odata.continue-on-error'  # as CIPP's New-ExoBulkRequest.ps1 sends it
ROOMS = ['annex', 'board', 'focus-1']


def inner(tenant, cmdlet, parameters=None, anchor=None, id_=None, url=None):
    """One InvokeCommand request of a batch, with its own anchor."""
    return {'id': id_ or '%s-%s' % (cmdlet, (parameters or {}).get('Identity', 'x')), 'method': 'POST',
            'url': url or '/adminapi/beta/%s/InvokeCommand' % tenant,
            'headers': {'X-AnchorMailbox': 'UPN:%s' % anchor if anchor else 'APP:SystemMailbox@%s' % tenant},
            'body': {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}}


def reads(tenant, rooms=ROOMS):
    return [inner(tenant, 'Get-CalendarProcessing', {'Identity': room}, anchor=room) for room in rooms]


def send(client, tenant, requests, prefer=CONTINUE, anchor=True, path_tenant=None):
    headers = {'Prefer': prefer} if prefer else {}
    if anchor:
        headers['X-AnchorMailbox'] = 'APP:SystemMailbox@%s' % tenant
    return client.call(tenant, 'POST', '/adminapi/beta/%s/$batch' % (path_tenant or tenant), {'requests': requests},
                       service='exchange', headers=headers)


@pytest.fixture
def tenant(client, clean_faults):
    return client.tenant(1)


@pytest.fixture
def limits(emu):
    """Tests that change the Exchange listener's settings leave the defaults behind."""
    yield emu
    emu.exchange_concurrency_limit, emu.exchange_cmdlet_ms, emu.exchange_batch_refusal = 3, 0, None


def test_each_request_is_answered_by_id_and_logged_as_if_sent_alone(client, emu, tenant):
    mark = emu.log.seq
    answer = send(client, tenant, reads(tenant) + [inner(tenant, 'Get-Mailbox', {'ResultSize': 1})])
    assert answer.status_code == 200 and answer.headers['Preference-Applied'] == 'odata.continue-on-error'
    responses = answer.json()['responses']
    assert [r['id'] for r in responses] == ['Get-CalendarProcessing-%s' % room for room in ROOMS] + ['Get-Mailbox-x']
    assert all(r['status'] == 200 and r['headers']['Content-Type'] == 'application/json' for r in responses)
    assert responses[0]['body']['value'][0]['Identity'] == 'annex' and responses[0]['body']['@adminapi.warnings'] == []
    logged = [e for e in emu.requests(since=mark) if e['service'] == 'exchange']
    assert [(e['cmdlet'], e['batch'], e['write']) for e in logged] == \
        [('Get-CalendarProcessing', True, False)] * 3 + [('Get-Mailbox', True, False), (None, False, False)]
    assert logged[-1]['path'] == '/adminapi/beta/%s/$batch' % tenant


def test_a_failed_request_is_its_own_and_without_continue_on_error_it_ends_the_batch(client, tenant):
    requests = reads(tenant, ['annex', 'ghost', 'board'])
    answer = send(client, tenant, requests)
    assert [r['status'] for r in answer.json()['responses']] == [200, 404, 200]
    assert 'ManagementObjectNotFoundException' in answer.json()['responses'][1]['body']['error']['details'][0]['message']
    stopped = send(client, tenant, requests, prefer='odata.maxpagesize=1000')  # as ASP.NET OData's batch handler
    assert [r['status'] for r in stopped.json()['responses']] == [200, 404]
    assert 'Preference-Applied' not in stopped.headers
    off = send(client, tenant, requests, prefer='odata.continue-on-error=false')
    assert len(off.json()['responses']) == 2


def test_writes_in_a_batch_change_the_rooms(client, emu, tenant):
    requests = [inner(tenant, 'Set-CalendarProcessing', {'Identity': room, 'AllowConflicts': True}, anchor=room)
                for room in ROOMS[:2]]
    mark = emu.log.seq
    assert [r['status'] for r in send(client, tenant, requests).json()['responses']] == [200, 200]
    assert [e['write'] for e in emu.requests(since=mark) if e['service'] == 'exchange'] == [True, True, False]
    with emu.store.lock:
        rooms = emu.store.tenant(tenant)['exchange']['rooms']
        assert all(rooms[room]['calendar_processing']['AllowConflicts'] is True for room in ROOMS[:2])
    undo = [dict(r, body={'CmdletInput': {'CmdletName': 'Set-CalendarProcessing',
                                          'Parameters': dict(r['body']['CmdletInput']['Parameters'],
                                                             AllowConflicts=False)}}) for r in requests]
    assert send(client, tenant, undo).status_code == 200


def test_more_than_ten_requests_are_refused_before_any_runs(client, emu, tenant):
    mark = emu.log.seq
    answer = send(client, tenant, [inner(tenant, 'Get-Mailbox', id_=str(n)) for n in range(11)])
    assert answer.status_code == 400 and "maximum number of '10'" in answer.text
    assert [e['batch'] for e in emu.requests(since=mark) if e['service'] == 'exchange'] == [False]
    assert send(client, tenant, [inner(tenant, 'Get-Mailbox', id_=str(n)) for n in range(10)]).status_code == 200


@pytest.mark.parametrize('requests,words', [
    ([], 'non-empty'),
    ([{'id': 1, 'method': 'POST', 'url': 'InvokeCommand'}], 'string id'),
    ([{'id': 'a', 'method': 'POST', 'url': 'InvokeCommand'}] * 2, 'used twice'),
    ([{'id': 'a', 'method': 'POST', 'url': 'InvokeCommand', 'dependsOn': []}], 'dependsOn is not supported'),
])
def test_a_malformed_batch_is_refused_whole(client, tenant, requests, words):
    answer = send(client, tenant, requests)
    assert answer.status_code == 400 and words in answer.text


def test_inner_urls_absolute_absolute_path_or_relative_on_this_service_only(client, emu, tenant):
    path = '/adminapi/beta/%s/InvokeCommand' % tenant
    urls = [emu.endpoints['exchange'] + path, 'https://outlook.office365.com' + path, path, 'InvokeCommand',
            'https://elsewhere.example' + path, '/adminapi/beta/%s/$batch' % tenant]
    answer = send(client, tenant, [inner(tenant, 'Get-Mailbox', {'ResultSize': 1}, id_=str(n), url=url)
                                   for n, url in enumerate(urls)])
    assert [r['status'] for r in answer.json()['responses']] == [200, 200, 200, 200, 400, 400]


def test_the_envelope_and_each_request_need_an_anchor_and_a_tenant_guid(client, tenant):
    assert send(client, tenant, reads(tenant), anchor=False).status_code == 400
    no_anchor = dict(reads(tenant)[0], headers={})
    assert send(client, tenant, [no_anchor]).json()['responses'][0]['status'] == 400
    assert send(client, tenant, reads(tenant), path_tenant='contoso.onmicrosoft.com').status_code == 400


def test_each_request_is_throttled_on_its_own_with_its_retry_after(client, tenant, emu):
    emu.set_faults({'throttle_budget': {'requests': 3, 'window_s': 5}})  # the envelope, then two of its requests
    responses = send(client, tenant, reads(tenant)).json()['responses']
    assert [r['status'] for r in responses] == [200, 200, 429]
    assert 0 < float(responses[2]['headers']['Retry-After']) <= 5
    assert responses[2]['body']['error']['code'] == 'TooManyRequests'


def draws(seed, count, rate=0.5):
    generator = random.Random(seed)
    return [generator.random() < rate for _ in range(count)]


def test_each_request_meets_server_errors_on_its_own(client, tenant, emu):
    # one draw of the seeded generator per request: the envelope's passes, then its requests' decide theirs
    seed = next(s for s in range(1000) if draws(s, 4) == [False, False, True, False])
    emu.set_faults({'error_rate': 0.5, 'error_status': 503, 'seed': seed})
    responses = send(client, tenant, reads(tenant)).json()['responses']
    assert [r['status'] for r in responses] == [200, 503, 200]
    assert responses[1]['headers']['Retry-After'] == '1'


def test_latency_is_spent_by_the_envelope_and_by_each_request(client, tenant, emu):
    send(client, tenant, reads(tenant))  # a token in msal's cache first
    emu.set_faults({'latency_ms': 100})
    started = time.monotonic()
    assert send(client, tenant, reads(tenant)).status_code == 200
    assert time.monotonic() - started >= 0.4


def concurrently(*calls):
    answers = [None] * len(calls)

    def run(index):
        answers[index] = calls[index]()
    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_the_concurrency_limit_counts_each_request_one_after_another(client, tenant, limits):
    limits.exchange_concurrency_limit, limits.exchange_cmdlet_ms = 1, 150
    alone = send(client, tenant, reads(tenant)).json()['responses']
    assert [r['status'] for r in alone] == [200, 200, 200]  # its requests run one at a time: one slot is enough
    both = concurrently(lambda: send(client, tenant, reads(tenant)), lambda: send(client, tenant, reads(tenant)))
    statuses = [r['status'] for answer in both for r in answer.json()['responses']]
    refused = [r for answer in both for r in answer.json()['responses'] if r['status'] == 429]
    assert statuses.count(200) >= 3 and refused, statuses  # two batches in flight hold two slots
    assert all(r['headers']['Retry-After'] == '1' and 'maximum number of concurrent requests per tenant'
               in r['body']['error']['details'][0]['message'] for r in refused)


def test_the_concurrency_limit_holds_a_request_for_its_injected_latency_too(client, tenant, limits):
    send(client, tenant, reads(tenant))  # a token in msal's cache first
    limits.exchange_concurrency_limit = 1
    limits.set_faults({'latency_ms': 300})
    body = {'CmdletInput': {'CmdletName': 'Get-Mailbox', 'Parameters': {'ResultSize': 1}}}

    def one():
        return client.call(tenant, 'POST', '/adminapi/beta/%s/InvokeCommand' % tenant, body, service='exchange',
                           headers={'X-AnchorMailbox': 'APP:SystemMailbox@%s' % tenant})
    assert sorted(answer.status_code for answer in concurrently(one, one)) == [200, 429]


@pytest.mark.parametrize('status', [400, 404, 501])
def test_a_tenant_may_refuse_batches(client, tenant, limits, status):
    limits.exchange_batch_refusal = status
    answer = send(client, tenant, reads(tenant))
    assert answer.status_code == status and '$batch' in answer.text
