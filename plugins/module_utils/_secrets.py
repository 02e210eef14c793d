# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client secret metadata (passwordCredential) helpers: dates, expiry, newest of a name.

Only metadata is handled here; a secret's value is never read back from Graph.
"""

from __future__ import annotations

import datetime
import re

# The portal's maximum; tenants may enforce less through an app management policy.
# https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials
MAX_LIFETIME_DAYS = 730

# Where a new secret goes before the tenant records it (app_secret's and the tenant task's `handoff`);
# the action plugins carry the hand-off out (plugin_utils/_handoff.py, _secret_lifecycle.py).
HANDOFF_SPEC = dict(
    path=dict(type='path', required=True),
    vault_id=dict(type='str'),
    url=dict(type='str'),
    url_token=dict(type='str', no_log=True),
    lock_timeout=dict(type='int', default=900),
)

_ISO = re.compile(r'^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_datetime(value):
    """A Graph DateTimeOffset (e.g. 2026-11-24T10:00:00.1234567Z) as an aware datetime."""
    match = _ISO.match(value or '')
    if not match:
        raise ValueError('not an ISO 8601 date and time: %r' % value)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                               tzinfo=datetime.timezone.utc)
    if zone and zone != 'Z':
        sign = 1 if zone[0] == '+' else -1
        moment -= sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return moment


def format_datetime(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def days_left(credential, now=None):
    """Whole days until the credential expires (negative once expired)."""
    remaining = parse_datetime(credential['endDateTime']) - (now or utcnow())
    return remaining.days


def named(app, display_name):
    return [c for c in app.get('passwordCredentials') or [] if c.get('displayName') == display_name]


def newest(credentials):
    """The credential that expires last, or None."""
    return max(credentials, key=lambda c: parse_datetime(c['endDateTime'])) if credentials else None


def describe(credential, now=None):
    """Metadata of one secret, in the collection's return-value names."""
    return dict(
        key_id=credential.get('keyId'),
        display_name=credential.get('displayName'),
        hint=credential.get('hint'),
        start_date_time=credential.get('startDateTime'),
        end_date_time=credential.get('endDateTime'),
        days_left=days_left(credential, now),
    )


# The hand-off record: which of our secrets Bookings ONE holds, kept in the app's own
# `tags` (a documented, writable string collection Graph keeps on the application), so
# every controller reaches the same decision from the tenant. A passwordCredential has
# no writable property after addPassword, so the record cannot live on the secret.
# https://learn.microsoft.com/graph/api/resources/application#properties
RECORD_MARK = 'bookingsone:handoff-record'       # the lifecycle is recorded here (written before a first mint)
RECORD_CURRENT = 'bookingsone:handed-off:'       # + keyId: the secret last handed off successfully
RECORD_EARLIER = 'bookingsone:handed-off-earlier:'  # + keyId: handed off before, retired after the grace period


class Record(object):
    """The hand-off record of one app, read from and written back to its tags."""

    def __init__(self, tags):
        self.tags = list(tags or [])
        self.marked = RECORD_MARK in self.tags
        self.current = set(t[len(RECORD_CURRENT):] for t in self.tags if t.startswith(RECORD_CURRENT))
        self.earlier = set(t[len(RECORD_EARLIER):] for t in self.tags if t.startswith(RECORD_EARLIER))

    def current_of(self, credentials):
        """Our credential that is recorded as handed off (the newest if several were), or None."""
        return newest([c for c in credentials if c['keyId'] in self.current])

    def hand_off(self, key_id, credentials):
        """Record key_id as the one Bookings ONE holds; the one it replaces becomes earlier."""
        names = set(c['keyId'] for c in credentials)
        replaced = self.current & names
        self.earlier = (self.earlier | replaced) - {key_id}
        self.current = (self.current - names) | {key_id}
        self.marked = True

    def forget(self, key_ids):
        self.current -= set(key_ids)
        self.earlier -= set(key_ids)

    def to_tags(self, existing_key_ids):
        """The app's tags with this record, dropping entries of secrets that no longer exist."""
        keep = [t for t in self.tags if t != RECORD_MARK and not t.startswith((RECORD_CURRENT, RECORD_EARLIER))]
        ours = [RECORD_MARK] if self.marked else []
        ours += [RECORD_CURRENT + k for k in sorted(self.current) if k in existing_key_ids]
        ours += [RECORD_EARLIER + k for k in sorted(self.earlier) if k in existing_key_ids]
        return keep + ours


def classify(record, credentials):
    """(current, earlier, orphans) among our credentials.

    Before a record exists (apps set up by earlier versions) nothing can be called an
    orphan: every secret may be the one Bookings ONE holds, so all count as earlier.
    """
    current = record.current_of(credentials)
    rest = [c for c in credentials if current is None or c['keyId'] != current['keyId']]
    if not record.marked:
        return current, rest, []
    earlier = [c for c in rest if c['keyId'] in record.earlier or c['keyId'] in record.current]
    orphans = [c for c in rest if c not in earlier]
    return current, earlier, orphans
