# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which rooms Bookings ONE manages: discovery (Exchange room mailboxes, Graph
places or both) and selection by room list, addresses, name pattern and exclusions.
Shared by room_info and preflight, so both choose exactly the same rooms."""

from __future__ import annotations

import fnmatch

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._names import unique


SOURCES = ('exchange', 'graph', 'both')
# How rooms are chosen: the options of room_info, and of preflight's and tenant's `rooms`.
SELECTION_SPEC = dict(
    source=dict(type='str', default='exchange', choices=list(SOURCES)),
    room_list=dict(type='str'),
    addresses=dict(type='list', elements='str'),
    name_pattern=dict(type='str'),
    exclude=dict(type='list', elements='str', default=[]),
)
# Graph places are offered in the global service only, not in the US Government and China clouds
# (https://learn.microsoft.com/graph/api/place-list, its national cloud availability; checked 2026-12-01).
PLACES_CLOUDS = ('public',)


def check_source(cloud, source, room_list=None):
    """Fail before any request when the source (or a room list, which only Graph places knows) needs
    Graph places in a cloud that does not offer them."""
    cloud = cloud or 'public'
    if cloud in PLACES_CLOUDS:
        return
    if source in ('graph', 'both'):
        raise InputError('room source %r needs Microsoft Graph places, which the %s cloud does not offer; '
                         'use source exchange' % (source, cloud))
    if room_list:
        raise InputError('room_list needs Microsoft Graph places (room lists are places), which the %s cloud '
                         'does not offer; select rooms by addresses or name_pattern instead' % cloud)


def _place(room):
    return dict(address=room.get('emailAddress'), display_name=room.get('displayName'), capacity=room.get('capacity'),
                building=room.get('building'), floor=room.get('floorNumber'))


def _mailbox(mailbox):
    return dict(address=mailbox.get('PrimarySmtpAddress'), display_name=mailbox.get('DisplayName'),
                capacity=mailbox.get('ResourceCapacity'), building=None, floor=None)


def discover(state, source, room_list=None):
    """(rooms, discovery) from the source: `exchange` (room mailboxes: every room, the authoritative
    list), `graph` (places: leaves out rooms hidden from the address lists) or `both` (Exchange's rooms;
    `discovery` names the rooms only one of them has). A room list is a Graph place, so with one its
    members come from Graph and, unless the source is graph, only those Exchange also has are kept.
    """
    check_source(state.params.get('cloud'), source, room_list)
    places = None
    if source != 'exchange' or room_list:
        places = dict((r['address'].lower(), r) for r in (_place(p) for p in graph_api.rooms(state.graph, room_list))
                      if r['address'])
    if source == 'graph':
        return list(places.values()), None
    rooms = [_mailbox(m) for m in exchange_api.room_mailboxes(state.exchange)]
    if room_list:
        rooms = [r for r in rooms if (r['address'] or '').lower() in places]
    for room in rooms:  # Graph knows building and floor; Exchange does not say them
        place = (places or {}).get((room['address'] or '').lower())
        if place:
            room.update(building=place['building'], floor=place['floor'])
    if source == 'exchange':
        return rooms, None
    known = set((r['address'] or '').lower() for r in rooms)
    return rooms, dict(
        not_in_places=sorted(r['address'] for r in rooms if r['address'] and r['address'].lower() not in places),
        not_in_exchange=sorted(p['address'] for key, p in places.items() if key not in known))


def select(found, addresses=None, name_pattern=None, exclude=()):
    """The chosen rooms, sorted by address; an address that is not a room fails, naming it."""
    by_address = dict((room['address'].lower(), room) for room in found if room.get('address'))
    if addresses is not None:
        unknown = [a for a in unique(addresses) if a.lower() not in by_address]
        if unknown:
            raise InputError('no room has the address(es) %s' % ', '.join(unknown))
        chosen = [by_address[a.lower()] for a in unique(addresses)]
    else:
        chosen = list(by_address.values())
    if name_pattern:
        pattern = name_pattern.lower()
        chosen = [r for r in chosen if fnmatch.fnmatchcase((r['display_name'] or '').lower(), pattern)]
    excluded = set(a.lower() for a in exclude or [])
    return sorted((r for r in chosen if r['address'].lower() not in excluded), key=lambda r: r['address'].lower())
