# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A person signs in once with the OAuth 2.0 device authorization grant (msal's initiate_device_flow and
acquire_token_by_device_flow): the run shows the verification URL and the user code, the person enters the
code there on any device, and the run receives a delegated token in that person's name.

https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
"""

from __future__ import annotations

import time

try:
    import msal
except ImportError:
    pass  # M365Module reports the missing library before any sign-in

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._http import ExplicitVerifyClient, login_error

# Microsoft Graph Command Line Tools: Microsoft's own public client (the one Microsoft Graph PowerShell signs in
# with), present in every tenant, that asks for the delegated permissions it needs at sign-in (an administrator
# consents to them there). https://learn.microsoft.com/powershell/microsoftgraph/authentication-commands
GRAPH_COMMAND_LINE_TOOLS = '14d82eec-204b-4c2f-b7e8-296a70dab67e'

# Polling answers that mean the person has not finished yet (msal keeps polling on them).
_PENDING = ('authorization_pending', 'slow_down')


class SignInRefused(MicrosoftApiError):
    """The person declined, the code expired unused, or the sign-in was refused."""


def device_sign_in(connection, client_id, scopes, show, timeout, clock=time.time):
    """A delegated token for `scopes` (full scope URIs of one resource), signed in by a person with a device code.

    show(message) is called once with the verification URL and the user code; the sign-in waits at most `timeout`
    seconds (or the code's own lifetime when shorter). Returns (access token, the ID token's claims)."""
    endpoints = connection.endpoints
    app = msal.PublicClientApplication(
        client_id, authority='%s/%s' % (endpoints.login, connection.params['tenant_id']),
        instance_discovery=None if endpoints.login_is_known else False,
        http_client=ExplicitVerifyClient(connection.session, connection.params['request_timeout'], connection.policy))
    flow = app.initiate_device_flow(scopes=list(scopes))
    if 'user_code' not in flow:
        raise login_error(None, flow)
    show(flow['message'])
    deadline = clock() + timeout
    flow['expires_at'] = min(flow.get('expires_at') or deadline, deadline)
    answer = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: clock() > flow['expires_at'])
    if 'access_token' in answer:
        return answer['access_token'], answer.get('id_token_claims') or {}
    if answer.get('error') in _PENDING:
        raise SignInRefused('login', None, 'expired_token', 'nobody entered the code %s within %d s, so nothing was '
                            'done in this tenant; run again and enter the code at %s'
                            % (flow['user_code'], timeout, flow.get('verification_uri')))
    error = login_error(None, answer)
    raise SignInRefused('login', None, error.code, 'the sign-in with code %s was not completed: %s'
                        % (flow['user_code'], error.message))
