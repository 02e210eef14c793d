"""The optional webhook (bookingsone_report_webhook): posted once per run through the collection's HTTP layer with
the failures new since the previous run and the secrets to rotate; a POST that fails is a warning naming the
webhook's host (never its address, whose path is the secret of a Teams or Slack webhook) and never fails the
report."""

from __future__ import annotations

import json
import os
from unittest import mock

from ansible_collections.bookingsone.office365.plugins.action import audit_report as action
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import RetryPolicy
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_notify as notify
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import control

T1, T2 = '2026-11-30T06:00:00Z', '2026-12-01T06:00:00Z'
HOOK = 'https://hooks.example.com/services/T000/B000/very-secret-path'


class Answer(object):
    def __init__(self, status_code, headers=None):
        self.status_code, self.headers, self.content, self.text = status_code, headers or {}, b'', ''


class Session(object):
    """requests.Session's request(), answering from a list and keeping what was sent."""

    def __init__(self, *statuses):
        self.statuses, self.sent, self.verify = list(statuses), [], True

    def request(self, method, url, **kwargs):
        self.sent.append(dict(kwargs, method=method, url=url))
        return Answer(self.statuses.pop(0) if self.statuses else 200)


def secret(tenant, days, state):
    return control(tenant, 'secret.present', 'pass' if state == 'ok' else 'fail',
                   dict(days_left=days, key_id='k', state=state, end_date_time='2026-12-10T06:00:00Z'),
                   dict(days_left_at_least=30))


def runs(dest):
    """A previous run and this one: contoso's room newly fails, adatum's secret expired (still failing)."""
    before = [secret('adatum', -2, 'expired'), control('contoso', 'room.horizon_off', 'pass', False, False, room='lobby'),
              secret('contoso', 9, 'rotate')]
    now = [secret('adatum', -3, 'expired'),
           control('contoso', 'room.horizon_off', 'fail', True, False, room='lobby', detail='turned on'),
           secret('contoso', 8, 'rotate'), secret('woodgrove', 400, 'ok')]
    report.write_reports(str(dest), 'audit', before, T1)
    return report.write_reports(str(dest), 'audit', now, T2)


def test_the_payload_holds_the_new_failures_and_the_secrets_to_rotate(tmp_path):
    body = notify.payload(runs(tmp_path)['document'], 'audit')
    assert body['new_failures'] == [dict(tenant='contoso', room='lobby', id='room.horizon_off',
                                         name='auto-decline outside limits off', status='fail', previous_status='pass',
                                         detail='turned on', fix='run onboard.yml (turns auto-decline outside limits off)')]
    assert body['new_failures_total'] == 1 and body['previous'] == T1 and body['generated'] == T2
    assert [(s['tenant'], s['state'], s['days_left']) for s in body['secrets_to_rotate']] == [
        ('adatum', 'expired', -3), ('contoso', 'rotate', 8)]  # the expired first
    assert body['text'].split('\n') == [
        'Bookings ONE audit "audit" of %s: 1 new failure(s) since %s; 2 client secret(s) to rotate (1 expired).'
        % (T2, T1),
        '3 tenant(s) audited: 2 failing, 0 in error, 1 passing.',
        'New failures:',
        '- contoso: auto-decline outside limits off (lobby), fail; fix: run onboard.yml (turns auto-decline outside '
        'limits off)',
        'Secrets to rotate (run rotate_secrets.yml):',
        '- adatum: expired 3 days ago, 2026-12-10', '- contoso: 8 days, 2026-12-10']
    json.dumps(body)  # all of it JSON


def test_without_a_previous_run_nothing_is_new(tmp_path):
    written = report.write_reports(str(tmp_path), 'audit', [secret('contoso', 8, 'rotate')], T1)
    body = notify.payload(written['document'], 'audit')
    assert body['new_failures'] == [] and 'no earlier run to compare with, so nothing is new' in body['text']


def test_it_is_posted_as_json_with_a_token_only_when_given():
    session = Session()
    assert notify.send(HOOK, None, dict(text='hi'), session=session) == (True, None)
    assert notify.send(HOOK, 't0ken', dict(text='hi'), session=session) == (True, None)
    first, second = session.sent
    assert (first['method'], first['url'], first['json']) == ('POST', HOOK, dict(text='hi'))
    assert 'Authorization' not in first['headers'] and second['headers']['Authorization'] == 'Bearer t0ken'
    assert first['timeout'] == notify.TIMEOUT_S


def test_a_refused_post_is_a_warning_naming_the_host_only():
    sent, warning = notify.send(HOOK, 't0ken', dict(text='hi'), session=Session(404))
    assert not sent and warning == ('the report webhook to hooks.example.com was not sent: HTTP 404; the report is '
                                    'written all the same')
    assert 'very-secret-path' not in warning and 't0ken' not in warning


def test_a_throttled_post_is_repeated_then_given_up_with_a_warning():
    session, waits = Session(429, 503, 503), []
    policy = RetryPolicy(max_attempts=3, max_total=30.0, wait_budget=30.0, sleep=waits.append)
    sent, warning = notify.send(HOOK, None, dict(text='hi'), session=session, policy=policy)
    assert not sent and len(session.sent) == 3 and len(waits) == 2 and 'HTTP 503' in warning


def test_no_connection_is_a_warning_naming_where():
    policy = RetryPolicy(max_attempts=2, max_total=5.0, wait_budget=5.0, sleep=lambda s: None)
    sent, warning = notify.send('https://127.0.0.1:9/secret-path', None, dict(text='hi'), policy=policy)
    assert not sent and 'could not connect to 127.0.0.1:9' in warning and 'secret-path' not in warning


def test_an_address_that_is_not_https_is_not_posted():
    session = Session()
    sent, warning = notify.send('http://hooks.example.com/x', None, dict(text='hi'), session=session)
    assert not sent and session.sent == [] and 'must start with https://' in warning and 'hooks.example.com' in warning


def action_run(tmp_path, session, **args):
    task = mock.MagicMock(async_val=0, args=dict(dict(tenants=['contoso'], dest=str(tmp_path)), **args))
    plugin = action.ActionModule(task, mock.MagicMock(), mock.MagicMock(check_mode=True), mock.MagicMock(),
                                 mock.MagicMock(), mock.MagicMock())
    hostvars = dict(contoso=dict(bookingsone_observed=dict(error='login failed')))
    with mock.patch.object(action.model, 'now', return_value=T2), \
            mock.patch.object(notify, 'new_session', return_value=session):
        return plugin.run(task_vars=dict(hostvars=hostvars))


def test_the_action_posts_once_and_says_whether_it_was_sent(tmp_path):
    session = Session()
    sent = action_run(tmp_path, session, webhook=HOOK, webhook_token='t0ken')
    assert sent['webhook_sent'] is True and len(session.sent) == 1 and not sent.get('warnings')
    assert session.sent[0]['json']['report'] == 'audit'
    failed = action_run(tmp_path, Session(500), webhook=HOOK)
    assert failed['webhook_sent'] is False and failed['error_tenants'] == ['contoso']
    assert failed['warnings'] == ['the report webhook to hooks.example.com was not sent: HTTP 500; the report is '
                                  'written all the same']
    assert os.path.exists(failed['paths']['html'])
    assert action_run(tmp_path, Session())['webhook_sent'] is False  # none configured
    assert action.ARGSPEC['webhook_token']['no_log'] is True and action.ARGSPEC['webhook']['no_log'] is True
