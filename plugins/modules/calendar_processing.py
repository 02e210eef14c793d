#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: calendar_processing
short_description: Set how room mailboxes process booking requests, for many rooms in one task
version_added: 0.1.0
description:
  - Reads each room's calendar processing (C(Get-CalendarProcessing)) through the Exchange Online
    admin API, compares it with the options given, and sets only the parameters that differ
    (C(Set-CalendarProcessing)). Options left out are not managed.
  - Every room is read, and every delegate resolved, before anything is written, so an unknown room
    or delegate fails the task with nothing changed.
  - Check mode only reads (no C(Set-CalendarProcessing) is sent); diff mode shows one diff per changed room.
  - Rooms are handled with bounded concurrency; throttled requests wait for Exchange's C(Retry-After).
    More rooms than go out at once are read and set ten to a JSON batch request (C($batch)), each room
    with its own outcome; a tenant that refuses batches gets one request per room.
  - No PowerShell is needed.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  rooms:
    description: Room mailboxes, by email address or any identity Exchange accepts.
    type: list
    elements: str
    required: true
  automate_processing:
    description: C(AutomateProcessing) - V(AutoAccept) lets the resource booking attendant and delegates process requests.
    type: str
    choices: [None, AutoUpdate, AutoAccept]
  resource_delegates:
    description:
      - Users who accept or decline booking requests (C(ResourceDelegates)), by email address.
      - Each must exist in Exchange Online.
      - Exchange lists delegates by name, which need not be unique, so names are never written back; V(add)
        and V(remove) edit the list with each delegate's primary SMTP address, V(exact) sets it to those addresses.
    type: list
    elements: str
  resource_delegates_mode:
    description:
      - V(add) adds missing delegates and keeps the others; V(exact) makes the list exactly O(resource_delegates);
        V(remove) takes O(resource_delegates) out of the list and keeps the others.
    type: str
    choices: [add, exact, remove]
    default: add
  all_book_in_policy:
    description: C(AllBookInPolicy) - in-policy requests from everyone are approved automatically.
    type: bool
  all_request_in_policy:
    description: C(AllRequestInPolicy) - everyone may submit in-policy requests (approved by a delegate).
    type: bool
  all_request_out_of_policy:
    description: C(AllRequestOutOfPolicy) - everyone may submit out-of-policy requests.
    type: bool
  forward_requests_to_delegates:
    description: C(ForwardRequestsToDelegates) - forward requests to the delegates.
    type: bool
  schedule_only_during_work_hours:
    description: C(ScheduleOnlyDuringWorkHours) - the portal's "Allow scheduling only during working hours".
    type: bool
  enforce_scheduling_horizon:
    description: C(EnforceSchedulingHorizon) - the portal's "Automatically decline meetings outside of limits".
    type: bool
  booking_window_in_days:
    description: C(BookingWindowInDays) - how far ahead the room can be booked, 0 to 1080 days.
    type: int
  maximum_duration_in_minutes:
    description: C(MaximumDurationInMinutes) - longest meeting, 0 for unlimited.
    type: int
  allow_conflicts:
    description: C(AllowConflicts) - accept conflicting requests.
    type: bool
  allow_recurring_meetings:
    description: C(AllowRecurringMeetings) - accept recurring meetings.
    type: bool
  room_settings:
    description:
      - Per-room values that replace the common options above for that room, keyed by room (as in
        O(rooms)) and then by option name, for example to put each room back to the values it had.
      - When O(resource_delegates) is given it wins over a per-room C(resource_delegates).
    type: dict
    default: {}
extends_documentation_fragment:
  - bookingsone.office365.connection
  - bookingsone.office365.concurrency
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Booking requests of every room go to the Bookings ONE delegate
  bookingsone.office365.calendar_processing:
    tenant_id: contoso.onmicrosoft.com
    rooms: "{{ rooms.rooms | map(attribute='address') }}"
    automate_processing: AutoAccept
    all_book_in_policy: false
    all_request_in_policy: true
    forward_requests_to_delegates: true
    resource_delegates: [bookings@contoso.com]
    schedule_only_during_work_hours: false
    enforce_scheduling_horizon: false
