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
  - Ensures the app registration has a client secret with the given display name that Bookings ONE
    holds and that is valid for at least O(rotate_before_days) more days; otherwise adds a new one
    with C(addPassword).
  - The tenant is the record of what Bookings ONE holds. The key ID of the secret last handed off
    is kept in the app registration's own C(tags) (C(bookingsone:handed-off:<keyId>), earlier ones
    C(bookingsone:handed-off-earlier:<keyId>)), so any controller, with or without the hand-off
    file, takes the same decision. Secret values are never stored there.
  - Secrets of this display name that the record does not know are orphans of interrupted or
    concurrent runs and are removed on the next run; the recorded secret is never removed by a
    rotation. Earlier handed-off secrets are removed as O(retire_previous) says.
  - With O(handoff), the action plugin on the controller does the whole lifecycle under a per-tenant
    lock in the hand-off directory - mint, hand over (encrypted file, optional HTTPS POST), record -
    and removes a new secret whose hand-off failed. Without it the caller hands the secret over and
    either lets the module record it at once (O(record_on_create)) or confirms with
    O(handed_off_key_id).
  - The value of a new secret is returned once in RV(secret_text). The result of a run that
    created a secret is always hidden from output, as with C(no_log), by the module's action plugin;
    keep it hidden wherever you pass it on.
  - In check mode it reports whether it would rotate or retire, and the days left, and writes nothing.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  secret_display_name:
    description: Display name of the secret; secrets of other names are left alone.
    type: str
    required: true
    aliases: [display_name]
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
    description: Days the recorded secret must have been valid before V(after_grace) retires earlier ones.
    type: int
    default: 7
  record_on_create:
    description:
      - Record a new secret as handed off as soon as it is created.
      - V(false) leaves it unrecorded until the caller confirms the hand-off with O(handed_off_key_id);
        older secrets are then left alone until that confirmation.
    type: bool
    default: true
  handed_off_key_id:
    description:
      - Key ID of a secret of this display name that was handed over to Bookings ONE. It becomes the
        recorded one unless the record already holds a newer secret.
    type: str
  discard_key_id:
    description:
      - Key ID of a secret whose hand-off failed; it is removed unless the record says it was handed off.
        Nothing else is done in that run.
    type: str
  handoff:
    description:
      - Hand a new secret over on the controller, in the same task (handled by the action plugin).
      - The file holds Client ID, Tenant ID, the secret, its key ID and expiry, encrypted with
        ansible-vault; an earlier file is read to heal a hand-off an interrupted run did not record.
    type: dict
    suboptions:
      path:
        description: The encrypted hand-off file of this tenant.
        type: path
        required: true
      vault_id:
        description: Vault identity to encrypt with, when several are loaded.
        type: str
      url:
        description: Optional HTTPS endpoint of Bookings ONE; posted to before the file is written.
        type: str
      url_token:
        description: Bearer token for O(handoff.url).
        type: str
      lock_timeout:
        description: Seconds to wait for another run holding this tenant's lock.
        type: int
        default: 900
extends_documentation_fragment:
  - bookingsone.office365.app_key.by_id
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Keep a Bookings ONE secret, rotated 30 days before expiry
  bookingsone.office365.app_secret:
    app_id: "{{ app.app_id }}"
    secret_display_name: bookings-one
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
  description: Key IDs of earlier handed-off secrets removed (or that would be removed).
  returned: always
  type: list
  elements: str
orphans_removed:
  description: Key IDs of secrets of this name that were never handed off, removed (or that would be).
  returned: always
  type: list
  elements: str
recorded_key_id:
  description: Key ID of the secret the tenant records as the one Bookings ONE holds.
  returned: when state is present
  type: str
record_location:
  description: Where that record is kept.
  returned: always
  type: str
handoff_pending:
  description: A new secret was created and awaits confirmation (O(record_on_create=false)).
  returned: when a secret was added and is not yet recorded
  type: bool
notes:
  description: What the run found about the hand-off record, e.g. a stale hand-off file.
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
from ansible_collections.bookingsone.office365.plugins.module_utils._validate import check_secret_policy


def check_input(params):
    check_secret_policy(params['lifetime_days'], params['rotate_before_days'], params['grace_days'],
                        secrets.MAX_LIFETIME_DAYS)


POLICY_REFUSALS = {
    'CredentialInvalidLifetimeAsPerAppPolicy': 'the app management policy does not allow a %d-day secret; '
                                               'lower lifetime_days',
    'CredentialTypeNotAllowedAsPerAppPolicy': 'the app management policy does not allow client secrets at all '
                                              '(asked for %d days); Bookings ONE needs an exemption for its app',
}


def add_secret(module, app, now):
    end = now + datetime.timedelta(days=module.params['lifetime_days'])
    try:
        return api.add_password(module.graph, app['id'], module.params['secret_display_name'],
                                secrets.format_datetime(end))
    except MicrosoftApiError as exc:
        # Entra's refusals under an app management policy (the tenant default or one applied to the app)
        explained = POLICY_REFUSALS.get(exc.code)
        if explained is None:
            raise
        raise exc.with_message('%s. Microsoft Graph said: %s' % (
            explained % module.params['lifetime_days'], exc.message)) from exc


def start_of(credential):
    return secrets.parse_datetime(credential['startDateTime']) if credential else None


