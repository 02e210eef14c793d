"""The emulator's multi-tenant directory: built from the seed or loaded from
state.json, kept in memory behind one lock, and saved atomically after every
write so a restart finds it as it was.

data = {tenants: {id: tenant}, secrets: {keyId: sha256}, certificates: {keyId: pem}, operators: [...]}
  (certificates: the X.509 certificate of every key credential of an application, seeded or added through Graph,
  by its keyId; the login listener checks client assertions against them: register_certificate, certificate_pem)
tenant = {id, domain, displayName, policy, applications, servicePrincipals, appRoleAssignments,
          directoryRoles: {spId: [role names]}, owners: {appObjectId: [spIds]}, created: {appId: epoch},
          oauth2PermissionGrants: [grant in Graph's shape], users, exchange}
Other services keep their own section in the tenant (as `exchange`).
"""

from __future__ import annotations

import json
import os
import threading

import yaml

from emulator import catalog, seed


class Store(object):
    """All tenants. Callers hold `lock` while they read or change state, and call save() after a change."""

    def __init__(self, state_dir, seed_path, reset=False):
        self.state_dir = state_dir
        self.seed_path = seed_path
        self.path = os.path.join(state_dir, 'state.json')
        self.lock = threading.RLock()
        if os.path.exists(self.path) and not reset:
            with open(self.path) as handle:
                self.data = json.load(handle)
            for tenant in self.data['tenants'].values():  # state saved by an older emulator
                tenant.setdefault('owners', {})
                for app in tenant['applications']:
                    app.setdefault('servicePrincipalLockConfiguration', None)
        else:
            self.data = seed.build(load_seed(seed_path), state_dir)
            self.save()

    # Lookups --------------------------------------------------------------------------

    def tenant(self, key):
        """A tenant by id or domain name (case-insensitive), or None."""
        key = (key or '').lower()
        for tenant in self.data['tenants'].values():
            if key in (tenant['id'].lower(), tenant['domain'].lower()):
                return tenant
        return None

    def home_of(self, app_id):
        """(home tenant, application) of an app id, wherever it is registered; (None, None) when nowhere."""
        for tenant in self.data['tenants'].values():
            for app in tenant['applications']:
                if app['appId'] == app_id:
                    return tenant, app
        return None, None

    @staticmethod
    def principal_by_app_id(tenant, app_id):
        return next((sp for sp in tenant['servicePrincipals'] if sp['appId'] == app_id), None)

    @staticmethod
    def principal_by_id(tenant, object_id):
        return next((sp for sp in tenant['servicePrincipals'] if sp['id'] == object_id), None)

    def roles_of(self, tenant, principal_id, resource_app_id):
        """Values of the app roles a service principal is assigned on a resource, now."""
        resource = self.principal_by_app_id(tenant, resource_app_id)
        if resource is None:
            return []
        by_id = dict((role['id'], role['value']) for role in resource['appRoles'])
        return sorted(by_id[a['appRoleId']] for a in tenant['appRoleAssignments']
                      if a['principalId'] == principal_id and a['resourceId'] == resource['id']
                      and a['appRoleId'] in by_id)

    @staticmethod
    def directory_role_ids(tenant, principal_id):
        return [catalog.DIRECTORY_ROLES[name] for name in tenant['directoryRoles'].get(principal_id, [])]

    # Key credentials -----------------------------------------------------------------------

    def register_certificate(self, key_id, pem):
        """Keep the certificate (PEM) of a key credential, so a client assertion signed with its key is accepted."""
        self.data['certificates'][key_id] = pem

    def forget_certificate(self, key_id):
        self.data['certificates'].pop(key_id, None)

    def certificate_pem(self, key_id):
        return self.data['certificates'].get(key_id)

    # Persistence ------------------------------------------------------------------------

    def save(self, tenant=None):
        """Persist the state; `tenant`, when given, is the one tenant the write changed (the rest is unchanged)."""
        tmp = self.path + '.tmp'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(self.data, handle)
        os.replace(tmp, self.path)


def load_seed(path):
    with open(path) as handle:
        return yaml.safe_load(handle)
