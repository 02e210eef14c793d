"""Consent for delegated permissions, as a sign-in (identity_device.py) meets it.

What a client may do on a resource for a signed-in user is what was consented:
- a first-party public client of catalog.PUBLIC_CLIENTS (Azure CLI): the permissions Microsoft preauthorized;
- any other client: the tenant's delegated permission grants (Graph's oAuth2PermissionGrant objects, kept in the
  tenant's `oauth2PermissionGrants`, which graph_grants.py serves) of its service principal on the resource, for all
  users (consentType AllPrincipals) or this user (Principal).

When the sign-in asks for more than was consented (`.default` asks for the permissions the client's application
lists in requiredResourceAccess, type Scope), the person approving is asked to consent: an administrator who may
grant tenant-wide consent (Global Administrator, Privileged Role Administrator, Application or Cloud Application
Administrator: https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent) consents for the
organization, which creates the client's service principal if it has none and an AllPrincipals grant, as Entra's
consent prompt does. Anyone else cannot: user consent is treated as disabled (stricter than a tenant's default, which
lets users consent to some permissions of verified publishers).
https://learn.microsoft.com/entra/identity-platform/permissions-consent-overview
"""

from __future__ import annotations

import base64
import uuid

from emulator import catalog
from emulator.objects import service_principal

GRANTS_KEY = 'oauth2PermissionGrants'


class ConsentRequired(Exception):
    def __init__(self, status, message):
        super(ConsentRequired, self).__init__(message)
        self.status = status


def _principal(tenant, app_id):
    return next((sp for sp in tenant['servicePrincipals'] if sp['appId'] == app_id), None)


def consented(tenant, client_id, resource_app_id, user_id):
    """The delegated permissions (names) consented to the client on the resource for the user; None when the client
    was never consented to there."""
    public = catalog.PUBLIC_CLIENTS.get(client_id)
    if public is not None:
        return set(public['preauthorized'].get(resource_app_id, ()))
    client, resource = _principal(tenant, client_id), _principal(tenant, resource_app_id)
    if client is None or resource is None:
        return None
    grants = [g for g in tenant.get(GRANTS_KEY) or [] if g.get('clientId') == client['id'] and
              g.get('resourceId') == resource['id'] and
              (g.get('consentType') == 'AllPrincipals' or g.get('principalId') == user_id)]
    if not grants:
        return None
    return set(name for grant in grants for name in (grant.get('scope') or '').split())


def may_consent(tenant, user):
    """Whether the user may grant tenant-wide consent to delegated permissions."""
    roles = tenant['directoryRoles'].get(user['id'], [])
    return catalog.allows(roles, catalog.CONSENT_ANY) or catalog.allows(roles, catalog.CONSENT_EXCEPT_GRAPH)


def static_permissions(store, client_id, resource_app_id):
    """The delegated permissions of the resource the client's application lists (requiredResourceAccess, Scope)."""
    _home, app = store.home_of(client_id)
    names = dict((s['id'], s['value']) for s in catalog.FIRST_PARTY[resource_app_id]['oauth2PermissionScopes'])
    return set(names[access['id']] for wanted in (app or {}).get('requiredResourceAccess') or []
               if wanted.get('resourceAppId') == resource_app_id
               for access in wanted.get('resourceAccess') or []
               if access.get('type') == 'Scope' and access.get('id') in names)


def grant_for_sign_in(store, tenant, code, user):
    """The delegated permissions a sign-in (a device code: client_id, resource, scopes or None for .default) gets for
    the user, consenting for the organization when the user may and must; ConsentRequired otherwise."""
    have = consented(tenant, code['client_id'], code['resource'], user['id'])
    if code['scopes'] is None and have is not None:
        return sorted(have)
    wanted = static_permissions(store, code['client_id'], code['resource']) if code['scopes'] is None \
        else set(code['scopes'])
    if have is not None and wanted <= have:
        return sorted(wanted)
    if not wanted:
        raise ConsentRequired(400, "AADSTS650057: Invalid resource. The client has requested access to a resource "
                                   "which isn't listed in the requested permissions in the client's application "
                                   "registration. Client app ID: %s." % code['client_id'])
    if code['client_id'] in catalog.PUBLIC_CLIENTS:
        raise ConsentRequired(400, 'AADSTS65002: Consent between first party application %s and first party '
                                   'resource %s must be configured via preauthorization.'
                                   % (code['client_id'], code['resource']))
    if not may_consent(tenant, user):
        raise ConsentRequired(403, 'AADSTS90094: Administrator consent is required: %s needs permission to access '
                                   'resources in your organization that only an admin can grant.' % code['client_id'])
    _record_consent(store, tenant, code['client_id'], code['resource'], wanted | (have or set()))
    return sorted(wanted)


def _record_consent(store, tenant, client_id, resource_app_id, names):
    """Admin consent: the client's service principal (made if missing) and its AllPrincipals grant on the resource."""
    client = _principal(tenant, client_id)
    if client is None:
        home, app = store.home_of(client_id)
        client = service_principal(client_id, app['displayName'], home['id'], app.get('appRoles'),
                                   app['signInAudience'])
        tenant['servicePrincipals'].append(client)
    resource = _principal(tenant, resource_app_id)
    grants = tenant.setdefault(GRANTS_KEY, [])
    grant = next((g for g in grants if g.get('clientId') == client['id'] and g.get('resourceId') == resource['id']
                  and g.get('consentType') == 'AllPrincipals'), None)
    if grant is None:
        grant = {'id': base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip('='),
                 'clientId': client['id'], 'consentType': 'AllPrincipals', 'principalId': None,
                 'resourceId': resource['id'], 'scope': ''}
        grants.append(grant)
    grant['scope'] = ' '.join(sorted(set(grant['scope'].split()) | set(names)))
