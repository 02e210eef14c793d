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

# The Microsoft Graph application permissions Bookings ONE is consented, and those of them that reach mailboxes:
# with access_scope rooms they are granted through Exchange RBAC for Applications (the management role of each),
# scoped to the managed rooms and the delegate, instead of tenant-wide.
# https://learn.microsoft.com/exchange/permissions-exo/application-rbac
GRAPH_PERMISSIONS = ('Calendars.ReadWrite', 'Group.Read.All', 'Mail.Send', 'Place.Read.All', 'User.Read.All')
SCOPED_ROLES = {'Calendars.ReadWrite': 'Application Calendars.ReadWrite', 'Mail.Send': 'Application Mail.Send'}


class RoomRule(object):
    """One audit control of the room policy: the calendar_processing options (Set-CalendarProcessing's parameters
    in snake_case) it sets, each as (option, Bookings ONE's value, Exchange's default)."""

    def __init__(self, ident, name, fix, settings):
        self.id, self.name, self.fix, self.settings = ident, name, fix, settings

    def wanted(self):
        """What the audit expects: the value, or {option: value} when the rule sets several."""
        values = dict((option, value) for option, value, _default in self.settings)
        return values[self.settings[0][0]] if len(values) == 1 else values

    def seen(self, processing):
        """What a room's Get-CalendarProcessing (in option names) shows of this rule, in the shape of wanted()."""
        values = dict((option, processing.get(option)) for option, _value, _default in self.settings)
        return values[self.settings[0][0]] if len(values) == 1 else values


# The room policy: booking requests go to the delegate for approval (the portal's "delegates accept or decline"),
# no working-hours-only scheduling, no automatic decline outside the limits (BookingWindowInDays and
# MaximumDurationInMinutes stay as they are). Setting, auditing, offboarding and the report fixture all read it.
# https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing
ROOM_POLICY = (
    RoomRule('room.requests_to_delegate', 'requests go to the delegate',
             'run onboard.yml (routes booking requests to the delegate)',
             (('automate_processing', 'AutoAccept', 'AutoAccept'),
              ('all_book_in_policy', False, True),
              ('all_request_in_policy', True, False),
              ('forward_requests_to_delegates', True, True))),
    RoomRule('room.working_hours_off', 'working-hours-only off', 'run onboard.yml (turns working-hours-only off)',
             (('schedule_only_during_work_hours', False, False),)),
    RoomRule('room.horizon_off', 'auto-decline outside limits off',
             'run onboard.yml (turns auto-decline outside limits off)',
             (('enforce_scheduling_horizon', False, True),)),
)
# The delegate gets Full Access to each room; Outlook opens it automatically only when asked for.
FULL_ACCESS = ('FullAccess',)
AUTOMAPPING = False


def room_settings():
    """{calendar_processing option: Bookings ONE's value} of the whole room policy."""
    return dict((option, value) for rule in ROOM_POLICY for option, value, _default in rule.settings)


def exchange_defaults():
    """{calendar_processing option: Exchange's default}, what offboarding restores unless a value was recorded."""
    return dict((option, default) for rule in ROOM_POLICY for option, _value, default in rule.settings)
