"""The Entra half: app_secret, admin_consent, app_registration_info and the entra_app role."""

from __future__ import annotations

import datetime
import json

import msal
import pytest
from ansible.parsing.vault import VaultLib, VaultSecret

from emulator.client import EmulatorHttpClient

CALLBACK = 'https://contoso.bookingsone.example/auth/callback'
FIVE = ['Calendars.ReadWrite', 'Group.Read.All', 'Mail.Send', 'Place.Read.All', 'User.Read.All']


@pytest.fixture
def vault(harness, tmp_path):
    password = tmp_path / 'vault-pass'
    password.write_text('integration-vault-password\n')
    return ['--vault-password-file', str(password)]


def role_vars(harness, tmp_path, unique, tenant_index=1, **extra):
    values = dict(entra_app_tenant_id=harness.tenant(tenant_index), entra_app_callback_url=CALLBACK,
                  entra_app_unique_name=unique, entra_app_display_name='Bookings ONE %s' % unique,
                  entra_app_handoff_dir=str(tmp_path / 'handoff'))
    values.update(extra)
    return values


def read_handoff(tmp_path):
    with open(str(tmp_path / 'handoff' / 'localhost.vault.yml'), 'rb') as handle:
        sealed = handle.read()
    assert sealed.startswith(b'$ANSIBLE_VAULT;1.1;AES256')
    import yaml
    return yaml.safe_load(VaultLib([('default', VaultSecret(b'integration-vault-password'))]).decrypt(sealed))


def token_works(harness, tenant, client_id, secret):
    """Whether the identity platform issues a token for these credentials (as Bookings ONE would ask)."""
    app = msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority='%s/%s' % (harness.emu.endpoints['login'], tenant),
        instance_discovery=False, http_client=EmulatorHttpClient(harness.emu.endpoints['ca_bundle']))
    return 'access_token' in app.acquire_token_for_client([harness.emu.endpoints['graph'] + '/.default'])


def app_by_unique(harness, tenant_index, unique):
    with harness.emu.store.lock:
        return next(a for a in harness.emu.store.tenant(harness.tenant(tenant_index))['applications']
                    if a.get('uniqueName') == unique)


def test_role_onboards_hands_over_and_converges(harness, tmp_path, vault):
    variables = role_vars(harness, tmp_path, 'role-e2e')
    check = harness.play('entra_role.yml', check=True, args=vault, **variables)
    assert check.rc == 0 and check.changed > 0 and check.writes == [], check
    real = harness.play('entra_role.yml', args=vault, **variables)
    assert real.rc == 0, real
    handoff = read_handoff(tmp_path)
    assert handoff['tenant_id'] == harness.tenant(1)
    assert handoff['client_secret'] not in real.output
    assert token_works(harness, harness.tenant(1), handoff['client_id'], handoff['client_secret'])
    app = app_by_unique(harness, 1, 'role-e2e')
    assert app['signInAudience'] == 'AzureADMultipleOrgs' and app['web']['redirectUris'] == [CALLBACK]
    consent = harness.play('app_info.yml', tenant=harness.tenant(1), unique_name='role-e2e',
                           result_file=str(tmp_path / 'info.json'))
    info = json.load(open(str(tmp_path / 'info.json')))['app']
    assert consent.rc == 0 and info['granted_permissions'] == FIVE and all(info['consent'].values())
    assert info['secrets'][0]['days_left'] >= 728 and 'secretText' not in json.dumps(info)
    again = harness.play('entra_role.yml', args=vault, **variables)
    assert again.rc == 0 and again.changed == 0 and again.writes == [], again
    audit = harness.play('entra_role.yml', check=True, args=vault, **variables)
    assert audit.rc == 0 and audit.changed == 0 and audit.writes == [], audit


