#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: app_registration_info
short_description: Read an app registration, its secrets' metadata and its consent state
version_added: 0.1.0
description:
  - Reads one app registration and reports what an audit needs - sign-in audience, redirect URIs,
    client secrets (metadata only, never values) with days to expiry, the Microsoft Graph
    application permissions it requests and those granted by admin consent in this tenant.
  - Changes nothing; safe in check mode.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  secret_display_name:
    description: Display name of the Bookings ONE client secrets, whose orphans are reported in RV(app.handoff_record).
    type: str
    default: bookings-one
  sign_ins:
    description:
      - Add each secret's last sign-in (C(last_sign_in)) from Microsoft Entra's sign-ins per credential (Graph beta
        C(reports/appCredentialSignInActivities); AuditLog.Read.All, Microsoft Entra ID P1 or P2, global cloud only).
        Where the report cannot be read, RV(app.sign_ins_unavailable) says why and C(last_sign_in) is null.
    type: bool
    default: false
extends_documentation_fragment:
  - bookingsone.office365.app_key
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes.info_module
'''

EXAMPLES = r'''
- name: Read the Bookings ONE app
  bookingsone.office365.app_registration_info:
    unique_name: bookingsone
  register: info

- name: Fail when a requested permission lacks consent
  ansible.builtin.assert:
    that: info.app.consent.values() | select('equalto', false) | list | length == 0
'''

RETURN = r'''
exists:
  description: Whether the app registration exists.
  returned: always
  type: bool
tenant_id:
  description: The tenant's GUID.
  returned: always
  type: str
app:
  description: The app registration; empty when it does not exist.
  returned: always
  type: dict
  contains:
    app_id:
      description: Application (client) ID.
      type: str
    object_id:
      description: Object ID of the application object.
      type: str
    display_name:
      description: Display name.
      type: str
    sign_in_audience:
      description: Which accounts may sign in.
      type: str
    web_redirect_uris:
      description: Web platform redirect URIs, sorted.
      type: list
      elements: str
    secrets:
      description:
        - Client secrets' metadata (key_id, display_name, hint, start_date_time, end_date_time, days_left), and with
          O(sign_ins) last_sign_in (ISO 8601, or null when Entra reports none or the report is unavailable).
      type: list
      elements: dict
    requested_permissions:
      description: Microsoft Graph application permissions the app requests, by name.
      type: list
      elements: str
    granted_permissions:
      description: Microsoft Graph application permissions granted to the app in this tenant, by name.
      type: list
      elements: str
    consent:
      description: For each requested permission, whether it is granted.
      type: dict
    instance_lock:
      description: Whether the app instance property lock is on for all sensitive properties.
      type: bool
    service_principal_id:
      description: Object ID of the app's service principal in this tenant, or null.
      type: str
    sign_ins_unavailable:
      description: With O(sign_ins), why Entra's sign-ins per credential could not be read; null when they were.
      type: str
    handoff_record:
      description:
        - What the app's tags record as handed off to Bookings ONE (see M(bookingsone.office365.app_secret)).
        - C(marked) (a record exists), C(recorded_key_id) (the secret Bookings ONE holds, or null),
          C(conflict) (key IDs two runs handed over at once, all recorded), C(pending) (key IDs whose hand-off
          is under way or was interrupted), C(interrupted) (pending while no run holds the lease), C(dangling) (recorded key IDs whose secret no longer exists),
          C(orphans) (key IDs of secrets of O(secret_display_name) never handed off and older than the
          in-flight window), C(in_flight) (younger ones, another run may be handing over), C(leased)
          (a run holds the lease on the record).
      type: dict
'''

import time

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_plan import Plan
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_record import Record
from ansible_collections.bookingsone.office365.plugins.module_utils._tenant_lease import alive
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._sign_in_activity import last_sign_ins


def handoff_record(app, display_name, now):
    """What the app's tags record as handed off to Bookings ONE, and what does not fit the record."""
    record = Record(app.get('tags'))
    existing = set(c['keyId'] for c in app.get('passwordCredentials') or [])
    mine = secrets.named(app, display_name) if display_name else []
    plan = Plan(record, mine, now, dict(in_flight_seconds=bookingsone.IN_FLIGHT_SECONDS, force_rotate=False,
                                        rotate_before_days=0, retire_previous='never', grace_days=0))
    leased = any(alive(holder, until, time.time()) for holder, until in record.leases)
    pending = sorted(k for k in record.pending if k in existing)
    return dict(
        marked=record.marked,
        recorded_key_id=plan.held['keyId'] if plan.held and not plan.adopt else None,
        conflict=plan.conflict,
        pending=pending,
        interrupted=[] if leased else pending,
        dangling=sorted(k for k in record.current if k not in existing),
        orphans=sorted(c['keyId'] for c in plan.orphans),
        in_flight=sorted(plan.in_flight),
        leased=leased,
    )


def main_logic(state):
    params = state.params
    app = graph_api.find_app(state.graph, params['app_id'], params['unique_name'], params['display_name'])
    state.result.update(exists=app is not None, app={})
    if app is not None:
        catalog = graph_api.application_roles(state.graph)
        names_by_id = dict((role_id, name) for name, role_id in catalog.items())
        # The same selections the other modules read, so a run on one connection reads each object once.
        graph_sp = graph_api.get_service_principal(state.graph, graph_api.MICROSOFT_GRAPH_APP_ID, select=graph_api.RESOURCE_FIELDS)
        client = graph_api.get_service_principal(state.graph, app['appId'], select=graph_api.PRINCIPAL_FIELDS)
        granted = []
        if client is not None:
            granted = sorted(names_by_id.get(a['appRoleId'], a['appRoleId'])
                             for a in graph_api.app_role_assignments(state.graph, client['id'])
                             if a.get('resourceId') == graph_sp['id'])
        requested = sorted(names_by_id.get(i, i) for i in graph_api.graph_role_ids(app))
        now = secrets.utcnow()
        state.result['app'] = dict(
            app_id=app['appId'],
            object_id=app['id'],
            display_name=app.get('displayName'),
            sign_in_audience=app.get('signInAudience'),
            web_redirect_uris=sorted((app.get('web') or {}).get('redirectUris') or []),
            secrets=[secrets.describe(c, now) for c in app.get('passwordCredentials') or []],
            requested_permissions=requested,
            granted_permissions=granted,
            consent=dict((name, name in granted) for name in requested),
            service_principal_id=client and client['id'],
            instance_lock=graph_api.is_locked(graph_api.instance_lock_of(state.graph, app)),
            handoff_record=handoff_record(app, params['secret_display_name'], now),
        )
        if params['sign_ins']:
            add_sign_ins(state, app['appId'], state.result['app'])


def add_sign_ins(state, app_id, found):
    last, why = last_sign_ins(state.connection, app_id)
    for described in found['secrets']:
        moment = (last or {}).get(described['key_id'])
        described['last_sign_in'] = moment.strftime('%Y-%m-%dT%H:%M:%SZ') if moment else None
    found['sign_ins_unavailable'] = why


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        graph_api.APP_KEY_SPEC,
        secret_display_name=dict(type='str', default='bookings-one'),
        sign_ins=dict(type='bool', default=False),
    ),
    required_one_of=[('app_id', 'unique_name', 'display_name')],
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
