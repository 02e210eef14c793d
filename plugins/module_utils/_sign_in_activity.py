# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When each client secret of an app last signed in, as Microsoft Entra reports it per credential
(GET /beta/reports/appCredentialSignInActivities: Graph beta, AuditLog.Read.All, a Microsoft Entra ID P1 or P2
licence, the global cloud only). Where the report cannot be had, the reason why, never a guess.

https://learn.microsoft.com/graph/api/reportroot-list-appcredentialsigninactivities?view=graph-rest-beta
"""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._graph import odata_quote

REPORT = '/reports/appCredentialSignInActivities'
# Application permissions that read the report (the least privileged first).
READERS = ('AuditLog.Read.All', 'Directory.Read.All')


def last_sign_ins(connection, app_id):
    """({keyId: aware datetime of its last sign-in}, None), or (None, why the report is unavailable)."""
    if connection.params.get('cloud', 'public') != 'public':
        return None, 'Entra reports sign-ins per credential in the global cloud only'
    roles = connection.token_claims('graph').get('roles')
    if roles is not None and not set(roles) & set(READERS):
        return None, 'the operator holds neither %s, so Entra\'s sign-ins per credential cannot be read' % \
            ' nor '.join(READERS)
    try:
        items = connection.graph_beta.list(REPORT, params={'$filter': 'appId eq %s' % odata_quote(app_id)})
    except MicrosoftApiError as exc:
        return None, 'Entra\'s sign-ins per credential (Graph beta; Microsoft Entra ID P1 or P2) could not be read: ' \
                     'HTTP %s %s' % (exc.status, exc.code)
    found = {}
    for item in items:
        when = (item.get('signInActivity') or {}).get('lastSignInDateTime')
        if item.get('keyId') and when:
            moment = secrets.parse_datetime(when)
            found[item['keyId']] = max(moment, found.get(item['keyId'], moment))
    return found, None
