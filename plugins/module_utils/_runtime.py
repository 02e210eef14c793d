# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module's logic runs on: the tenant's Connection (clients built on first use, one token per
resource, one retry tally) and the TaskState of one task (params, check mode, result, diffs), which
every module's `main_logic(state)` receives; one place where service errors become a failed result.

Both are plain objects, so the same logic runs in an Ansible module process (_module.py: M365Module)
or in the controller's worker, several modules of one tenant sharing one Connection
(plugin_utils/_inprocess.py).
"""

from __future__ import annotations

import threading
import traceback

from ansible_collections.bookingsone.office365.plugins.module_utils import _auth, _http
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_certificate import CertificateError
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import Endpoints
from ansible_collections.bookingsone.office365.plugins.module_utils._ensure import Ensurer
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError, TaskFailed
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient
from ansible_collections.bookingsone.office365.plugins.module_utils._retry import RetryPolicy


class Connection(object):
    """One tenant's clients: a token provider, an HTTP session, Graph and Exchange, one retry tally."""

    def __init__(self, params):
        self.params = params
        # One policy for login, Graph and Exchange: one retry budget per request, one count per connection.
        self.policy = RetryPolicy(max_attempts=params['max_retries'] + 1, wait_budget=params['wait_budget'])
        self.endpoints = Endpoints(params)
        self._tokens = self._session = self._graph = self._graph_beta = self._exchange = None
        # Steps of one tenant may run in threads (a check's two halves, the preflight's two services): each
        # client is made once, by whichever thread needs it first, and then shared (its token, its read cache).
        self._making = threading.RLock()

    def _made(self, name, make):
        with self._making:
            if getattr(self, name) is None:
                setattr(self, name, make())
            return getattr(self, name)

    def _shared(self):
        with self._making:
            if self._tokens is None:
                self._session = _http.new_session(_http.tls_verify(self.params['ca_bundle'], self.params['validate_certs']))
                self._tokens = _auth.TokenProvider(self.params, self.endpoints, self._session,
                                                   self.params['request_timeout'], self.policy)
        return dict(tokens=self._tokens, session=self._session, timeout=self.params['request_timeout'],
                    policy=self.policy)

    @property
    def session(self):
        return self._shared()['session']

    @property
    def graph(self):
        return self._made('_graph', lambda: GraphClient(self.endpoints.graph, **self._shared()))

    @property
    def graph_beta(self):
        """Microsoft Graph's beta endpoint, for the one report v1.0 lacks (credential sign-in activity); what it
        answers may change without notice. https://learn.microsoft.com/graph/versioning-and-support"""
        return self._made('_graph_beta', lambda: GraphClient(self.endpoints.graph, version='beta', **self._shared()))

    @property
    def exchange(self):
        # tenant_id may be a domain; the client puts the token's tenant GUID in its URL and anchor
        # once it holds a token (ExchangeClient.bind_tenant).
        return self._made('_exchange', lambda: ExchangeClient(self.endpoints.exchange, self.params['tenant_id'],
                                                              **self._shared()))

    @property
    def tenant_id(self):
        """The tenant's GUID as the token states it (the option may be a domain name)."""
        return self._tokens.tenant_id if self._tokens else self.params['tenant_id']

    def token_claims(self, service, refresh=False):
        """What this connection's token for a service says of its holder: `roles` (the application permissions
        consented to it), `wids` (its Microsoft Entra roles), `scp` and `oid` (a person's token). refresh=True asks
        the identity platform for a new token, which states what is granted now."""
        return _auth.token_claims(self._shared()['tokens'].token(service, refresh=refresh))

    def take_warnings(self):
        if self._exchange is None:
            return []
        taken, self._exchange.warnings = self._exchange.warnings, []
        limit = self._exchange.in_flight
        if limit.lowest is not None:
            taken.append('the tenant refused requests over its concurrency limit, so at most %d went in flight '
                         'at a time from then on (of %d); to avoid the refusals set concurrency to %d or lower '
                         '(the room_policy role and the playbooks: room_policy_concurrency)'
                         % (limit.lowest, limit.peak, limit.lowest))
            limit.lowest = None
        return ['Exchange Online: %s' % warning for warning in taken]


class TaskState(object):
    """The part of a module run its logic sees: params, check mode, clients, result and diffs."""

    def __init__(self, params, check_mode, diff, connection):
        self.params = params
        self.check_mode = check_mode
        self.want_diff = diff
        self.connection = connection
        self.result = dict(changed=False)
        self._diffs = []

    @property
    def graph(self):
        return self.connection.graph

    @property
    def exchange(self):
        return self.connection.exchange

    @property
    def tenant_id(self):
        return self.connection.tenant_id

    @property
    def ensure(self):
        return Ensurer(self)

    def record_change(self, before, after, header=None):
        self.result['changed'] = True
        diff = dict(before=before, after=after)
        if header:
            diff['before_header'] = diff['after_header'] = header
        self._diffs.append(diff)

    def step(self, logic, **params):
        """Another module's logic as a step of this task, on the same connection and with its own options:
        what it changes (and its diffs) counts here, also when it fails after a write. Returns its result."""
        child = TaskState(dict(self.params, **params), self.check_mode, self.want_diff, self.connection)
        try:
            logic(child)
        finally:
            self._diffs.extend(child._diffs)
            self.result['changed'] = self.result['changed'] or child.result['changed']
        return child.result

    def execute(self, main):
        """Run main(self); (result, failure) where failure is None or (msg, extra result keys)."""
        failure = None
        try:
            main(self)
        except (InputError, CertificateError, TaskFailed) as exc:
            failure = (str(exc), {})
        except MicrosoftApiError as exc:
            failure = (str(exc), dict(error=exc.as_result()))
        except Exception as exc:  # pylint: disable=broad-except
            failure = ('unexpected error: %s' % exc, dict(exception=traceback.format_exc()))
        # Every module names the tenant the same way: its GUID as the token states it (the option may be a
        # domain name), or the option as given when no token was needed.
        self.result['tenant_id'] = self.tenant_id
        if self._diffs and self.want_diff:
            self.result['diff'] = self._diffs[0] if len(self._diffs) == 1 else self._diffs
        return self.result, failure
