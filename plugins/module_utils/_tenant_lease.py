# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lease on the hand-off record, kept in the tenant, so that runs from any number of controllers
(separate hand-off stores, token caches and machines) change a tenant's secrets one at a time.

Graph has no compare-and-swap for an application's tags and its reads are eventually consistent, so:

- a run writes its lease only after reading no live lease of another run, in one attempt (never
  retried, with a timeout of `settle` seconds), then waits `settle` seconds and reads again; it holds
  the lease only when its own is the one there and its write completed within `settle` seconds of
  the read it decided on (a slower write might replace a lease another run has already seen as its
  own: it gives it back and starts again);
- every later change of the record re-reads the tags first and stops (LeaseLost) when the lease is no
  longer this run's, and reads its own change back; the release checks that what the run recorded is
  still there (a write of another run made from an older read would have dropped it);
- a lease expires after `duration` seconds; one whose process has ended on this controller expires at
  once (a run killed on another controller is waited out).

What this assumes of Microsoft Graph: a PATCH is applied within `settle` seconds of being sent or not at
all. Whatever the lease, the lifecycle never removes a pending or untagged secret younger than its
in-flight window, so a run that loses a race loses time, not the secret Bookings ONE holds.
"""

from __future__ import annotations

import hashlib
import os
import random
import socket
import time

from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_record import Record


class LeaseLost(Exception):
    """Another run changed the lease while this one held it."""


class LeaseTimeout(Exception):
    """Another run held the lease for longer than this run may wait."""


def controller_id():
    """This controller: BOOKINGSONE_CONTROLLER_ID (e.g. an AWX instance name) or the host name."""
    return os.environ.get('BOOKINGSONE_CONTROLLER_ID') or socket.gethostname()


def _controller_hash(name):
    return hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]


def _process_start(pid):
    """The process's start time in clock ticks (Linux /proc), so a reused pid is not taken for the holder."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
        return fields[0], fields[19]
    except (IOError, OSError, IndexError):
        return None, None


def holder_id():
    """<controller hash>.<pid>.<process start>: short, and checkable by a run on the same controller."""
    pid = os.getpid()
    return '%s.%d.%s' % (_controller_hash(controller_id()), pid, _process_start(pid)[1] or '0')


def alive(holder, until, now):
    """Whether a lease still binds: not expired, and its process not known to have ended."""
    if until <= now:
        return False
    parts = holder.split('.')
    if len(parts) != 3 or parts[0] != _controller_hash(controller_id()) or not parts[1].isdigit():
        return True  # another controller's run: only its expiry tells
    state, started = _process_start(int(parts[1]))
    return state not in (None, 'Z') and (parts[2] == '0' or started == parts[2])


class Lease(object):
    """This run's lease on one app's record; every write of the record goes through update()."""

    def __init__(self, graph, object_id, duration, settle, wait, clock=time.time, sleep=time.sleep,
                 monotonic=time.monotonic, holder=None):
        self.graph, self.object_id = graph, object_id
        self.duration, self.settle, self.wait = duration, settle, wait
        self.clock, self.sleep, self.monotonic = clock, sleep, monotonic
        self.holder = holder or holder_id()
        self.held = False
        self.writes = 0
        # the lease write: one attempt, bounded by the settle time, so it cannot land long after its read
        self.once = graph.with_retry_budget(0)
        self.once.timeout = max(settle, 1.0)

    def read(self):
        """The app as Graph has it now (never from the read cache)."""
        self.graph.reads.clear()
        app = graph_api.get_application(self.graph, object_id=self.object_id)
        if app is None:
            raise LeaseLost('the app registration (object id %s) was deleted' % self.object_id)
        return app

    def other_holder(self, record):
        now = self.clock()
        return next(((h, u) for h, u in record.leases if h != self.holder and alive(h, u, now)), None)

    def acquire(self):
        """Take the lease, waiting for another run's; returns the app as read once it is held."""
        deadline = self.monotonic() + self.wait
        while True:
            started = self.monotonic()
            app = self.read()
            record = Record(app.get('tags'))
            other = self.other_holder(record)
            if other is None:
                record.take_lease(self.holder, self.clock() + self.duration)
                try:
                    self._write(app, record, verify=False, graph=self.once)
                except MicrosoftApiError as exc:
                    if exc.status is not None and 400 <= exc.status < 500 and exc.status not in (408, 429):
                        raise  # refused (e.g. no permission to change this app): nothing was written
                    # a timeout, a throttle, a 5xx: written or not, the read after the settle time tells
                quick = not self.settle or self.monotonic() - started < self.settle
                self.sleep(self.settle)
                app = self.read()
                record = Record(app.get('tags'))
                if record.lease_holders() == [self.holder]:
                    if quick:
                        self.held = True
                        return app
                    record.release(self.holder)  # written too slowly to be sure: give it back
                    self._write(app, record, verify=False)
                other = self.other_holder(record)
            if self.monotonic() >= deadline:
                holder = other[0] if other else 'another run'
                raise LeaseTimeout('another run (lease %s) held the hand-off record of this app for longer than '
                                   'the %d s this run may wait (lock_timeout)' % (holder, self.wait))
            # back off with jitter, so runs that collided do not collide again
            self.sleep(min(self.settle + random.random() * max(self.settle, 1.0), 5.0))

    def update(self, change, require=True):
        """Re-read the record, apply change(record, existing key ids) and write it back, checking that
        this run still holds the lease (unless require=False: a hand-off that already happened must be
        recorded even then). Returns the app as read back."""
        app = self.read()
        record = Record(app.get('tags'))
        if require and self.holder not in record.lease_holders():
            raise LeaseLost('the lease on the hand-off record is no longer this run\'s (now: %s)'
                            % (', '.join(record.lease_holders()) or 'none'))
        change(record, set(c['keyId'] for c in app.get('passwordCredentials') or []))
        return self._write(app, record)

    def release(self, keep=None):
        """Give the lease back (best effort: an expired lease binds nobody). keep: a key ID this run recorded as
        handed off; if a write of another run dropped it, it is recorded again (beside whatever that run
        recorded) and True is returned."""
        restored = []

        def change(record, existing):
            record.release(self.holder)
            if keep and keep in existing and keep not in record.current:
                record.conflict(keep)
                restored.append(keep)

        if self.held:
            self.held = False
            self.update(change, require=False)
        return bool(restored)

    def _write(self, app, record, verify=True, graph=None):
        tags = record.to_tags(set(c['keyId'] for c in app.get('passwordCredentials') or []))
        if tags == list(app.get('tags') or []):
            return app
        graph_api.update_application(graph or self.graph, self.object_id, {'tags': tags})
        self.writes += 1
        return self._read_back(Record(tags)) if verify else app

    def _read_back(self, written):
        """Reads until the write is visible (Graph's reads are eventually consistent); the caller judges
        what it finds then (another run may have written after this one)."""
        deadline = self.monotonic() + max(self.settle, 1.0) * 3
        while True:
            app = self.read()
            seen = Record(app.get('tags'))
            if (seen.current, seen.earlier, seen.pending) == (written.current, written.earlier, written.pending) \
                    or self.monotonic() >= deadline:
                return app
            self.sleep(min(0.5, self.settle or 0.1))
