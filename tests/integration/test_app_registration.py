"""app_registration end to end: real ansible-playbook, real msal, HTTPS to the emulator."""

from __future__ import annotations

import json
import os


def app_in_state(emulator, tenant, name):
    with emulator.store.lock:
        return [a for a in emulator.store.tenant(tenant)['applications'] if a['displayName'] == name]


def test_create_converge_check_and_remove(harness, tmp_path):
    tenant = harness.tenant(1)
    result_file = str(tmp_path / 'app.json')
    case = dict(tenant=tenant, name='Integration app', uris=['https://b1.example/callback'],
                permissions=['User.Read.All', 'Mail.Send'], result_file=result_file)
    check, real, _again = harness.three_ways('app_registration.yml', **case)
    assert [w['method'] for w in real.writes] == ['POST']  # one create, nothing else
    assert 'Integration app' in check.output  # the check-mode diff names what would be created
    created = json.load(open(result_file))
    apps = app_in_state(harness.emu, tenant, 'Integration app')
    assert len(apps) == 1 and apps[0]['appId'] == created['app_id']
    assert apps[0]['signInAudience'] == 'AzureADMultipleOrgs'
    assert apps[0]['web']['redirectUris'] == ['https://b1.example/callback']
    assert sorted(r['id'] for r in apps[0]['requiredResourceAccess'][0]['resourceAccess']) == [
        'b633e1c5-b582-4048-a93e-9f11b44c7e96', 'df021288-bdef-4463-88db-98f22de89214']
    assert created['tenant_id'] == tenant

    gone = harness.play('app_registration.yml', **dict(case, state='absent'))
    assert gone.rc == 0 and gone.changed == 1, gone
    assert [w['method'] for w in gone.writes] == ['DELETE']
    assert app_in_state(harness.emu, tenant, 'Integration app') == []
    again = harness.play('app_registration.yml', **dict(case, state='absent'))
    assert again.rc == 0 and again.changed == 0 and again.writes == [], again


def test_drift_is_reported_in_check_mode_and_repaired(harness):
    tenant = harness.tenant(1)
    case = dict(tenant=tenant, name='Drift app', unique_name='drift-app', uris=['https://b1.example/cb'],
                permissions=['User.Read.All'])
    assert harness.play('app_registration.yml', **case).rc == 0
    with harness.emu.store.lock:  # an admin edits the app in the portal behind our back
        app = app_in_state(harness.emu, tenant, 'Drift app')[0]
        app['web']['redirectUris'] = ['https://evil.example/cb']
        app['requiredResourceAccess'] = []
    check = harness.play('app_registration.yml', check=True, **case)
    assert check.rc == 0 and check.changed == 1 and check.writes == [], check
    assert 'https://evil.example/cb' in check.output and 'https://b1.example/cb' in check.output
    assert 'User.Read.All' in check.output
    fix = harness.play('app_registration.yml', **case)
    assert fix.rc == 0 and fix.changed == 1 and [w['method'] for w in fix.writes] == ['PATCH'], fix
    assert app_in_state(harness.emu, tenant, 'Drift app')[0]['web']['redirectUris'] == ['https://b1.example/cb']
    assert harness.play('app_registration.yml', **case).changed == 0


def test_instance_lock_three_ways_then_off(harness, tmp_path):
    case = dict(tenant=harness.tenant(1), unique_name='lock-test', name='Lock test', lock=True)
    _check, real, _again = harness.three_ways('app_registration.yml', **case)
    bodies = [w.get('body') or {} for w in real.writes]
    with harness.emu.store.lock:
        app = [a for a in harness.emu.store.tenant(harness.tenant(1))['applications'] if a.get('uniqueName') == 'lock-test']
    assert len(app) == 1, app
    lock = app[0]['servicePrincipalLockConfiguration']
    assert lock['isEnabled'] is True and lock['allProperties'] is True, (lock, bodies)
    result = str(tmp_path / 'app.json')
    off = harness.play('app_registration.yml', result_file=result, **dict(case, lock=False))
    assert off.rc == 0 and off.changed == 1 and len(off.writes) == 1, off
    assert json.load(open(result))['instance_lock'] is False
    with harness.emu.store.lock:
        assert app[0]['servicePrincipalLockConfiguration']['isEnabled'] is False


def test_clearing_redirect_uris_is_a_change(harness):
    tenant = harness.tenant(1)
    case = dict(tenant=tenant, name='Clear app', unique_name='clear-app', uris=['https://b1.example/cb'])
    assert harness.play('app_registration.yml', **case).rc == 0
    cleared = harness.play('app_registration.yml', **dict(case, uris=[]))
    assert cleared.rc == 0 and cleared.changed == 1, cleared
    assert app_in_state(harness.emu, tenant, 'Clear app')[0]['web']['redirectUris'] == []


