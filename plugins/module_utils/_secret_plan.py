# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one run of the secret lifecycle does (_secret_lifecycle.py), decided from the tenant's record and the
app's secrets as they are, writing nothing: which secret Bookings ONE holds, whether to mint, what to remove."""

from __future__ import annotations

import datetime

from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets


def start_of(credential):
    return secrets.parse_datetime(credential['startDateTime'])


def _newest(credentials):
    return max(credentials, key=start_of) if credentials else None


class Plan(object):
    """What one run does, decided from the record and the secrets as they are, writing nothing.

    stale_pending: this run holds the lease, so every pending secret belongs to a run that has ended or
    lost the lease; without it a pending secret may be in the middle of its hand-off.
    """

    def __init__(self, record, mine, now, params, stored_key=None, stale_pending=False, sign_ins=None):
        by_key = dict((c['keyId'], c) for c in mine)
        window = datetime.timedelta(seconds=params['in_flight_seconds'])
        self.notes = []
        currents = [by_key[k] for k in record.current if k in by_key]
        pending = [by_key[k] for k in record.pending if k in by_key]
        untagged = [c for c in mine if record.state_of(c['keyId']) is None] if record.marked else []
        young = [c for c in pending + untagged if now - start_of(c) < window]
        self.in_flight = set(c['keyId'] for c in young)
        self.orphans = [c for c in untagged if c['keyId'] not in self.in_flight]
        # set up by a version without a record: any of them may be the one Bookings ONE holds, and each
        # is kept as earlier once a record is written
        self.legacy = [] if record.marked else sorted(by_key)
        if not record.marked:
            currents, self.orphans = [_newest(mine)] if mine else [], []
        self.conflict = sorted(c['keyId'] for c in currents) if len(currents) > 1 else []
        held = _newest(currents)
        stored = by_key.get(stored_key) if stored_key else None
        self.adopt = None
        if stored is not None and record.state_of(stored_key) in ('pending', None) and \
                (held is None or start_of(stored) > start_of(held)):
            # this controller's store holds a hand-off the tenant does not record: it reached Bookings ONE
            self.adopt, held = stored_key, stored
            self.orphans = [c for c in self.orphans if c['keyId'] != stored_key]
        elif stored_key and stored is None:
            self.notes.append('the hand-off store names keyId %s, which this app no longer has' % stored_key)
        elif stored is not None and record.state_of(stored_key) == 'earlier':
            self.notes.append('the hand-off store holds keyId %s, an earlier secret: the record names %s'
                              % (stored_key, held and held['keyId']))
        self.held = held
        self.interrupted = sorted(c['keyId'] for c in pending if c['keyId'] != self.adopt)
        self.rotate = self._why_rotate(params, now, stale_pending)
        self.retire = self._retired(record, params, now, by_key, currents, pending, stale_pending, sign_ins)

    def _why_rotate(self, params, now, stale_pending):
        if params['force_rotate']:
            return 'forced (force_rotate)'
        if self.conflict:
            return 'two runs handed over %s: a new secret replaces both' % ' and '.join(self.conflict)
        if self.interrupted and stale_pending:
            return 'the hand-off of %s was interrupted, so Bookings ONE may hold it or the earlier one' \
                % ', '.join(self.interrupted)
        if self.interrupted:
            self.notes.append('another run is handing over %s' % ', '.join(self.interrupted))
        if self.held is None:
            return 'no secret is recorded as handed off'
        days = secrets.days_left(self.held, now)
        if days < params['rotate_before_days']:
            return 'expired %d day(s) ago' % -days if days < 0 else \
                'expires in %d day(s), within rotate_before_days (%d)' % (days, params['rotate_before_days'])
        return None

    def _retired(self, record, params, now, by_key, currents, pending, stale_pending, sign_ins):
        """Earlier secrets that retire_previous removes in this run, the record being as this run leaves it.
        With retire_when 'unused' and Entra's sign-ins per credential at hand, evidence replaces the grace period."""
        earlier = [by_key[k] for k in record.earlier if k in by_key]
        if not record.marked:
            earlier = [c for c in by_key.values() if c is not self.held]
        moved = currents + (pending if stale_pending else [])
        if self.rotate:
            earlier += moved  # everything Bookings ONE may hold now is replaced by the new secret
        elif self.adopt:
            earlier += [c for c in moved if c['keyId'] != self.adopt]
        policy = params['retire_previous']
        earlier = [c for c in dict((c['keyId'], c) for c in earlier).values() if c['keyId'] not in self.in_flight]
        if policy == 'after_grace' and params.get('retire_when') == 'unused' and sign_ins is not None:
            return [] if self.rotate else self._unused(earlier, sign_ins, params['unused_days'], now)
        grace_over = self.held is not None and not self.rotate and \
            start_of(self.held) + datetime.timedelta(days=params['grace_days']) <= now
        if policy == 'now' or policy == 'after_grace' and grace_over:
            return earlier
        return []

    def _unused(self, earlier, sign_ins, unused_days, now):
        """The earlier secrets Bookings ONE has stopped using: it signed in with the secret it holds since that was
        made, and not with the earlier one for `unused_days`."""
        if not earlier:
            return []
        held = self.held
        newest = sign_ins.get(held['keyId']) if held else None
        if newest is None or newest < start_of(held):
            self.notes.append('kept earlier secret(s) %s: Bookings ONE has not signed in with %s yet (Entra\'s '
                              'sign-ins per credential)' % (', '.join(sorted(c['keyId'] for c in earlier)),
                                                            held and held['keyId']))
            return []
        quiet = datetime.timedelta(days=unused_days)
        used = [c for c in earlier if sign_ins.get(c['keyId']) and now - sign_ins[c['keyId']] < quiet]
        if used:
            self.notes.append('kept earlier secret(s) still in use: %s (signed in within %d days)' % (', '.join(
                '%s last %s' % (c['keyId'], sign_ins[c['keyId']].strftime('%Y-%m-%d %H:%M')) for c in used), unused_days))
        return [c for c in earlier if c not in used]

    def writes(self):
        """Whether this run has anything to write (or, in check mode, would have)."""
        return bool(self.adopt or self.rotate or self.retire or self.orphans)
