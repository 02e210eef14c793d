# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secret lifecycle of one tenant, on the controller, under the tenant's lock:

  1. the app_secret logic decides, healing a hand-off the store holds but the tenant
     does not record, and mints a new secret only when the recorded one must be rotated;
  2. the new secret is handed over (POST, then the encrypted file);
  3. the app_secret logic records it in the tenant and retires what the policy says.

A failed hand-off removes the new secret again; a run killed in between leaves an
orphan the next run removes. Used by the app_secret action plugin (module processes)
and the tenant action plugin (in-process); the result never holds the secret.
"""

from __future__ import annotations

import os

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _handoff as handoff
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _tenant_lock as tenant_lock


def merge_retries(*results):
    total = {}
    for result in results:
        for service, counts in (result.get('retries') or {}).items():
            into = total.setdefault(service, dict(retried=0, waited_s=0.0))
            into['retried'] += counts.get('retried', 0)
            into['waited_s'] = round(into['waited_s'] + counts.get('waited_s', 0.0), 2)
    return total


def cleaned(result, check_mode=False):
    """What a run removed (or, in check mode, would remove), by key ID."""
    verb = 'would remove' if check_mode else 'removed'
    parts = []
    if result.get('orphans_removed'):
        parts.append('%s secret(s) never handed off: %s' % (verb, ', '.join(result['orphans_removed'])))
    if result.get('retired'):
        parts.append('%s earlier handed-off secret(s): %s' % (verb, ', '.join(result['retired'])))
    if result.get('confirmed'):
        parts.append('recorded the hand-off of %s found in the hand-off store' % result['confirmed'])
    return ''.join('; ' + p for p in parts)


def lock_name(path):
    """The tenant's lock is named like its hand-off file, <inventory name>.vault.yml: the same one preflight takes."""
    name = os.path.basename(path)
    return name[:-len('.vault.yml')] if name.endswith('.vault.yml') else name


def describe_store(stored, result):
    if stored is None:
        return 'no copy in the hand-off store'
    if stored.get('secret_key_id') == result.get('recorded_key_id'):
        return 'the hand-off store holds the same secret'
    return 'the hand-off store holds another secret (keyId %s)' % stored.get('secret_key_id')


def lifecycle(call, loader, spec, check_mode):
    """Mint if due, hand over, record; `call(**extra)` runs the app_secret logic with these extra options."""
    path = spec['path']
    notes = []
    if not check_mode:  # an audit neither waits for nor blocks a running onboarding
        handoff.vault_secrets(loader)  # before any write: the file could not be written otherwise
        notes = tenant_lock.hold(os.path.dirname(path), lock_name(path), spec['lock_timeout'])
    stored = handoff.read(loader, path)
    first = call(handed_off_key_id=(stored or {}).get('secret_key_id'))
    if first.get('failed') or not first.get('secret_text'):
        first['notes'] = notes + first.get('notes', [])
        if not first.get('failed'):
            first['handoff_store'] = describe_store(stored, first)
            first['msg'] = holds(first, check_mode)
        first.pop('secret_text', None)
        return first
    data = dict(client_id=first['app_id'], tenant_id=first['tenant_id'], client_secret=first['secret_text'],
                secret_key_id=first['key_id'], secret_expires=first['end_date_time'])
    try:
        posted = handoff.deliver(loader, path, data, spec['vault_id'], spec['url'], spec['url_token'])
    except Exception as exc:  # pylint: disable=broad-except
        undo = call(discard_key_id=first['key_id'])
        return dict(failed=True, changed=True, retries=merge_retries(first, undo), notes=notes,
                    msg='the hand-off of new secret %s failed, so it was removed again (%s): %s'
                    % (first['key_id'], 'done' if not undo.get('failed') else 'failed: %s' % undo.get('msg'),
                       exc))
    second = call(handed_off_key_id=first['key_id'])
    second.update(changed=True, rotated=True, days_left=first.get('days_left'),
                  handed_off=dict(path=path, posted=posted), retries=merge_retries(first, second),
                  notes=notes + first.get('notes', []) + second.get('notes', []))
    if not second.get('failed'):
        second['msg'] = 'handed over new secret %s and recorded it in the %s%s' % (
            first['key_id'], first['record_location'], cleaned(second))
    second.pop('secret_text', None)
    return second


def holds(result, check):
    """What the tenant records, for a run that minted nothing."""
    if result.get('rotated'):
        return 'would add a new secret (check mode)' + cleaned(result, check)
    if not result.get('recorded_key_id'):
        return 'no secret is recorded as handed off' + cleaned(result, check)
    return 'Bookings ONE holds secret %s (%s days left), recorded in the %s; %s%s' % (
        result['recorded_key_id'], result.get('days_left'), result['record_location'], result['handoff_store'],
        cleaned(result, check))
