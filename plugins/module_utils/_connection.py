# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every module and plugin of the collection.

The argument spec here is the single definition of how a task reaches a tenant;
doc_fragments/connection.py documents the same options.
"""

from __future__ import annotations

import os
import re

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.bookingsone.office365.plugins.module_utils._auth import credential_class


def env_fallback(*names):
    """The first of these environment variables that is set and not empty.

    AWX credential injectors set every variable a credential type names, empty
    ones included; an empty AZURE_CLIENT_CERTIFICATE_PATH must not count as set.
    """
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def secret_fallback(variable, file_variable):
    """A secret from an environment variable, or from the file another one names.

    The file form keeps the secret out of the process environment, which job
    runners such as ansible-runner record in their artifacts.
    """
    if os.environ.get(variable):
        return os.environ[variable]
    path = os.environ.get(file_variable)
    if path:
        with open(path) as handle:
            return handle.read().strip()
    raise AnsibleFallbackNotFound


# Each Microsoft cloud: identity platform, Graph and Exchange Online endpoints.
# https://learn.microsoft.com/graph/deployments#microsoft-graph-and-graph-explorer-service-root-endpoints
# https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud
# Exchange hosts: Connect-ExchangeOnline -ExchangeEnvironmentName O365USGovGCCHigh (outlook.office365.us),
# O365USGovDoD (webmail.apps.mil), O365China (partner.outlook.cn):
# https://learn.microsoft.com/powershell/module/exchange/connect-exchangeonline#-connectionuri
CLOUDS = {
    'public': {
        'login': 'https://login.microsoftonline.com',
        'graph': 'https://graph.microsoft.com',
        'exchange': 'https://outlook.office365.com',
    },
    'usgov': {
        'login': 'https://login.microsoftonline.us',
        'graph': 'https://graph.microsoft.us',
        'exchange': 'https://outlook.office365.us',
    },
    'usgovdod': {
        'login': 'https://login.microsoftonline.us',
        'graph': 'https://dod-graph.microsoft.us',
        'exchange': 'https://webmail.apps.mil',
    },
    'china': {
        'login': 'https://login.chinacloudapi.cn',
        'graph': 'https://microsoftgraph.chinacloudapi.cn',
        'exchange': 'https://partner.outlook.cn',
    },
}

CONNECTION_ARGSPEC = dict(
    tenant_id=dict(type='str', required=True, fallback=(env_fallback, ['AZURE_TENANT_ID'])),
    client_id=dict(type='str', fallback=(env_fallback, ['AZURE_CLIENT_ID'])),
    client_secret=dict(type='str', no_log=True,
                       fallback=(secret_fallback, ['AZURE_CLIENT_SECRET', 'BOOKINGSONE_CLIENT_SECRET_FILE'])),
    client_certificate_path=dict(type='path', fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PATH'])),
    client_certificate_password=dict(type='str', no_log=True,
                                     fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PASSWORD'])),
    client_assertion_file=dict(type='path', fallback=(env_fallback, ['AZURE_FEDERATED_TOKEN_FILE'])),
    access_token=dict(type='str', no_log=True),
    cloud=dict(type='str', default='public', choices=sorted(CLOUDS),
               fallback=(env_fallback, ['BOOKINGSONE_CLOUD'])),
    login_endpoint=dict(type='str', fallback=(env_fallback, ['AZURE_AUTHORITY_HOST'])),
    graph_endpoint=dict(type='str', fallback=(env_fallback, ['BOOKINGSONE_GRAPH_ENDPOINT'])),
    exchange_endpoint=dict(type='str', fallback=(env_fallback, ['BOOKINGSONE_EXCHANGE_ENDPOINT'])),
    ca_bundle=dict(type='path', fallback=(env_fallback, ['REQUESTS_CA_BUNDLE'])),
    validate_certs=dict(type='bool', default=True),
    token_cache=dict(type='bool', default=True, fallback=(env_fallback, ['BOOKINGSONE_TOKEN_CACHE'])),
    token_cache_dir=dict(type='path', fallback=(env_fallback, ['BOOKINGSONE_TOKEN_CACHE_DIR'])),
    request_timeout=dict(type='float', default=60.0),
    max_retries=dict(type='int', default=6),
    wait_budget=dict(type='float', default=300.0, fallback=(env_fallback, ['BOOKINGSONE_WAIT_BUDGET'])),
)

# Options that pick the credential; at most one, and client_id goes with the first two.
CONNECTION_MUTUALLY_EXCLUSIVE = [
    ('client_secret', 'client_certificate_path', 'client_assertion_file', 'access_token'),
]


def full_spec(spec):
    """A module's SPEC with the shared connection options merged in (AnsibleModule keyword arguments)."""
    merged = dict(spec)
    merged['argument_spec'] = dict(CONNECTION_ARGSPEC, **spec['argument_spec'])
    merged['mutually_exclusive'] = list(CONNECTION_MUTUALLY_EXCLUSIVE) + list(spec.get('mutually_exclusive') or [])
    return merged


_GUID = re.compile(r'^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')
# A verified or initial domain, e.g. contoso.onmicrosoft.com.
_DOMAIN = re.compile(r'^(?=.{4,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$')


def is_guid(value):
    return bool(value) and bool(_GUID.match(value))


def connection_errors(params):
    """Return a list of messages for connection options that cannot work.

    Checked before any request so bad input never reaches a tenant.
    """
    errors = []
    tenant = params.get('tenant_id') or ''
    if not (is_guid(tenant) or _DOMAIN.match(tenant)):
        errors.append("tenant_id %r is neither a GUID nor a domain name such as contoso.onmicrosoft.com" % tenant)
    if params.get('client_id') and not is_guid(params['client_id']):
        errors.append("client_id %r is not a GUID (the application (client) ID of the app registration)"
                      % params['client_id'])
    method = credential_class(params)
    if method is None:
        errors.append('no credential: set client_secret, client_certificate_path, client_assertion_file or '
                      'access_token (or AZURE_CLIENT_SECRET / AZURE_CLIENT_CERTIFICATE_PATH / AZURE_FEDERATED_TOKEN_FILE)')
        if not params.get('client_id'):
            errors.append('client_id is required with client_secret, client_certificate_path or client_assertion_file')
    else:
        errors.extend(method.errors(params))
    for name in ('login_endpoint', 'graph_endpoint', 'exchange_endpoint'):
        value = params.get(name)
        if value and not value.lower().startswith('https://'):
            errors.append('%s %r must be an https:// URL' % (name, value))
    budget = params.get('wait_budget')
    if budget is not None and not budget >= 0:  # NaN too
        errors.append('wait_budget %r must be 0 or more seconds (0: never wait for a retry)' % budget)
    return errors


class Endpoints(object):
    """Base URLs of the three services for the chosen cloud and overrides."""

    def __init__(self, params):
        cloud = CLOUDS[params.get('cloud') or 'public']
        self.login = (params.get('login_endpoint') or cloud['login']).rstrip('/')
        self.graph = (params.get('graph_endpoint') or cloud['graph']).rstrip('/')
        self.exchange = (params.get('exchange_endpoint') or cloud['exchange']).rstrip('/')
        # msal only knows Microsoft's own hosts; for any other login host its
        # instance discovery would call the public cloud, so it is turned off.
        self.login_is_known = self.login in set(c['login'] for c in CLOUDS.values())

    def scope(self, service):
        """The `.default` scope of a service: its resource URI is its base URL."""
        return '%s/.default' % getattr(self, service)
