"""Test doubles: for the HTTP layer a scripted session and a clock that sleeps instantly; for a module's
logic a connection holding fake clients, and run_logic to run main_logic as M365Module does."""

from __future__ import annotations

import json

import requests
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.bookingsone.office365.plugins.module_utils._retry import RetryPolicy
from ansible_collections.bookingsone.office365.plugins.module_utils._runtime import TaskState


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


class FakeConnection(object):
    """What TaskState takes of a Connection: the Graph and Exchange clients, and the tenant GUID."""

    tenant_id = '3c9d2b1a-7e6f-4d5c-9b8a-1f2e3d4c5b60'

    def __init__(self, exchange=None, graph=None):
        self.exchange, self.graph = exchange, graph


def run_logic(module, connection, check_mode=False, **args):
    """(result, failure) of module.main_logic on args validated against the module's own options (not the
    connection options M365Module adds), as M365Module runs it."""
    spec = module.SPEC
    outcome = ArgumentSpecValidator(spec['argument_spec'], mutually_exclusive=spec.get('mutually_exclusive'),
                                    required_one_of=spec.get('required_one_of'),
                                    required_if=spec.get('required_if')).validate(args)
    assert not outcome.error_messages, outcome.error_messages
    return TaskState(outcome.validated_parameters, check_mode, True, connection).execute(module.main_logic)
