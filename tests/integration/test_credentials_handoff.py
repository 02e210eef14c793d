"""credentials_handoff end to end: the credentials posted to the Bookings ONE endpoint as well as vaulted."""

from __future__ import annotations

from helpers import read_handoff, role_vars, token_works


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
