"""The emulator's multi-tenant directory: seeded from YAML, kept in memory
behind one lock, and saved atomically after every write."""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
import os
import threading
import uuid

import yaml
from cryptography.hazmat.primitives import serialization

from emulator import catalog, exchange, tls


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def relative_date(value):
    """'+10d' / '-5d' (days from now, for seeds that must stay current) or an ISO date as it is."""
    if isinstance(value, str) and value[:1] in '+-' and value.endswith('d'):
        moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=int(value[:-1]))
        return moment.strftime('%Y-%m-%dT%H:%M:%SZ')
    return value


def new_id():
    return str(uuid.uuid4())


def secret_hash(value):
    return hashlib.sha256(value.encode('utf-8')).hexdigest()


def application(display_name, **properties):
    """A Graph application object with the defaults Graph gives a new one.

    https://learn.microsoft.com/graph/api/resources/application
    """
    app = {
        'id': new_id(), 'appId': new_id(), 'deletedDateTime': None, 'applicationTemplateId': None,
        'disabledByMicrosoftStatus': None, 'createdDateTime': now_iso(), 'displayName': display_name,
        'description': None, 'groupMembershipClaims': None, 'identifierUris': [], 'isDeviceOnlyAuthSupported': None,
        'isFallbackPublicClient': None, 'notes': None, 'publisherDomain': None, 'serviceManagementReference': None,
        'signInAudience': 'AzureADMyOrg', 'tags': [], 'tokenEncryptionKeyId': None, 'uniqueName': None,
        'defaultRedirectUri': None, 'optionalClaims': None, 'addIns': [], 'appRoles': [],
        'api': {'acceptMappedClaims': None, 'knownClientApplications': [], 'requestedAccessTokenVersion': None,
                'oauth2PermissionScopes': [], 'preAuthorizedApplications': []},
        'info': {'logoUrl': None, 'marketingUrl': None, 'privacyStatementUrl': None, 'supportUrl': None,
                 'termsOfServiceUrl': None},
        'keyCredentials': [], 'passwordCredentials': [],
        'parentalControlSettings': {'countriesBlockedForMinors': [], 'legalAgeGroupRule': 'Allow'},
        'publicClient': {'redirectUris': []}, 'requiredResourceAccess': [],
        'spa': {'redirectUris': []},
        'web': {'homePageUrl': None, 'logoutUrl': None, 'redirectUris': [], 'redirectUriSettings': [],
                'implicitGrantSettings': {'enableAccessTokenIssuance': False, 'enableIdTokenIssuance': False}},
    }
    app.update(properties)
    return app


def service_principal(app_id, display_name, owner_tenant, app_roles=None, audience='AzureADMultipleOrgs'):
    """https://learn.microsoft.com/graph/api/resources/serviceprincipal"""
    return {
        'id': new_id(), 'deletedDateTime': None, 'accountEnabled': True, 'alternativeNames': [],
        'appDisplayName': display_name, 'appDescription': None, 'appId': app_id,
        'applicationTemplateId': None, 'appOwnerOrganizationId': owner_tenant, 'appRoleAssignmentRequired': False,
        'description': None, 'disabledByMicrosoftStatus': None, 'displayName': display_name, 'homepage': None,
        'loginUrl': None, 'logoutUrl': None, 'notes': None, 'notificationEmailAddresses': [],
        'preferredSingleSignOnMode': None, 'preferredTokenSigningKeyThumbprint': None, 'replyUrls': [],
        'servicePrincipalNames': [app_id], 'servicePrincipalType': 'Application', 'signInAudience': audience,
        'tags': [], 'tokenEncryptionKeyId': None, 'samlSingleSignOnSettings': None, 'addIns': [],
        'appRoles': copy.deepcopy(app_roles or []), 'info': None, 'keyCredentials': [],
        'oauth2PermissionScopes': [], 'passwordCredentials': [], 'resourceSpecificApplicationPermissions': [],
        'verifiedPublisher': {'displayName': None, 'verifiedPublisherId': None, 'addedDateTime': None},
    }


def assignment(principal, resource, app_role_id):
    """https://learn.microsoft.com/graph/api/resources/approleassignment"""
    return {
        'id': base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip('='), 'deletedDateTime': None,
        'appRoleId': app_role_id, 'createdDateTime': now_iso(), 'principalDisplayName': principal['displayName'],
        'principalId': principal['id'], 'principalType': 'ServicePrincipal',
        'resourceDisplayName': resource['displayName'], 'resourceId': resource['id'],
    }


