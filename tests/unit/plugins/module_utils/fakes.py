"""Test doubles for the HTTP layer: a scripted session, a clock that sleeps instantly."""

from __future__ import annotations

import json

import requests

from ansible_collections.bookingsone.office365.plugins.module_utils._http import RetryPolicy


class FakeResponse(object):
    def __init__(self, status=200, body=None, headers=None):
        self.status_code = status
        self.headers = requests.structures.CaseInsensitiveDict(headers or {})
        self.content = b'' if body is None else json.dumps(body).encode()

    def json(self):
        return json.loads(self.content)


class ScriptedSession(object):
    """Answers requests from a list of responses (or exceptions), recording each call."""

    verify = '/path/to/ca.pem'

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def request(self, method, url, json=None, params=None, headers=None, timeout=None, verify=None, data=None):
        self.calls.append(dict(method=method, url=url, json=json, params=params, headers=headers, verify=verify,
                               data=data))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeTokens(object):
    def __init__(self):
        self.calls = []

    def token(self, service, refresh=False):
        self.calls.append((service, refresh))
        return 'token-%d' % len(self.calls)


class FakeClock(object):
    """time.monotonic and time.sleep in one: sleeping advances the clock."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def policy(clock, **kwargs):
    kwargs.setdefault('jitter', lambda: 0.5)
    return RetryPolicy(sleep=clock.sleep, clock=clock, **kwargs)


def graph_error(status, code, message, request_id='req-1', headers=None):
    body = {'error': {'code': code, 'message': message,
                      'innerError': {'date': '2026-11-24T00:00:00', 'request-id': request_id}}}
    return FakeResponse(status, body, headers)
