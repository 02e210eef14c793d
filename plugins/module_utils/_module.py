# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base class of every module: shared connection options, clients built on
first use, input validated before the first request, and one place where
service errors become fail_json."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.bookingsone.office365.plugins.module_utils import _auth, _http
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_certificate import CertificateError
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_MUTUALLY_EXCLUSIVE, Endpoints, connection_errors,
)
from ansible_collections.bookingsone.office365.plugins.module_utils._ensure import Ensurer
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange import ExchangeClient
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import GraphClient
from ansible_collections.bookingsone.office365.plugins.module_utils._http import RetryPolicy


class M365Module(AnsibleModule):

    def __init__(self, argument_spec, mutually_exclusive=None, **kwargs):
        spec = dict(CONNECTION_ARGSPEC)
        spec.update(argument_spec)
        kwargs.setdefault('supports_check_mode', True)
        super(M365Module, self).__init__(
            argument_spec=spec,
            mutually_exclusive=list(CONNECTION_MUTUALLY_EXCLUSIVE) + list(mutually_exclusive or []),
            **kwargs)
        # One policy for login, Graph and Exchange: one retry budget per request, one count per module.
        self._policy = RetryPolicy(max_attempts=self.params['max_retries'] + 1)
        for present, lib, exc in ((_auth.HAS_MSAL, 'msal', None), (_http.HAS_REQUESTS, 'requests', None)):
            if not present:
                self.fail_json(msg=missing_required_lib(lib), exception=exc)
        errors = connection_errors(self.params)
        if errors:
            self.fail_json(msg='; '.join(errors))
        self.endpoints = Endpoints(self.params)
        self.result = dict(changed=False)
        self._diffs = []
        self._tokens = self._session = self._graph = self._exchange = None

    # Clients -----------------------------------------------------------------

    def _shared(self):
        if self._tokens is None:
            verify = (self.params['ca_bundle'] or True) if self.params['validate_certs'] else False
            self._session = _http.new_session(verify)
            self._tokens = _auth.TokenProvider(self.params, self.endpoints, self._session, self.params['request_timeout'],
                                               self._policy)
        return dict(tokens=self._tokens, session=self._session, timeout=self.params['request_timeout'],
                    policy=self._policy)

    @property
    def graph(self):
        if self._graph is None:
            self._graph = GraphClient(self.endpoints.graph, **self._shared())
        return self._graph

    @property
    def exchange(self):
        if self._exchange is None:
            # tenant_id may be a domain; the client puts the token's tenant GUID (self.tenant_id) in its URL
            # and anchor once it holds a token (ExchangeClient.bind_tenant).
            self._exchange = ExchangeClient(self.endpoints.exchange, self.params['tenant_id'], **self._shared())
        return self._exchange

    @property
    def tenant_id(self):
        """The tenant's GUID as the token states it (the option may be a domain name)."""
        return self._tokens.tenant_id if self._tokens else self.params['tenant_id']

    # Results -----------------------------------------------------------------

    def _with_retries(self, result):
        # `retries` ({service: {retried, waited_s}}) goes with every result, failed ones too;
        # AnsibleModule may fail before the policy exists (bad arguments): nothing was sent then.
        policy = getattr(self, '_policy', None)
        result.setdefault('retries', policy.retries() if policy else {})
        return result

    def exit_json(self, **kwargs):
        super(M365Module, self).exit_json(**self._with_retries(kwargs))

    def fail_json(self, msg, **kwargs):
        super(M365Module, self).fail_json(msg, **self._with_retries(kwargs))

    @property
    def ensure(self):
        return Ensurer(self)

    def record_change(self, before, after, header=None):
        self.result['changed'] = True
        diff = dict(before=before, after=after)
        if header:
            diff['before_header'] = diff['after_header'] = header
        self._diffs.append(diff)

    def run(self, main):
        """Call main(self) and exit with self.result; every known failure becomes fail_json."""
        try:
            main(self)
        except (InputError, CertificateError) as exc:
            self.fail_json(msg=str(exc), **self.result)
        except MicrosoftApiError as exc:
            self.fail_json(msg=str(exc), error=exc.as_result(), **self.result)
        except Exception as exc:  # pylint: disable=broad-except
            self.fail_json(msg='unexpected error: %s' % exc, exception=traceback.format_exc(), **self.result)
        warnings = self._exchange.warnings if self._exchange else []
        for warning in warnings:
            self.warn('Exchange Online: %s' % warning)
        if self._diffs and self._diff:
            self.result['diff'] = self._diffs[0] if len(self._diffs) == 1 else self._diffs
        self.exit_json(**self.result)
