#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: mailbox_permission
short_description: Grant or remove mailbox permissions such as Full Access on many mailboxes in one task
version_added: 0.1.0
description:
  - Reads the user's permissions on each mailbox (C(Get-MailboxPermission)) and adds
    (C(Add-MailboxPermission)) or removes (C(Remove-MailboxPermission)) only the access rights
    that differ, through the Exchange Online admin API. No PowerShell is needed.
  - Every mailbox is read before anything is written, so an unknown mailbox or user fails the
    task with nothing changed.
  - More mailboxes than go out at once are read and changed ten to a JSON batch request (C($batch)),
    each mailbox with its own outcome; a tenant that refuses batches gets one request per mailbox.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  mailboxes:
    description: Mailboxes, by email address or any identity Exchange accepts.
    type: list
    elements: str
    required: true
  user:
    description: The user, mail-enabled security group or other recipient that holds the rights.
    type: str
    required: true
  access_rights:
    description: Access rights to grant or remove.
    type: list
    elements: str
    choices: [ChangeOwner, ChangePermission, DeleteItem, ExternalAccount, FullAccess, ReadPermission]
    default: [FullAccess]
  state:
    description: Whether the user should hold O(access_rights).
    type: str
    choices: [present, absent]
    default: present
  automapping:
    description:
      - With V(true), Outlook opens mailboxes the user has Full Access to automatically.
      - Off by default, as one delegate account usually manages many rooms.
      - Only applies when rights are added.
    type: bool
    default: false
extends_documentation_fragment:
  - bookingsone.office365.connection
  - bookingsone.office365.concurrency
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Full Access for the Bookings ONE delegate on every room
  bookingsone.office365.mailbox_permission:
    tenant_id: contoso.onmicrosoft.com
    mailboxes: "{{ rooms.rooms | map(attribute='address') }}"
    user: bookings@contoso.com
    access_rights: [FullAccess]
'''

RETURN = r'''
mailboxes:
  description: Each mailbox with the rights the user held before and after.
  returned: always
  type: list
  elements: dict
  contains:
    mailbox:
      description: The mailbox as given.
      type: str
    changed:
      description: Whether its permissions changed.
      type: bool
    before:
      description: The user's access rights before.
      type: list
      elements: str
    after:
      description: The user's access rights after.
      type: list
      elements: str
changed_mailboxes:
  description: How many mailboxes changed.
  returned: always
  type: int
'''

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._names import unique
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import (
    CONCURRENCY_SPEC, concurrency, raise_failures, read_each)


def explicit_rights(entries):
    """Rights granted explicitly (not inherited, not deny entries)."""
    rights = set()
    for entry in entries:
        if entry.get('IsInherited') or entry.get('Deny'):
            continue
        value = entry.get('AccessRights') or []
        rights.update(value if isinstance(value, list) else [r.strip() for r in str(value).split(',')])
    return rights


def main_logic(state):
    params = state.params
    params['mailboxes'] = unique(params['mailboxes'])  # a room named twice is read and written once
    concurrency(params)
    exo = state.exchange
    if exchange_api.get_recipient(exo, params['user']) is None:
        raise InputError('unknown user %r: no such recipient in Exchange Online; nothing was changed' % params['user'])

    found = exchange_api.each(exo, params['mailboxes'],
                              lambda mailbox: exchange_api.mailbox_permission_read(mailbox, params['user']),
                              params['concurrency'])
    reads = read_each(exchange_api.answers(found), params['mailboxes'], 1, 'mailbox(es)', exchange_api.is_not_found)

    wanted = set(params['access_rights'])
    plans, state.result['mailboxes'] = [], []
    for mailbox, entries in reads:
        held = explicit_rights(entries)
        if params['state'] == 'present':
            change, after = sorted(wanted - held), sorted(held | wanted)
        else:
            change, after = sorted(wanted & held), sorted(held - wanted)
        if change:
            state.record_change(dict(access_rights=sorted(held)), dict(access_rights=after),
                                header='%s: %s' % (mailbox, params['user']))
            plans.append((mailbox, change))
        state.result['mailboxes'].append(dict(mailbox=mailbox, changed=bool(change), before=sorted(held),
                                              after=after))
    state.result['changed_mailboxes'] = len(plans)
    if plans and not state.check_mode:
        if params['state'] == 'present':
            def write(plan):
                return exchange_api.mailbox_permission_add(plan[0], params['user'], plan[1], params['automapping'])
        else:
            def write(plan):
                return exchange_api.mailbox_permission_remove(plan[0], params['user'], plan[1])
        writes = exchange_api.each(exo, plans, write, params['concurrency'])
        raise_failures([(plan[0], result, exc) for plan, result, exc in writes], 'changing permissions on')


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        mailboxes=dict(type='list', elements='str', required=True),
        user=dict(type='str', required=True),
        access_rights=dict(type='list', elements='str', default=['FullAccess'],
                           choices=['ChangeOwner', 'ChangePermission', 'DeleteItem', 'ExternalAccount',
                                    'FullAccess', 'ReadPermission']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        automapping=dict(type='bool', default=False),
        **CONCURRENCY_SPEC
    ),
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
