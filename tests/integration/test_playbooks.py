"""The operator playbooks on an inventory of tenants: failure isolation and the check-mode audit."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils._exchange_api import CALENDAR_PROCESSING
from helpers import CONTOSO_ROOMS, app_by_unique, days_from_now, operator_playbook, tenant_host, withdraw_consent, write_inventory


@pytest.fixture(scope='module')
def fleet(harness, tmp_path_factory):
    """An inventory of two tenants: Contoso, and Tailspin, where the operator holds no Exchange role (Exchange refuses it)."""
    root = tmp_path_factory.mktemp('fleet')
    # Contoso's delegate and callback are templates, as an inventory's may be: the report templates what it reads.
    hosts = dict(contoso=tenant_host('contoso', harness.tenant(1), root / 'handoff',
                                     bookingsone_delegate='bookings@{{ inventory_hostname }}.onmicrosoft.com',
                                     bookingsone_callback_url='https://{{ inventory_hostname }}.bookingsone.example/cb'),
                 tailspin=tenant_host('tailspin', harness.tenant(3), root / 'handoff'))
    write_inventory(root / 'inventory', hosts)
    password = root / 'vault-pass'
    password.write_text('fleet-vault-password')
    env = harness.env(ANSIBLE_VAULT_PASSWORD_FILE=str(password))
    return dict(root=root, env=env, hosts=hosts)


def playbook(harness, fleet, name, *args, **options):
    """options: inventory (default the fleet's), env (default the fleet's)."""
    return harness.play(operator_playbook(name), env=options.get('env') or fleet['env'],
                        args=('-i', options.get('inventory') or str(fleet['root'] / 'inventory')) + args)


@pytest.fixture()
def drifted(harness, fleet):
    """An inventory of Contoso alone, with a room that drifted: no tenant errors, one fails."""
    inventory = fleet['root'] / 'contoso-only'
    if not inventory.exists():
        write_inventory(inventory, {'contoso': fleet['hosts']['contoso']})
    store = harness.emu.store
    with store.lock:
        store.tenant(harness.tenant(1))['exchange']['rooms']['annex']['calendar_processing'][
            'ScheduleOnlyDuringWorkHours'] = True
    return str(inventory)


def test_onboard_isolates_a_failing_tenant(harness, fleet):
    run = playbook(harness, fleet, 'onboard.yml')
    assert run.rc != 0, run
    assert run.recap['contoso']['failed'] == 0 and run.recap['tailspin']['rescued'] == 1, run
    assert run.recap['tailspin']['failed'] == 1  # the failed tenant fails its own host, and only it
    assert '1 of 2 tenant(s) in this run succeeded, 1 failed: tailspin (' in run.output
    # refused by its preflight, before any write, naming the role the operator lacks there
    assert 'holds none of the Microsoft Entra roles onboard.yml and offboard.yml needs (Exchange Recipient ' \
        'Administrator or Exchange Administrator)' in run.output, run
    assert not [r for r in run.writes if r['tenant'] == harness.tenant(3)], run.writes
    with harness.emu.store.lock:
        board = harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['board']['calendar_processing']
        assert board['ScheduleOnlyDuringWorkHours'] is False and 'bookings' in board['ResourceDelegates']


def test_audit_reports_drift_errors_and_passes_without_writing(harness, fleet):
    store = harness.emu.store
    with store.lock:  # drift in Contoso after onboarding
        tenant = store.tenant(harness.tenant(1))
        tenant['exchange']['rooms']['annex']['calendar_processing']['ScheduleOnlyDuringWorkHours'] = True
        withdraw_consent(harness, 1, app_by_unique(harness, 1, 'bookings-one')['appId'])  # Mail.Send
    reports = str(fleet['root'] / 'reports')
    run = playbook(harness, fleet, 'audit.yml', '--diff', '-e', 'bookingsone_report_dir=%s' % reports)
    # Tailspin could not be audited (Exchange refuses the operator), so the run fails, after the report
    assert run.rc != 0, run
    assert '1 tenant(s) could not be audited: tailspin (' in run.output, run
    assert run.writes == [], run.writes
    report = json.load(open(os.path.join(reports, 'audit.json')))
    status = dict(((c['tenant'], c['room'], c['id']), c) for c in report['controls'])
    annex = status[('contoso', 'annex@contoso.onmicrosoft.com', 'room.working_hours_off')]
    assert annex['status'] == 'fail' and annex['observed'] is True and annex['expected'] is False
    assert status[('contoso', None, 'consent.Mail.Send')]['status'] == 'fail'
    assert status[('contoso', None, 'consent.User.Read.All')]['status'] == 'pass'
    assert status[('contoso', 'board@contoso.onmicrosoft.com', 'room.full_access')]['status'] == 'pass'
    # judged against the inventory's templates rendered, not their text
    delegate = status[('contoso', 'board@contoso.onmicrosoft.com', 'room.delegate_set')]
    assert delegate['status'] == 'pass' and status[('contoso', None, 'app.redirect_uri')]['status'] == 'pass'
    tailspin = [c for c in report['controls'] if c['tenant'] == 'tailspin']
    assert tailspin and all(c['status'] == 'error' for c in tailspin if c['id'] == 'rooms.readable' or c['room'])
    assert not any(c['status'] == 'pass' and c['observed'] is None for c in report['controls'])
    assert report['summary']['tenants']['contoso']['status'] == 'fail'
    junit = ET.parse(os.path.join(reports, 'audit.junit.xml')).getroot()
    assert int(junit.get('failures')) == report['summary']['totals']['fail'] > 0
    assert int(junit.get('errors')) == report['summary']['totals']['error'] > 0
    html = open(os.path.join(reports, 'audit.html')).read()
    assert html.startswith('<!DOCTYPE html>') and 'annex@contoso.onmicrosoft.com' in html and '<script>' in html
    assert 'https://' not in html.split('<body>')[0]  # self-contained: nothing loaded from elsewhere
    assert all(isinstance(t['retries'], dict) for t in report['summary']['tenants'].values())


def test_audit_fails_the_run_when_no_tenant_can_be_audited(harness, fleet):
    reports = str(fleet['root'] / 'reports-wrong-secret')
    env = dict(fleet['env'], AZURE_CLIENT_SECRET='not-the-operator-secret')
    run = playbook(harness, fleet, 'audit.yml', '-e', 'bookingsone_report_dir=%s' % reports, env=env)
    assert run.rc != 0, run
    assert run.writes == [], run.writes
    for suffix in ('.json', '.html', '.junit.xml'):  # the report is written all the same
        assert os.path.exists(os.path.join(reports, 'audit' + suffix)), (suffix, run)
    report = json.load(open(os.path.join(reports, 'audit.json')))
    assert dict((name, t['status']) for name, t in report['summary']['tenants'].items()) == dict(
        contoso='error', tailspin='error')
    # the summary's failure names every tenant with its reason
    reason = 'preflight: login invalid_client'  # the cause first, then the task
    assert '2 tenant(s) could not be audited: contoso (%s' % reason in run.output, run
    assert '; tailspin (%s' % reason in run.output, run
    assert '(task: Compare the tenant with the desired state (read only))' in run.output


def test_audit_passes_on_drift_by_default(harness, fleet, drifted):
    reports = str(fleet['root'] / 'reports-drift')
    harness.emu.set_faults(dict(throttle_next=1, retry_after=1, services=['graph']))  # one retry to report
    try:
        run = playbook(harness, fleet, 'audit.yml', '-e', 'bookingsone_report_dir=%s' % reports, inventory=drifted)
    finally:
        harness.emu.set_faults({})
    assert run.rc == 0, run
    assert run.writes == [], run.writes
    report = json.load(open(os.path.join(reports, 'audit.json')))
    contoso = report['summary']['tenants']['contoso']
    assert contoso['status'] == 'fail'
    assert re.search(r'tenants: 1 fail \(contoso\)', run.output), run  # the summary names the tenants
    assert contoso['retries']['graph']['retried'] == 1 and contoso['retries']['graph']['waited_s'] >= 1, contoso
    assert 'graph: 1 retried' in open(os.path.join(reports, 'audit.html')).read()


def test_audit_fails_on_drift_when_asked(harness, fleet, drifted):
    reports = str(fleet['root'] / 'reports-drift-fail')
    run = playbook(harness, fleet, 'audit.yml', '-e', 'bookingsone_report_dir=%s' % reports,
                   '-e', 'bookingsone_audit_fail_on=fail', inventory=drifted)
    assert run.rc != 0, run
    assert run.writes == [], run.writes
    assert os.path.exists(os.path.join(reports, 'audit.json'))
    assert re.search(r'1 tenant\(s\) with failed controls: contoso \(\d+ failed\)', run.output), run


def test_audit_refuses_an_unknown_fail_on_before_any_request(harness, fleet):
    reports = str(fleet['root'] / 'reports-sometimes')
    run = playbook(harness, fleet, 'audit.yml', '-e', 'bookingsone_report_dir=%s' % reports,
                   '-e', 'bookingsone_audit_fail_on=sometimes')
    assert run.rc != 0, run
    assert "bookingsone_audit_fail_on is 'sometimes'; allowed: error" in run.output, run
    assert run.writes == [] and run.requests == [], run.requests
    assert not os.path.exists(reports)


def test_rotate_secrets_playbook_rotates_only_when_due(harness, fleet):
    quiet = playbook(harness, fleet, 'rotate_secrets.yml', '--limit', 'contoso,localhost')
    assert quiet.rc == 0 and quiet.recap['contoso']['changed'] == 0 and quiet.writes == [], quiet
    handoff = str(fleet['root'] / 'handoff' / 'contoso.vault.yml')
    before = open(handoff, 'rb').read()
    store = harness.emu.store
    with store.lock:  # the secret now expires in ten days
        app_by_unique(harness, 1, 'bookings-one')['passwordCredentials'][-1]['endDateTime'] = days_from_now(10)
    due = playbook(harness, fleet, 'rotate_secrets.yml', '--limit', 'contoso,localhost')
    assert due.rc == 0 and due.recap['contoso']['changed'] == 1, due  # new secret handed off, in one task
    # the lease, one new secret, pending, recorded once the hand-off file was written, the lease given back
    assert [(w['method'], w['path'].rsplit('/', 1)[1]) for w in due.writes][1] == ('POST', 'addPassword')
    assert [w['method'] for w in due.writes] == ['PATCH', 'POST', 'PATCH', 'PATCH', 'PATCH'], due.writes
    assert open(handoff, 'rb').read() != before


def test_offboard_needs_confirmation_then_undoes_onboarding(harness, fleet):
    refused = playbook(harness, fleet, 'offboard.yml', '--limit', 'contoso,localhost')
    assert refused.rc != 0 and refused.writes == [] and 'bookingsone_offboard_confirm=yes' in refused.output, refused
    record = json.load(open(str(fleet['root'] / 'handoff' / 'contoso.rooms-before.json')))
    assert record  # onboarding changed rooms, so it recorded what they had
    with harness.emu.store.lock:  # other delegates must survive the offboarding
        others = dict((alias, [d for d in room['calendar_processing']['ResourceDelegates'] if d != 'bookings'])
                      for alias, room in harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms'].items())
    done = playbook(harness, fleet, 'offboard.yml', '--limit', 'contoso,localhost',
                    '-e', 'bookingsone_offboard_confirm=yes')
    assert done.rc == 0, done
    store = harness.emu.store
    with store.lock:
        tenant = store.tenant(harness.tenant(1))
        assert not any(a.get('uniqueName') == 'bookings-one' for a in tenant['applications'])
        rooms = tenant['exchange']['rooms']
        for address, settings in record.items():  # each recorded setting is back
            processing = rooms[address.split('@')[0]]['calendar_processing']
            for option, value in settings.items():
                if option != 'resource_delegates':
                    assert processing[CALENDAR_PROCESSING[option]] == value, (address, option)
        for alias, room in rooms.items():
            assert room['calendar_processing']['ResourceDelegates'] == others[alias]
            assert not any(p['User'] == 'bookings@contoso.onmicrosoft.com' for p in room['permissions'])
    assert not os.path.exists(str(fleet['root'] / 'handoff' / 'contoso.vault.yml'))
    again = playbook(harness, fleet, 'offboard.yml', '--limit', 'contoso,localhost',
                     '-e', 'bookingsone_offboard_confirm=yes')
    assert again.rc == 0 and again.writes == [], again


def test_the_fleet_callback_prints_one_line_per_tenant_and_each_failure_once(harness, fleet):
    reports = str(fleet['root'] / 'reports-fleet')
    env = dict(fleet['env'], ANSIBLE_STDOUT_CALLBACK='bookingsone.office365.fleet')
    run = playbook(harness, fleet, 'audit.yml', '--diff', '-e', 'bookingsone_report_dir=%s' % reports, env=env)
    assert run.rc != 0 and run.writes == [], run  # tailspin cannot be audited
    lines = run.output.splitlines()
    progress = [line for line in lines if re.match(r'^\[\d+/2', line)]
    assert len(progress) == 2, lines  # one per tenant, with a running count
    assert any(re.match(r'^\[\d/2(, 1 failed)?\] contoso: ', line) for line in progress), progress
    failed = [line for line in lines if line.startswith(('tailspin FAILED', '[')) and 'tailspin' in line]
    assert failed and all('FAILED at "' in line for line in failed), lines
    assert lines[-1].startswith('2 tenant(s): 1 ok') and lines[-1].endswith('1 failed: tailspin'), lines[-3:]
    assert len(lines) < 60 and 'TASK [' not in run.output, lines


def test_a_playbook_run_by_its_collection_name_writes_where_it_runs_not_into_the_collection(harness, fleet, tmp_path):
    import subprocess
    import sys
    inside = [os.path.join(harness.collections, 'ansible_collections', 'bookingsone', 'office365', name)
              for name in ('reports', 'handoff', os.path.join('playbooks', 'handoff'))]
    before = [os.path.exists(path) and sorted(os.listdir(path)) for path in inside]
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
               str(fleet['root'] / 'inventory'), '--limit', 'contoso', 'bookingsone.office365.audit']
    done = subprocess.run(command, env=fleet['env'], cwd=str(tmp_path), capture_output=True, text=True, timeout=600)
    assert os.path.exists(str(tmp_path / 'reports' / 'audit.json')), done.stdout[-3000:]
    assert [os.path.exists(path) and sorted(os.listdir(path)) for path in inside] == before


def test_the_audit_says_when_the_tenant_refused_requests_over_its_concurrency_limit(harness, fleet, drifted):
    emu = harness.emu
    emu.exchange_concurrency_limit, emu.exchange_cmdlet_ms = 1, 150
    try:
        # one room: its two reads go alone, at once (more would travel in a $batch, which runs them in turn)
        run = playbook(harness, fleet, 'audit.yml', '--check', '-e', 'bookingsone_proof=off',
                       '-e', json.dumps(dict(bookingsone_room_addresses=CONTOSO_ROOMS[:1])), inventory=drifted)
    finally:
        emu.exchange_concurrency_limit, emu.exchange_cmdlet_ms = 3, 0
    assert run.rc == 0, run
    assert [r for r in run.requests if r['service'] == 'exchange' and r['status'] == 429], run  # the limit was hit
    # a step's warning is the task's: Ansible shows the warnings of a task's result, not of what it nests
    said = ' '.join(run.output.split())  # ansible-core before 2.19 wraps a warning's lines
    assert said.count('the tenant refused requests over its concurrency limit, so at most') == 1, run


def test_the_audit_reads_each_room_once_and_both_room_steps_reads_travel_together(harness, fleet, drifted):
    run = playbook(harness, fleet, 'audit.yml', '--check', '-e', 'bookingsone_proof=off', inventory=drifted)
    assert run.rc == 0 and run.writes == [], run
    reads = [r for r in run.requests if r['cmdlet'] in ('Get-CalendarProcessing', 'Get-MailboxPermission')]
    rooms = len([r for r in reads if r['cmdlet'] == 'Get-CalendarProcessing'])
    assert rooms >= 3 and len([r for r in reads if r['cmdlet'] == 'Get-MailboxPermission']) == rooms, reads
    assert all(r['status'] == 200 and r['batch'] for r in reads), reads  # each read once, inside a $batch
    # one $batch request carries both steps' reads (ten to a batch): the second step does not wait for the first
    batches = [r for r in run.requests if r['path'].endswith('/$batch')]
    assert len(batches) == -(-2 * rooms // 10), batches
