# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one authentication layer: msal client credentials with a token cache
that outlives a single module process, so a playbook asks for one token per
resource instead of one per task."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time

try:
    import msal
    HAS_MSAL = True
except ImportError:
    HAS_MSAL = False

from ansible_collections.bookingsone.office365.plugins.module_utils._auth_access_token import AccessTokenCredential
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_certificate import CertificateCredential
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_client_secret import ClientSecretCredential
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_federated import FederatedCredential
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import (
    ExplicitVerifyClient, MetadataCache, login_error)
from ansible_collections.bookingsone.office365.plugins.module_utils._private_file import write_private


# The ways to sign in, by precedence: the first whose option is set is used (the options are mutually
# exclusive, so there is only one).
CREDENTIALS = (AccessTokenCredential, CertificateCredential, FederatedCredential, ClientSecretCredential)


def credential_class(params):
    """The method the options select, or None when no credential is given."""
    return next((method for method in CREDENTIALS if params.get(method.option)), None)


def select_credential(params):
    return credential_class(params)(params)


def default_cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'bookingsone.office365')


def token_claims(token):
    """The claims of a JWT access token, unverified (the service verifies it)."""
    try:
        payload = token.split('.')[1]
        payload += '=' * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload.encode('ascii')))
    except (IndexError, ValueError, TypeError):
        return {}


class _CacheFile(object):
    """msal's serializable cache kept in a private file, written atomically."""

    def __init__(self, directory, key):
        self.path = os.path.join(directory, 'msal-%s.json' % key)
        self.cache = msal.SerializableTokenCache()
        try:
            with open(self.path) as handle:
                self.cache.deserialize(handle.read())
        except (IOError, OSError, ValueError):
            pass  # no cache yet, or unreadable: start empty

    def save(self):
        if self.cache.has_state_changed:
            write_private(self.path, self.cache.serialize().encode('utf-8'))

    def forget_access_tokens(self):
        for item in list(self.cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            self.cache.remove_at(item)


# A held token is used until this many seconds before it expires, then msal is asked again (it renews
# from its cache or the identity platform).
HELD_MARGIN_SECONDS = 300


class TokenProvider(object):
    """Hands out bearer tokens for 'graph' and 'exchange'.

    `policy` is the module's RetryPolicy: the login is retried, and counted, as Graph and Exchange are.
    """

    def __init__(self, params, endpoints, session, timeout, policy=None):
        self._params = params
        self._endpoints = endpoints
        self._session = session
        self._timeout = timeout
        self._policy = policy
        self._credential = select_credential(params)
        self._app = None
        self._cache_file = None
        self._lock = threading.Lock()  # modules fan out over threads; one token request serves them all
        self._held = {}  # service: (access token, when it expires), for this process's requests
        self.tenant_id = params['tenant_id']

    def _client_app(self):
        if self._app is None:
            cache = metadata = None
            if self._params.get('token_cache', True):
                directory = self._params.get('token_cache_dir') or default_cache_dir()
                metadata = MetadataCache(os.path.join(directory, 'msal-metadata.json'))
                key = hashlib.sha256('|'.join([
                    self._endpoints.login, self._params['tenant_id'].lower(),
                    self._params['client_id'].lower(), self._credential.fingerprint(),
                ]).encode('utf-8')).hexdigest()[:40]
                self._cache_file = _CacheFile(directory, key)
                cache = self._cache_file.cache
            credential = self._credential.msal_credential()  # a bad certificate file is an input error
            try:
                self._app = msal.ConfidentialClientApplication(
                    self._params['client_id'],
                    client_credential=credential,
                    authority='%s/%s' % (self._endpoints.login, self._params['tenant_id']),
                    token_cache=cache,
                    instance_discovery=None if self._endpoints.login_is_known else False,
                    http_client=ExplicitVerifyClient(self._session, self._timeout, self._policy, metadata),
                )
            except ValueError as exc:
                # msal says so for an unreadable authority document or an unusable certificate.
                raise MicrosoftApiError('login', None, 'ClientConfigurationError', str(exc))
        return self._app

    def token(self, service, refresh=False):
        """A token for the service; refresh=True skips cached tokens (after a 401)."""
        bearer = self._credential.bearer_token()
        if bearer:
            return self._remember(bearer)
        # One request per resource however many workers ask at once: the first fetches under the lock,
        # the others find it in msal's cache. Connection failures and 5xx/429 are retried, then raised,
        # by ExplicitVerifyClient.
        with self._lock:
            return self._acquire(service, refresh)

    def _acquire(self, service, refresh):
        held = self._held.get(service)
        if held and not refresh and held[1] - time.time() > HELD_MARGIN_SECONDS:
            return held[0]  # the token this process already holds: msal's cache lookup costs ~5 ms of CPU per call
        app = self._client_app()
        if refresh and self._cache_file:
            self._cache_file.forget_access_tokens()
        result = app.acquire_token_for_client(scopes=[self._endpoints.scope(service)])
        if self._cache_file:
            self._cache_file.save()
        if 'access_token' not in result:
            raise login_error(None, result)  # msal hands back a 4xx error body (bad secret, …) as the result
        self._held[service] = (result['access_token'], time.time() + float(result.get('expires_in') or 0))
        return self._remember(result['access_token'])

    def _remember(self, token):
        tid = token_claims(token).get('tid')
        if tid:
            self.tenant_id = tid
        return token


# Answers of the identity platform that mean "not yet" for a credential or app created moments ago:
# a new secret is refused as invalid for seconds after addPassword, and a new service principal is not
# found for a while. https://github.com/microsoftgraph/microsoft-graph-docs/issues/17966
NOT_YET_PROPAGATED = ('7000215', '700016')


def sign_in_as(connection, client_id, secret, timeout, sleep=time.sleep, clock=time.monotonic):
    """Sign in as another app with its client secret, as that app itself would (client credentials for
    Microsoft Graph in this tenant), retrying through Entra's propagation delay for up to `timeout`
    seconds. Returns dict(signed_in, seconds, attempts, detail); the token is not kept or returned."""
    endpoints = connection.endpoints
    http = ExplicitVerifyClient(connection.session, connection.params['request_timeout'], connection.policy)
    app = msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority='%s/%s' % (endpoints.login, connection.tenant_id),
        instance_discovery=None if endpoints.login_is_known else False, http_client=http)
    started, attempts, pause = clock(), 0, 1.0
    while True:
        attempts += 1
        answer = app.acquire_token_for_client(scopes=[endpoints.scope('graph')])
        waited = round(clock() - started, 1)
        if 'access_token' in answer:
            return dict(signed_in=True, seconds=waited, attempts=attempts,
                        detail='signed in as %s after %s s (%d attempt(s))' % (client_id, waited, attempts))
        error = login_error(None, answer)
        codes = [str(code) for code in answer.get('error_codes') or []]
        if not set(codes) & set(NOT_YET_PROPAGATED) or waited + pause > timeout:
            return dict(signed_in=False, seconds=waited, attempts=attempts, detail=error.message)
        sleep(pause)
        pause = min(pause * 2, 8.0)
