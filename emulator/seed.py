"""Builds the emulator's directory from a seed file (YAML; format in README.md).

Operators are the apps the automation signs in as: registered in their home
tenant (multitenant, with the seed's secrets and an optional generated
certificate whose key is written for the tests and the demo), or a public client
a person signs in with (`public_client`, its `delegated_permissions`). Each tenant
gets Microsoft's first-party service principals (with their app roles and
delegated permissions), the seed's applications and users, and service principals
of operator apps with their consent (app role assignments). Directory roles of
users and service principals go to one store, the tenant's `directoryRoles`
(graph_roles.py serves it as role assignments). A service's own section
(`exchange`) is handed to that service's builder (SECTIONS) with the users that
have a mailbox, and kept in the tenant's state.
"""

from __future__ import annotations

from emulator import catalog, exchange, tls
from emulator.objects import (application, app_role_assignment, key_credential, now_iso, parse_time,
                              password_credential, relative_date, secret_hash, service_principal, utc_now)

# A service's own per-tenant section: seed section name -> builder(section, users, domain) of its state.
SECTIONS = {'exchange': exchange.seed_state}
TENANT_KEYS = {'id', 'domain', 'display_name', 'app_management_policy', 'service_principals', 'applications',
               'users', 'premium'} | set(SECTIONS)
# The redirect URI of a public client on a device (https://learn.microsoft.com/entra/identity-platform/
# msal-client-application-configuration#redirect-uri).
NATIVE_CLIENT_REDIRECT = 'https://login.microsoftonline.com/common/oauth2/nativeclient'
# A seed user: Graph user properties, its directory roles (names) and whether it has an Exchange mailbox (true).
USER_KEYS = {'id', 'userPrincipalName', 'displayName', 'mail', 'givenName', 'surname', 'jobTitle', 'directory_roles',
             'mailbox'}


class SeedError(ValueError):
    pass


def build(seed, state_dir):
    """The store's data from a parsed seed: {tenants, secrets, certificates, operators}."""
    if not isinstance(seed, dict) or not seed.get('tenants'):
        raise SeedError('seed: a mapping with `tenants` (and usually `operators`) is expected')
    data = {'tenants': {}, 'secrets': {}, 'certificates': {}, 'operators': []}
    for spec in seed['tenants']:
        unknown = set(spec) - TENANT_KEYS
        if unknown:
            raise SeedError('seed: tenant %s has unknown keys %s' % (spec.get('id'), sorted(unknown)))
        data['tenants'][spec['id']] = _tenant(spec)
    for spec in seed.get('operators') or []:
        _operator(data, spec, state_dir)
    for spec in seed['tenants']:
        for grant in spec.get('service_principals') or []:
            _consent(data, data['tenants'][spec['id']], grant)
    return data


def _tenant(spec):
    if not isinstance(spec.get('premium', True), bool):
        raise SeedError('seed: tenant %s: premium (a Microsoft Entra ID P1 or P2 licence) is true or false'
                        % spec['id'])
    tenant = {'id': spec['id'], 'domain': spec['domain'], 'displayName': spec.get('display_name', spec['domain']),
              'policy': dict(spec.get('app_management_policy') or {}), 'applications': [], 'servicePrincipals': [],
              'appRoleAssignments': [], 'directoryRoles': {}, 'owners': {}, 'created': {}, 'users': [],
              'premium': spec.get('premium', True)}  # a Microsoft Entra ID P1 or P2 licence (graph_reports.py)
    for resource_app_id, first_party in catalog.FIRST_PARTY.items():
        principal = service_principal(resource_app_id, first_party['displayName'], catalog.MICROSOFT_TENANT_ID,
                                      catalog.app_roles(resource_app_id))
        principal['oauth2PermissionScopes'] = catalog.permission_scopes(resource_app_id)
        tenant['servicePrincipals'].append(principal)
    for raw in spec.get('applications') or []:
        app = application(raw.get('displayName', 'app'), **dict({'publisherDomain': spec['domain']}, **raw))
        for credential in app['passwordCredentials']:
            credential['endDateTime'] = relative_date(credential['endDateTime'])
            credential['startDateTime'] = relative_date(credential.get('startDateTime') or now_iso())
            credential.setdefault('secretText', None)
        tenant['applications'].append(app)
    mailboxes = [_user(tenant, raw) for raw in spec.get('users') or []]
    for name, build_section in SECTIONS.items():
        tenant[name] = build_section(spec.get(name), [user for user in mailboxes if user], spec['domain'])
    return tenant


def _roles(names, what):
    names = list(names or [])
    unknown = [name for name in names if name not in catalog.DIRECTORY_ROLES]
    if unknown:
        raise SeedError('seed: %s names unknown directory role(s) %s; known: %s'
                        % (what, unknown, sorted(catalog.DIRECTORY_ROLES)))
    return names


