"""The emulator's multi-tenant directory: built from the seed or loaded from the
state database, kept in memory behind one lock, and saved after every write so a
restart finds it as it was.

data = {tenants: {id: tenant}, secrets: {keyId: sha256}, certificates: {keyId: pem}, operators: [...]}
  (certificates: the X.509 certificate of every key credential of an application, seeded or added through Graph,
  by its keyId; the login listener checks client assertions against them: register_certificate, certificate_pem)
tenant = {id, domain, displayName, policy, applications, servicePrincipals, appRoleAssignments,
          directoryRoles: {spId: [role names]}, owners: {appObjectId: [spIds]}, created: {appId: epoch},
          oauth2PermissionGrants: [grant in Graph's shape], users, exchange}
Other services keep their own section in the tenant (as `exchange`).

Persistence: DIR/state.sqlite3 (0600; SQLite in WAL mode, the standard library's sqlite3), one row per tenant
holding its JSON document and one row per global section (every key of `data` but `tenants`):

    tenants  (id TEXT PRIMARY KEY, document TEXT NOT NULL)    -- data['tenants'][id], in seed order (rowid)
    sections (name TEXT PRIMARY KEY, document TEXT NOT NULL)  -- data['secrets'], ['certificates'], ['operators']

save(tenant) writes that tenant's row and the global sections that changed since they were last written, in one
transaction, so a write costs the same whatever the fleet's size; save() writes every row. `secrets` and
`certificates` note their own changes (_Section: their values are strings, so a change is always one of their
own keys set or removed); another section is written when its JSON differs from what was last written.
An older emulator's DIR/state.json is read once, when the database holds no state, written to the database and
renamed state.json.migrated; --reset removes it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading

import yaml

from emulator import catalog, seed

DATABASE = 'state.sqlite3'
LEGACY = 'state.json'  # what an older emulator saved: the whole of `data`, rewritten after every write
SCHEMA_VERSION = 1
SCHEMA = (
    'CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, document TEXT NOT NULL)',
    'CREATE TABLE IF NOT EXISTS sections (name TEXT PRIMARY KEY, document TEXT NOT NULL)',
)
WAL_LIMIT = 4 << 20  # bytes the WAL file is cut back to after a checkpoint (SQLite checkpoints at 1000 pages)
TRACKED = ('secrets', 'certificates')  # global sections that note their own changes (_Section)


class _Section(dict):
    """A global section of the store whose values are immutable (strings): it notes when one of its keys is set
    or removed, so save() writes it only then. Otherwise a plain dict: routes use it as one."""

    changed = False

    def _changed(self):
        self.changed = True

    def __setitem__(self, key, value):
        self._changed()
        super(_Section, self).__setitem__(key, value)

    def __delitem__(self, key):
        self._changed()
        super(_Section, self).__delitem__(key)

    def __ior__(self, other):
        self._changed()
        return super(_Section, self).__ior__(other)

    def pop(self, *args):
        self._changed()
        return super(_Section, self).pop(*args)

    def popitem(self):
        self._changed()
        return super(_Section, self).popitem()

    def setdefault(self, key, default=None):
        self._changed()
        return super(_Section, self).setdefault(key, default)

    def update(self, *args, **kwargs):
        self._changed()
        super(_Section, self).update(*args, **kwargs)

    def clear(self):
        self._changed()
        super(_Section, self).clear()


def _dumps(value):
    return json.dumps(value, separators=(',', ':'))


class Store(object):
    """All tenants. Callers hold `lock` while they read or change state, and call save(tenant) after a change to a
    tenant (save() after one to anything else)."""

    def __init__(self, state_dir, seed_path, reset=False):
        self.state_dir = state_dir
        self.seed_path = seed_path
        self.path = os.path.join(state_dir, DATABASE)
        self.lock = threading.RLock()
        self._written = {}  # section name -> its JSON as last written (the untracked sections)
        self.db = _open(self.path)
        legacy = os.path.join(state_dir, LEGACY)
        if reset and os.path.exists(legacy):
            os.remove(legacy)
        data = None if reset else self._load()
        if data is None and not reset and os.path.exists(legacy):
            with open(legacy) as handle:
                data = json.load(handle)
            self._adopt(data)
            self.save()
            os.replace(legacy, legacy + '.migrated')
            sys.stderr.write('emulator: %s migrated to %s (the old file is kept as %s.migrated)\n'
                             % (legacy, self.path, LEGACY))
        elif data is None:
            self._adopt(seed.build(load_seed(seed_path), state_dir))
            self.save()
        else:
            self._adopt(data)
            self._written = dict((name, _dumps(value)) for name, value in self.data.items()
                                 if name != 'tenants' and name not in TRACKED)

    def _load(self):
        """The state saved in the database, or None when it holds none."""
        tenants = self.db.execute('SELECT id, document FROM tenants ORDER BY rowid').fetchall()
        if not tenants:
            return None
        data = {'tenants': dict((tenant_id, json.loads(document)) for tenant_id, document in tenants)}
        for name, document in self.db.execute('SELECT name, document FROM sections ORDER BY rowid'):
            data[name] = json.loads(document)
        return data

    def _adopt(self, data):
        """Take `data` as the state: fill in what an older emulator's state lacks, and track the global sections."""
        for tenant in data['tenants'].values():
            tenant.setdefault('owners', {})
            for app in tenant['applications']:
                app.setdefault('servicePrincipalLockConfiguration', None)
        for name in TRACKED:
            data[name] = _Section(data.get(name) or {})
        self.data = data

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
        """Persist a write: `tenant` (a tenant or its id), when given, is the one tenant the write changed, and only
        its row is written, with the global sections that changed; without it every row is. One transaction."""
        with self.lock:
            if tenant is None:
                rows = [(tenant_id, _dumps(document)) for tenant_id, document in self.data['tenants'].items()]
            else:
                tenant_id = tenant['id'] if isinstance(tenant, dict) else tenant
                document = self.data['tenants'].get(tenant_id)
                rows = [(tenant_id, None if document is None else _dumps(document))]
            sections = self._changed_sections(everything=tenant is None)
            self.db.execute('BEGIN IMMEDIATE')
            try:
                if tenant is None:  # everything, in the order of `data` (rowid)
                    self.db.execute('DELETE FROM tenants')
                    self.db.execute('DELETE FROM sections')
                self.db.executemany('INSERT INTO tenants (id, document) VALUES (?, ?) '
                                    'ON CONFLICT (id) DO UPDATE SET document = excluded.document',
                                    [row for row in rows if row[1] is not None])
                self.db.executemany('DELETE FROM tenants WHERE id = ?', [row[:1] for row in rows if row[1] is None])
                self.db.executemany('INSERT INTO sections (name, document) VALUES (?, ?) '
                                    'ON CONFLICT (name) DO UPDATE SET document = excluded.document', sections)
                self.db.execute('COMMIT')
            except BaseException:
                self.db.execute('ROLLBACK')
                raise
            if tenant is None:  # a whole directory went to the WAL: into the database with it, and the WAL emptied
                self.db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
            for name, document in sections:
                if isinstance(self.data[name], _Section):
                    self.data[name].changed = False
                else:
                    self._written[name] = document

    def _changed_sections(self, everything=False):
        """(name, JSON) of the global sections to write: all of them, or those changed since last written."""
        sections = []
        for name, value in self.data.items():
            if name == 'tenants':
                continue
            if name in TRACKED and not isinstance(value, _Section):  # replaced as a whole: track the new one
                value = self.data[name] = _Section(value)
                value.changed = True
            if everything or (value.changed if isinstance(value, _Section) else
                              _dumps(value) != self._written.get(name)):
                sections.append((name, _dumps(value)))
        return sections

    def close(self):
        with self.lock:
            self.db.close()


def _open(path):
    """The state database (created 0600, WAL mode; autocommit: save() opens and commits its own transaction)."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # used under Store.lock only
    db.execute('PRAGMA journal_mode = WAL')
    db.execute('PRAGMA synchronous = NORMAL')  # WAL: a commit survives the emulator's crash, not the machine's
    db.execute('PRAGMA journal_size_limit = %d' % WAL_LIMIT)
    version = db.execute('PRAGMA user_version').fetchone()[0]
    if version > SCHEMA_VERSION:
        db.close()
        raise RuntimeError('%s was written by a newer emulator (schema %d; this one knows %d): remove it or start '
                           'with another --state-dir' % (path, version, SCHEMA_VERSION))
    for statement in SCHEMA:
        db.execute(statement)
    db.execute('PRAGMA user_version = %d' % SCHEMA_VERSION)
    return db


def load_seed(path):
    with open(path) as handle:
        return yaml.safe_load(handle)
