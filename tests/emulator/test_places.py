"""Graph places as Microsoft documents them (https://learn.microsoft.com/graph/api/place-list): rooms hidden
from the address lists left out, 100 places per page by default, the `graph.` namespace alias, and
Graph's answer to an unknown segment."""

from __future__ import annotations

from emulator_client import error_code

CONTOSO = ['annex@contoso.onmicrosoft.com', 'board@contoso.onmicrosoft.com', 'focus-1@contoso.onmicrosoft.com']


def pages(client, tenant, path):
    answer = client.graph(tenant, 'GET', path)
    assert answer.status_code == 200, answer.text
    found = [answer.json()]
    while '@odata.nextLink' in found[-1]:
        found.append(client.call(tenant, 'GET', found[-1]['@odata.nextLink']).json())
    return found


def test_hidden_room_is_in_exchange_but_not_in_places(client):
    tenant = client.tenant(1)
    rooms = [r['emailAddress'] for page in pages(client, tenant, '/places/microsoft.graph.room') for r in page['value']]
    assert sorted(rooms) == CONTOSO
    mailboxes = client.exo(tenant, 'Get-Mailbox', {'Identity': 'quiet@contoso.onmicrosoft.com'}).json()['value']
    assert mailboxes[0]['HiddenFromAddressListsEnabled'] is True
    board = client.exo(tenant, 'Get-Mailbox', {'Identity': 'board'}).json()['value']
    assert board[0]['HiddenFromAddressListsEnabled'] is False


def test_places_page_at_100_regardless_of_the_emulator_page_size(client):
    tenant = client.tenant(4)  # 250 generated rooms; this emulator's page_size is 2
    found = pages(client, tenant, '/places/microsoft.graph.room')
    assert [len(p['value']) for p in found] == [100, 100, 50]
    assert len(set(r['emailAddress'] for p in found for r in p['value'])) == 250
    assert '%24top' not in found[0]['@odata.nextLink']  # the default, not an echoed $top
    chosen = pages(client, tenant, '/places/microsoft.graph.room?$top=120')
    assert [len(p['value']) for p in chosen] == [120, 120, 10]
    too_many = client.graph(tenant, 'GET', '/places/microsoft.graph.room?$top=1000')
    assert too_many.status_code == 400 and error_code(too_many) == 'Request_BadRequest'


def test_namespace_alias_and_case_insensitive_casts(client):
    tenant = client.tenant(1)
    for path in ('/places/graph.room', '/places/microsoft.graph.Room'):
        assert sorted(r['emailAddress'] for r in client.graph(tenant, 'GET', path).json()['value']) == CONTOSO
    for path in ('/places/graph.roomList', '/places/microsoft.graph.roomlist'):
        assert [rl['emailAddress'] for rl in client.graph(tenant, 'GET', path).json()['value']] == [
            'hq-rooms@contoso.onmicrosoft.com']
    hq = client.graph(tenant, 'GET', '/places/hq-rooms@contoso.onmicrosoft.com/graph.roomList/rooms').json()
    assert sorted(r['displayName'] for r in hq['value']) == ['Board Room', 'Focus Room 1']
    assert hq['@odata.context'].endswith("places('hq-rooms%40contoso.onmicrosoft.com')/microsoft.graph.roomList/rooms")


def test_unknown_segment_is_a_bad_request(client):
    answer = client.graph(client.tenant(1), 'GET', '/places/microsoft.graph.desk')
    assert answer.status_code == 400 and error_code(answer) == 'BadRequest'
    assert answer.json()['error']['message'] == "Resource not found for the segment 'microsoft.graph.desk'."


def test_select_of_an_unknown_property_is_refused(client):
    answer = client.graph(client.tenant(1), 'GET', '/places/microsoft.graph.room?$select=emailAddress,seats')
    assert answer.status_code == 400 and error_code(answer) == 'Request_BadRequest'
    assert "'seats'" in answer.json()['error']['message']
    apps = client.graph(client.tenant(1), 'GET', '/applications?$select=displayName,colour')
    assert apps.status_code == 400 and "'colour'" in apps.json()['error']['message']
