"""app_secret end to end: rotation with the old secret valid until retired, and the tenant's lifetime policy."""

from __future__ import annotations

import json

from helpers import app_by_unique, token_works


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
    # under the lease: the old secret removed, its entry dropped from the record as the lease is given back
    assert [(w['method'], w['path'].rsplit('/', 1)[1]) for w in retire.writes] == [
        ('PATCH', app['id']), ('POST', 'removePassword'), ('PATCH', app['id'])]
    assert not token_works(harness, harness.tenant(1), app['appId'], first['secret_text'])
    assert token_works(harness, harness.tenant(1), app['appId'], second['secret_text'])
    keys = [c['keyId'] for c in app_by_unique(harness, 1, unique)['passwordCredentials']]
    assert keys == [second['key_id']]


def test_policy_shorter_than_lifetime_is_reported(harness, tmp_path):
    assert harness.play('app_registration.yml', tenant=harness.tenant(2), name='Policy app',
                        unique_name='policy-app').rc == 0
    refused = harness.play('app_secret.yml', tenant=harness.tenant(2), unique_name='policy-app', lifetime=730)
    assert refused.rc != 0 and 'CredentialInvalidLifetimeAsPerAppPolicy' in refused.output, refused
    assert 'lower lifetime_days' in refused.output
    allowed = harness.play('app_secret.yml', tenant=harness.tenant(2), unique_name='policy-app', lifetime=180)
    assert allowed.rc == 0 and allowed.changed == 1, allowed
