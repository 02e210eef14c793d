"""Microsoft Graph beta reports (graph listener, under /beta: the only beta routes the emulator serves; any other
beta path is Graph's unknown segment, 400): the application credential activity report, from the sign-in records
signin_activity.py keeps per tenant (only credentials that signed in are listed).

https://learn.microsoft.com/graph/api/resources/appcredentialsigninactivity?view=graph-rest-beta

The report needs a Microsoft Entra ID P1 or P2 licence (the seed's `premium`, true unless a tenant says false):
https://learn.microsoft.com/entra/identity/monitoring-health/concept-usage-insights-report#prerequisites. Without
one Graph answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant, worded as reported in
https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/3808 (the status, for a beta report) and
https://github.com/microsoft/woodgrove-groceries/issues/51 (the current text).
"""

from __future__ import annotations

import copy
import re

from emulator import odata
from emulator.graph_routes import DENIED, delegated, key_value, not_found, route
from emulator.signin_activity import records

PATH = 'reports/appCredentialSignInActivities'
TYPE = 'appCredentialSignInActivity'
READ = ('AuditLog.Read.All', 'Directory.Read.All')
# A signed-in user must also hold one of these Microsoft Entra roles (the report's prerequisites, cited above).
READER_ROLES = ('Global Administrator', 'Reports Reader', 'Security Administrator', 'Security Reader')
FILTERABLE = ('appId', 'keyId')  # the page's examples; `eq` only, clauses joined by `and`
TEMPLATE = {'id': None, 'keyId': None, 'keyType': None, 'keyUsage': None, 'appId': None, 'appObjectId': None,
            'servicePrincipalObjectId': None, 'resourceId': None, 'credentialOrigin': None,
            'expirationDateTime': None, 'createdDateTime': None, 'signInActivity': None}
_CLAUSE = r"(\w+)\s+(\w+)\s+'(?:[^']|'')*'"
_FILTER = re.compile(r'^\s*%s(?:\s+and\s+%s)*\s*$' % (_CLAUSE, _CLAUSE))


def _allowed(request):
    """403 unless the tenant is licensed for the report, and a signed-in user holds a reader role."""
    if delegated(request) and not set(request.tenant['directoryRoles'].get(request.claims.get('oid'), [])) & \
            set(READER_ROLES):
        request.fail(403, 'Authorization_RequestDenied', DENIED)
    if request.tenant.get('premium', True) is False:
        request.fail(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
                     "Tenant is not a B2C tenant and doesn't have premium license")


def _check_filter(request):
    """Only `<appId|keyId> eq '<text>'` clauses joined by `and` (what the page documents); anything else 400."""
    text = request.query.get('$filter')
    if text is None:
        return
    if not _FILTER.match(text):
        request.fail(400, 'BadRequest', "Invalid filter clause: syntax error in '%s'." % text)
    for name, operator in re.findall(_CLAUSE, text):
        if name not in FILTERABLE or operator.lower() != 'eq':
            request.fail(400, 'Request_UnsupportedQuery', "Unsupported or invalid query filter clause specified for "
                                                          "property '%s' of resource 'AppCredentialSignInActivity'."
                         % name)


def _context(request, entity=False):
    return '%s/beta/$metadata#%s%s' % (request.emulator.endpoints['graph'], PATH, '/$entity' if entity else '')


# https://learn.microsoft.com/graph/api/reportroot-list-appcredentialsigninactivities?view=graph-rest-beta
# $top and $filter as the page lists them; $orderby (also listed) is refused, not emulated (400).
@route('GET', r'/reports/appCredentialSignInActivities', READ, version='beta')
def list_activities(request):
    _allowed(request)
    odata.check_options(request, ('$filter', '$top', '$skiptoken'))
    _check_filter(request)
    items = sorted(records(request.tenant).values(), key=lambda item: item['id'])
    body = odata.collection(request, items, TYPE, PATH, TEMPLATE, filterable=FILTERABLE)
    body['@odata.context'] = _context(request)
    return 200, body


# https://learn.microsoft.com/graph/api/appcredentialsigninactivity-get?view=graph-rest-beta (no query options)
@route('GET', r'/reports/appCredentialSignInActivities/(?P<id>[^/]+)', READ, version='beta')
def get_activity(request):
    _allowed(request)
    odata.check_options(request, ())
    key = key_value(request, 'id')
    found = records(request.tenant).get(key)
    if found is None:
        not_found(request, key)
    return 200, dict({'@odata.context': _context(request, entity=True)}, **copy.deepcopy(found))
