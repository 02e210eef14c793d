"""From a new customer tenant to managed with one administrator sign-in: bootstrap.yml (a device code the test
approves through the emulator's control listener, as the person at the verification page would), then
onboard.yml and audit.yml with no other set-up; refusals that write nothing; the strict audit of an operator
holding more than its role needs; the operator removed by offboard.yml, last."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import requests
from helpers import Run, operator_playbook, tenant_host, write_inventory

from emulator.identity_federated import credentials_of
from tests.emulator.oidc_issuer import AUDIENCE, SUBJECT, Issuer

WOODGROVE = 5  # the test seed's new customer: nothing but its Global Administrator, a delegate and two rooms
ADMIN = 'admin@woodgrove.onmicrosoft.com'
BOOTSTRAP_CLIENT = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c03'  # the test seed's public client for administrators
GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451'
EXCHANGE_RECIPIENT_ADMINISTRATOR = '31392ffb-586c-42d1-9346-e59415a2cc4e'
USER_CODE = re.compile(r'enter the code ([A-Z0-9]+)')


def control(harness, path, body):
    return requests.post(harness.emu.endpoints['control'] + path, json=body,
                         verify=harness.emu.endpoints['ca_bundle'], timeout=30)


def bootstrap(harness, inventory, approver, env=None, args=(), **extra_vars):
    """Run playbooks/bootstrap.yml; each user code it prints is approved as `approver` (or declined when None)."""
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
               operator_playbook('bootstrap.yml'), '-e', json.dumps(extra_vars), '--diff'] + list(args)
    mark = harness.mark()
    process = subprocess.Popen(command, env=env or harness.env(), cwd=harness.home, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines, answers = [], []
    for line in process.stdout:  # as a person would read the job output
        lines.append(line)
        found = USER_CODE.search(line)
        if found:
            answer = control(harness, '/devicecode/approve' if approver else '/devicecode/decline',
                             dict(user_code=found.group(1), user=approver))
            answers.append(answer)
    process.wait(timeout=600)
    run = Run(subprocess.CompletedProcess(command, process.returncode, ''.join(lines), ''),
              harness.emu.requests(since=mark))
    run.answers = answers
    return run


def new_customer(harness, tmp_path, **extra):
    """An inventory of the one new customer tenant, bootstrapped with the test seed's administrators' client."""
    variables = tenant_host('woodgrove', harness.tenant(WOODGROVE), tmp_path / 'handoff',
                            bookingsone_bootstrap_client_id=BOOTSTRAP_CLIENT, **extra)
    return write_inventory(tmp_path / 'inventory', {'woodgrove': variables})


def operator_principal(harness):
    with harness.emu.store.lock:
        tenant = harness.emu.store.tenant(harness.tenant(WOODGROVE))
        principal = next((sp for sp in tenant['servicePrincipals'] if sp['appId'] == harness.operator['app_id']),
                         None)
        roles = list(tenant['directoryRoles'].get(principal['id'], [])) if principal else []
    return principal, roles


def play(harness, inventory, playbook, vault, *args, **extra_vars):
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
               operator_playbook(playbook), '-e', json.dumps(extra_vars)] + list(vault) + list(args)
    mark = harness.mark()
    completed = subprocess.run(command, env=harness.env(), capture_output=True, text=True, timeout=600,
                               cwd=harness.home, check=False)
    return Run(completed, harness.emu.requests(since=mark))


def report(harness):
    with open(os.path.join(harness.home, 'reports', 'audit.json')) as handle:
        return json.load(handle)


@pytest.fixture
def fresh_tokens(harness, monkeypatch):
    """No token cached from an earlier test: each run states what the tenant grants now."""
    original = harness.env

    def env(operator=None, **extra):
        return original(operator, BOOKINGSONE_TOKEN_CACHE='false', **extra)
    monkeypatch.setattr(harness, 'env', env)
    return harness


@pytest.fixture
def federated(fresh_tokens, tmp_path, monkeypatch):
    """The operator signs in with a token of a small local OpenID issuer its app trusts (a federated identity
    credential), read from AZURE_FEDERATED_TOKEN_FILE as on Kubernetes; no secret in the environment."""
    harness = fresh_tokens
    issuer = Issuer(str(tmp_path))
    harness.emu.trusted_cas.append(issuer.ca_path)
    with harness.emu.store.lock:
        home, app = harness.emu.store.home_of(harness.operator['app_id'])
        credentials = credentials_of(home, app, create=True)
        credentials.append({'id': 'c0ffee00-0000-4000-8000-000000000001', 'name': 'awx', 'issuer': issuer.url,
                            'subject': SUBJECT, 'description': None, 'audiences': [AUDIENCE]})
    token_file = tmp_path / 'federated-token'
    token_file.write_text(issuer.token())
    original = harness.env

    def env(operator=None, **extra):
        made = original(operator, AZURE_FEDERATED_TOKEN_FILE=str(token_file), **extra)
        made.pop('AZURE_CLIENT_SECRET')
        return made
    monkeypatch.setattr(harness, 'env', env)
    yield harness
    with harness.emu.store.lock:
        credentials[:] = [c for c in credentials if c['name'] != 'awx']
    harness.emu.trusted_cas.remove(issuer.ca_path)
    issuer.stop()


@pytest.mark.parametrize('credential', ['secret', 'federated'])
def test_zero_to_a_passing_audit_with_one_admin_sign_in(request, credential, tmp_path, vault):
    harness = request.getfixturevalue('fresh_tokens' if credential == 'secret' else 'federated')
    inventory = new_customer(harness, tmp_path)
    assert operator_principal(harness) == (None, [])

    refused = play(harness, inventory, 'onboard.yml', vault)
    assert refused.rc != 0 and refused.writes == [], refused
    assert 'adminconsent?client_id=%s' % harness.operator['app_id'] in refused.output, refused
    assert 'playbooks/bootstrap.yml' in refused.output, refused

    check = bootstrap(harness, inventory, ADMIN, args=["--check"])
    assert check.rc == 0 and check.writes == [] and check.changed == 1, check
    assert operator_principal(harness) == (None, [])

    real = bootstrap(harness, inventory, ADMIN)
    assert real.rc == 0 and real.changed == 1 and real.writes, real
    principal, roles = operator_principal(harness)
    assert principal is not None and roles == ['Exchange Recipient Administrator'], roles
    assert [a.status_code for a in real.answers] == [200], real
    # verified as the operator: its own sign-in, then one read per service
    signed_in = [r for r in real.requests if r['service'] == 'login' and r.get('client_id') == harness.operator['app_id']]
    assert signed_in, real.requests

    again = bootstrap(harness, inventory, ADMIN)
    assert again.rc == 0 and again.changed == 0 and again.writes == [], again

    onboard = play(harness, inventory, 'onboard.yml', vault)
    assert onboard.rc == 0, onboard
    audit = play(harness, inventory, 'audit.yml', (), '-e', 'bookingsone_audit_fail_on=fail')
    assert audit.rc == 0 and audit.writes == [], audit
    controls = [c for c in report(harness)['controls'] if c['tenant'] == 'woodgrove']
    assert controls and all(c['status'] == 'pass' for c in controls), controls

    # back to zero: offboarding removes the operator too, last, and the tenant is new again
    offboard = play(harness, inventory, 'offboard.yml', vault, bookingsone_offboard_confirm='yes',
                    bookingsone_offboard_operator=True)
    assert offboard.rc == 0, offboard
    assert offboard.writes[-1]['method'] == 'DELETE' and '/servicePrincipals/' in offboard.writes[-1]['path'], \
        offboard.writes[-1]
    assert operator_principal(harness) == (None, [])


def test_an_ordinary_user_is_refused_and_nothing_is_written(fresh_tokens, tmp_path):
    harness = fresh_tokens
    inventory = new_customer(harness, tmp_path, bookingsone_bootstrap_timeout=30)
    # the tenant's administrator has consented to the sign-in client (a run in check mode writes nothing)
    assert bootstrap(harness, inventory, ADMIN, args=['--check']).writes == []
    before = operator_principal(harness)
    with harness.emu.store.lock:
        tenant = harness.emu.store.tenant(harness.tenant(WOODGROVE))
        tenant['users'].append({'id': '6c2d3e4f-5a6b-4c7d-8e9f-000000000059', 'userPrincipalName':
                                'diego@woodgrove.onmicrosoft.com', 'displayName': 'Diego Siciliani',
                                'mail': 'diego@woodgrove.onmicrosoft.com'})
    try:
        run = bootstrap(harness, inventory, 'diego@woodgrove.onmicrosoft.com')
    finally:
        with harness.emu.store.lock:
            tenant['users'] = [u for u in tenant['users'] if u['userPrincipalName'] != 'diego@woodgrove.onmicrosoft.com']
    assert [a.status_code for a in run.answers] == [200], run  # signed in: the refusal is the collection's
    assert run.rc != 0 and run.writes == [], run
    assert operator_principal(harness) == before
    assert 'diego@woodgrove.onmicrosoft.com signed in, who holds no administrator role' in run.output, run
    assert 'Global Administrator' in run.output and 'nothing was written' in run.output, run


def test_a_declined_sign_in_writes_nothing(fresh_tokens, tmp_path):
    harness = fresh_tokens
    inventory = new_customer(harness, tmp_path)
    run = bootstrap(harness, inventory, None)
    assert run.rc != 0 and run.writes == [], run
    assert 'declined' in run.output.lower() and 'nothing was written' in run.output, run
    # and what the tenant's administrator can do instead where the device code flow is blocked
    assert '/adminconsent?client_id=%s' % harness.operator['app_id'] in run.output, run
    assert 'Exchange Recipient Administrator' in run.output, run


def test_an_extra_role_fails_the_strict_audit(fresh_tokens, tmp_path, vault):
    harness = fresh_tokens
    inventory = new_customer(harness, tmp_path, bookingsone_operator_role='onboard')
    assert bootstrap(harness, inventory, ADMIN).rc == 0
    principal, _roles = operator_principal(harness)
    with harness.emu.store.lock:
        harness.emu.store.tenant(harness.tenant(WOODGROVE))['directoryRoles'][principal['id']].append('Global Reader')
    audit = play(harness, inventory, 'audit.yml', (), '-e', 'bookingsone_audit_profile=strict')
    control_ = next(c for c in report(harness)['controls']
                    if c['tenant'] == 'woodgrove' and c['id'] == 'operator.least_privilege')
    assert control_['status'] == 'fail' and 'Global Reader' in control_['detail'], control_
    # bootstrap takes it away again: exactly the role's
    assert bootstrap(harness, inventory, ADMIN).rc == 0
    assert operator_principal(harness)[1] == ['Exchange Recipient Administrator']
    audit = play(harness, inventory, 'audit.yml', (), '-e', 'bookingsone_audit_profile=strict')
    control_ = next(c for c in report(harness)['controls']
                    if c['tenant'] == 'woodgrove' and c['id'] == 'operator.least_privilege')
    assert control_['status'] == 'pass', control_
    assert audit.writes == []
