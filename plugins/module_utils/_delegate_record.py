# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which delegate the room half set up, recorded in the tenant beside the secret record (the Bookings ONE
app's tags), so that any controller replacing `bookingsone_delegate` removes the one it replaces - its place
in ResourceDelegates and its Full Access - and only that one: delegates an admin added stay."""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_record import Record
from ansible_collections.bookingsone.office365.plugins.module_utils._tenant_lease import Lease


def former_delegates(graph, unique_name, delegate):
    """(the app or None, the recorded delegates other than `delegate`)."""
    app = graph_api.get_application(graph, unique_name=unique_name)
    if app is None:
        return None, []
    return app, sorted(d for d in Record(app.get('tags')).delegates if d != delegate.lower())


def record_delegate(graph, app, delegate, settle=bookingsone.LEASE_SETTLE_SECONDS):
    """Record `delegate` as the one the rooms are set up for, under the record's lease; False when it already was."""
    if Record(app.get('tags')).delegates == {delegate.lower()}:
        return False
    lease = Lease(graph, app['id'], bookingsone.LEASE_SECONDS, settle, bookingsone.LEASE_WAIT_SECONDS)
    lease.acquire()
    try:
        lease.update(lambda record, _existing: record.set_delegate(delegate))
    finally:
        lease.release()
    return True
