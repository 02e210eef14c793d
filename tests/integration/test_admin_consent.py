"""admin_consent end to end: consent in another tenant to a multitenant app, and unknown permissions."""

from __future__ import annotations

from helpers import app_by_unique


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
