#!/usr/bin/env python3
"""Azure CLI against the emulator: run by hand, not in CI (azure-cli is large).

    .venv/bin/python tools/azure_cli_check.py [--az-venv DIR] [--keep]

Installs azure-cli into a throwaway virtual environment (`pip install azure-cli`; --az-venv DIR reuses or
creates one there), starts the emulator (`python -m emulator start`) on a seed of its own (one tenant, an operator
with Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All and Directory.ReadWrite.All), registers a cloud
with the emulator's endpoints, signs in as the operator (`az login --service-principal --allow-no-subscriptions`)
and runs the `az ad` commands the issue names and `az rest`, checking each answer. Prints PASS/FAIL per command and
a total; exits 1 when a command failed. Azure CLI keeps its configuration in the work directory (AZURE_CONFIG_DIR),
never in ~/.azure. The work directory is removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRAPH_APP = '00000003-0000-0000-c000-000000000000'
USER_READ = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'  # Microsoft Graph's delegated permission User.Read
TENANT = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d'
OPERATOR = '9c8b7a6d-5e4f-4321-8fed-cba987654321'
SEED = """\
# Written by tools/azure_cli_check.py: the tenant Azure CLI signs in to.
operators:
  - app_id: %(operator)s
    display_name: Azure CLI check operator
    home_tenant: %(tenant)s
    secrets:
      - display_name: azure-cli
        value: "azcli~%(secret)s"
tenants:
  - id: %(tenant)s
    domain: azclicheck.onmicrosoft.com
    display_name: Azure CLI check
    service_principals:
      - app_id: %(operator)s
        app_roles:
          graph: [Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All, Directory.ReadWrite.All]
"""


class Check(object):
    """Runs az commands in an isolated configuration and records each one's result."""

    def __init__(self, az, environment):
        self.az, self.env, self.results = az, environment, []

    def run(self, title, arguments, expect=None):
        """Run `az <arguments> --output json`; passes when it exits 0 and expect(parsed output) holds (an
        expect may return a message: a failure). Returns the parsed output, or None."""
        command = [self.az] + arguments + ['--output', 'json', '--only-show-errors']
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=300)
        output, problem = None, None
        if done.returncode != 0:
            problem = 'exit %d: %s' % (done.returncode, (done.stderr or done.stdout).strip()[-800:])
        else:
            try:
                output = json.loads(done.stdout) if done.stdout.strip() else None
                verdict = expect(output) if expect else True
                if verdict is not True:
                    problem = 'unexpected answer (%s): %s' % (verdict or 'check failed', done.stdout.strip()[:800])
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                problem = 'unreadable answer (%s: %s): %s' % (type(exc).__name__, exc, done.stdout.strip()[:800])
        self.results.append((title, problem))
        print('%s  %s' % ('PASS' if problem is None else 'FAIL', title), flush=True)
        shown = ['***' if before == '--password' else a for before, a in zip([None] + arguments, arguments)]
        print('      az ' + ' '.join(shlex.quote(a) for a in shown), flush=True)
        if problem:
            print('      ' + problem.replace('\n', '\n      '), flush=True)
        return output if problem is None else None

    def summary(self):
        failed = [title for title, problem in self.results if problem]
        print('\n%d commands, %d passed, %d failed' % (len(self.results), len(self.results) - len(failed),
                                                       len(failed)))
        return 1 if failed else 0