class Store(object):
    """All tenants. Callers hold `lock` while they read or change state."""

    def __init__(self, state_dir, seed_path, reset=False):
        self.state_dir = state_dir
        self.path = os.path.join(state_dir, 'state.json')
        self.lock = threading.RLock()
        if os.path.exists(self.path) and not reset:
            with open(self.path) as handle:
                self.data = json.load(handle)
        else:
            with open(seed_path) as handle:
                self.data = self._build(yaml.safe_load(handle))
            self.save()

    # Seed -----------------------------------------------------------------------------

    def _build(self, seed):
        data = {'tenants': {}, 'secrets': {}, 'certificates': {}, 'operators': []}
        for spec in seed.get('tenants') or []:
            tenant = {
                'id': spec['id'], 'domain': spec['domain'], 'displayName': spec.get('display_name', spec['domain']),
                'policy': spec.get('app_management_policy') or {}, 'applications': [], 'servicePrincipals': [],
                'appRoleAssignments': [], 'directoryRoles': {}, 'created': {}, 'users': spec.get('users') or [],
            }
            for resource_app_id, first_party in catalog.FIRST_PARTY.items():
                tenant['servicePrincipals'].append(service_principal(
                    resource_app_id, first_party['displayName'], 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
                    first_party['appRoles']))
            for raw in spec.get('applications') or []:
                app = application(raw.get('displayName', 'app'), **raw)
                for credential in app['passwordCredentials']:
                    credential['endDateTime'] = relative_date(credential['endDateTime'])
                    credential['startDateTime'] = relative_date(credential.get('startDateTime') or '-0d')
                tenant['applications'].append(app)
            tenant['exchange'] = exchange.seed_state(spec.get('exchange'), tenant['users'], spec['domain'])
            data['tenants'][spec['id']] = tenant
        for spec in seed.get('operators') or []:
            self._add_operator(data, spec)
        for spec in seed.get('tenants') or []:
            tenant = data['tenants'][spec['id']]
            for grant in spec.get('service_principals') or []:
                self._grant(data, tenant, grant)
        return data

    def _add_operator(self, data, spec):
        home = data['tenants'][spec['home_tenant']]
        app = application(spec['display_name'], appId=spec['app_id'], signInAudience='AzureADMultipleOrgs',
                          publisherDomain=home['domain'])
        for secret in spec.get('secrets') or []:
            key_id = new_id()
            app['passwordCredentials'].append({
                'customKeyIdentifier': None, 'displayName': secret.get('display_name'),
                'endDateTime': secret.get('end_date_time', '2099-01-01T00:00:00Z'), 'hint': secret['value'][:3],
                'keyId': key_id, 'secretText': None, 'startDateTime': now_iso()})
            data['secrets'][key_id] = secret_hash(secret['value'])
        certificate = spec.get('certificate') or {}
        if certificate.get('generate'):
            _pem, _pfx, cert = tls.operator_certificate(self.state_dir, spec['app_id'], certificate.get('pfx_password'))
            sha1, _sha256 = tls.thumbprints(cert)
            key_id = new_id()
            app['keyCredentials'].append({
                'customKeyIdentifier': sha1.hex().upper(), 'displayName': 'CN=operator %s' % spec['app_id'],
                'endDateTime': cert.not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ'), 'key': None,
                'keyId': key_id, 'startDateTime': cert.not_valid_before_utc.strftime('%Y-%m-%dT%H:%M:%SZ'),
                'type': 'AsymmetricX509Cert', 'usage': 'Verify'})
            data['certificates'][key_id] = cert.public_bytes(serialization.Encoding.PEM).decode()
        home['applications'].append(app)
        data['operators'].append({'app_id': spec['app_id'], 'home_tenant': spec['home_tenant']})

    def _grant(self, data, tenant, grant):
        """A service principal of an operator app in a tenant, with its consent and directory roles."""
        owner, app = self.home_of(grant['app_id'], data)
        principal = service_principal(app['appId'], app['displayName'], owner['id'])
        tenant['servicePrincipals'].append(principal)
        for resource_key, values in (grant.get('app_roles') or {}).items():
            resource_app_id = catalog.ALIASES.get(resource_key, resource_key)
            resource = self.principal_by_app_id(tenant, resource_app_id)
            for value in values:
                tenant['appRoleAssignments'].append(
                    assignment(principal, resource, catalog.role_id(resource_app_id, value)))
        roles = list(grant.get('directory_roles') or [])
        unknown = [name for name in roles if name not in catalog.DIRECTORY_ROLES]
        if unknown:
            raise ValueError('seed: unknown directory role(s) %s; known: %s' % (unknown, sorted(catalog.DIRECTORY_ROLES)))
        tenant['directoryRoles'][principal['id']] = roles

    # Lookups ----------------------------------------------------------------------------

    def tenant(self, key):
        key = (key or '').lower()
        for tenant in self.data['tenants'].values():
            if tenant['id'].lower() == key or tenant['domain'].lower() == key:
                return tenant
        return None

    def home_of(self, app_id, data=None):
        """(home tenant, application) of an app id, wherever it is registered."""
        for tenant in (data or self.data)['tenants'].values():
            for app in tenant['applications']:
                if app['appId'] == app_id:
                    return tenant, app
        return None, None

    @staticmethod
    def principal_by_app_id(tenant, app_id):
        return next((sp for sp in tenant['servicePrincipals'] if sp['appId'] == app_id), None)

    def roles_of(self, tenant, principal_id, resource_app_id):
        resource = self.principal_by_app_id(tenant, resource_app_id)
        if resource is None:
            return []
        by_id = dict((role['id'], role['value']) for role in resource['appRoles'])
        return sorted(by_id[a['appRoleId']] for a in tenant['appRoleAssignments']
                      if a['principalId'] == principal_id and a['resourceId'] == resource['id']
                      and a['appRoleId'] in by_id)

    # Persistence ------------------------------------------------------------------------

    def save(self):
        tmp = self.path + '.tmp'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(self.data, handle)
        os.replace(tmp, self.path)