def test_drift_reported_in_check_mode_with_diff_and_no_write(harness, tmp_path, vault):
    variables = role_vars(harness, tmp_path, 'role-drift')
    assert harness.play('entra_role.yml', args=vault, **variables).rc == 0
    store = harness.emu.store
    with store.lock:  # three changes made behind the automation's back
        tenant = store.tenant(harness.tenant(1))
        app = app_by_unique(harness, 1, 'role-drift')
        app['web']['redirectUris'] = ['https://old.example/callback']
        principal = store.principal_by_app_id(tenant, app['appId'])
        mail_send = 'b633e1c5-b582-4048-a93e-9f11b44c7e96'
        tenant['appRoleAssignments'] = [a for a in tenant['appRoleAssignments']
                                        if not (a['principalId'] == principal['id'] and a['appRoleId'] == mail_send)]
        soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10)
        app['passwordCredentials'][0]['endDateTime'] = soon.strftime('%Y-%m-%dT%H:%M:%SZ')
    check = harness.play('entra_role.yml', check=True, args=vault, **variables)
    assert check.rc == 0 and check.writes == [], check
    assert check.changed == 1, check  # one task for the tenant's Entra half ...
    assert check.output.count('--- before') >= 3, check  # ... with a diff each: redirect URI, consent, secret
    assert 'https://old.example/callback' in check.output and CALLBACK in check.output
    assert 'Mail.Send' in check.output
    assert 'new secret' in check.output or "'rotated': true" in check.output.lower() or 'rotated' in check.output
    fix = harness.play('entra_role.yml', args=vault, **variables)
    assert fix.rc == 0 and fix.changed == 1, fix  # the three, the hand-off included, in the one task
    assert harness.play('entra_role.yml', args=vault, **variables).changed == 0


def test_rotation_keeps_the_old_secret_valid_until_retired(harness, tmp_path):
    unique = 'rotation-app'
    assert harness.play('app_registration.yml', tenant=harness.tenant(1), name='Rotation app',
                        unique_name=unique).rc == 0
    app = app_by_unique(harness, 1, unique)
    # a service principal in the tenant, so the app's own secrets can be tried for real
    assert harness.play('admin_consent.yml', tenant=harness.tenant(1), app_id=app['appId'],
                        permissions=['User.Read.All']).rc == 0
    first_file, second_file = str(tmp_path / 'first.json'), str(tmp_path / 'second.json')
    assert harness.play('app_secret.yml', tenant=harness.tenant(1), unique_name=unique,
                        result_file=first_file).rc == 0
    first = json.load(open(first_file))
    assert first['rotated'] and first['secret_text']
    rotated = harness.play('app_secret.yml', tenant=harness.tenant(1), unique_name=unique, force=True,
                           result_file=second_file)
    second = json.load(open(second_file))
    assert rotated.rc == 0 and second['key_id'] != first['key_id'] and second['retired'] == []
    assert token_works(harness, harness.tenant(1), app['appId'], first['secret_text'])
    assert token_works(harness, harness.tenant(1), app['appId'], second['secret_text'])
    assert first['secret_text'] not in rotated.output and second['secret_text'] not in rotated.output
    retire = harness.play('app_secret.yml', tenant=harness.tenant(1), unique_name=unique, retire='now')
    assert retire.rc == 0 and retire.changed == 1, retire
    # the old secret removed, and its entry dropped from the hand-off record (the app's tags)
    assert [(w['method'], w['path'].rsplit('/', 1)[1]) for w in retire.writes] == [
        ('POST', 'removePassword'), ('PATCH', app['id'])]
    assert not token_works(harness, harness.tenant(1), app['appId'], first['secret_text'])
    assert token_works(harness, harness.tenant(1), app['appId'], second['secret_text'])
    keys = [c['keyId'] for c in app_by_unique(harness, 1, unique)['passwordCredentials']]
    assert keys == [second['key_id']]


def test_secret_never_shown_at_vvvv(harness, tmp_path, vault):
    variables = role_vars(harness, tmp_path, 'role-verbose')
    run = harness.play('entra_role.yml', args=vault, verbosity=4, **variables)
    assert run.rc == 0, run
    secret = read_handoff(tmp_path)['client_secret']
    assert len(secret) > 20
    assert secret not in run.output and secret[4:20] not in run.output
    assert harness.operator['secrets'][0]['value'] not in run.output
    assert 'eyJ' not in run.output  # no bearer token (JWT) either


