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
# retire_when 'unused': an earlier secret Bookings ONE has not signed in with for this many days is retired.
SECRET_UNUSED_DAYS = 14

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
# MaximumDurationInMinutes stay as they are): EnforceSchedulingHorizon governs recurring meetings only, so a single
# meeting beyond the limits is out of policy, which AllRequestOutOfPolicy sends to the delegate instead of declining.
# Setting, auditing, offboarding and the report fixture all read it.
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
             (('enforce_scheduling_horizon', False, True), ('all_request_out_of_policy', True, False))),
)
# Exchange's default BookingWindowInDays: how far ahead a room takes bookings when nothing else is known.
BOOKING_WINDOW_DAYS = 180
# The delegate gets Full Access to each room; Outlook opens it automatically only when asked for.
FULL_ACCESS = ('FullAccess',)
AUTOMAPPING = False


def room_settings():
    """{calendar_processing option: Bookings ONE's value} of the whole room policy."""
    return dict((option, value) for rule in ROOM_POLICY for option, value, _default in rule.settings)


def audited_options():
    """The calendar_processing options the audit judges: the delegates and the room policy's options."""
    return ('resource_delegates',) + tuple(option for rule in ROOM_POLICY for option, _value, _default in rule.settings)


def exchange_defaults():
    """{calendar_processing option: Exchange's default}, what offboarding restores unless a value was recorded."""
    return dict((option, default) for rule in ROOM_POLICY for option, _value, default in rule.settings)


class OperatorRole(object):
    """What the operator identity needs in a tenant for one kind of work: Microsoft Graph application permissions,
    whether Exchange Online's Exchange.ManageAsApp, and a Microsoft Entra role: any of `directory_roles` suffices,
    the first is the one bootstrap assigns (Global Administrator always suffices)."""

    def __init__(self, name, playbooks, graph, exchange, directory_roles, why):
        self.name, self.playbooks, self.graph, self.exchange = name, playbooks, graph, exchange
        self.directory_roles, self.why = directory_roles, why

    @property
    def directory_role(self):
        """The role bootstrap assigns, or None."""
        return self.directory_roles[0] if self.directory_roles else None


# Microsoft Entra built-in roles by template id, the id a role assignment's roleDefinitionId and a token's `wids`
# carry. https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
DIRECTORY_ROLES = {
    'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
    'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
    'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
    'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
    'Security Reader': '5d6b6bb7-de71-4623-b4af-96380a352509',
    'Exchange Recipient Administrator': '31392ffb-586c-42d1-9346-e59415a2cc4e',
    'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
}

# The operator's least privilege per playbook (README "The operator identity"): bootstrap grants exactly one of
# these, the preflight checks the one its playbook needs, the audit fails an operator holding more (strict).
# Exchange's read-only roles run its Get-* cmdlets only; Recipient Administrator runs Set-CalendarProcessing and
# Add-MailboxPermission; RBAC for Applications (access scope rooms) needs Organization Management.
# https://learn.microsoft.com/exchange/permissions-exo/permissions-exo
OPERATOR_ROLES = dict((role.name, role) for role in (
    OperatorRole('audit', ('audit.yml',), ('Application.Read.All',), True,
                 ('Global Reader', 'Security Reader', 'Exchange Recipient Administrator', 'Exchange Administrator'),
                 "read-only: Exchange offers the two reader roles its Get-* cmdlets only (an Exchange administrator "
                 "role serves as well, but is more than an audit needs)"),
    OperatorRole('rotate', ('rotate_secrets.yml',), ('Application.ReadWrite.OwnedBy',), False, (),
                 "the operator owns the app it created, so it may add and remove that app's secrets and nothing else"),
    OperatorRole('onboard', ('onboard.yml', 'offboard.yml'),
                 ('Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'), True,
                 ('Exchange Recipient Administrator', 'Exchange Administrator'),
                 "create the app, grant admin consent; calendar processing and Full Access are recipient cmdlets"),
    OperatorRole('onboard_scoped', ('onboard.yml', 'offboard.yml'),
                 ('Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'), True, ('Exchange Administrator',),
                 "RBAC for Applications (service principal, scope, role assignments, group) needs Organization "
                 "Management"),
))
# Graph permissions an operator may hold besides its role's without holding more than it needs: the preflight reads
# the app management policies with one, room discovery from Graph places needs another, and Entra's sign-ins per
# credential (retire_when unused, the audit's last sign-in per secret) the third.
OPERATOR_OPTIONAL_GRAPH = ('Policy.Read.All', 'Place.Read.All', 'AuditLog.Read.All')
# Graph permissions that include another's rights: holding the wider one meets a need for the narrower.
# https://learn.microsoft.com/graph/permissions-reference
GRAPH_SUPERSETS = {'Application.Read.All': ('Application.ReadWrite.All',),
                   'Application.ReadWrite.OwnedBy': ('Application.ReadWrite.All',)}
# The Microsoft Entra roles a person must hold to bootstrap an operator: grant Microsoft Graph application
# permissions (Privileged Role Administrator) and create service principals (an application administrator), or
# Global Administrator for both. https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent
BOOTSTRAP_ADMIN_ROLES = (('Global Administrator',),
                         ('Privileged Role Administrator', 'Cloud Application Administrator'),
                         ('Privileged Role Administrator', 'Application Administrator'))
