"""Real ansible-playbook runs against the emulator behaving as Microsoft's services do (issue 11): rooms
hidden from the address lists, places paged at 100, and consent right after the app is created."""

from __future__ import annotations

import json

from helpers import FIVE, role_vars

QUIET = 'quiet@contoso.onmicrosoft.com'
NORTHWIND = 4  # 250 generated rooms


def rooms(harness, tmp_path, tenant_index, **options):
    path = str(tmp_path / 'rooms.json')
    run = harness.play('rooms_default.yml', tenant=harness.tenant(tenant_index), result_file=path, **options)
    return run, (json.load(open(path)) if run.rc == 0 else None)


def test_default_discovery_finds_the_hidden_room_and_both_names_it(harness, tmp_path):
    run, found = rooms(harness, tmp_path, 1)
    assert run.rc == 0 and QUIET in [r['address'] for r in found['rooms']], run
    assert not any(r['path'].startswith('/v1.0/places') for r in run.requests)  # Exchange only
    run, found = rooms(harness, tmp_path, 1, source='both')
    assert run.rc == 0 and found['discovery'] == dict(not_in_places=[QUIET], not_in_exchange=[]), run
    run, found = rooms(harness, tmp_path, 1, source='graph')
    assert run.rc == 0 and QUIET not in [r['address'] for r in found['rooms']]


def test_the_role_configures_the_hidden_room(harness):
    variables = dict(room_policy_tenant_id=harness.tenant(1), room_policy_delegate='bookings@contoso.onmicrosoft.com',
                     room_policy_room_addresses=[QUIET], room_policy_record_file=harness.home + '/quiet.json')
    with harness.emu.store.lock:  # as seeded, whatever earlier tests did to Contoso's rooms
        room = harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['quiet']
        room['calendar_processing'].update(ScheduleOnlyDuringWorkHours=True, ResourceDelegates=[])
        room['permissions'] = [p for p in room['permissions'] if 'bookings' not in str(p.get('User')).lower()]
    through_places = harness.play('room_policy.yml', room_policy_room_source='graph', **variables)
    assert through_places.rc != 0 and through_places.writes == [] and QUIET in through_places.output
    run = harness.play('room_policy.yml', **variables)  # the default source: Exchange
    assert run.rc == 0, run
    assert [w['cmdlet'] for w in run.writes] == ['Set-CalendarProcessing', 'Add-MailboxPermission']
    with harness.emu.store.lock:
        room = harness.emu.store.tenant(harness.tenant(1))['exchange']['rooms']['quiet']
        assert room['calendar_processing']['ResourceDelegates'] == ['bookings']


def test_250_rooms_through_graph_in_pages_of_100(harness, tmp_path):
    run, found = rooms(harness, tmp_path, NORTHWIND, source='graph')
    assert run.rc == 0 and len(found['rooms']) == 250, run
    pages = [r for r in run.requests if r['path'] == '/v1.0/places/microsoft.graph.room']
    assert len(pages) == 3 and all('%24top=100' in p['query'] for p in pages), pages


def test_places_are_refused_in_a_cloud_without_them(harness, tmp_path):
    run, _ = rooms(harness, tmp_path, 1, source='graph', cloud='usgov')
    assert run.rc != 0 and run.requests == [] and 'usgov' in run.output, run


def test_onboarding_waits_out_assignment_replication(harness, tmp_path, vault):
    harness.emu.set_faults(dict(replication_delay_s=3))  # a new app, then its new service principal
    try:
        run = harness.play('entra_role.yml', args=vault, **role_vars(harness, tmp_path, 'fresh-consent'))
    finally:
        harness.emu.set_faults({})
    assert run.rc == 0, run
    grants = [r for r in run.requests if r['batch'] and r['path'].endswith('/appRoleAssignedTo')]
    refused = [r for r in grants if r['status'] == 400]
    assert refused and [r['status'] for r in grants[-len(FIVE):]] == [201] * len(FIVE), grants
    assert grants.index(refused[-1]) < len(grants) - len(FIVE)  # the 400s came first, then the grants
