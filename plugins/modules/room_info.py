#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: room_info
short_description: List a tenant's rooms, with their booking settings and Full Access holders on request
version_added: 0.1.0
description:
  - Lists rooms from Exchange Online room mailboxes (every room), from Microsoft Graph places (needs
    C(Place.Read.All)) or from both, selected by room list, addresses, a name pattern and exclusions.
  - On request, adds each room's calendar processing settings and the users holding Full Access,
    read through the Exchange Online admin API with bounded concurrency.
  - Changes nothing; safe in check mode.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  source:
    description:
      - V(exchange) lists room mailboxes (C(Get-Mailbox -RecipientTypeDetails RoomMailbox)), every
        room, also those hidden from the address lists.
      - V(graph) lists Microsoft Graph places (capacity, building and floor included). Graph leaves out
        rooms hidden from the address lists, and places are not offered in the V(usgov), V(usgovdod)
        and V(china) clouds (the task fails there before any request).
      - V(both) lists the rooms of Exchange, with building and floor from Graph, and names in RV(discovery)
        the rooms only one of them has.
    type: str
    choices: [exchange, graph, both]
    default: exchange
  room_list:
    description:
      - Only the rooms of this room list (its email address). Room lists are Graph places, so Graph says
        which rooms belong to it (needs C(Place.Read.All)); unless O(source=graph), only those rooms
        Exchange also has are kept.
      - Graph does not list rooms hidden from the address lists in a room list either, so such a room
        is selected by O(addresses) instead.
    type: str
  addresses:
    description: Only these rooms, by email address. An address that is not a room fails the task.
    type: list
    elements: str
  name_pattern:
    description: Only rooms whose display name matches this shell-style pattern (case-insensitive), e.g. C(Board*).
    type: str
  exclude:
    description: Rooms to leave out, by email address.
    type: list
    elements: str
    default: []
  include_calendar_processing:
    description: Add each room's calendar processing settings.
    type: bool
    default: false
  include_permissions:
    description: Add the users holding Full Access on each room.
    type: bool
    default: false
extends_documentation_fragment:
  - bookingsone.office365.connection
  - bookingsone.office365.concurrency
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes.info_module
'''

EXAMPLES = r'''
- name: Rooms of the headquarters room list, without the boardroom
  bookingsone.office365.room_info:
    tenant_id: contoso.onmicrosoft.com
    room_list: hq-rooms@contoso.com
    exclude: [boardroom@contoso.com]
    include_calendar_processing: true
  register: rooms
'''

RETURN = r'''
rooms:
  description: The selected rooms, sorted by address.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: Email address of the room mailbox.
      type: str
    display_name:
      description: Display name.
      type: str
    capacity:
      description: Capacity, when known.
      type: int
    building:
      description: Building (from Graph places; null for a room Graph does not list).
      type: str
    floor:
      description: Floor number (from Graph places; null for a room Graph does not list).
      type: int
    calendar_processing:
      description:
        - Calendar processing settings by the option names of M(bookingsone.office365.calendar_processing).
        - C(resource_delegates) are given as email addresses where Exchange knows them.
      type: dict
      returned: with O(include_calendar_processing=true)
    full_access:
      description: Users holding Full Access explicitly.
      type: list
      elements: str
      returned: with O(include_permissions=true)
discovery:
  description: With O(source=both), the rooms that only one of the two sources has (before selection).
  returned: with O(source=both)
  type: dict
  contains:
    not_in_places:
      description: Room mailboxes Graph places does not return, typically hidden from the address lists.
      type: list
      elements: str
    not_in_exchange:
      description: Places Exchange has no room mailbox for.
      type: list
      elements: str
tenant_id:
  description: The tenant as given.
  returned: always
  type: str
'''

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import (
    CONCURRENCY_SPEC, concurrency, read_each)
from ansible_collections.bookingsone.office365.plugins.module_utils._rooms import SELECTION_SPEC, discover, select


def full_access_holders(entries):
    return sorted(set(e['User'] for e in entries if not e.get('IsInherited') and not e.get('Deny')
                      and 'FullAccess' in (e.get('AccessRights') or []) and e.get('User') != 'NT AUTHORITY\\SELF'))


# What an include_* option adds to each room: (result key, the Exchange read, the result from its objects).
DETAILS = dict(
    include_calendar_processing=('calendar_processing', exchange_api.calendar_processing_read,
                                 lambda objects: exchange_api.calendar_options(exchange_api.first(objects))),
    include_permissions=('full_access', exchange_api.mailbox_permission_read, full_access_holders),
)


def add_details(state, chosen):
    params = state.params
    wanted = sorted(option for option in DETAILS if params[option])
    calls = [(room['address'], option) for room in chosen for option in wanted]  # sent together, in batches
    read = exchange_api.answers(exchange_api.each(state.exchange, calls, lambda call: DETAILS[call[1]][1](call[0]),
                                                  params['concurrency']))

    def details(room):
        return dict((DETAILS[option][0], DETAILS[option][2](read((room['address'], option)))) for option in wanted)

    for room, extra in read_each(details, chosen, 1, 'room mailbox(es)', exchange_api.is_not_found):
        room.update(extra)
    if params['include_calendar_processing']:
        addresses = delegate_addresses(state.exchange, chosen)
        for room in chosen:
            processing = room['calendar_processing']
            processing['resource_delegates'] = [a for d in processing['resource_delegates'] or []
                                                for a in addresses.get(d, [d])]


def delegate_addresses(exo, chosen):
    """Exchange lists delegates by name; map each distinct name to email addresses, once per name.

    Names need not be unique: a name several recipients share maps to all their addresses (Exchange
    does not say which one is the delegate), with a warning.
    """
    names = set(d for room in chosen for d in room['calendar_processing']['resource_delegates'] or [])
    addresses = {}
    for name in sorted(names):
        try:
            found = [exchange_api.get_recipient(exo, name)]
        except MicrosoftApiError as exc:
            if not exchange_api.is_ambiguous(exc):
                raise
            found = exchange_api.recipients_named(exo, name)
            sharing = ', '.join(sorted(r.get('PrimarySmtpAddress') or '?' for r in found))
            exo.warnings.append("delegate '%s' is a name %d recipients share (%s); all are listed"
                                % (name, len(found), sharing))
        found = sorted(r['PrimarySmtpAddress'] for r in found if r and r.get('PrimarySmtpAddress'))
        if found:
            addresses[name] = found
    return addresses


def main_logic(state):
    params = state.params
    concurrency(params)
    found, discovery = discover(state, params['source'], params['room_list'])
    chosen = select(found, params['addresses'], params['name_pattern'], params['exclude'])
    if discovery is not None:
        state.result['discovery'] = discovery
    if params['include_calendar_processing'] or params['include_permissions']:
        add_details(state, chosen)
    state.result['rooms'] = chosen


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        SELECTION_SPEC,
        include_calendar_processing=dict(type='bool', default=False),
        include_permissions=dict(type='bool', default=False),
        **CONCURRENCY_SPEC
    ),
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
