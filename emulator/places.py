"""Graph v1.0 places: rooms and room lists, built from the tenant's Exchange
state (emulator/exchange.py) so both APIs see the same rooms."""

from __future__ import annotations

from urllib.parse import quote, unquote

from emulator import exchange, odata
from emulator.graph import require, route

# https://learn.microsoft.com/graph/api/place-list#permissions
READ = ('Place.Read.All', 'Place.ReadWrite.All')
ROOM = dict.fromkeys(('id', 'emailAddress', 'displayName', 'nickname', 'building', 'floorNumber', 'floorLabel',
                      'label', 'capacity', 'bookingType', 'isWheelChairAccessible', 'audioDeviceName',
                      'videoDeviceName', 'displayDeviceName', 'phone', 'tags', 'address', 'geoCoordinates'))
ROOM_LIST = dict.fromkeys(('id', 'emailAddress', 'displayName', 'address', 'geoCoordinates', 'phone'))


def _listing(request, build, type_name, path, template):
    """A collection of places built from the tenant's Exchange state."""
    require(request, READ)
    with request.store.lock:
        return 200, odata.collection(request, build(request.tenant['exchange']), type_name, path, template,
                                     ('displayName', 'emailAddress'))


# https://learn.microsoft.com/graph/api/place-list (rooms)
@route('GET', r'/places/microsoft\.graph\.room')
def list_rooms(request):
    return _listing(request, exchange.graph_rooms, 'room', 'places/microsoft.graph.room', ROOM)


# https://learn.microsoft.com/graph/api/place-list (room lists)
@route('GET', r'/places/microsoft\.graph\.roomlist')
def list_room_lists(request):
    return _listing(request, exchange.graph_room_lists, 'roomList', 'places/microsoft.graph.roomList', ROOM_LIST)


# https://learn.microsoft.com/graph/api/place-list (rooms in a room list)
@route('GET', r'/places/(?P<list>[^/]+)/microsoft\.graph\.roomlist/rooms')
def list_rooms_of_list(request):
    require(request, READ)
    address = unquote(request.match.group('list'))
    with request.store.lock:
        state = request.tenant['exchange']
        if not any(rl['address'].lower() == address.lower() for rl in state.get('room_lists', [])):
            request.fail(404, 'ErrorItemNotFound', "The room list '%s' was not found." % address)
        return 200, odata.collection(request, exchange.graph_rooms(state, address), 'room',
                                     "places('%s')/microsoft.graph.roomList/rooms" % quote(address), ROOM)
