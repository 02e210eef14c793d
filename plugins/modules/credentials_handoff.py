#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: credentials_handoff
short_description: Hand Client ID, Tenant ID and client secret to Bookings ONE without printing them
version_added: 0.1.0
description:
  - Writes O(data) as YAML, encrypted with ansible-vault, to O(path) on the controller, readable by
    the owner only. The vault secret comes from Ansible's usual options (C(--vault-id),
    C(--vault-password-file), E(ANSIBLE_VAULT_PASSWORD_FILE)); read the file back with
    C(ansible-vault view).
  - Optionally POSTs O(data) as JSON to an HTTPS endpoint of Bookings ONE, before the file is
    written, so the file only ever holds credentials that were delivered.
  - M(bookingsone.office365.app_secret) with its C(handoff) option does the same as part of the
    secret lifecycle, and records the hand-off in the tenant; use this module for other data.
  - The task's output is always hidden, as with C(no_log); the result never contains O(data).
  - This is an action plugin; it runs on the controller.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  path:
    description: File to write on the controller.
    type: path
    required: true
  data:
    description: The credentials, for example C(client_id), C(tenant_id) and C(client_secret).
    type: dict
    required: true
  vault_id:
    description: Vault identity to encrypt with, when several are loaded.
    type: str
  mode:
    description: Permissions of the file.
    type: raw
    default: '0600'
  url:
    description: HTTPS endpoint that receives O(data) as JSON in a POST.
    type: str
  url_token:
    description: Bearer token for O(url).
    type: str
  ca_bundle:
    description: CA bundle to trust for O(url).
    type: path
  validate_certs:
    description: Whether to verify the TLS certificate of O(url).
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
'''

EXAMPLES = r'''
- name: Hand the new secret to Bookings ONE
  bookingsone.office365.credentials_handoff:
    path: "handoff/{{ inventory_hostname }}.vault.yml"
    data:
      client_id: "{{ app.app_id }}"
      tenant_id: "{{ app.tenant_id }}"
      client_secret: "{{ secret.secret_text }}"
      expires: "{{ secret.end_date_time }}"
  when: secret.rotated and not ansible_check_mode
'''

RETURN = r'''
path:
  description: The file written.
  returned: always
  type: str
posted:
  description: Whether the credentials were POSTed to O(url).
  returned: always
  type: bool
'''
