"""Graph v1.0 places: rooms and room lists, built from the tenant's Exchange
state (emulator/exchange.py) so both APIs see the same rooms.

https://learn.microsoft.com/graph/api/place-list: rooms hidden from the address
book (GAL) are not returned; 100 places per page unless $top says otherwise.
Routes match case-insensitively (the page itself writes `microsoft.graph.roomlist`
for the `microsoft.graph.roomList` cast) and take the `graph.` namespace alias
Microsoft's SDKs send (`/places/graph.room`)."""

from __future__ import annotations

from urllib.parse import quote, unquote

from emulator import exchange, odata
from emulator.graph_routes import route

# https://learn.microsoft.com/graph/api/place-list#permissions
READ = ('Place.Read.All', 'Place.ReadWrite.All')
# https://learn.microsoft.com/graph/api/place-list#optional-query-parameters: "The default page size is 100."
PAGE_SIZE = 100
NAMESPACE = r'(?:microsoft\.)?graph\.'  # microsoft.graph. or its alias graph.
ROOM = dict.fromkeys(('id', 'emailAddress', 'displayName', 'nickname', 'building', 'floorNumber', 'floorLabel',
                      'label', 'capacity', 'bookingType', 'isWheelChairAccessible', 'audioDeviceName',
                      'videoDeviceName', 'displayDeviceName', 'phone', 'tags', 'address', 'geoCoordinates'))
ROOM_LIST = dict.fromkeys(('id', 'emailAddress', 'displayName', 'address', 'geoCoordinates', 'phone'))


def _visible_rooms(state, room_list=None):
    """Rooms as Graph lists them: without those hidden from the address lists (place-list, Note)."""
    hidden = set(r['PrimarySmtpAddress'].lower() for r in state['recipients']
                 if (state['rooms'].get(r['Name']) or {}).get('place', {}).get('hidden_from_address_lists'))
    return [room for room in exchange.graph_rooms(state, room_list) if room['emailAddress'].lower() not in hidden]


def _listing(request, build, type_name, path, template):
    """A collection of places built from the tenant's Exchange state."""
    return 200, odata.collection(request, build(request.tenant['exchange']), type_name, path, template,
                                 ('displayName', 'emailAddress'), page_size=PAGE_SIZE)


# https://learn.microsoft.com/graph/api/place-list (rooms)
@route('GET', r'/places/' + NAMESPACE + r'room', READ)
def list_rooms(request):
    return _listing(request, _visible_rooms, 'room', 'places/microsoft.graph.room', ROOM)


# https://learn.microsoft.com/graph/api/place-list (room lists)
@route('GET', r'/places/' + NAMESPACE + r'roomlist', READ)
def list_room_lists(request):
    return _listing(request, exchange.graph_room_lists, 'roomList', 'places/microsoft.graph.roomList', ROOM_LIST)


# https://learn.microsoft.com/graph/api/place-list (rooms in a room list, addressed by its emailAddress)
@route('GET', r'/places/(?P<list>[^/]+)/' + NAMESPACE + r'roomlist/rooms', READ)
def list_rooms_of_list(request):
    address = unquote(request.match.group('list'))
    state = request.tenant['exchange']
    if not any(rl['address'].lower() == address.lower() for rl in state.get('room_lists', [])):
        request.fail(404, 'ErrorItemNotFound', "The room list '%s' was not found." % address)
    return 200, odata.collection(request, _visible_rooms(state, address), 'room',
                                 "places('%s')/microsoft.graph.roomList/rooms" % quote(address), ROOM,
                                 page_size=PAGE_SIZE)
