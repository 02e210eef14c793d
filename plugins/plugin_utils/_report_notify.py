# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's news for people who do not open the report: one POST per run to a webhook (a Teams or Slack
incoming webhook reads its "text"), with the failures new since the previous run and the client secrets to
rotate, through the collection's HTTP layer. A POST that fails is a warning naming the webhook's host
(never its address: a Slack or Teams webhook address is itself the secret), never a failed report."""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ServiceClient, StaticToken, new_session, tls_verify
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import RetryPolicy, host_of
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import (
    NOT_ONBOARDED, TENANT_STATUSES, by_status, key, secret_note, secrets_due)

LISTED = 20  # lines of each list in the text
MAX_NEW = 200  # entries of new_failures in the JSON (new_failures_total counts them all)
TIMEOUT_S = 15.0
WORDS = {'error': 'in error', NOT_ONBOARDED: 'not onboarded', 'fail': 'failing', 'pass': 'passing'}


class WebhookClient(ServiceClient):
    """A webhook, reached through the collection's HTTP layer (retries of what is safe to repeat, timeouts);
    a bearer token only when one is given (incoming webhooks of Teams and Slack take none)."""

    service = 'webhook'

    def _send(self, method, url, body, params, headers, refresh):
        send = {'Accept': 'application/json'}
        token = self.tokens.token(self.service, refresh=refresh)
        if token:
            send['Authorization'] = 'Bearer %s' % token
        send.update(headers or {})
        return self.session.request(method, url, json=body, params=params, headers=send, timeout=self.timeout,
                                    verify=self.session.verify)

    def error_from(self, response, method, url):
        return MicrosoftApiError('webhook', response.status_code, 'HTTP%s' % response.status_code,
                                 'the webhook refused the report', method=method, url=url)


def _new_failures(document):
    controls = dict((key(c), c) for c in document['controls'])
    found = []
    for change in document['drift']['changes']:
        if change['change'] != 'new':
            continue
        item = controls.get((change['tenant'], change['room'], change['id'])) or {}
        found.append(dict(tenant=change['tenant'], room=change['room'], id=change['id'], name=change['name'],
                          status=change['status'], previous_status=change['previous_status'],
                          detail=item.get('detail'), fix=item.get('fix')))
    return found


def _lines(items, line):
    shown = ['- ' + line(item) for item in items[:LISTED]]
    return shown + (['- and %d more' % (len(items) - LISTED)] if len(items) > LISTED else [])


def _text(document, name, new, due):
    drift, summary = document['drift'], document['summary']
    by = by_status(summary)
    expired = sum(1 for s in due if s['state'] == 'expired')
    news = ('%d new failure(s) since %s' % (len(new), drift['previous']) if drift['previous'] else
            'no earlier run to compare with, so nothing is new')
    lines = ['Bookings ONE audit "%s" of %s: %s; %d client secret(s) to rotate%s.' % (
        name, document['generated'], news, len(due), ' (%d expired)' % expired if expired else ''),
        '%d tenant(s) audited: %s%s.' % (len(summary['tenants']), ', '.join(
            '%d %s' % (len(by[s]), WORDS[s]) for s in TENANT_STATUSES if by[s] or s != NOT_ONBOARDED),
            '; %d not in this run' % len(by['not_in_run']) if by['not_in_run'] else '')]
    if new:
        lines += ['New failures:'] + _lines(new, lambda c: '%s: %s%s, %s%s' % (
            c['tenant'], c['name'], ' (%s)' % c['room'] if c['room'] else '', c['status'],
            '; fix: %s' % c['fix'] if c['fix'] else ''))
    if due:
        lines += ['Secrets to rotate (run rotate_secrets.yml):'] + _lines(
            due, lambda s: '%s: %s' % (s['tenant'], secret_note(s)))
    return '\n'.join(lines)


def payload(document, name):
    """{"text": ..., "new_failures": [...], "secrets_to_rotate": [...]} of a written report: the controls that
    fail or are in error since this run and did not before (drift 'new'; none without a previous run), and the
    secrets below the rotation threshold or expired."""
    new, due = _new_failures(document), secrets_due(document['summary'])
    return dict(text=_text(document, name, new, due), report=name, generated=document['generated'],
                previous=document['drift']['previous'], new_failures=new[:MAX_NEW], new_failures_total=len(new),
                secrets_to_rotate=due)


def _why(exc):
    """What went wrong, without the webhook's address (its path is the secret of an incoming webhook)."""
    if isinstance(exc, MicrosoftApiError):
        if exc.status:
            return 'HTTP %s' % exc.status
        if exc.message.startswith('could not connect to '):
            return exc.message
        return 'no answer (%s)' % exc.code
    return 'the request failed (%s)' % type(exc).__name__


def send(url, token, body, session=None, ca_bundle=None, validate_certs=True, policy=None):
    """POSTs body to the webhook once (retried only where nothing was carried out); (sent, warning)."""
    host = host_of(url or '')
    if not str(url or '').lower().startswith('https://'):
        return False, 'the report webhook was not sent: its address must start with https:// (host %s)' % host
    url = 'https://' + url[len('https://'):]
    client = WebhookClient(url, StaticToken(token), session or new_session(tls_verify(ca_bundle, validate_certs)),
                           timeout=TIMEOUT_S, policy=policy or RetryPolicy(max_attempts=3, max_total=30.0,
                                                                           wait_budget=30.0))
    try:
        client.request('POST', url, body=body)
    except Exception as exc:  # pylint: disable=broad-except
        return False, 'the report webhook to %s was not sent: %s; the report is written all the same' % (
            host, _why(exc))
    return True, None
