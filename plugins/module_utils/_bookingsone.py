# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Bookings ONE needs of a tenant, defined once: the modules' defaults, the roles' defaults, the
audit and the docs derive from here."""

from __future__ import annotations

# The client secret: the portal's maximum lifetime (a tenant may enforce less through an app management
# policy), rotated this many days before it expires, the earlier one retired this long after the hand-off
# of its successor. https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials
SECRET_MAX_LIFETIME_DAYS = 730
SECRET_ROTATE_BEFORE_DAYS = 30
SECRET_GRACE_DAYS = 14
# The lifecycle's lease on the hand-off record (_tenant_lease.py): how long it binds, how long a run waits
# for Graph's reads to settle around it, how long a run waits for another's; and how long a secret another
# run minted is taken to be in flight (its hand-off may be under way) and never removed.
LEASE_SECONDS = 600
LEASE_SETTLE_SECONDS = 3.0
LEASE_WAIT_SECONDS = 900
IN_FLIGHT_SECONDS = 2 * LEASE_SECONDS
# How long a new secret may take to sign in (Entra reports 4 to 18 s after addPassword).
SIGN_IN_TIMEOUT = 120
