"""room_info end to end: Contoso's rooms selected by room list, pattern and address, from Graph or Exchange."""

from __future__ import annotations

import json

from helpers import CONTOSO_ROOMS


def rooms_of(harness, tmp_path, **selection):
    path = str(tmp_path / 'rooms.json')
    run = harness.play('rooms.yml', tenant=harness.tenant(1), result_file=path, **selection)
    return run, (json.load(open(path))['rooms'] if run.rc == 0 else None)


def test_room_info_selections(harness, tmp_path):
    harness.rooms_as_seeded(1)  # the details checked below are the seed's, whatever earlier tests did
    run, rooms = rooms_of(harness, tmp_path)
    assert run.rc == 0 and [r['address'] for r in rooms] == CONTOSO_ROOMS, run
    assert rooms[1]['capacity'] == 14 and rooms[1]['building'] == 'HQ' and rooms[1]['floor'] == 5
    _, listed = rooms_of(harness, tmp_path, room_list='hq-rooms@contoso.onmicrosoft.com', exclude=[CONTOSO_ROOMS[2]])
    assert [r['address'] for r in listed] == ['board@contoso.onmicrosoft.com']
    _, matched = rooms_of(harness, tmp_path, pattern='*room*')
    assert [r['display_name'] for r in matched] == ['Board Room', 'Focus Room 1']
    _, mailboxes = rooms_of(harness, tmp_path, source='exchange', details=True)
    # Exchange also lists the room hidden from the address lists, which Graph places leave out
    assert [r['address'] for r in mailboxes] == CONTOSO_ROOMS + ['quiet@contoso.onmicrosoft.com']
    focus = mailboxes[2]
    # listed by name, "alice", which alice@partner.example shares: both are reported
    assert focus['calendar_processing']['resource_delegates'] == ['alice@contoso.onmicrosoft.com',
                                                                  'alice@partner.example']
    assert focus['full_access'] == [] and mailboxes[1]['calendar_processing']['schedule_only_during_work_hours']
    bad, _ = rooms_of(harness, tmp_path, addresses=['nowhere@contoso.onmicrosoft.com'])
    assert bad.rc != 0 and 'nowhere@contoso.onmicrosoft.com' in bad.output
