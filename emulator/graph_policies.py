"""Graph v1.0 app management policies: the tenant default policy, as the
collection reads it before it mints a secret."""

from __future__ import annotations

from emulator import odata
from emulator.graph import require, route

# https://learn.microsoft.com/graph/api/tenantappmanagementpolicy-get#permissions
READ = ('Policy.Read.ApplicationConfiguration', 'Policy.Read.All', 'Policy.ReadWrite.ApplicationConfiguration')
EMPTY = {'passwordCredentials': [], 'keyCredentials': []}


def tenant_policy(tenant):
    """The tenant's defaultAppManagementPolicy built from the seed's app_management_policy.

    https://learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy
    https://learn.microsoft.com/graph/api/resources/passwordcredentialconfiguration
    """
    policy = tenant['policy']
    restrictions = []
    if policy.get('password_max_lifetime_days'):
        restrictions.append({'restrictionType': 'passwordLifetime', 'state': 'enabled',
                             'maxLifetime': 'P%dD' % policy['password_max_lifetime_days'],
                             'restrictForAppsCreatedAfterDateTime': '2019-01-01T00:00:00Z'})
    if policy.get('password_addition_blocked'):
        restrictions.append({'restrictionType': 'passwordAddition', 'state': 'enabled', 'maxLifetime': None,
                             'restrictForAppsCreatedAfterDateTime': '2019-01-01T00:00:00Z'})
    return {
        'id': '00000000-0000-0000-0000-000000000000',
        'displayName': 'Default app management tenant policy',
        'description': 'Default tenant policy that enforces app management restrictions on applications and '
                       'service principals.',
        'isEnabled': bool(restrictions),
        'applicationRestrictions': {'passwordCredentials': restrictions, 'keyCredentials': []},
        'servicePrincipalRestrictions': dict(EMPTY),
    }


# https://learn.microsoft.com/graph/api/tenantappmanagementpolicy-get
@route('GET', r'/policies/defaultAppManagementPolicy')
def get_default_policy(request):
    require(request, READ)
    with request.store.lock:
        body = tenant_policy(request.tenant)
    return 200, dict({'@odata.context': odata.context(request, 'policies/defaultAppManagementPolicy', entity=True)},
                     **body)