def test_unique_name_upsert_never_duplicates(harness):
    tenant = harness.tenant(1)
    case = dict(tenant=tenant, name='Upsert app', unique_name='upsert-app')
    first = harness.play('app_registration.yml', **case)
    assert first.rc == 0 and [w['method'] for w in first.writes] == ['PATCH'], first
    assert first.writes[0]['path'].endswith("(uniqueName='upsert-app')")
    assert harness.play('app_registration.yml', **case).changed == 0
    assert len(app_in_state(harness.emu, tenant, 'Upsert app')) == 1


def test_ambiguous_display_name_fails_and_lists_the_apps(harness):
    run = harness.play('app_registration.yml', tenant=harness.tenant(1), name='Duplicate name')
    assert run.rc != 0 and run.writes == [], run
    assert '2 app registrations are named' in run.output and 'unique_name' in run.output


def test_unknown_permission_fails_before_any_write(harness):
    run = harness.play('app_registration.yml', tenant=harness.tenant(1), name='Typo app',
                       permissions=['User.Read.Al'])
    assert run.rc != 0 and run.writes == [], run
    assert 'User.Read.Al' in run.output and 'valid names' in run.output and 'Calendars.ReadWrite' in run.output


def test_http_redirect_uri_fails_before_any_request(harness):
    run = harness.play('app_registration.yml', tenant=harness.tenant(1), name='Plain app',
                       uris=['http://b1.example/cb'])
    assert run.rc != 0 and run.writes == [] and run.requests == [], run
    assert 'http://b1.example/cb' in run.output and 'https' in run.output


def test_malformed_tenant_fails_before_any_request(harness):
    run = harness.play('app_registration.yml', tenant='not a tenant', name='x')
    assert run.rc != 0 and run.requests == [], run
    assert "'not a tenant'" in run.output


def test_missing_permission_is_refused_with_code_and_request_id(harness):
    reader = harness.seed['operators'][1]
    run = harness.play('app_registration.yml', env=harness.env(operator=reader), tenant=harness.tenant(1),
                       name='Not allowed app')
    assert run.rc != 0 and run.writes and all(w['status'] == 403 for w in run.writes), run
    assert 'Authorization_RequestDenied' in run.output and 'request_id' in run.output


def test_wrong_secret_gives_the_identity_platform_error(harness):
    env = harness.env(AZURE_CLIENT_SECRET='not-the-secret', BOOKINGSONE_TOKEN_CACHE='false')
    run = harness.play('app_registration.yml', env=env, tenant=harness.tenant(1), name='x')
    assert run.rc != 0 and 'AADSTS7000215' in run.output and 'not-the-secret' not in run.output, run


def test_certificate_credentials_pem_and_pfx(harness):
    operator = harness.operator
    folder = os.path.join(harness.emu.state_dir, 'operators')
    for path, password in ((os.path.join(folder, operator['app_id'] + '.pem'), None),
                           (os.path.join(folder, operator['app_id'] + '.pfx'), 'pfx-test-password')):
        env = harness.env(AZURE_CLIENT_CERTIFICATE_PATH=path)
        env.pop('AZURE_CLIENT_SECRET')
        if password:
            env['AZURE_CLIENT_CERTIFICATE_PASSWORD'] = password
        run = harness.play('app_registration.yml', env=env, tenant=harness.tenant(1), name='Cert app',
                           unique_name='cert-app')
        assert run.rc == 0, run
        assert any(r['service'] == 'login' and r['method'] == 'POST' and r['status'] == 200 for r in run.requests)


def test_throttling_is_retried_after_retry_after(harness):
    harness.emu.set_faults(dict(throttle_next=3, retry_after=0.2))
    try:
        run = harness.play('app_registration.yml', tenant=harness.tenant(1), name='Throttled app',
                           unique_name='throttled-app')
    finally:
        harness.emu.set_faults({})
    assert run.rc == 0, run
    assert [r['status'] for r in run.requests if r['service'] == 'graph'][:3] == [429, 429, 429]


def test_one_token_per_resource_across_tasks(harness):
    env = harness.env(BOOKINGSONE_TOKEN_CACHE_DIR=os.path.join(harness.home, 'fresh-cache'))
    run = harness.play('many_tasks.yml', env=env, tenant=harness.tenant(1), name='Upsert app')
    assert run.rc == 0, run
    tokens = [r for r in run.requests if r['service'] == 'login' and r['method'] == 'POST']
    graph_calls = [r for r in run.requests if r['service'] == 'graph']
    assert len(tokens) == 1 and len(graph_calls) >= 5, (tokens, len(graph_calls))  # 5 tasks, one token
    cache = os.path.join(harness.home, 'fresh-cache')
    files = sorted(os.listdir(cache))  # the token cache and the identity platform's public metadata
    assert len(files) == 2 and files[1] == 'msal-metadata.json', files
    assert all(oct(os.stat(os.path.join(cache, name)).st_mode & 0o777) == '0o600' for name in files)
    metadata = [r for r in run.requests if r['service'] == 'login' and r['method'] == 'GET']
    assert len(metadata) == 1, metadata  # fetched by the first task, read from the file by the others
