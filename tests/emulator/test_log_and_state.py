"""Request log, control API, persistence across restarts, and the command line."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from emulator_client import REPO, SEED, Client, load_seed


def control(client, method, path, **kwargs):
    return client.http.session.request(method, client.emu.endpoints['control'] + path,
                                       verify=client.emu.endpoints['ca_bundle'], **kwargs)


def test_log_entries_describe_each_request(client):
    tenant = client.tenant(1)
    token, _ = client.token(tenant)
    mark = client.emu.requests()[-1]['seq']
    client.graph(tenant, 'GET', '/applications?$top=1&$select=displayName', token=token)
    client.graph(tenant, 'POST', '/applications', {'displayName': 'Logged'}, token=token)
    client.graph(tenant, 'GET', '/applications/00000000-0000-4000-8000-000000000000', token=token)
    entries = client.emu.requests(since=mark)
    assert [(e['method'], e['status'], e['write']) for e in entries] == [
        ('GET', 200, False), ('POST', 201, True), ('GET', 404, False)]
    first = entries[0]
    assert set(first) == {'seq', 'time', 'service', 'method', 'path', 'query', 'tenant', 'client_id', 'status',
                          'write', 'cmdlet', 'batch'}
    assert (first['service'], first['path'], first['tenant'], first['client_id']) == (
        'graph', '/v1.0/applications', tenant, client.operator()['app_id'])
    assert first['query'] == '%24top=1&%24select=displayName' and first['cmdlet'] is None
    assert [e['seq'] for e in entries] == list(range(mark + 1, mark + 4))


def test_log_file_matches_memory_and_holds_no_secret(client):
    client.fresh_token(client.tenant(1))
    added = client.graph(client.tenant(1), 'POST', '/applications/%s/addPassword' % client.graph(
        client.tenant(1), 'POST', '/applications', {'displayName': 'Secretive'}).json()['id'], {}).json()
    client.graph(client.tenant(1), 'GET', '/applications?client_secret=leak&$top=1')
    with open(client.emu.log.path) as handle:
        lines = [json.loads(line) for line in handle]
    assert lines[-len(client.emu.requests()):] == client.emu.requests()
    text = json.dumps(lines)
    assert client.operator()['secrets'][0]['value'] not in text and added['secretText'] not in text
    assert 'leak' not in text and 'client_secret=redacted' in text
    assert 'eyJ' not in text  # no JWT (token or assertion)


def test_control_requests_clear_and_state(client):
    tenant = client.tenant(1)
    client.graph(tenant, 'GET', '/applications?$top=1')
    listed = control(client, 'GET', '/requests?since=0').json()['value']
    assert listed and all(e['service'] != 'control' for e in listed)  # the control listener is not logged
    last = listed[-1]['seq']
    assert control(client, 'DELETE', '/requests').status_code == 204
    assert client.emu.requests() == []
    client.graph(tenant, 'GET', '/applications?$top=1')
    assert client.emu.requests()[0]['seq'] > last  # marks taken before a clear stay valid
    state = control(client, 'GET', '/state').json()
    assert tenant in state['tenants'] and 'secrets' not in state
    assert state['tenants'][tenant]['exchange']['rooms']  # the Exchange section is kept in the state


def test_state_survives_a_restart_and_reset_discards_it(own_emulator, tmp_path):
    first = own_emulator(tmp_path / 'state')
    client = Client(first)
    tenant = client.tenant(1)
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Persistent'}).json()
    secret = client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'], {}).json()['secretText']
    # audience by public name: the listener's own URL changes with its port on restart
    token = client.msal_app(tenant).acquire_token_for_client(['https://graph.microsoft.com/.default'])['access_token']
    with open(first.endpoints['ca_bundle']) as handle:
        ca = handle.read()
    first.stop()
    with contextlib.closing(sqlite3.connect(str(tmp_path / 'state' / 'state.sqlite3'))) as db:
        saved = ''.join(document for (document,) in db.execute('SELECT document FROM tenants UNION ALL '
                                                               'SELECT document FROM sections'))
    assert 'Persistent' in saved and secret not in saved
    second = own_emulator(tmp_path / 'state')
    again = Client(second)
    answer = again.graph(tenant, 'GET', '/applications/%s' % app['id'], token=token)  # same signing key
    assert answer.status_code == 200 and answer.json()['passwordCredentials'][0]['keyId']
    with open(second.endpoints['ca_bundle']) as handle:
        assert handle.read() == ca
    second.stop()
    from emulator import Emulator
    with Emulator(str(tmp_path / 'state'), SEED, reset=True) as third:
        gone = Client(third).graph(tenant, 'GET', '/applications/%s' % app['id'])
        assert gone.status_code == 404


def test_endpoints_file(emu):
    with open(os.path.join(emu.state_dir, 'endpoints.json')) as handle:
        endpoints = json.load(handle)
    assert endpoints == emu.endpoints
    assert set(endpoints) == {'login', 'graph', 'exchange', 'control', 'ca_bundle', 'pid'}
    ports = set(int(endpoints[name].rsplit(':', 1)[1]) for name in ('login', 'graph', 'exchange', 'control'))
    assert len(ports) == 4 and all(endpoints[n].startswith('https://127.0.0.1:') for n in ('login', 'graph'))


def test_operator_credentials(emu):
    creds = emu.operator_credentials('fabrikam.onmicrosoft.com')
    operator = load_seed()['operators'][0]
    assert creds['client_id'] == operator['app_id'] and creds['client_secret'] == operator['secrets'][0]['value']
    assert creds['authority'] == emu.endpoints['login'] + '/' + load_seed()['tenants'][2]['id']
    assert os.path.exists(creds['certificate_pem']) and os.path.exists(creds['certificate_pfx'])
    assert emu.operator_credentials('contoso.onmicrosoft.com', operator=1)['certificate_pem'] is None
    with pytest.raises(KeyError):
        emu.operator_credentials('nowhere.example')


def test_exchange_listener_checks_the_audience(client):
    graph_token, _ = client.token(client.tenant(1))
    answer = client.call(client.tenant(1), 'POST', '/adminapi/beta/%s/InvokeCommand' % client.tenant(1),
                         {'CmdletInput': {'CmdletName': 'Get-Mailbox'}}, service='exchange', token=graph_token)
    assert answer.status_code == 401


def test_command_line_start_and_stop(tmp_path):
    state = str(tmp_path / 'cli')
    env = dict(os.environ, PYTHONPATH=REPO)
    started = subprocess.run([sys.executable, '-m', 'emulator', 'start', '--state-dir', state, '--seed', SEED,
                              '--page-size', '3', '--latency-ms', '1', '--faults', '{"throttle_rate": 0}'],
                             capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert started.returncode == 0, started.stderr
    endpoints = json.loads(started.stdout)
    try:
        with open(os.path.join(state, 'endpoints.json')) as handle:
            assert json.load(handle) == endpoints
        import requests
        answer = requests.get(endpoints['control'] + '/faults', verify=endpoints['ca_bundle'])
        assert answer.json()['latency_ms'] == 1
        discovery = requests.get('%s/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration'
                                 % endpoints['login'], verify=endpoints['ca_bundle'])
        assert discovery.status_code == 200
    finally:
        stopped = subprocess.run([sys.executable, '-m', 'emulator', 'stop', '--state-dir', state],
                                 capture_output=True, text=True, env=env, cwd=REPO, timeout=30)
    assert stopped.returncode == 0
    for _ in range(50):
        try:
            os.kill(endpoints['pid'], 0)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.kill(endpoints['pid'], signal.SIGKILL)
        pytest.fail('the emulator did not stop')
    with open(os.path.join(state, 'emulator.log')) as handle:
        assert load_seed()['operators'][0]['secrets'][0]['value'] not in handle.read()


@pytest.mark.parametrize('change,message', [
    (lambda seed: seed['tenants'][1]['service_principals'][0].update(directory_roles=['Wizard']),
     'unknown directory role'),
    (lambda seed: seed['tenants'][1].update(colour='blue'), 'unknown keys'),
    (lambda seed: seed['operators'][0].update(home_tenant='00000000-0000-4000-8000-000000000000'),
     'unknown home_tenant'),
    (lambda seed: seed['tenants'][1]['service_principals'][0]['app_roles'].update(sharepoint=['Sites.Read.All']),
     'unknown resource'),
])
def test_seed_mistakes_are_refused_with_a_clear_message(tmp_path, change, message):
    import yaml
    from emulator import Emulator
    from emulator.seed import SeedError
    seed = load_seed()
    change(seed)
    path = tmp_path / 'seed.yml'
    path.write_text(yaml.safe_dump(seed))
    with pytest.raises(SeedError, match=message):
        Emulator(str(tmp_path / 'state'), str(path))


def test_an_emulator_bug_answers_500_without_quoting_the_request(own_emulator, capfd, monkeypatch):
    from emulator import odata
    emu = own_emulator()
    client = Client(emu)
    token = client.token(client.tenant(1))[0]

    def broken(*args, **kwargs):
        raise ValueError('request data %s' % token)
    monkeypatch.setattr(odata, 'collection', broken)
    answer = client.graph(client.tenant(1), 'GET', '/applications', token=token)
    assert answer.status_code == 500 and answer.json()['error']['code'] == 'generalException'
    captured = capfd.readouterr()
    assert 'ValueError in a handler' in captured.err and 'broken' in captured.err
    assert token not in captured.err
