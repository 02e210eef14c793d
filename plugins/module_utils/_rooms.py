# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which rooms Bookings ONE manages: discovery (Graph places or Exchange room
mailboxes) and selection by room list, addresses, name pattern and exclusions.
Shared by room_info and preflight, so both choose exactly the same rooms."""

from __future__ import annotations

import fnmatch

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exo_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError


def unique(values):
    """The values without repeats (case-insensitive, as Exchange and Entra compare addresses), in order."""
    seen, kept = set(), []
    for value in values or []:
        if value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


def discover(module, source, room_list=None):
    if source == 'graph':
        return [dict(address=r.get('emailAddress'), display_name=r.get('displayName'), capacity=r.get('capacity'),
                     building=r.get('building'), floor=r.get('floorNumber'))
                for r in api.rooms(module.graph, room_list)]
    return [dict(address=m.get('PrimarySmtpAddress'), display_name=m.get('DisplayName'),
                 capacity=m.get('ResourceCapacity'), building=None, floor=None)
            for m in exo_api.room_mailboxes(module.exchange)]


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