def _user(tenant, raw):
    """A seed user into the directory (its directory roles into the tenant's one role store); the user, or None
    when it has no mailbox (`mailbox: false`, e.g. an administrator without an Exchange Online licence)."""
    unknown = set(raw) - USER_KEYS
    if unknown or not raw.get('id') or not raw.get('userPrincipalName'):
        raise SeedError('seed: a user needs id and userPrincipalName and takes %s (got %s)'
                        % (sorted(USER_KEYS), sorted(raw)))
    user = dict((name, value) for name, value in raw.items() if name not in ('directory_roles', 'mailbox'))
    tenant['users'].append(user)
    roles = _roles(raw.get('directory_roles'), 'user %s' % raw['userPrincipalName'])
    if roles:
        tenant['directoryRoles'][user['id']] = roles
    return user if raw.get('mailbox', True) else None


def _operator(data, spec, state_dir):
    home = data['tenants'].get(spec['home_tenant'])
    if home is None:
        raise SeedError('seed: operator %s names an unknown home_tenant %s' % (spec['app_id'], spec['home_tenant']))
    app = application(spec['display_name'], appId=spec['app_id'], signInAudience='AzureADMultipleOrgs',
                      publisherDomain=home['domain'], requiredResourceAccess=_scopes_wanted(spec))
    if spec.get('public_client'):  # https://learn.microsoft.com/entra/identity-platform/msal-client-applications
        app['isFallbackPublicClient'] = True
        app['publicClient'] = {'redirectUris': [NATIVE_CLIENT_REDIRECT]}
    for secret in spec.get('secrets') or []:
        end = parse_time(relative_date(secret.get('end_date_time', '+730d')))
        credential = password_credential(secret.get('display_name'), utc_now(), end, secret['value'][:3])
        app['passwordCredentials'].append(credential)
        data['secrets'][credential['keyId']] = secret_hash(secret['value'])
    certificate = spec.get('certificate') or {}
    if certificate.get('generate'):
        cert = tls.operator_certificate(state_dir, spec['app_id'], certificate.get('pfx_password'))
        credential = key_credential('CN=%s' % tls.common_name(cert), cert.not_valid_before_utc,
                                    cert.not_valid_after_utc, tls.thumbprints(cert)[0])
        app['keyCredentials'].append(credential)
        data['certificates'][credential['keyId']] = tls.certificate_pem(cert)
    home['applications'].append(app)
    data['operators'].append({'app_id': spec['app_id'], 'home_tenant': spec['home_tenant']})


def _scopes_wanted(spec):
    """requiredResourceAccess for an operator's `delegated_permissions: {graph: [names]}` (type Scope): what a
    person consents to when approving its sign-in."""
    wanted = []
    for resource_key, values in (spec.get('delegated_permissions') or {}).items():
        resource_app_id = catalog.ALIASES.get(resource_key, resource_key)
        scopes = dict((s['value'], s['id']) for s in catalog.FIRST_PARTY.get(resource_app_id, {}).get(
            'oauth2PermissionScopes', []))
        unknown = [value for value in values if value not in scopes]
        if unknown:
            raise SeedError('seed: operator %s asks for unknown delegated permission(s) %s of %s'
                            % (spec['app_id'], unknown, resource_key))
        wanted.append({'resourceAppId': resource_app_id,
                       'resourceAccess': [{'id': scopes[value], 'type': 'Scope'} for value in values]})
    return wanted


def _home_app(data, app_id):
    for tenant in data['tenants'].values():
        for app in tenant['applications']:
            if app['appId'] == app_id:
                return tenant, app
    raise SeedError('seed: service principal for unknown app %s (declare it under operators)' % app_id)


def _consent(data, tenant, grant):
    """The service principal of an operator app in a tenant, its app role assignments and directory roles."""
    home, app = _home_app(data, grant['app_id'])
    principal = service_principal(app['appId'], app['displayName'], home['id'])
    tenant['servicePrincipals'].append(principal)
    for resource_key, values in (grant.get('app_roles') or {}).items():
        resource_app_id = catalog.ALIASES.get(resource_key, resource_key)
        if resource_app_id not in catalog.FIRST_PARTY:
            raise SeedError('seed: app_roles names an unknown resource %r; use graph, exchange or their app ids'
                            % resource_key)
        resource = next(sp for sp in tenant['servicePrincipals'] if sp['appId'] == resource_app_id)
        for value in values:
            tenant['appRoleAssignments'].append(
                app_role_assignment(principal, resource, catalog.role_id(resource_app_id, value)))
    tenant['directoryRoles'][principal['id']] = _roles(grant.get('directory_roles'),
                                                       'service principal of %s' % app['appId'])
