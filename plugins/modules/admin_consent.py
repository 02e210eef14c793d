#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: admin_consent
short_description: Grant admin consent for an app's application permissions in a tenant
version_added: 0.1.0
description:
  - Ensures the app's service principal exists in the tenant, creating it from the app ID when
    missing (also for a multitenant app registered in another tenant). Right after an app is
    created Microsoft Entra may not know it yet, and right after the service principal is created
    Microsoft Graph refuses app role assignments to it for a while (400 C(Request_BadRequest)); both are
    retried within O(replication_timeout). Other errors of the grants fail at once.
  - Admin consent for application permissions is an app role assignment from the resource API's
    service principal to the app's. Missing permissions are granted; with O(exclusive=true), granted
    permissions that were not asked for are revoked.
  - Permission names are resolved from the resource API's app roles; an unknown name fails before
    anything is written.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  app_id:
    description: Application (client) ID of the app that receives the permissions.
    type: str
    required: true
  resource_app_id:
    description:
      - Application ID of the resource API whose permissions are granted.
      - Defaults to Microsoft Graph (C(00000003-0000-0000-c000-000000000000)) unless
        O(resource_display_name) is given.
    type: str
  resource_display_name:
    description: Display name of the resource API's service principal, instead of O(resource_app_id).
    type: str
  permissions:
    description: Names of the application permissions (app role values), for example C(User.Read.All).
    type: list
    elements: str
    required: true
  exclusive:
    description: Revoke granted permissions of this resource API that are not in O(permissions).
    type: bool
    default: false
  state:
    description: V(present) grants O(permissions); V(absent) revokes them.
    type: str
    choices: [present, absent]
    default: present
  replication_timeout:
    description:
      - The retry budget, in seconds, for the requests that wait out Microsoft Entra replication,
        that is creating the service principal of a just-created app, and granting permissions to a service
        principal this task created. Each retry backs off (up to 10 seconds, or the service's
        C(Retry-After)), and once the budget is spent the last error is reported.
      - O(max_retries) does not limit these retries; it still governs all others.
    type: int
    default: 120
extends_documentation_fragment:
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Consent to the Microsoft Graph permissions of Bookings ONE
  bookingsone.office365.admin_consent:
    app_id: "{{ app.app_id }}"
    permissions: [Calendars.ReadWrite, Group.Read.All, Mail.Send, Place.Read.All, User.Read.All]
    exclusive: true
'''

RETURN = r'''
service_principal_id:
  description: Object ID of the app's service principal in the tenant; null if it would be created in check mode.
  returned: always
  type: str
permissions:
  description: Names of the permissions granted on the resource API after the run.
  returned: always
  type: list
  elements: str
granted:
  description: Names of the permissions granted (or that would be granted) by this run.
  returned: always
  type: list
  elements: str
revoked:
  description: Names of the permissions revoked (or that would be revoked) by this run.
  returned: always
  type: list
  elements: str
tenant_id:
  description: The tenant's GUID.
  returned: always
  type: str
'''

from ansible_collections.bookingsone.office365.plugins.module_utils._consent import main_logic
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        app_id=dict(type='str', required=True),
        resource_app_id=dict(type='str'),
        resource_display_name=dict(type='str'),
        permissions=dict(type='list', elements='str', required=True),
        exclusive=dict(type='bool', default=False),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        replication_timeout=dict(type='int', default=120),
    ),
    mutually_exclusive=[('resource_app_id', 'resource_display_name')],
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
