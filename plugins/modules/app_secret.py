#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: app_secret
short_description: Keep a usable client secret on an app registration, rotating it before it expires
version_added: 0.1.0
description:
  - Ensures the app registration has a client secret with the given display name that is valid
    for at least O(rotate_before_days) more days; otherwise adds a new one with C(addPassword).
  - The value of a new secret is returned once in RV(secret_text). The result of a run that
    created a secret is always hidden from output, as with C(no_log), by the module's action plugin;
    keep it hidden wherever you pass it on.
  - In check mode it reports whether it would rotate or retire, and the days left, and writes nothing.
  - Earlier secrets of the same display name stay valid until they are retired, after a grace
    period or on request. The secret just created, and secrets with another display name, are never
    removed.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  app_id:
    description: Application (client) ID of the app registration.
    type: str
  unique_name:
    description: Unique name of the app registration, instead of O(app_id).
    type: str
  display_name:
    description: Display name of the secret; secrets of other names are left alone.
    type: str
    required: true
  state:
    description:
      - V(present) keeps a usable secret; V(absent) removes every secret of this display name.
    type: str
    choices: [present, absent]
    default: present
  lifetime_days:
    description:
      - Lifetime of a new secret, 1 to 730 days (the portal's two-year maximum).
      - A tenant app management policy may allow less; the request then fails with the code
        C(CredentialInvalidLifetimeAsPerAppPolicy).
    type: int
    default: 730
  rotate_before_days:
    description: Add a new secret when the newest one of this name expires within this many days.
    type: int
    default: 30
  force_rotate:
    description: Add a new secret now, whatever the newest one's expiry.
    type: bool
    default: false
  retire_previous:
    description:
      - What happens to older secrets of this display name once a newer one exists.
      - V(never) keeps them until they expire.
      - V(after_grace) removes them once the newest secret is O(grace_days) old, so Bookings ONE has
        time to switch to it.
      - V(now) removes them in this run.
    type: str
    choices: [never, after_grace, now]
    default: never
  grace_days:
    description: Days the newest secret must have been valid before V(after_grace) retires older ones.
    type: int
    default: 7
extends_documentation_fragment:
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Keep a Bookings ONE secret, rotated 30 days before expiry
  bookingsone.office365.app_secret:
    app_id: "{{ app.app_id }}"
    display_name: bookings-one
    lifetime_days: 365
    retire_previous: after_grace
  register: secret
  no_log: true
'''

RETURN = r'''
rotated:
  description: Whether a new secret was (or in check mode would be) added.
  returned: always
  type: bool
secret_text:
  description: The value of the new secret. Microsoft shows it only once.
  returned: when a secret was added (not in check mode)
  type: str
key_id:
  description: Key ID of the newest secret of this name.
  returned: when such a secret exists
  type: str
hint:
  description: First characters of the newest secret, as Microsoft shows them.
  returned: when such a secret exists
  type: str
start_date_time:
  description: When the newest secret became valid.
  returned: when such a secret exists
  type: str
end_date_time:
  description: When the newest secret expires.
  returned: when such a secret exists
  type: str
days_left:
  description: Whole days until the newest secret expires (before any rotation in this run).
  returned: when such a secret existed before the run
  type: int
retired:
  description: Key IDs of the secrets removed (or that would be removed).
  returned: always
  type: list
  elements: str
app_id:
  description: Application (client) ID of the app.
  returned: always
  type: str
tenant_id:
  description: The tenant's GUID.
  returned: always
  type: str
'''

import datetime

from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as api
from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module


def check_input(params):
    if not 1 <= params['lifetime_days'] <= secrets.MAX_LIFETIME_DAYS:
        raise InputError('lifetime_days %d is out of range: a client secret lives 1 to %d days'
                         % (params['lifetime_days'], secrets.MAX_LIFETIME_DAYS))
    if params['rotate_before_days'] < 0 or params['rotate_before_days'] >= params['lifetime_days']:
        raise InputError('rotate_before_days %d must be at least 0 and less than lifetime_days %d, or every run '
                         'would rotate' % (params['rotate_before_days'], params['lifetime_days']))
    if params['grace_days'] < 0:
        raise InputError('grace_days %d must not be negative' % params['grace_days'])


def add_secret(module, app, now):
    end = now + datetime.timedelta(days=module.params['lifetime_days'])
    try:
        return api.add_password(module.graph, app['id'], module.params['display_name'],
                                secrets.format_datetime(end))
    except MicrosoftApiError as exc:
        if exc.code == 'CredentialInvalidLifetimeAsPerAppPolicy':
            exc.message = ('the tenant app management policy does not allow a %d-day secret; lower lifetime_days. '
                           'Microsoft Graph said: %s' % (module.params['lifetime_days'], exc.message))
        raise


def to_retire(module, mine, successor, successor_start, now):
    """Older secrets of this name that the retire policy removes now."""
    policy = module.params['retire_previous']
    older = [c for c in mine if successor is None or c['keyId'] != successor.get('keyId')]
    if policy == 'now':
        return older
    if policy == 'after_grace' and successor_start + datetime.timedelta(days=module.params['grace_days']) <= now:
        return older
    return []


def main_logic(module):
    params = module.params
    check_input(params)
    app = api.find_app(module.graph, params['app_id'], params['unique_name'])
    if app is None:
        which = 'app_id %r' % params['app_id'] if params['app_id'] else 'unique_name %r' % params['unique_name']
        raise InputError('no app registration has %s' % which)
    now = secrets.utcnow()
    mine = secrets.named(app, params['display_name'])
    module.result.update(app_id=app['appId'], rotated=False, retired=[])
    described = [secrets.describe(c, now) for c in mine]

    if params['state'] == 'absent':
        retire = mine
    else:
        current = secrets.newest(mine)
        if current:
            module.result.update(secrets.describe(current, now))
        rotate = params['force_rotate'] or current is None or \
            secrets.days_left(current, now) < params['rotate_before_days']
        successor, successor_start = current, secrets.parse_datetime(current['startDateTime']) if current else now
        if rotate:
            module.record_change(dict(secrets=described),
                                 dict(secrets=described + ['new secret %r valid for %d days'
                                                           % (params['display_name'], params['lifetime_days'])]))
            module.result['rotated'] = True
            successor, successor_start = {}, now
            if not module.check_mode:
                successor = add_secret(module, app, now)
                module.result.update(secrets.describe(successor, now), secret_text=successor['secretText'])
                module.result['days_left'] = secrets.days_left(current, now) if current else None
        retire = to_retire(module, mine, successor, successor_start, now)

    if retire:
        gone = set(c['keyId'] for c in retire)
        module.record_change(dict(secrets=described), dict(secrets=[d for d in described if d['key_id'] not in gone]))
        module.result['retired'] = sorted(gone)
        if not module.check_mode:
            for credential in retire:
                api.remove_password(module.graph, app['id'], credential['keyId'])
    module.result['tenant_id'] = module.tenant_id


def main():
    module = M365Module(
        argument_spec=dict(
            app_id=dict(type='str'),
            unique_name=dict(type='str'),
            display_name=dict(type='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            lifetime_days=dict(type='int', default=secrets.MAX_LIFETIME_DAYS),
            rotate_before_days=dict(type='int', default=30),
            force_rotate=dict(type='bool', default=False),
            retire_previous=dict(type='str', default='never', choices=['never', 'after_grace', 'now']),
            grace_days=dict(type='int', default=7),
        ),
        required_one_of=[('app_id', 'unique_name')],
        mutually_exclusive=[('app_id', 'unique_name')],
    )
    module.run(main_logic)


if __name__ == '__main__':
    main()
