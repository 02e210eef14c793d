# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hand-off record: what the tenant itself says about the client secrets of the Bookings ONE app
(and the delegate its rooms were set up for).

It lives in the app registration's own `tags` (a documented, writable string collection Graph keeps on
the application), so every controller, whatever its hand-off store holds, reads the same record. A
passwordCredential has no writable property after addPassword, so the record cannot live on the secret.
https://learn.microsoft.com/graph/api/resources/application#properties

Each secret of the app's secret display name is in one state:

    pending  -> handed off -> earlier -> (removed)
    (untagged: minted by a run that died before writing `pending`; never handed over)

and at most one run holds the lease that lets it change the record (see _tenant_lease.py).
Secret values are never stored here.
"""

from __future__ import annotations

MARK = 'bookingsone:handoff-record'          # the lifecycle is recorded here
CURRENT = 'bookingsone:handed-off:'          # + keyId: handed off last (two only after a detected conflict)
EARLIER = 'bookingsone:handed-off-earlier:'  # + keyId: handed off before; retired as retire_previous says
PENDING = 'bookingsone:pending:'             # + keyId: minted, its hand-off under way or interrupted
LEASE = 'bookingsone:lease:'                 # + holder + ':' + epoch second it expires
DELEGATE = 'bookingsone:delegate:'           # + address: the delegate the room half set up (one per tenant)


class Record(object):
    """The record as a value: read from tags, changed in memory, written back with to_tags()."""

    def __init__(self, tags):
        self.tags = list(tags or [])
        self.marked = MARK in self.tags
        self.current = self._keys(CURRENT)
        self.earlier = self._keys(EARLIER)
        self.pending = self._keys(PENDING)
        self.delegates = self._keys(DELEGATE)
        self.leases = []
        for tag in self.tags:
            if tag.startswith(LEASE):
                holder, _sep, until = tag[len(LEASE):].rpartition(':')
                try:
                    self.leases.append((holder, int(until)))
                except ValueError:
                    continue  # not ours to read: left out when the record is written back

    def _keys(self, prefix):
        return set(t[len(prefix):] for t in self.tags if t.startswith(prefix))

    def state_of(self, key_id):
        for name, keys in (('current', self.current), ('earlier', self.earlier), ('pending', self.pending)):
            if key_id in keys:
                return name
        return None

    # ---------------------------------------------------------------- transitions

    def mint(self, key_id):
        """A new secret of this run, recorded before its hand-off starts."""
        self.marked = True
        self.pending.add(key_id)

    def hand_off(self, key_id):
        """key_id is what Bookings ONE holds now; what it held before becomes earlier."""
        self.earlier = (self.earlier | self.current) - {key_id}
        self.current = {key_id}
        self.pending.discard(key_id)
        self.marked = True

    def conflict(self, key_id, superseded=()):
        """Another run recorded its own hand-off while this one handed key_id over: both stay current
        (Bookings ONE may hold either) until the next run hands over a new one. What this run replaced
        (`superseded`, current when it took the lease) was handed off before key_id: it becomes earlier."""
        replaced = self.current & set(superseded)
        self.earlier = (self.earlier | replaced) - {key_id}
        self.current = (self.current - replaced) | {key_id}
        self.pending.discard(key_id)
        self.marked = True

    def settle_pending(self):
        """Pending secrets of runs that are gone (this run holds the lease) may have reached Bookings ONE:
        they are kept as earlier ones, never removed as orphans."""
        self.earlier |= self.pending
        self.pending = set()

    def forget(self, key_ids):
        key_ids = set(key_ids)
        self.current -= key_ids
        self.earlier -= key_ids
        self.pending -= key_ids

    def set_delegate(self, address):
        """The Bookings ONE delegate the rooms are set up for (a replaced one is forgotten once removed)."""
        self.delegates = {address.lower()}

    # ---------------------------------------------------------------- the lease

    def lease_holders(self):
        return [holder for holder, _until in self.leases]

    def take_lease(self, holder, until):
        self.leases = [(holder, int(until))]

    def release(self, holder):
        self.leases = [lease for lease in self.leases if lease[0] != holder]

    # ---------------------------------------------------------------- written back

    def to_tags(self, existing_key_ids):
        """The app's tags with this record, dropping entries of secrets that no longer exist."""
        keep = [t for t in self.tags if t != MARK and not t.startswith((CURRENT, EARLIER, PENDING, LEASE, DELEGATE))]
        ours = [MARK] if self.marked else []
        ours += [DELEGATE + d for d in sorted(self.delegates)]
        for prefix, keys in ((CURRENT, self.current), (EARLIER, self.earlier), (PENDING, self.pending)):
            ours += [prefix + k for k in sorted(keys) if k in existing_key_ids]
        ours += ['%s%s:%d' % (LEASE, holder, until) for holder, until in self.leases]
        return keep + ours
