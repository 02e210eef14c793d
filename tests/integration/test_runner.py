"""The playbooks through ansible-runner, the engine AWX runs jobs with: status, per-host stats,
and no secret anywhere in the event stream or the artifacts."""

from __future__ import annotations

import glob
import json
import os
import sys

import ansible_runner

from helpers import REPO, open_vault, tenant_host, write_inventory


def make_job_dir(root, harness):
    """A private data directory laid out as AWX lays it out: project, inventory, env."""
    write_inventory(os.path.join(root, 'inventory'), {'contoso': tenant_host(
        'contoso', harness.tenant(1), os.path.join(root, 'handoff'),
        bookingsone_callback_url='https://runner.bookingsone.example/cb', entra_app_unique_name='runner-app')})
    os.symlink(REPO, os.path.join(root, 'project'))
    with open(os.path.join(root, 'vault-pass'), 'w') as handle:
        handle.write('runner-vault-password')
    with open(os.path.join(root, 'operator-secret'), 'w') as handle:  # as AWX's credential file injector does
        handle.write(harness.operator['secrets'][0]['value'])


def run(harness, root, playbook, **extra):
    env = harness.env(ANSIBLE_VAULT_PASSWORD_FILE=os.path.join(root, 'vault-pass'),
                      BOOKINGSONE_CLIENT_SECRET_FILE=os.path.join(root, 'operator-secret'))
    env.pop('AZURE_CLIENT_SECRET')
    # AWX hands the runner only the job's variables, not the whole environment
    keep = ('PATH', 'HOME', 'PYTHONPATH', 'LANG')
    envvars = dict((k, v) for k, v in env.items() if k.startswith(('AZURE_', 'BOOKINGSONE_', 'ANSIBLE_', 'REQUESTS_'))
                   or k in keep)
    envvars['PATH'] = os.path.dirname(sys.executable) + os.pathsep + envvars.get('PATH', '')
    return ansible_runner.run(private_data_dir=root, project_dir=os.path.join(root, 'project'),
                              playbook=os.path.join('playbooks', playbook),
                              inventory=os.path.join(root, 'inventory'), envvars=envvars, extravars=extra,
                              quiet=True, rotate_artifacts=0)


def everything_written(root):
    """The text of the event stream and of every artifact of every job."""
    texts = []
    for path in glob.glob(os.path.join(root, 'artifacts', '**', '*'), recursive=True):
        if os.path.isfile(path):
            with open(path, errors='replace') as handle:
                texts.append(handle.read())
    return '\n'.join(texts)


def test_onboard_and_audit_as_awx_jobs(harness, tmp_path):
    root = str(tmp_path / 'job')
    make_job_dir(root, harness)
    onboard = run(harness, root, 'onboard.yml')
    assert onboard.status == 'successful' and onboard.rc == 0, onboard.stdout.read()
    assert onboard.stats['changed']['contoso'] > 0 and not onboard.stats['failures']
    events = list(onboard.events)
    assert any(e['event'] == 'playbook_on_stats' for e in events)
    audit = run(harness, root, 'audit.yml', bookingsone_report_dir=os.path.join(root, 'reports'))
    assert audit.status == 'successful' and audit.rc == 0
    assert audit.stats['changed'].get('contoso', 0) == 0 and not audit.stats['failures']
    report = json.load(open(os.path.join(root, 'reports', 'audit.json')))
    assert report['summary']['tenants']['contoso']['status'] == 'pass', report['summary']

    handed = open_vault(os.path.join(root, 'handoff', 'contoso.vault.yml'), 'runner-vault-password')
    written = everything_written(root) + json.dumps(events) + json.dumps(list(audit.events))
    assert handed['client_secret'] and handed['client_secret'] not in written
    assert harness.operator['secrets'][0]['value'] not in written
    assert 'eyJ0' not in written  # no access token (a JWT) either
    # the secret step reported by key ID; the value never left the hand-off (results carry no secret at all)
    assert handed['secret_key_id'] in written
