"""One tenant (Contoso, one room) and the controllers that run the operator playbooks on it, for the tests of the
secret lifecycle: each controller has its own hand-off store, token cache and identity, as separate AWX
nodes or execution-environment containers have. The emulator's hand-off stand-in (the control listener's
/handoff) plays Bookings ONE: what it received last is what Bookings ONE holds."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys

from helpers import Run, open_vault, operator_playbook, tenant_host, token_works, write_inventory

VAULT_PASSWORD = 'lifecycle-vault-password'
ROOM = 'board@contoso.onmicrosoft.com'


def kill_tree(pid, sig=signal.SIGKILL):
    """Kill a run and every process it started, as a controller that dies takes them all: Ansible's workers
    start sessions of their own (setsid), so killing the playbook's process group would leave them running."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as handle:
                    parent = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (IOError, OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    for process in found:
        try:
            os.kill(process, sig)
        except ProcessLookupError:
            pass


class Site(object):
    """A tenant app of its own (unique name), its inventories and its controllers."""

    def __init__(self, harness, tmp_path, unique=None):
        self.harness, self.tmp = harness, tmp_path
        tmp_path.mkdir(parents=True, exist_ok=True)
        password = tmp_path / 'vault-pass'
        password.write_text(VAULT_PASSWORD)
        self.password_file = str(password)
        self.unique = unique or 'lifecycle-%s' % hashlib.sha256(str(tmp_path).encode()).hexdigest()[:12]
        self.endpoint = harness.emu.endpoints['control'] + '/handoff'

    def env(self, controller='a', vault=True, **extra):
        """The environment of one controller: its own token cache and identity."""
        values = dict(BOOKINGSONE_TOKEN_CACHE_DIR=str(self.tmp / ('tokens-' + controller)),
                      BOOKINGSONE_CONTROLLER_ID='controller-' + controller)
        if vault:
            values['ANSIBLE_VAULT_PASSWORD_FILE'] = self.password_file
        values.update(extra)
        env = self.harness.env(**values)
        if not vault:
            env.pop('ANSIBLE_VAULT_PASSWORD_FILE', None)
        return env

    def inventory(self, controller='a', url=True, host='contoso', **extra):
        """The inventory of one controller: its hand-off directory handoff-<controller>."""
        variables = {'bookingsone_room_addresses': [ROOM], 'entra_app_unique_name': self.unique,
                     'entra_app_display_name': 'Bookings ONE ' + self.unique,
                     'entra_app_secret_lease_settle_seconds': 0.3}
        if url:
            variables['entra_app_handoff_url'] = self.endpoint
        variables.update(extra)
        root = self.tmp / ('inventory-' + controller + '-' + host.replace('/', '_'))
        values = tenant_host('contoso', self.harness.tenant(1), self.store(controller), **variables)
        if '/' in host:  # a name host_vars/ cannot hold: the variables go inline
            root.mkdir(parents=True, exist_ok=True)
            (root / 'hosts.yml').write_text(json.dumps({'tenants': {'hosts': {host: values}}}))
            return str(root)
        return write_inventory(root, {host: values})

    def store(self, controller='a'):
        return self.tmp / ('handoff-' + controller)

    def command(self, playbook, inventory, *args):
        return [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
                operator_playbook(playbook)] + list(args)

    def run(self, playbook, controller='a', *args, env=None, inventory=None, **variables):
        since = self.harness.mark()
        completed = subprocess.run(self.command(playbook, inventory or self.inventory(controller, **variables), *args),
                                   env=env or self.env(controller), capture_output=True, text=True, timeout=600,
                                   cwd=str(self.tmp), check=False)
        return Run(completed, self.harness.emu.requests(since=since))

    def concurrently(self, runs):
        """Start [(playbook, controller, variables)] at the same moment; [(return code, output)]. Output goes to
        files: a run blocked on a full pipe while another waits for the lease would hang the test."""
        started = []
        for index, (playbook, controller, variables) in enumerate(runs):
            log = open(str(self.tmp / ('run-%s-%d.log' % (controller, index))), 'w+')
            process = subprocess.Popen(self.command(playbook, self.inventory(controller, **variables)),
                                       env=self.env(controller), stdout=log, stderr=subprocess.STDOUT, text=True,
                                       cwd=str(self.tmp))
            started.append((process, log))
        finished = []
        for process, log in started:
            code = process.wait(timeout=600)
            log.seek(0)
            finished.append((code, log.read()))
            log.close()
        return finished

    # ---------------------------------------------------------------- what the tenant and Bookings ONE hold

    def app(self):
        with self.harness.emu.store.lock:
            return next((dict(a) for a in self.harness.emu.store.tenant(self.harness.tenant(1))['applications']
                         if a.get('uniqueName') == self.unique), None)

    def keys(self):
        return sorted(c['keyId'] for c in self.app()['passwordCredentials'] if c['displayName'] == 'bookings-one')

    def tagged(self, prefix):
        return sorted(t[len(prefix):] for t in self.app()['tags'] if t.startswith(prefix))

    def stored_key(self, controller='a', host='contoso'):
        return open_vault(self.store(controller) / (host + '.vault.yml'), VAULT_PASSWORD)['secret_key_id']

    def received(self):
        """What the stand-in for Bookings ONE received for this app, oldest first."""
        app = self.app()
        return [h['body'] for h in self.harness.emu.handoffs if app and h['body'].get('client_id') == app['appId']]

    def signs_in(self, body):
        return token_works(self.harness, self.harness.tenant(1), body['client_id'], body['client_secret'])

    def due(self, days=5):
        """Make the recorded secret due for rotation (as if time had passed)."""
        from helpers import app_by_unique, days_from_now
        target = app_by_unique(self.harness, 1, self.unique)
        with self.harness.emu.store.lock:
            for credential in target['passwordCredentials']:
                credential['endDateTime'] = days_from_now(days)
