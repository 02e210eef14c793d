# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client secret metadata (passwordCredential) helpers: dates, expiry, newest of a name.

Only metadata is handled here; a secret's value is never read back from Graph.
"""

from __future__ import annotations

import datetime
import re

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
    """Whole days until the credential expires; once expired, minus the whole days since (-3 for three days
    and some hours ago; 0 in the day either side of the expiry: `expired` tells which)."""
    remaining = parse_datetime(credential['endDateTime']) - (now or utcnow())
    return int(remaining.total_seconds() / 86400)


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
        expired=parse_datetime(credential['endDateTime']) <= (now or utcnow()),
    )
