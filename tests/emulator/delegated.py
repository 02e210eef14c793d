"""Signing a person in with the device authorization grant, for the tests of delegated access: the device code
endpoint and token polls as a client sends them, the approval as the control listener takes it."""

from __future__ import annotations

import jwt

BOOTSTRAP = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c03'  # the test seed's public client (operator 2)
AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'
DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10'
PRIVILEGED_ROLE_ADMINISTRATOR = 'e8611ab8-c189-46e8-94e1-60213ab1f814'
EXCHANGE_ADMINISTRATOR = '29232cdf-9323-42fd-ade2-1d097af3e4de'


def claims(token):
    return jwt.decode(token, options={'verify_signature': False})


def login(client, path, **form):
    """POST a form to the login listener: (status, body)."""
    answer = client.http.post(client.emu.endpoints['login'] + path, data=form)
    return answer.status_code, answer.json()


def start(client, tenant, client_id=BOOTSTRAP, scope=None):
    scope = scope or 'https://graph.microsoft.com/.default offline_access openid profile'
    status, body = login(client, '/%s/oauth2/v2.0/devicecode' % tenant, client_id=client_id, scope=scope)
    assert status == 200, body
    return body


def poll(client, tenant, device_code, client_id=BOOTSTRAP, **extra):
    return login(client, '/%s/oauth2/v2.0/token' % tenant, grant_type=DEVICE_GRANT, client_id=client_id,
                 device_code=device_code, **extra)


def control(client, answer, **body):
    """POST /devicecode/approve or /decline on the control listener: the response."""
    return client.http.session.post('%s/devicecode/%s' % (client.emu.endpoints['control'], answer), json=body,
                                    verify=client.emu.endpoints['ca_bundle'])


def approve(client, user_code, user):
    return control(client, 'approve', user_code=user_code, user=user)


def user_token(client, tenant, user, client_id=BOOTSTRAP, scope=None):
    """A delegated token for `user`, signed in through a device code they approve."""
    flow = start(client, tenant, client_id, scope)
    approved = approve(client, flow['user_code'], user)
    assert approved.status_code == 200, approved.text
    status, body = poll(client, tenant, flow['device_code'], client_id)
    assert status == 200, body
    return body['access_token']
