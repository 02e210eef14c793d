"""A small client that talks to the emulator as Microsoft's SDKs would: msal for
tokens, plain HTTPS for Graph and Exchange."""

from __future__ import annotations

import msal

from emulator.client import EmulatorHttpClient
from tests.emulator.emulator_fixture import REPO, SEED, load_seed  # noqa: F401  (the tests import them from here)

GRAPH_APP = '00000003-0000-0000-c000-000000000000'
EXCHANGE_APP = '00000002-0000-0ff1-ce00-000000000000'


class Client(object):
    """Tokens are cached per (tenant, listener, operator) in msal's own cache, as a real client does."""

    def __init__(self, emulator):
        self.emu = emulator
        self.seed = load_seed()
        self.http = EmulatorHttpClient(emulator.endpoints['ca_bundle'])
        self.apps = {}

    def tenant(self, index):
        return self.seed['tenants'][index]['id']

    def operator(self, index=0):
        return self.seed['operators'][index]

    def msal_app(self, tenant, operator=0, credential=None):
        """A ConfidentialClientApplication exactly as the brief's callers build it."""
        return msal.ConfidentialClientApplication(
            self.operator(operator)['app_id'], authority='%s/%s' % (self.emu.endpoints['login'], tenant),
            client_credential=credential or self.operator(operator)['secrets'][0]['value'],
            instance_discovery=False, http_client=self.http)

    def token_result(self, tenant, service='graph', operator=0, credential=None):
        scopes = [self.emu.endpoints[service] + '/.default']
        if credential is not None:  # a one-off credential: a client of its own, no cache shared
            return self.msal_app(tenant, operator, credential).acquire_token_for_client(scopes)
        if (tenant, operator) not in self.apps:
            self.apps[(tenant, operator)] = self.msal_app(tenant, operator)
        return self.apps[(tenant, operator)].acquire_token_for_client(scopes)

    def token(self, tenant, service='graph', operator=0, credential=None):
        result = self.token_result(tenant, service, operator, credential)
        return result.get('access_token'), result

    def fresh_token(self, tenant, service='graph', operator=0):
        """A token issued now (not from msal's cache), e.g. after a consent change."""
        self.apps.pop((tenant, operator), None)
        return self.token(tenant, service, operator)[0]

    def call(self, tenant, method, path, body=None, service='graph', operator=0, headers=None, token=None):
        token = token or self.token(tenant, service, operator)[0]
        url = path if path.startswith('https://') else self.emu.endpoints[service] + path
        sent = dict(headers or {}, Authorization='Bearer %s' % token)
        return self.http.session.request(method, url, json=body, headers=sent, verify=self.emu.endpoints['ca_bundle'])

    def graph(self, tenant, method, path, body=None, **kwargs):
        return self.call(tenant, method, '/v1.0' + path, body, **kwargs)

    def principal(self, tenant, app_id):
        return self.graph(tenant, 'GET', "/servicePrincipals(appId='%s')" % app_id).json()

    def exo(self, tenant, cmdlet, parameters=None, operator=0, url=None):
        body = {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}
        return self.call(tenant, 'POST', url or '/adminapi/beta/%s/InvokeCommand' % tenant, body, service='exchange',
                         operator=operator, headers={'X-AnchorMailbox': 'APP:SystemMailbox@%s' % tenant})


def error_code(response):
    """The Graph error code of a response, after checking the documented error shape and headers."""
    body = response.json()
    inner = body['error']['innerError']
    assert set(inner) >= {'date', 'request-id', 'client-request-id'}, body
    assert response.headers['request-id'] == inner['request-id']
    assert response.headers['client-request-id'] == inner['client-request-id']
    assert body['error']['message']
    return body['error']['code']


def grant(client, tenant, app_id, *values):
    """App role assignments on Microsoft Graph for the service principal of app_id (made by operator 0)."""
    graph_sp = client.principal(tenant, GRAPH_APP)
    principal = client.principal(tenant, app_id)
    for value in values:
        role = next(r['id'] for r in graph_sp['appRoles'] if r['value'] == value)
        answer = client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % graph_sp['id'],
                              {'principalId': principal['id'], 'resourceId': graph_sp['id'], 'appRoleId': role})
        assert answer.status_code == 201, answer.text
    return principal


def new_app(client, tenant, name, graph=(), exchange_roles=(), directory_roles=(), **properties):
    """An app registered through Graph in `tenant` (with these other properties) with a secret, its service
    principal and consent: (appId, service principal id, application object id, secret)."""
    app = client.graph(tenant, 'POST', '/applications', dict(properties, displayName=name)).json()
    secret = client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'],
                          {'passwordCredential': {'displayName': 'test'}}).json()['secretText']
    principal = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}).json()
    for resource_app_id, values in ((GRAPH_APP, graph), (EXCHANGE_APP, exchange_roles)):
        resource = client.principal(tenant, resource_app_id)
        for value in values:
            role = next(r for r in resource['appRoles'] if r['value'] == value)
            granted = client.graph(tenant, 'POST', '/servicePrincipals/%s/appRoleAssignedTo' % resource['id'],
                                   {'principalId': principal['id'], 'resourceId': resource['id'],
                                    'appRoleId': role['id']})
            assert granted.status_code == 201, granted.text
    if directory_roles:  # the emulator has no Graph route for directory role assignments: set them in its state
        with client.emu.store.lock:
            client.emu.store.tenant(tenant)['directoryRoles'][principal['id']] = list(directory_roles)
    return app['appId'], principal['id'], app['id'], secret


def app_token(client, tenant, app_id, secret, service='graph'):
    """A token for an app of the tests' own, signed in with client credentials as msal does it."""
    app = msal.ConfidentialClientApplication(app_id, authority='%s/%s' % (client.emu.endpoints['login'], tenant),
                                             client_credential=secret, instance_discovery=False,
                                             http_client=client.http)
    result = app.acquire_token_for_client([client.emu.endpoints[service] + '/.default'])
    assert 'access_token' in result, result
    return result['access_token']
