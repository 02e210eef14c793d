"""A small client that talks to the emulator as Microsoft's SDKs would."""

from __future__ import annotations

import os

import msal
import yaml

from emulator.client import EmulatorHttpClient

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = os.path.join(REPO, 'emulator', 'seeds', 'test.yml')


class Client(object):
    def __init__(self, emulator):
        self.emu = emulator
        self.seed = yaml.safe_load(open(SEED))
        self.http = EmulatorHttpClient(emulator.endpoints['ca_bundle'])

    def tenant(self, index):
        return self.seed['tenants'][index]['id']

    def msal_app(self, tenant, operator=0, credential=None):
        op = self.seed['operators'][operator]
        return msal.ConfidentialClientApplication(
            op['app_id'], client_credential=credential or op['secrets'][0]['value'],
            authority='%s/%s' % (self.emu.endpoints['login'], tenant), instance_discovery=False,
            http_client=self.http)

    def token(self, tenant, service='graph', operator=0, credential=None):
        result = self.msal_app(tenant, operator, credential).acquire_token_for_client(
            [self.emu.endpoints[service] + '/.default'])
        return result.get('access_token'), result

    def call(self, tenant, method, path, body=None, service='graph', operator=0, headers=None, token=None):
        token = token or self.token(tenant, service, operator)[0]
        url = path if path.startswith('https://') else self.emu.endpoints[service] + path
        sent = dict(headers or {}, Authorization='Bearer %s' % token)
        return self.http.session.request(method, url, json=body, headers=sent, verify=self.emu.endpoints['ca_bundle'])

    def exo(self, tenant, cmdlet, parameters=None, operator=0, url=None):
        body = {'CmdletInput': {'CmdletName': cmdlet, 'Parameters': parameters or {}}}
        return self.call(tenant, 'POST', url or '/adminapi/beta/%s/InvokeCommand' % tenant, body, service='exchange',
                         operator=operator, headers={'X-AnchorMailbox': 'APP:SystemMailbox@%s' % tenant})
