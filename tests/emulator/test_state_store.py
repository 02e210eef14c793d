"""The store's persistence (state.py): SQLite in the state directory, a row per tenant and per global section, a
write saving only the tenant it changed; a restart keeps every write; GET /state answers as it did."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat

from emulator_client import SEED, Client

from emulator import seed as seed_builder
from emulator.state import DATABASE, Store, load_seed


def rows(state_dir):
    """{('tenant', id) or ('section', name): JSON} as saved, read by a connection of its own."""
    with contextlib.closing(sqlite3.connect(os.path.join(str(state_dir), DATABASE))) as db:
        saved = dict((('tenant', key), text) for key, text in db.execute('SELECT id, document FROM tenants'))
        saved.update((('section', key), text) for key, text in db.execute('SELECT name, document FROM sections'))
    return saved


def changed(before, after):
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


def test_a_restart_keeps_a_write(own_emulator, tmp_path):
    state_dir = tmp_path / 'state'
    first = own_emulator(state_dir)
    client = Client(first)
    tenant = client.tenant(1)
    app = client.graph(tenant, 'POST', '/applications', {'displayName': 'Kept'}).json()
    assert client.graph(tenant, 'PATCH', '/applications/' + app['id'], {'displayName': 'Kept, renamed'}).status_code \
        == 204
    secret = client.graph(tenant, 'POST', '/applications/%s/addPassword' % app['id'], {}).json()['secretText']
    assert client.exo(tenant, 'Set-CalendarProcessing', {'Identity': 'annex', 'BookingWindowInDays': 99}) \
        .status_code == 200
    first.stop()
    database = os.path.join(str(state_dir), DATABASE)
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600
    assert not os.path.exists(os.path.join(str(state_dir), 'state.json'))
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'
    for name in os.listdir(str(state_dir)):  # the database and its WAL: the secret's hash only
        if name.startswith(DATABASE):
            with open(os.path.join(str(state_dir), name), 'rb') as handle:
                assert secret.encode() not in handle.read()

    second = own_emulator(state_dir)  # the same directory, no reset
    again = Client(second)
    answer = again.graph(tenant, 'GET', '/applications/' + app['id']).json()
    assert answer['displayName'] == 'Kept, renamed' and len(answer['passwordCredentials']) == 1
    room = again.exo(tenant, 'Get-CalendarProcessing', {'Identity': 'annex'}).json()['value'][0]
    assert room['BookingWindowInDays'] == 99
    with second.store.lock:  # the secret's hash was kept in the secrets section
        assert answer['passwordCredentials'][0]['keyId'] in second.store.data['secrets']


def test_a_write_saves_only_the_tenant_it_changed(own_emulator, tmp_path):
    emu = own_emulator(tmp_path / 'state')
    client = Client(emu)
    contoso, fabrikam = client.tenant(1), client.tenant(2)
    app = client.graph(contoso, 'POST', '/applications', {'displayName': 'One tenant'}).json()

    before = rows(emu.state_dir)
    client.graph(contoso, 'PATCH', '/applications/' + app['id'], {'displayName': 'One tenant, renamed'})
    assert changed(before, rows(emu.state_dir)) == [('tenant', contoso)]

    before = rows(emu.state_dir)
    client.graph(contoso, 'POST', '/applications/%s/addPassword' % app['id'], {})  # its hash: the secrets section
    assert changed(before, rows(emu.state_dir)) == [('section', 'secrets'), ('tenant', contoso)]

    before = rows(emu.state_dir)
    client.exo(fabrikam, 'Set-CalendarProcessing', {'Identity': fabrikam_room(emu, fabrikam), 'AllowConflicts': True})
    assert changed(before, rows(emu.state_dir)) == [('tenant', fabrikam)]

    store = emu.store
    with store.lock:  # in memory both change; save(contoso) writes contoso's row alone, in one statement
        store.tenant(contoso)['displayName'] = 'Contoso, saved'
        store.tenant(fabrikam)['displayName'] = 'Fabrikam, not saved yet'
        written = store.db.total_changes
        store.save(store.tenant(contoso))
        assert store.db.total_changes - written == 1
    saved = rows(emu.state_dir)
    assert json.loads(saved[('tenant', contoso)])['displayName'] == 'Contoso, saved'
    assert json.loads(saved[('tenant', fabrikam)])['displayName'] != 'Fabrikam, not saved yet'
    with store.lock:
        store.save()  # everything
    assert json.loads(rows(emu.state_dir)[('tenant', fabrikam)])['displayName'] == 'Fabrikam, not saved yet'


def fabrikam_room(emu, tenant):
    with emu.store.lock:
        return sorted(emu.store.tenant(tenant)['exchange']['rooms'])[0]


def test_get_state_answers_as_before(own_emulator, tmp_path):
    """The control listener's dump: the store's data as JSON without the secrets' hashes, tenants by id in seed
    order; the same after a restart."""
    state_dir = tmp_path / 'state'
    emu = own_emulator(state_dir)
    client = Client(emu)
    control = emu.endpoints['control'] + '/state'
    dump = client.http.session.get(control, verify=emu.endpoints['ca_bundle']).json()
    assert list(dump) == ['tenants', 'certificates', 'operators']
    assert list(dump['tenants']) == [tenant['id'] for tenant in load_seed(SEED)['tenants']]
    with emu.store.lock:
        expected = json.loads(json.dumps(dict((k, v) for k, v in emu.store.data.items() if k != 'secrets')))
    assert dump == expected
    emu.stop()
    again = own_emulator(state_dir)
    assert client.http.session.get(again.endpoints['control'] + '/state',
                                   verify=again.endpoints['ca_bundle']).json() == dump


def test_an_older_emulators_state_json_is_migrated(tmp_path):
    state_dir = str(tmp_path / 'state')
    os.makedirs(state_dir)
    data = seed_builder.build(load_seed(SEED), state_dir)
    first = next(iter(data['tenants']))
    data['tenants'][first]['displayName'] = 'Saved by an older emulator'
    with open(os.path.join(state_dir, 'state.json'), 'w') as handle:
        json.dump(data, handle)
    store = Store(state_dir, SEED)
    assert store.tenant(first)['displayName'] == 'Saved by an older emulator'
    assert store.data['secrets'] == data['secrets']
    assert not os.path.exists(os.path.join(state_dir, 'state.json'))
    assert os.path.exists(os.path.join(state_dir, 'state.json.migrated'))
    store.close()
    again = Store(state_dir, SEED)  # from the database now
    assert again.tenant(first)['displayName'] == 'Saved by an older emulator'
    again.close()
    reset = Store(state_dir, SEED, reset=True)
    assert reset.tenant(first)['displayName'] != 'Saved by an older emulator'
    reset.close()