def confirm(module, record, mine, key_id):
    """Record a hand-off the caller reports (just made, or found in its hand-off store).

    A key the record already knows, or one older than the recorded secret, is a
    stale copy and changes nothing: the tenant's record wins.
    """
    found = next((c for c in mine if c['keyId'] == key_id), None)
    current = record.current_of(mine)
    if found is None:
        module.result['notes'].append('the hand-off names keyId %s, which this app no longer has' % key_id)
        return False
    if current is not None and (found['keyId'] == current['keyId'] or found['keyId'] in record.earlier
                                or start_of(found) <= start_of(current)):
        if found['keyId'] != current['keyId']:
            module.result['notes'].append('the hand-off names keyId %s, older than the recorded %s: kept the '
                                          'record' % (key_id, current['keyId']))
        return found['keyId'] == current['keyId']
    record.hand_off(key_id, mine)
    module.result['confirmed'] = key_id
    return True


def to_retire(params, earlier, successor_start, now):
    """Earlier handed-off secrets that the retire policy removes now."""
    policy = params['retire_previous']
    if policy == 'now' or policy == 'after_grace' and \
            successor_start + datetime.timedelta(days=params['grace_days']) <= now:
        return earlier
    return []


def save_record(module, app, record, before, remaining):
    tags = record.to_tags(set(c['keyId'] for c in remaining))
    if tags != list(app.get('tags') or []):
        module.record_change(dict(tags=before), dict(tags=tags), header='hand-off record (app tags)')
        if not module.check_mode:
            api.update_application(module.graph, app['id'], {'tags': tags})


def remove(module, app, credentials):
    if not module.check_mode:
        for credential in credentials:
            api.remove_password(module.graph, app['id'], credential['keyId'])


def main_logic(module):
    params = module.params
    check_input(params)
    app = api.find_app(module.graph, params['app_id'], params['unique_name'])
    if app is None:
        which = 'app_id %r' % params['app_id'] if params['app_id'] else 'unique_name %r' % params['unique_name']
        raise InputError('no app registration has %s' % which)
    now = secrets.utcnow()
    record = secrets.Record(app.get('tags'))
    tags_before = list(app.get('tags') or [])
    mine = secrets.named(app, params['secret_display_name'])
    described = [secrets.describe(c, now) for c in mine]
    module.result.update(app_id=app['appId'], rotated=False, retired=[], orphans_removed=[], notes=[],
                         record_location='tags of app registration %s (appId %s)' % (app['id'], app['appId']))

    if params['state'] == 'absent':
        record.forget(c['keyId'] for c in mine)
        gone = mine
    elif params['discard_key_id']:
        # A secret whose hand-off failed: removed at once unless the record says it was handed off.
        gone = [c for c in mine if c['keyId'] == params['discard_key_id']
                and c['keyId'] not in record.current | record.earlier]
        module.result['orphans_removed'] = [c['keyId'] for c in gone]
    else:
        if params['handed_off_key_id']:
            confirm(module, record, mine, params['handed_off_key_id'])
        current, earlier, orphans = secrets.classify(record, mine)
        if not record.marked:
            record.earlier |= set(c['keyId'] for c in earlier)  # set up before the record: kept as handed off
        if current:
            module.result.update(secrets.describe(current, now))
        rotate = params['force_rotate'] or current is None or \
            secrets.days_left(current, now) < params['rotate_before_days']
        successor_start = start_of(current) if current else now
        if rotate:
            module.record_change(dict(secrets=described),
                                 dict(secrets=described + ['new secret %r valid for %d days'
                                                           % (params['secret_display_name'], params['lifetime_days'])]))
            module.result.update(rotated=True, days_left=secrets.days_left(current, now) if current else None)
            successor_start = now
            if not module.check_mode:
                if not record.marked and not params['record_on_create']:
                    # Mark the app before minting, so a run killed before its hand-off leaves a
                    # recognisable orphan rather than a secret that might be Bookings ONE's.
                    record.marked = True
                    save_record(module, app, record, tags_before, mine)
                    tags_before = app['tags'] = record.to_tags(set(c['keyId'] for c in mine))
                new = add_secret(module, app, now)
                module.result.update(secrets.describe(new, now), secret_text=new['secretText'])
                if not params['record_on_create']:
                    # Retirement waits for the confirmed hand-off: until then nothing else is touched.
                    module.result.update(handoff_pending=True, tenant_id=module.tenant_id)
                    return
                mine = mine + [new]
                record.hand_off(new['keyId'], mine)
            if current:
                earlier = earlier + [current]
        retired = to_retire(params, earlier, successor_start, now)
        gone = orphans + retired
        module.result.update(retired=sorted(c['keyId'] for c in retired),
                             orphans_removed=sorted(c['keyId'] for c in orphans))
        recorded = record.current_of(mine)
        module.result['recorded_key_id'] = recorded['keyId'] if recorded else None
    if gone:
        kept = [d for d in described if d['key_id'] not in set(c['keyId'] for c in gone)]
        module.record_change(dict(secrets=described), dict(secrets=kept))
    remove(module, app, gone)
    save_record(module, app, record, tags_before, [c for c in mine if c not in gone])


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        api.APP_KEY_BY_ID_SPEC,
        # the secret's own name; display_name (the old name, deprecated) means the app's elsewhere
        secret_display_name=dict(type='str', required=True, aliases=['display_name'], deprecated_aliases=[
            dict(name='display_name', version='1.0.0', collection_name='bookingsone.office365')]),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        lifetime_days=dict(type='int', default=secrets.MAX_LIFETIME_DAYS),
        rotate_before_days=dict(type='int', default=30),
        force_rotate=dict(type='bool', default=False),
        retire_previous=dict(type='str', default='never', choices=['never', 'after_grace', 'now']),
        grace_days=dict(type='int', default=7),
        record_on_create=dict(type='bool', default=True),
        handed_off_key_id=dict(type='str'),
        discard_key_id=dict(type='str'),
        handoff=dict(type='dict', options=secrets.HANDOFF_SPEC),
    ),
    required_one_of=[('app_id', 'unique_name')],
    mutually_exclusive=[('app_id', 'unique_name'), ('handed_off_key_id', 'discard_key_id')],
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