def test_policy_shorter_than_lifetime_is_reported(harness, tmp_path):
    assert harness.play('app_registration.yml', tenant=harness.tenant(2), name='Policy app',
                        unique_name='policy-app').rc == 0
    refused = harness.play('app_secret.yml', tenant=harness.tenant(2), unique_name='policy-app', lifetime=730)
    assert refused.rc != 0 and 'CredentialInvalidLifetimeAsPerAppPolicy' in refused.output, refused
    assert 'lower lifetime_days' in refused.output
    allowed = harness.play('app_secret.yml', tenant=harness.tenant(2), unique_name='policy-app', lifetime=180)
    assert allowed.rc == 0 and allowed.changed == 1, allowed


@pytest.mark.parametrize('override,words', [
    (dict(entra_app_graph_permissions=['Mail.Sendd']), 'Mail.Sendd'),
    (dict(entra_app_secret_lifetime_days=800), '800'),
    (dict(entra_app_tenant_id='contoso tenant'), 'contoso tenant'),
    (dict(entra_app_callback_url='http://contoso.bookingsone.example/cb'), 'http://contoso.bookingsone.example/cb'),
])
def test_bad_role_input_fails_clearly_and_changes_nothing(harness, tmp_path, vault, override, words):
    run = harness.play('entra_role.yml', args=vault, **role_vars(harness, tmp_path, 'role-bad', **override))
    assert run.rc != 0 and run.writes == [], run
    assert words in run.output
    with harness.emu.store.lock:
        assert not any(a.get('uniqueName') == 'role-bad'
                       for a in harness.emu.store.tenant(harness.tenant(1))['applications'])


def test_consent_for_a_multitenant_app_from_another_tenant(harness):
    home, away = harness.tenant(1), harness.tenant(2)
    assert harness.play('app_registration.yml', tenant=home, name='Traveller', unique_name='traveller',
                        permissions=['User.Read.All']).rc == 0
    app_id = app_by_unique(harness, 1, 'traveller')['appId']
    harness.emu.set_faults(dict(replication_next=2))  # Entra has not replicated it yet, twice
    try:
        case = dict(tenant=away, app_id=app_id, permissions=['User.Read.All', 'Place.Read.All'])
        check, real, _ = harness.three_ways('admin_consent.yml', **case)
    finally:
        harness.emu.set_faults({})
    refused = [r for r in real.requests if r['status'] == 400 and r['path'] == '/v1.0/servicePrincipals']
    assert len(refused) == 2  # retried until Entra knew the app
    assert sum(1 for w in real.writes if w['status'] == 201 and w['batch']) == 2
    extra = harness.play('admin_consent.yml', tenant=away, app_id=app_id, permissions=['User.Read.All'],
                         exclusive=True)
    assert extra.rc == 0 and extra.changed == 1 and [w['method'] for w in extra.writes] == ['DELETE'], extra


def test_consent_unknown_permission_fails_before_any_write(harness):
    run = harness.play('admin_consent.yml', tenant=harness.tenant(1), app_id=harness.operator['app_id'],
                       permissions=['Calendars.Write.Everything'])
    assert run.rc != 0 and run.writes == [] and 'Calendars.Write.Everything' in run.output, run


def test_handoff_posts_to_the_bookings_one_endpoint(harness, tmp_path, vault):
    endpoint = harness.emu.endpoints['control'] + '/handoff'
    variables = role_vars(harness, tmp_path, 'role-post', entra_app_handoff_url=endpoint,
                          entra_app_handoff_url_token='bookings-one-intake-token')
    before = len(harness.emu.handoffs)
    run = harness.play('entra_role.yml', args=vault, **variables)
    assert run.rc == 0, run
    received = harness.emu.handoffs[before:]
    assert len(received) == 1 and received[0]['authorization'] == 'Bearer bookings-one-intake-token'
    handed = received[0]['body']
    assert handed == read_handoff(tmp_path)  # the same credentials as the vault file
    assert token_works(harness, harness.tenant(1), handed['client_id'], handed['client_secret'])
    assert handed['client_secret'] not in run.output and 'bookings-one-intake-token' not in run.output
    again = harness.play('entra_role.yml', args=vault, **variables)
    assert again.changed == 0 and len(harness.emu.handoffs) == before + 1
    refused = harness.play('entra_role.yml', args=vault, **role_vars(
        harness, tmp_path, 'role-post-plain', entra_app_handoff_url='http://intake.example/credentials'))
    assert refused.rc != 0 and refused.writes == [], refused
