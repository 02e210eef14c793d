"""The entra_app role: the Entra half of onboarding (app registration, admin consent, client secret and
its hand-off) converging, reporting drift in check mode, keeping the secret out of the output."""

from __future__ import annotations

import json

import pytest

from helpers import (CALLBACK, FIVE, app_by_unique, days_from_now, read_handoff, role_vars, token_works,
                     withdraw_consent)


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
    with harness.emu.store.lock:  # three changes made behind the automation's back
        app = app_by_unique(harness, 1, 'role-drift')
        app['web']['redirectUris'] = ['https://old.example/callback']
        withdraw_consent(harness, 1, app['appId'])  # Mail.Send
        app['passwordCredentials'][0]['endDateTime'] = days_from_now(10)
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


def test_secret_never_shown_at_vvvv(harness, tmp_path, vault):
    variables = role_vars(harness, tmp_path, 'role-verbose')
    run = harness.play('entra_role.yml', args=vault, verbosity=4, **variables)
    assert run.rc == 0, run
    secret = read_handoff(tmp_path)['client_secret']
    assert len(secret) > 20
    assert secret not in run.output and secret[4:20] not in run.output
    assert harness.operator['secrets'][0]['value'] not in run.output
    assert 'eyJ' not in run.output  # no bearer token (JWT) either


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
