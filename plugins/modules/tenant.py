#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: tenant
short_description: Bring one tenant to the Bookings ONE state in one task, or audit it in check mode
version_added: 0.2.0
description:
  - Runs, for one tenant, the logic of M(bookingsone.office365.preflight),
    M(bookingsone.office365.app_registration), M(bookingsone.office365.admin_consent),
    M(bookingsone.office365.app_secret) (with its hand-off), M(bookingsone.office365.calendar_processing)
    and M(bookingsone.office365.mailbox_permission), one after another, in the controller's worker
    on one connection - one token per resource, one HTTP session, each object read once. Their checks,
    check mode, diffs and idempotence are exactly those of the modules; the first failing step stops
    the tenant and the message names it.
  - The roles M(bookingsone.office365.entra_app) and M(bookingsone.office365.room_policy) and the
    playbooks use it; the modules stay available one by one.
  - With O(observe=true) the result also carries what the audit report judges (RV(observed)), taken
    from what the steps read, so an audit is one pass per tenant.
  - This is an action plugin; it runs on the controller.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  entra:
    description: The Entra half. Omit to leave it alone.
    type: dict
    suboptions:
      app:
        description: Manage the app registration and consent; V(false) runs only the secret lifecycle.
        type: bool
        default: true
      display_name:
        description: Display name of the app registration.
        type: str
        default: Bookings ONE
      unique_name:
        description: Unique name of the app registration.
        type: str
        default: bookings-one
      callback_url:
        description: The Bookings ONE callback URL, the app's Web redirect URI. Required with O(entra.app=true).
        type: str
      graph_permissions:
        description: Microsoft Graph application permissions requested and consented.
        type: list
        elements: str
        default: [Calendars.ReadWrite, Group.Read.All, Mail.Send, Place.Read.All, User.Read.All]
      instance_lock:
        description:
          - App instance property lock of the app's service principals in every tenant
            (see M(bookingsone.office365.app_registration)'s O(bookingsone.office365.app_registration#module:instance_lock)).
          - Not managed when omitted.
        type: bool
      secret:
        description: The client secret, as in M(bookingsone.office365.app_secret).
        type: dict
        default: {}
        suboptions:
          display_name:
            description: Display name of the secret.
            type: str
            default: bookings-one
          lifetime_days:
            description: Lifetime of a new secret.
            type: int
            default: 730
          rotate_before_days:
            description: Rotate when the recorded secret expires within this many days.
            type: int
            default: 30
          retire_previous:
            description: When earlier handed-off secrets are removed.
            type: str
            choices: [never, after_grace, now]
            default: after_grace
          grace_days:
            description: Grace period before earlier secrets are retired.
            type: int
            default: 14
          force_rotate:
            description: Mint and hand over a new secret now (one per run).
            type: bool
            default: false
          lease_seconds:
            description: How long the lease on the tenant's hand-off record binds when its run does not give it back.
            type: int
            default: 600
          lease_settle_seconds:
            description: Seconds to wait for Microsoft Graph's reads to settle around the lease.
            type: float
            default: 3.0
          lock_timeout:
            description: Seconds to wait while another run holds the lease.
            type: int
            default: 900
          in_flight_seconds:
            description: How long a pending or unrecorded secret of another run is left alone.
            type: int
            default: 1200
          sign_in_timeout:
            description: Seconds to keep trying to sign in with a new secret before it is removed again.
            type: int
            default: 120
          retire_when:
            description: As O(bookingsone.office365.app_secret#module:retire_when) - V(grace) or V(unused) (on Entra's sign-in evidence).
            type: str
            choices: [grace, unused]
            default: grace
          unused_days:
            description: As O(bookingsone.office365.app_secret#module:unused_days).
            type: int
            default: 14
      handoff:
        description: Where a new secret is handed over, as O(bookingsone.office365.app_secret#module:handoff).
        type: dict
        required: true
        suboptions:
          path:
            description: The encrypted hand-off file of this tenant.
            type: path
            required: true
          vault_id:
            description: Vault identity to encrypt with.
            type: str
          url:
            description: Optional HTTPS endpoint of Bookings ONE.
            type: str
          url_token:
            description: Bearer token for the URL.
            type: str
  rooms:
    description: The Exchange half (the room policy). Omit to leave it alone.
    type: dict
    suboptions:
      delegate:
        description: The Bookings ONE delegate's email address.
        type: str
        required: true
      source:
        description: Where rooms are discovered, as in M(bookingsone.office365.room_info).
        type: str
        choices: [exchange, graph, both]
        default: exchange
      room_list:
        description: Only the rooms of this room list.
        type: str
      addresses:
        description: Only these rooms.
        type: list
        elements: str
      name_pattern:
        description: Only rooms whose display name matches this pattern.
        type: str
      exclude:
        description: Rooms left out.
        type: list
        elements: str
        default: []
      concurrency:
        description:
          - Rooms handled at the same time, at most; fewer while the tenant refuses requests over its Exchange
            concurrency limit (see M(bookingsone.office365.room_info)'s O(bookingsone.office365.room_info#module:concurrency)).
        type: int
        default: 8
      automapping:
        description: Whether Outlook opens the rooms automatically for the delegate.
        type: bool
        default: false
      record_file:
        description: Controller file keeping each room's settings from before its first change (offboarding).
        type: path
      state:
        description:
          - V(present) applies the room policy; V(absent) undoes it (offboarding) - each room's settings back to the
            values recorded in O(rooms.record_file) before onboarding, else Exchange's defaults, the delegate out of
            C(ResourceDelegates) and without Full Access.
        type: str
        choices: [present, absent]
        default: present
      lease_settle_seconds:
        description:
          - The delegate is recorded in the Bookings ONE app's tags (O(scoped_access.app_unique_name)) under the
            lease of the hand-off record (see M(bookingsone.office365.app_secret)); seconds to wait for Microsoft
            Graph's reads to settle around it. When the delegate changes, the recorded one is removed from the rooms'
            C(ResourceDelegates) and its Full Access first; delegates added by others stay.
        type: float
        default: 3.0
  access_scope:
    description:
      - V(tenant) grants the Bookings ONE app its Graph permissions tenant-wide (the manual procedure).
      - V(rooms) grants C(Calendars.ReadWrite) and C(Mail.Send) through Exchange RBAC for Applications,
        scoped to the selected rooms and the delegate (M(bookingsone.office365.app_access_scope)). The Entra
        half neither requests nor consents them, and the rooms half builds the scope, verifies it with
        C(Test-ServicePrincipalAuthorization) (every room in scope, an ordinary mailbox out of it) and only
        then revokes their tenant-wide grants, so the app never loses its rooms on the way.
    type: str
    choices: [tenant, rooms]
    default: tenant
  scoped_access:
    description: Names used with O(access_scope=rooms).
    type: dict
    default: {}
    suboptions:
      app_unique_name:
        description: Unique name of the Bookings ONE app registration (also where the delegate is recorded).
        type: str
        default: bookings-one
      group:
        description: The mail-enabled security group holding the rooms and the delegate.
        type: str
        default: Bookings ONE mailboxes
      scope:
        description: The management scope over that group.
        type: str
        default: Bookings ONE mailboxes
      out_of_scope:
        description:
          - Mailboxes the app must not reach, checked by the verification; by default one user mailbox of the
            tenant that is not a member.
        type: list
        elements: str
  checked:
    description:
      - The registered result of an earlier M(bookingsone.office365.preflight) of this tenant in the
        same run; its checks are not repeated and its rooms are used.
    type: dict
  known_variables:
    description: Refuse unknown C(bookingsone_*), C(entra_app_*) and C(room_policy_*) variables, as the preflight does.
    type: list
    elements: str
  observe:
    description: Return RV(observed) for the audit report.
    type: bool
    default: false
  proof:
    description:
      - Prove the tenant works for Bookings ONE, acting as Bookings ONE with the credentials of the hand-off store
        (the logic of M(bookingsone.office365.integration_check)), after every other step; only with O(rooms) (its
        state present) and when the hand-off file (C(proof.handoff), else C(entra.handoff)) can be opened with the
        vault password. Outside check mode a failed proof fails the task; with O(observe) its findings are in
        RV(observed) (C(proof)) for the audit report. Not run in check mode without O(observe).
    type: dict
    default: {}
    suboptions:
      mode:
        description:
          - V(full) - sign in, use every permission, make a test event and a booking request (each deleted at once);
            V(read) - sign in and read only; V(off) - no proof.
        type: str
        choices: [full, read, 'off']
        default: 'off'
      send_mail:
        description: Prove C(Mail.Send) by sending one message from the delegate to itself.
        type: bool
        default: false
      request_rooms:
        description: How many managed rooms get a booking request per run (a different set each day).
        type: int
        default: 1
      organizer:
        description: Who sends the booking request; defaults to the delegate.
        type: str
      answer_timeout:
        description: Seconds to wait for a room's answer to the booking request.
        type: int
        default: 90
      sign_in_timeout:
        description: Seconds to keep retrying Bookings ONE's sign-in through Entra's propagation delay.
        type: int
        default: 120
      handoff:
        description: The hand-off file to sign in with (C(path), C(vault_id)), when O(entra) is not given.
        type: dict
        suboptions:
          path:
            description: The vault-encrypted hand-off file of this tenant.
            type: path
            required: true
          vault_id:
            description: The vault ID it was encrypted with.
            type: str
          url:
            description: Not used by the proof.
            type: str
          url_token:
            description: Not used by the proof.
            type: str
  operator_role:
    description:
      - What this task needs of the operator identity (V(audit), V(rotate), V(onboard), V(onboard_scoped)); its
        preflight step refuses the tenant, naming the missing consent or Microsoft Entra role, before any other
        request (see M(bookingsone.office365.preflight)). Not checked when O(checked) is given (the preflight ran).
      - With O(observe=true) what the operator holds goes to RV(observed), for the audit's least-privilege control.
    type: str
    choices: [audit, rotate, onboard, onboard_scoped]
extends_documentation_fragment:
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Onboard a tenant (or audit it with --check)
  bookingsone.office365.tenant:
    tenant_id: contoso.onmicrosoft.com
    entra:
      callback_url: https://contoso.bookingsone.example/auth/callback
      handoff:
        path: /srv/bookingsone/handoff/contoso.vault.yml
    rooms:
      delegate: bookings@contoso.com
      room_list: hq-rooms@contoso.com
'''

RETURN = r'''
steps:
  description:
    - The result of each step that ran, by module name (never a secret). With O(observe=true), each step's
      C(changed) and C(msg) only, since what the steps read is in RV(observed).
  returned: always
  type: dict
failed_step:
  description: The step that failed.
  returned: on failure
  type: str
observed:
  description:
    - C(app) (the M(bookingsone.office365.app_registration_info) result, with the C(credential_policy) the
      preflight read) and C(rooms) (each selected room's C(address), its C(calendar_processing) options the audit judges and C(full_access)), read
      by the steps; C(access_scope) as RV(access_scope); C(operator), what the operator identity holds (as
      the preflight's RV(bookingsone.office365.preflight#module:operator)), when O(operator_role) is given;
      C(proof), with O(proof) - C(ran), C(reason) (why it did not run), C(works), C(first_failure), C(findings) and
      C(events_made) as M(bookingsone.office365.integration_check) returns them; C(retries), a list of one
      RV(retries).
  returned: with O(observe=true)
  type: dict
access_scope:
  description:
    - With O(access_scope=rooms), the M(bookingsone.office365.app_access_scope) result (its C(verification)
      counts the tenant-wide grants as gone once they were revoked) and C(revoked), the permissions whose
      tenant-wide grants this run revoked.
  returned: with O(access_scope=rooms) and O(rooms)
  type: dict
retries:
  description: Retried requests per service, over all steps.
  returned: always
  type: dict
tenant_id:
  description: The tenant's GUID.
  returned: always
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.bookingsone.office365.plugins.module_utils._connection import CONNECTION_ARGSPEC
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import CONCURRENCY_SPEC
from ansible_collections.bookingsone.office365.plugins.module_utils._rooms import SELECTION_SPEC
from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_lifecycle import HANDOFF_SPEC, LIFECYCLE_SPEC

# The action's own options (the connection options come from the shared doc fragment).
SPEC = dict(argument_spec=dict(
    entra=dict(type='dict', options=dict(
        app=dict(type='bool', default=True),
        display_name=dict(type='str', default='Bookings ONE'),
        unique_name=dict(type='str', default='bookings-one'),
        callback_url=dict(type='str'),
        graph_permissions=dict(type='list', elements='str', default=list(bookingsone.GRAPH_PERMISSIONS)),
        instance_lock=dict(type='bool'),
        secret=dict(type='dict', default={}, no_log=False, options=dict(
            display_name=dict(type='str', default='bookings-one'),
            lifetime_days=dict(type='int', default=bookingsone.SECRET_MAX_LIFETIME_DAYS),
            rotate_before_days=dict(type='int', default=bookingsone.SECRET_ROTATE_BEFORE_DAYS),
            retire_previous=dict(type='str', default='after_grace', choices=['never', 'after_grace', 'now']),
            grace_days=dict(type='int', default=bookingsone.SECRET_GRACE_DAYS),
            force_rotate=dict(type='bool', default=False),
            **LIFECYCLE_SPEC
        )),
        handoff=dict(type='dict', required=True, options=HANDOFF_SPEC),
    ), required_if=[('app', True, ('callback_url',))]),
    rooms=dict(type='dict', options=dict(
        SELECTION_SPEC,
        delegate=dict(type='str', required=True),
        concurrency=CONCURRENCY_SPEC['concurrency'],
        automapping=dict(type='bool', default=bookingsone.AUTOMAPPING),
        record_file=dict(type='path'),
        lease_settle_seconds=dict(type='float', default=bookingsone.LEASE_SETTLE_SECONDS),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )),
    access_scope=dict(type='str', default='tenant', choices=['tenant', 'rooms']),
    scoped_access=dict(type='dict', default={}, options=dict(
        app_unique_name=dict(type='str', default='bookings-one'),
        group=dict(type='str', default='Bookings ONE mailboxes'),
        scope=dict(type='str', default='Bookings ONE mailboxes'),
        out_of_scope=dict(type='list', elements='str'),
    )),
    checked=dict(type='dict'),
    observe=dict(type='bool', default=False),
    proof=dict(type='dict', default={}, options=dict(
        mode=dict(type='str', default='off', choices=['full', 'read', 'off']),
        send_mail=dict(type='bool', default=False),
        request_rooms=dict(type='int', default=1),
        organizer=dict(type='str'),
        answer_timeout=dict(type='int', default=90),
        sign_in_timeout=dict(type='int', default=bookingsone.SIGN_IN_TIMEOUT),
        handoff=dict(type='dict', options=HANDOFF_SPEC),
    )),
    operator_role=dict(type='str', choices=sorted(bookingsone.OPERATOR_ROLES)),
    known_variables=dict(type='list', elements='str'),
))


def main():
    module = AnsibleModule(argument_spec=dict(CONNECTION_ARGSPEC, **SPEC['argument_spec']), supports_check_mode=True)
    module.fail_json(msg='bookingsone.office365.tenant runs as an action plugin on the controller')


if __name__ == '__main__':
    main()
