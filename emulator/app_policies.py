"""App management policies as Microsoft Entra applies them (no routes): the tenant default, custom
policies and their assignment to applications, and the password restrictions addPassword obeys
(password_refusal) and new key credentials obey (key_refusal, asymmetricKeyLifetime). graph_policies serves them
over Graph; graph_applications asks password_refusal, graph_keys key_refusal.

State, per tenant: `defaultAppManagementPolicy` (the tenant default once it has been updated;
until then it is built from the seed's `app_management_policy`), `appManagementPolicies` (a
list, in Graph's shape) and `appManagementPolicyAssignments` ({application object id: policy
id}: an object takes one policy at most).

https://learn.microsoft.com/graph/api/resources/appmanagementpolicy
https://learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy
"""

from __future__ import annotations

import copy
import datetime
import re

from emulator.objects import parse_time

DEFAULT_ID = '00000000-0000-0000-0000-000000000000'
EMPTY = {'passwordCredentials': [], 'keyCredentials': []}
# Edm.Duration as Graph writes it (xs:dayTimeDuration): days, hours, minutes, seconds; no years or months.
DURATION = re.compile(r'^P(?=\d|T\d)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$')
# "Service principals with a createdDateTime null are treated as having being created on 01/01/2019."
# (appmanagementpolicy-post); the emulator treats applications so too.
NULL_CREATED = datetime.datetime(2019, 1, 1, tzinfo=datetime.timezone.utc)


def duration(text):
    """An ISO 8601 duration (P4DT12H30M5S) as a timedelta; ValueError when it is not one Graph accepts."""
    match = DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(text)
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    value = datetime.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value <= datetime.timedelta(0):
        raise ValueError(text)
    return value


def seeded_policy(tenant):
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
        'id': DEFAULT_ID,
        'displayName': 'Default app management tenant policy',
        'description': 'Default tenant policy that enforces app management restrictions on applications and '
                       'service principals.',
        'isEnabled': bool(restrictions),
        'applicationRestrictions': {'passwordCredentials': restrictions, 'keyCredentials': []},
        'servicePrincipalRestrictions': copy.deepcopy(EMPTY),
    }


def tenant_policy(tenant):
    """The tenant default policy as it stands: as last updated, else as seeded."""
    return tenant.get('defaultAppManagementPolicy') or seeded_policy(tenant)


def policies(tenant):
    return tenant.setdefault('appManagementPolicies', [])


def assignments(tenant):
    return tenant.setdefault('appManagementPolicyAssignments', {})


def policy_by_id(tenant, policy_id):
    """A custom appManagementPolicy by id (ids compare case-insensitively), or None."""
    return next((p for p in policies(tenant) if p['id'].lower() == (policy_id or '').lower()), None)


def assigned_policy(tenant, object_id):
    """The appManagementPolicy applied to an application (by object id), or None."""
    policy_id = assignments(tenant).get(object_id)
    return policy_by_id(tenant, policy_id) if policy_id else None


# Enforcement ----------------------------------------------------------------------------------


def _created(app):
    try:
        return parse_time(app['createdDateTime']) if app.get('createdDateTime') else NULL_CREATED
    except ValueError:
        return NULL_CREATED


def _applies(restriction, created):
    """An enabled restriction applies to apps created on or after restrictForAppsCreatedAfterDateTime ("the date
    from which the policy restriction applies"), or to every app when that is null."""
    if restriction.get('state', 'enabled') != 'enabled':
        return False
    after = restriction.get('restrictForAppsCreatedAfterDateTime')
    return after is None or created >= parse_time(after)


def restrictions(tenant, app, kind):
    """(policy id, the `kind` restrictions (passwordCredentials or keyCredentials) that apply to this application):
    its own appManagementPolicy when that is enabled (the app "adopts this policy over the tenant-wide
    tenantAppManagementPolicy setting", appmanagementpolicy-post-appliesto), else the tenant default's
    applicationRestrictions when it is enabled."""
    own = assigned_policy(tenant, app['id'])
    if own is not None and own.get('isEnabled'):
        policy_id, found = own['id'], (own.get('restrictions') or {}).get(kind)
    else:
        default = tenant_policy(tenant)
        if not default.get('isEnabled'):
            return None, []
        policy_id, found = default['id'], (default.get('applicationRestrictions') or {}).get(kind)
    created = _created(app)
    return policy_id, [r for r in found or [] if _applies(r, created)]


def password_restrictions(tenant, app):
    return restrictions(tenant, app, 'passwordCredentials')


def password_refusal(tenant, app, start, end):
    """(code, message) of the 400 Graph answers addPassword with when a policy forbids the new password, or None.

    Neither code nor message is in Microsoft's API reference. The codes are those Microsoft's own Teams/Microsoft
    365 Agents Toolkit checks for after addPassword (OfficeDev/microsoft-365-agents-toolkit,
    packages/fx-core/src/component/driver/aad/utility/constants.ts: CredentialInvalidLifetimeAsPerAppPolicy,
    CredentialTypeNotAllowedAsPerAppPolicy); the messages are as reported from real tenants, e.g.
    https://github.com/KelvinTegelaar/CIPP-API/pull/1970 ("Credential lifetime exceeds the max value allowed as per
    assigned policy <policy ID>") and "Credential type not allowed as per assigned policy". The policy id is quoted
    as Entra quotes it in its other "as per assigned policy '<id>'" messages [unverified for these two].
    """
    policy_id, restrictions = password_restrictions(tenant, app)
    if any(r['restrictionType'] == 'passwordAddition' for r in restrictions):
        return ('CredentialTypeNotAllowedAsPerAppPolicy',
                "Credential type not allowed as per assigned policy '%s'." % policy_id)
    for restriction in restrictions:
        if restriction['restrictionType'] == 'passwordLifetime' and \
                end - start > duration(restriction['maxLifetime']):
            return ('CredentialInvalidLifetimeAsPerAppPolicy',
                    "Credential lifetime exceeds the max value allowed as per assigned policy '%s'." % policy_id)
    return None


def key_refusal(tenant, app, start, end):
    """(code, message) of the 400 a new key credential gets when an asymmetricKeyLifetime restriction allows less
    than end - start, or None; worded as password_refusal's lifetime refusal (the same Entra check, for keys)."""
    policy_id, found = restrictions(tenant, app, 'keyCredentials')
    for restriction in found:
        if restriction['restrictionType'] == 'asymmetricKeyLifetime' and restriction.get('maxLifetime') and \
                end - start > duration(restriction['maxLifetime']):
            return ('CredentialInvalidLifetimeAsPerAppPolicy',
                    "Credential lifetime exceeds the max value allowed as per assigned policy '%s'." % policy_id)
    return None
