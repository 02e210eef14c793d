# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module's logic runs on: shared connection options, clients built on
first use, input validated before the first request, and one place where service
errors become a failed result.

`Connection` (clients, token, retry tally) and `TaskState` (params, check mode,
result, diffs) are plain objects, so the same module logic runs as an Ansible module
process (M365Module) or in the controller's worker, several modules of one tenant
sharing one connection (plugin_utils/_inprocess.py).
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.bookingsone.office365.plugins.module_utils import _auth, _http
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_certificate import CertificateError
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_MUTUALLY_EXCLUSIVE, Endpoints, connection_errors,
)
from ansible_collections.bookingsone.office365.plugins.module_utils._ensure import Ensurer
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError, TaskFailed
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient
from ansible_collections.bookingsone.office365.plugins.module_utils._http import RetryPolicy


def full_spec(spec):
    """A module's SPEC with the shared connection options merged in (AnsibleModule keyword arguments)."""
    merged = dict(spec)
    merged['argument_spec'] = dict(CONNECTION_ARGSPEC, **spec['argument_spec'])
    merged['mutually_exclusive'] = list(CONNECTION_MUTUALLY_EXCLUSIVE) + list(spec.get('mutually_exclusive') or [])
    return merged


class Connection(object):
    """One tenant's clients: a token provider, an HTTP session, Graph and Exchange, one retry tally."""

    def __init__(self, params):
        self.params = params
        # One policy for login, Graph and Exchange: one retry budget per request, one count per connection.
        self.policy = RetryPolicy(max_attempts=params['max_retries'] + 1, wait_budget=params['wait_budget'])
        self.endpoints = Endpoints(params)
        self._tokens = self._session = self._graph = self._exchange = None

    def _shared(self):
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
        if self._graph is None:
            self._graph = GraphClient(self.endpoints.graph, **self._shared())
        return self._graph

    @property
    def exchange(self):
        if self._exchange is None:
            # tenant_id may be a domain; the client puts the token's tenant GUID in its URL and anchor
            # once it holds a token (ExchangeClient.bind_tenant).
            self._exchange = ExchangeClient(self.endpoints.exchange, self.params['tenant_id'], **self._shared())
        return self._exchange

    @property
    def tenant_id(self):
        """The tenant's GUID as the token states it (the option may be a domain name)."""
        return self._tokens.tenant_id if self._tokens else self.params['tenant_id']

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


class M365Module(AnsibleModule):
    """An Ansible module on the shared core: options merged, connection checked, errors mapped."""

    def __init__(self, argument_spec, mutually_exclusive=None, **kwargs):
        kwargs.setdefault('supports_check_mode', True)
        self.connection = None  # AnsibleModule fails bad arguments from its __init__, before a connection exists
        super(M365Module, self).__init__(**full_spec(dict(kwargs, argument_spec=argument_spec,
                                                          mutually_exclusive=mutually_exclusive)))
        for present, lib in ((_auth.HAS_MSAL, 'msal'), (_http.HAS_REQUESTS, 'requests')):
            if not present:
                self.fail_json(msg=missing_required_lib(lib))
        errors = connection_errors(self.params)
        if errors:
            self.fail_json(msg='; '.join(errors))
        self.connection = Connection(self.params)
        self.state = TaskState(self.params, self.check_mode, self._diff, self.connection)

    def _with_retries(self, result):
        # `retries` ({service: {retried, waited_s}}) goes with every result, failed ones too;
        # AnsibleModule may fail before the connection exists (bad arguments): nothing was sent then.
        result.setdefault('retries', self.connection.policy.retries() if getattr(self, 'connection', None) else {})
        return result

    def exit_json(self, **kwargs):
        super(M365Module, self).exit_json(**self._with_retries(kwargs))

    def fail_json(self, msg, **kwargs):
        super(M365Module, self).fail_json(msg, **self._with_retries(kwargs))

    def run(self, main):
        """Call main(state) and exit with its result; every known failure becomes fail_json."""
        result, failure = self.state.execute(main)
        for warning in self.connection.take_warnings():
            self.warn(warning)
        if failure:
            msg, extra = failure
            self.fail_json(msg=msg, **dict(result, **extra))
        self.exit_json(**result)
