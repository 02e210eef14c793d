"""An in-memory stand-in for the few Graph calls of the secret lifecycle (read an app, PATCH its tags,
add and remove a password, read a service principal), so the lifecycle and its lease run without HTTP.
`before_write` lets a test act as another run at the moment this one writes."""

from __future__ import annotations

import copy
import datetime
import re
import uuid

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError


def iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def credential(key, start, days=730, name='bookings-one'):
    """A passwordCredential starting at `start` (a datetime) and living `days` days."""
    return dict(keyId=key, displayName=name, hint=key[:3], startDateTime=iso(start),
                endDateTime=iso(start + datetime.timedelta(days=days)))


class _Reads(object):
    def clear(self):
        pass


class FakeGraph(object):
    APP = 'a0000000-0000-4000-8000-000000000001'

    def __init__(self, secrets=(), tags=(), principal=True):
        self.app = dict(id=self.APP, appId='b0000000-0000-4000-8000-000000000002', uniqueName='bookings-one',
                        passwordCredentials=[copy.deepcopy(c) for c in secrets], tags=list(tags))
        self.principal = principal
        self.reads = _Reads()
        self.log = []  # (method, what) of every write
        self.before_write = None  # called with (method, path, body) before a write is applied

    def with_retry_budget(self, _seconds):
        return self  # one store: the lease's single-attempt client writes to the same app

    def _is_app(self, path):
        return path in ('/applications/%s' % self.APP, "/applications(uniqueName='bookings-one')")

    def get_or_none(self, path, params=None):
        if self._is_app(path):
            return copy.deepcopy(self.app)
        if path.startswith('/servicePrincipals'):
            return dict(id='sp', appId=self.app['appId']) if self.principal else None
        return None

    def _write(self, method, path, body):
        if self.before_write:
            self.before_write(method, path, body)

    def patch(self, path, body, headers=None):
        self._write('PATCH', path, body)
        assert self._is_app(path)
        self.app.update(copy.deepcopy(body))
        self.log.append(('PATCH', sorted(body)))

    def request(self, method, path, body=None, **_kwargs):
        assert method == 'POST'
        return self.post(path, body)

    def post(self, path, body):
        self._write('POST', path, body)
        action = path.rsplit('/', 1)[1]
        if action == 'addPassword':
            start = datetime.datetime.now(datetime.timezone.utc)
            key = str(uuid.uuid4())
            made = credential(key, start, name=body['passwordCredential']['displayName'])
            made['endDateTime'] = body['passwordCredential']['endDateTime']
            self.app['passwordCredentials'].append(made)
            self.log.append(('addPassword', key))
            return dict(made, secretText='s3cret-' + key)
        if action == 'removePassword':
            before = len(self.app['passwordCredentials'])
            self.app['passwordCredentials'] = [c for c in self.app['passwordCredentials'] if c['keyId'] != body['keyId']]
            if len(self.app['passwordCredentials']) == before:
                raise MicrosoftApiError('graph', 404, 'Request_ResourceNotFound', 'no such key', method='POST', url=path)
            self.log.append(('removePassword', body['keyId']))
            return None
        raise AssertionError('unexpected POST %s' % path)

    def keys(self):
        return sorted(c['keyId'] for c in self.app['passwordCredentials'])

    def tags_like(self, prefix):
        return sorted(re.sub('^' + re.escape(prefix), '', t) for t in self.app['tags'] if t.startswith(prefix))
