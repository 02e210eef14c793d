#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: integration_check
short_description: Prove a tenant works for Bookings ONE by acting as Bookings ONE
version_added: 0.3.0
description:
  - Signs in as the Bookings ONE app with the credentials handed over to Bookings ONE (the connection options here
    are the Bookings ONE app's - O(client_id), O(client_secret), O(tenant_id) - never the operator's), the same
    token request Bookings ONE makes, retrying through Microsoft Entra's propagation delay for a secret handed over
    moments ago.
  - Then uses each Microsoft Graph application permission Bookings ONE needs as a room-booking product does -
    C(User.Read.All) (the delegate and one user), C(Group.Read.All) (one page of groups), C(Place.Read.All) (room
    places; managed rooms missing there are named), C(Calendars.ReadWrite) (a tentative event made in a managed
    room's calendar, read back and deleted), C(Mail.Send) (the token's roles; in scoped mode Exchange's
    authorization for the delegate; with O(send_mail) one message from the delegate to itself).
  - With O(scoped), also that an ordinary mailbox (O(out_of_scope)) is refused.
  - The room policy by its effect - for O(request_rooms) managed rooms (a different set each day), two meeting
    requests from O(organizer) outside working hours, one inside and one beyond the room's booking window, must
    each be left awaiting the delegate's approval (the room answers tentatively), neither declined nor booked by the
    room itself; each is cancelled at once and the room's cancelled copy deleted.
  - Every step is a finding naming the permission and the HTTP error when it fails. Nothing is left in the tenant
    (each event made is deleted; a deletion that fails is said); in check mode the same steps run, since they
    change nothing that stays - set O(requests=false) for reads only.
  - The task fails when a step fails (its result keeps every finding).
  - The onboarding and the audit run the same logic with the credentials of the hand-off store
    (M(bookingsone.office365.tenant) option O(bookingsone.office365.tenant#module:proof)).
author:
  - Bookings ONE engineering (@bookingsone)
options:
  delegate:
    description: Address of the delegate Bookings ONE knows, who approves booking requests.
    type: str
    required: true
  rooms:
    description: Addresses of the room mailboxes Bookings ONE manages.
    type: list
    elements: str
    default: []
  scoped:
    description: Bookings ONE reaches only the managed rooms (Exchange RBAC for Applications, C(bookingsone_access_scope=rooms)).
    type: bool
    default: false
  mail_in_scope:
    description: In scoped mode, whether Exchange authorizes C(Mail.Send) for the delegate (Test-ServicePrincipalAuthorization), as the operator verified it.
    type: bool
  out_of_scope:
    description: Ordinary mailboxes Bookings ONE must not reach in scoped mode; the first is tried.
    type: list
    elements: str
    default: []
  send_mail:
    description: Prove C(Mail.Send) by sending one message from the delegate to itself, whose subject says what it is.
    type: bool
    default: false
  requests:
    description: Make the test event and the booking requests (each deleted at once); V(false) reads only.
    type: bool
    default: true
  request_rooms:
    description: How many managed rooms get a booking request per run.
    type: int
    default: 1
  organizer:
    description: Who sends the booking request; defaults to O(delegate), a mailbox Bookings ONE reaches in any mode.
    type: str
  booking_windows:
    description: BookingWindowInDays of each room, by address (lower case); Exchange's default of 180 days otherwise.
    type: dict
    default: {}
  forwarding:
    description:
      - Whether each room forwards requests awaiting approval to O(delegate) (C(ResourceDelegates) and
        C(ForwardRequestsToDelegates) as the operator read them), by address (lower case); Bookings ONE cannot see
        that itself. A room listed as V(false) fails its booking request step.
    type: dict
    default: {}
  answer_timeout:
    description: Seconds to wait for a room's answer to the request (Exchange's booking attendant answers within seconds to a minute).
    type: int
    default: 90
  sign_in_timeout:
    description: Seconds to keep retrying the sign-in through Entra's propagation delay.
    type: int
    default: 120
extends_documentation_fragment:
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The same steps run in check mode; nothing they make stays in the tenant.
  diff_mode:
    support: none
  platform:
    platforms: all
'''

EXAMPLES = r'''
- name: Prove the tenant works for Bookings ONE
  bookingsone.office365.integration_check:
    tenant_id: contoso.onmicrosoft.com
    client_id: "{{ handed_off.client_id }}"
    client_secret: "{{ handed_off.client_secret }}"
    delegate: bookings@contoso.onmicrosoft.com
    rooms: [board@contoso.onmicrosoft.com, annex@contoso.onmicrosoft.com]
  register: proof
'''

RETURN = r'''
works:
  description: Whether every step passed.
  returned: always
  type: bool
findings:
  description:
    - One per step - C(step) (C(sign_in), a permission, C(scope), C(room_request)), C(permission), C(room), C(ok),
      C(detail) (what was done, or the refusal with its HTTP status and error code), C(status) (HTTP status of a refusal).
  returned: always
  type: list
  elements: dict
first_failure:
  description: The first step that failed, as its step, a colon and its detail; null when everything works.
  returned: always
  type: str
events_made:
  description: Test events and booking requests made (and deleted) as Bookings ONE.
  returned: always
  type: int
'''

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _proof as proof
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import TaskFailed
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module

OPTIONS = dict(
    delegate=dict(type='str', required=True),
    rooms=dict(type='list', elements='str', default=[]),
    scoped=dict(type='bool', default=False),
    mail_in_scope=dict(type='bool'),
    out_of_scope=dict(type='list', elements='str', default=[]),
    send_mail=dict(type='bool', default=False),
    requests=dict(type='bool', default=True),
    request_rooms=dict(type='int', default=1),
    organizer=dict(type='str'),
    booking_windows=dict(type='dict', default={}),
    forwarding=dict(type='dict', default={}),
    answer_timeout=dict(type='int', default=90),
    sign_in_timeout=dict(type='int', default=bookingsone.SIGN_IN_TIMEOUT),
)


def main_logic(state):
    claims, signed_in = proof.sign_in(state.connection, state.params['sign_in_timeout'])
    findings = [signed_in]
    check = None
    if claims is not None:
        check = proof.Proof(state.graph, claims, state.params)
        findings.extend(check.run())
    failed = [f for f in findings if not f['ok']]
    state.result.update(works=not failed, findings=findings, events_made=check.events if check else 0,
                        first_failure='%s: %s' % (failed[0]['step'], failed[0]['detail']) if failed else None)


def verdict_logic(state):
    """The module on its own: a tenant that does not work for Bookings ONE fails the task, findings included."""
    main_logic(state)
    if not state.result['works']:
        raise TaskFailed('Bookings ONE cannot use this tenant: %s' % state.result['first_failure'])


SPEC = dict(argument_spec=OPTIONS, supports_check_mode=True)


def main():
    M365Module(**SPEC).run(verdict_logic)


if __name__ == '__main__':
    main()