'''

RETURN = r'''
rooms:
  description: Each room with the settings that changed (or would change).
  returned: always
  type: list
  elements: dict
  contains:
    room:
      description: The room as given.
      type: str
    changed:
      description: Whether its settings changed.
      type: bool
    before:
      description: The changed settings before, by option name.
      type: dict
    after:
      description: The changed settings after, by option name.
      type: dict
    current:
      description:
        - Every setting as read, by option name; the delegates of O(resource_delegates) that the room
          has are shown by the address given here, other delegates as Exchange lists them.
      type: dict
changed_rooms:
  description: How many rooms changed.
  returned: always
  type: int
tenant_id:
  description: The tenant as given.
  returned: always
  type: str
'''

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._ensure import differences
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._names import unique
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import (
    CONCURRENCY_SPEC, concurrency, raise_failures, read_each)


def check_input(params):
    window = params['booking_window_in_days']
    if window is not None and not 0 <= window <= 1080:
        raise InputError('booking_window_in_days %d is out of range 0 to 1080' % window)
    duration = params['maximum_duration_in_minutes']
    if duration is not None and not 0 <= duration <= 2147483647:
        raise InputError('maximum_duration_in_minutes %d is out of range' % duration)
    concurrency(params)
    if not params['rooms']:
        raise InputError('rooms is empty')


def check_room_settings(params):
    """Per-room overrides of known options; a per-room resource_delegates list is compared as Exchange lists it."""
    settings = params['room_settings'] or {}
    unknown_rooms = sorted(set(settings) - set(params['rooms']))
    if unknown_rooms:
        raise InputError('room_settings names room(s) not in rooms: %s' % ', '.join(unknown_rooms))
    allowed = set(exchange_api.CALENDAR_PROCESSING) - set(['resource_delegates_mode'])
    for room, values in settings.items():
        if not isinstance(values, dict):
            raise InputError('room_settings[%r] must be a dictionary of options' % room)
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise InputError('room_settings[%r] has unknown option(s) %s; valid: %s'
                             % (room, ', '.join(unknown), ', '.join(sorted(allowed))))
    return settings


def resolve_delegates(exo, addresses):
    """Recipients of the delegate addresses; unknown ones fail before any write."""
    found = dict((address, exchange_api.get_recipient(exo, address)) for address in addresses)
    unknown = sorted(address for address, recipient in found.items() if recipient is None)
    if unknown:
        raise InputError('unknown resource delegate(s) %s: no such recipient in Exchange Online'
                         % ', '.join(unknown))
    return found


def delegate_names(delegates):
    """{address: every name Exchange may show that delegate by}, made once for all the rooms."""
    return dict((address, exchange_api.recipient_names(recipient)) for address, recipient in delegates.items())


def delegate_plan(current, delegates, mode, names=None):
    """(the delegate list as Exchange will show it, the ResourceDelegates value to send, or None: no change).

    Get-CalendarProcessing lists delegates by recipient name, and names need not be unique, so a name is
    never written back (Exchange would refuse it as matching multiple recipients). add and remove send a
    GenericHashTable edit naming only our delegates by unique identity (primary SMTP address), which leaves
    the others untouched whatever their names; exact sends the whole list of unique identities, which
    drops the others without naming them. Robust where resolving each listed name is not: a shared
    name cannot be resolved to one recipient at all.
    """
    current = list(current or [])
    names = names or delegate_names(delegates)
    matched = dict((address, [c for c in current if str(c).lower() in names[address]]) for address in delegates)

    def identity(address):
        return exchange_api.unique_identity(delegates[address], address)

    def shown(address):
        return delegates[address].get('Name') or address

    if mode == 'remove':
        held = [address for address in sorted(delegates) if matched[address]]
        if not held:
            return current, None
        listed = set(c for address in held for c in matched[address])
        return [c for c in current if c not in listed], exchange_api.edit_values(remove=[identity(a) for a in held])
    missing = [address for address in sorted(delegates) if not matched[address]]
    if mode == 'add':
        if not missing:
            return current, None
        return current + [shown(a) for a in missing], exchange_api.edit_values(add=[identity(a) for a in missing])
    extra = [c for c in current if not any(c in hits for hits in matched.values())]
    if not missing and not extra:
        return current, None
    return [shown(a) for a in sorted(delegates)], [identity(a) for a in sorted(delegates)]


def observed(have, delegates, names=None):
    """The room's settings as read, our delegates shown by the address we were given (Exchange shows names)."""
    shown = list(have.get('resource_delegates') or [])
    if not delegates:
        return have
    names = names or delegate_names(delegates)
    ours = [address for address in sorted(delegates) if any(str(c).lower() in names[address] for c in shown)]
    others = [c for c in shown if not any(str(c).lower() in known for known in names.values())]
    return dict(have, resource_delegates=ours + others)


def main_logic(state):
    params = state.params
    params['rooms'] = unique(params['rooms'])  # a room named twice is read and written once
    check_input(params)
    overrides = check_room_settings(params)
    exo = state.exchange
    delegates = names = None
    if params['resource_delegates'] is not None:
        delegates = resolve_delegates(exo, params['resource_delegates'])
        names = delegate_names(delegates)

    found = exchange_api.each(exo, params['rooms'], exchange_api.calendar_processing_read, params['concurrency'],
                              exchange_api.first)
    reads = read_each(exchange_api.answers(found), params['rooms'], 1, 'room mailbox(es)', exchange_api.is_not_found)

    plans = []
    state.result['rooms'] = []
    for room, current in reads:
        have = exchange_api.calendar_options(current)
        want = dict((option, params[option]) for option in exchange_api.CALENDAR_PROCESSING if option != 'resource_delegates')
        want.update(overrides.get(room, {}))
        edit = None
        if delegates is not None:
            want['resource_delegates'], edit = delegate_plan(have['resource_delegates'], delegates,
                                                             params['resource_delegates_mode'], names)
        before, after = differences(have, want)
        if after:
            state.record_change(before, after, header=room)
            parameters = dict((exchange_api.CALENDAR_PROCESSING[o], v) for o, v in after.items())
            if edit is not None:
                parameters['ResourceDelegates'] = edit  # unambiguous identities, not the names shown
            plans.append((room, parameters))
        state.result['rooms'].append(dict(room=room, changed=bool(after), before=before, after=after,
                                          current=observed(have, delegates, names)))
    state.result['changed_rooms'] = len(plans)
    if plans and not state.check_mode:
        writes = exchange_api.each(exo, plans, lambda plan: exchange_api.calendar_processing_write(*plan),
                                   params['concurrency'])
        raise_failures([(plan[0], result, exc) for plan, result, exc in writes], 'setting')


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        rooms=dict(type='list', elements='str', required=True),
        automate_processing=dict(type='str', choices=['None', 'AutoUpdate', 'AutoAccept']),
        resource_delegates=dict(type='list', elements='str'),
        resource_delegates_mode=dict(type='str', default='add', choices=['add', 'exact', 'remove']),
        all_book_in_policy=dict(type='bool'),
        all_request_in_policy=dict(type='bool'),
        all_request_out_of_policy=dict(type='bool'),
        forward_requests_to_delegates=dict(type='bool'),
        schedule_only_during_work_hours=dict(type='bool'),
        enforce_scheduling_horizon=dict(type='bool'),
        booking_window_in_days=dict(type='int'),
        maximum_duration_in_minutes=dict(type='int'),
        allow_conflicts=dict(type='bool'),
        allow_recurring_meetings=dict(type='bool'),
        room_settings=dict(type='dict', default={}),
        **CONCURRENCY_SPEC
    ),
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