def install_azure_cli(venv):
    az = os.path.join(venv, 'bin', 'az')
    if os.path.exists(az):
        print('azure-cli: reusing %s' % venv, flush=True)
        return az
    print('azure-cli: pip install azure-cli into %s (a few minutes)' % venv, flush=True)
    subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    pip = [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check']
    done = subprocess.run(pip + ['azure-cli'], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit('azure-cli could not be installed:\n' + (done.stderr or done.stdout)[-3000:])
    return az


def start_emulator(work, python):
    state, seed = os.path.join(work, 'state'), os.path.join(work, 'seed.yml')
    with open(seed, 'w') as handle:
        handle.write(SEED % {'operator': OPERATOR, 'tenant': TENANT, 'secret': uuid.uuid4().hex})
    subprocess.run([python, '-m', 'emulator', 'start', '--state-dir', state, '--seed', seed], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    printed = subprocess.run([python, '-m', 'emulator', 'env', '--state-dir', state], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout
    exports = dict(item.split('=', 1) for item in shlex.split(printed.splitlines()[0])[1:])
    return state, exports


def environment(work, exports):
    env = dict(os.environ)
    for name in [n for n in env if n.startswith(('AZURE_', 'MSAL_'))]:
        env.pop(name)
    # HOME: `az ... credential reset --create-cert` writes the new key to ~/tmp*.pem
    env.update({'HOME': work, 'AZURE_CONFIG_DIR': os.path.join(work, 'azure'), 'REQUESTS_CA_BUNDLE': exports['REQUESTS_CA_BUNDLE'],
                'AZURE_CORE_INSTANCE_DISCOVERY': 'false', 'AZURE_CORE_COLLECT_TELEMETRY': 'false',
                'AZURE_CORE_SURVEY_MESSAGE': 'false', 'AZURE_CORE_NO_COLOR': 'true'})
    return env


def sign_in(check, exports):
    graph = exports['BOOKINGSONE_GRAPH_ENDPOINT']
    # --endpoint-resource-manager is required by `az cloud register`; nothing here reaches it (no subscriptions).
    check.run('az cloud register (the emulator\'s endpoints)', [
        'cloud', 'register', '--name', 'BookingsOneEmulator', '--skip-endpoint-discovery',
        '--endpoint-active-directory', exports['AZURE_AUTHORITY_HOST'],
        '--endpoint-active-directory-graph-resource-id', graph + '/',
        '--endpoint-microsoft-graph-resource-id', graph + '/',
        '--endpoint-active-directory-resource-id', 'https://management.core.windows.net/',
        '--endpoint-resource-manager', 'https://127.0.0.1:9/'])
    check.run('az cloud set', ['cloud', 'set', '--name', 'BookingsOneEmulator'])
    # The emulator has no Azure Resource Manager: without --skip-subscription-discovery az asks the login listener for
    # a management.core.windows.net token and ARM for the subscriptions; --scope makes the sign-in a Graph one.
    return check.run('az login --service-principal --allow-no-subscriptions', [
        'login', '--service-principal', '--username', exports['AZURE_CLIENT_ID'],
        '--password', exports['AZURE_CLIENT_SECRET'], '--tenant', TENANT, '--allow-no-subscriptions',
        '--skip-subscription-discovery', '--scope', graph + '//.default'],
        lambda out: any(s.get('tenantId') == TENANT for s in out) or 'no account for the tenant')


def applications(check, name):
    """az ad app create / list / show / update / credential reset --append (a password, then certificates);
    (the new app's appId, the PEM file of its last certificate)."""
    app = check.run('az ad app create', ['ad', 'app', 'create', '--display-name', name,
                                         '--identifier-uris', 'api://%s' % name],
                    lambda out: out['displayName'] == name or 'displayName')
    if app is None:
        return None, None
    app_id = app['appId']
    check.run('az ad app list --display-name', ['ad', 'app', 'list', '--display-name', name],
              lambda out: [a['appId'] for a in out] == [app_id] or 'not exactly the new app')
    check.run('az ad app list --identifier-uri (identifierUris/any)',
              ['ad', 'app', 'list', '--identifier-uri', 'api://%s' % name],
              lambda out: [a['appId'] for a in out] == [app_id] or 'not exactly the new app')
    check.run('az ad app show', ['ad', 'app', 'show', '--id', app_id], lambda out: out['id'] == app['id'] or 'id')
    check.run('az ad app update', ['ad', 'app', 'update', '--id', app_id,
                                   '--web-redirect-uris', 'https://%s.example/callback' % name], None)
    check.run('az ad app show (the update)', ['ad', 'app', 'show', '--id', app_id],
              lambda out: out['web']['redirectUris'] == ['https://%s.example/callback' % name] or 'redirectUris')
    check.run('az ad app credential reset --append', ['ad', 'app', 'credential', 'reset', '--id', app_id,
                                                      '--append', '--display-name', 'azure-cli'],
              lambda out: (out['appId'] == app_id and len(out['password']) == 40) or 'no new password')
    check.run('az ad app credential list', ['ad', 'app', 'credential', 'list', '--id', app_id],
              lambda out: [c['displayName'] for c in out] == ['azure-cli'] or 'not the one password')
    for number in (1, 2):  # PATCH keyCredentials: the kept ones as GET returned them, and the new certificate
        made = check.run('az ad app credential reset --append --create-cert (#%d)' % number, [
            'ad', 'app', 'credential', 'reset', '--id', app_id, '--append', '--create-cert'],
            lambda out: bool(out.get('fileWithCertAndPrivateKey')) or 'no certificate file')
    check.run('az ad app credential list --cert', ['ad', 'app', 'credential', 'list', '--id', app_id, '--cert'],
              lambda out: (len(out) == 2 and all(c['type'] == 'AsymmetricX509Cert' for c in out)) or 'two keys')
    return app_id, made and made['fileWithCertAndPrivateKey']


def principals_and_consent(check, app_id, graph):
    """az ad sp create / show, az ad app permission add / grant, az rest GET and POST."""
    principal = check.run('az ad sp create', ['ad', 'sp', 'create', '--id', app_id],
                          lambda out: out['appId'] == app_id or 'appId')
    check.run('az ad sp show (servicePrincipalNames/any)', ['ad', 'sp', 'show', '--id', app_id],
              lambda out: (principal is not None and out['id'] == principal['id']) or 'not the new principal')
    check.run('az ad sp list --spn', ['ad', 'sp', 'list', '--spn', app_id],
              lambda out: [p['appId'] for p in out] == [app_id] or 'not exactly the new principal')
    check.run('az ad app permission add', ['ad', 'app', 'permission', 'add', '--id', app_id, '--api', GRAPH_APP,
                                           '--api-permissions', '%s=Scope' % USER_READ], None)
    check.run('az ad app permission list', ['ad', 'app', 'permission', 'list', '--id', app_id],
              lambda out: out[0]['resourceAccess'] == [{'id': USER_READ, 'type': 'Scope'}] or 'requiredResourceAccess')
    check.run('az ad app permission grant', ['ad', 'app', 'permission', 'grant', '--id', app_id, '--api', GRAPH_APP,
                                             '--scope', 'User.Read'],
              lambda out: (out['scope'] == 'User.Read' and out['consentType'] == 'AllPrincipals') or 'grant')
    check.run('az ad app permission list-grants', ['ad', 'app', 'permission', 'list-grants', '--id', app_id],
              lambda out: [g['scope'] for g in out] == ['User.Read'] or 'not the one grant')
    found = check.run('az rest GET (Microsoft Graph\'s service principal)', [
        'rest', '--method', 'GET', '--url',
        "%s/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '%s')" % (graph, GRAPH_APP)],
        lambda out: [p['appId'] for p in out['value']] == [GRAPH_APP] or 'not Microsoft Graph')
    if found is None or principal is None:
        return
    resource = found['value'][0]
    role = next(r['id'] for r in resource['appRoles'] if r['value'] == 'Application.Read.All')
    body = json.dumps({'principalId': principal['id'], 'resourceId': resource['id'], 'appRoleId': role})
    check.run('az rest POST (an app role assignment: admin consent)', [
        'rest', '--method', 'POST', '--url', '%s/v1.0/servicePrincipals/%s/appRoleAssignedTo' % (graph, resource['id']),
        '--headers', 'Content-Type=application/json', '--body', body],
        lambda out: (out['principalId'] == principal['id'] and out['appRoleId'] == role) or 'assignment')


def certificate_sign_in(check, app_id, pem, graph):
    """The new app signs in with the certificate `credential reset --create-cert` added, and reads itself with the
    Application.Read.All the POST above granted."""
    check.run('az login --service-principal --certificate (the added key)', [
        'login', '--service-principal', '--username', app_id, '--certificate', pem, '--tenant', TENANT,
        '--allow-no-subscriptions', '--skip-subscription-discovery', '--scope', graph + '//.default'],
        lambda out: any(s.get('tenantId') == TENANT for s in out) or 'no account for the tenant')
    check.run('az ad app show (as the new app)', ['ad', 'app', 'show', '--id', app_id],
              lambda out: out['appId'] == app_id or 'appId')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--az-venv', help='virtual environment with azure-cli (made there when missing)')
    parser.add_argument('--python', default=os.path.join(REPO, '.venv', 'bin', 'python'),
                        help="the emulator's Python (default: the repository's .venv)")
    parser.add_argument('--keep', action='store_true', help='keep the work directory (state, az configuration)')
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='azure-cli-check-')
    state = None
    try:
        az = install_azure_cli(args.az_venv or os.path.join(work, 'az-venv'))
        version = subprocess.run([az, 'version', '--output', 'json'], capture_output=True, text=True,
                                 env=dict(os.environ, AZURE_CONFIG_DIR=os.path.join(work, 'azure')))
        print('azure-cli %s' % json.loads(version.stdout or '{}').get('azure-cli', '?'), flush=True)
        state, exports = start_emulator(work, args.python)
        check = Check(az, environment(work, exports))
        if sign_in(check, exports) is not None:
            graph = exports['BOOKINGSONE_GRAPH_ENDPOINT']
            app_id, pem = applications(check, 'azcli-check-%s' % uuid.uuid4().hex[:8])
            if app_id:
                principals_and_consent(check, app_id, graph)
            if pem:
                certificate_sign_in(check, app_id, pem, graph)
        return check.summary()
    finally:
        if state is not None:
            subprocess.run([args.python, '-m', 'emulator', 'stop', '--state-dir', state], cwd=REPO,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if args.keep:
            print('work directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
