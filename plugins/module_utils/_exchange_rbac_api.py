# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin Exchange Online cmdlet calls for RBAC for Applications: the Exchange service principal
(a pointer to the app's service principal in Microsoft Entra), the mail-enabled security group that
holds the mailboxes, the management scope over the group's members, and the application role
assignments scoped to it.

Parameter names and values are the cmdlets' own (https://learn.microsoft.com/powershell/module/exchange/);
switches are sent as JSON booleans, as the InvokeCommand endpoint expects. Decisions belong to the module
(plugins/modules/app_access_scope.py).
"""

from __future__ import annotations

import re

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._exchange_api import (
    is_not_found, recipient_names)
from ansible_collections.bookingsone.office365.plugins.module_utils._names import same_name

# The application roles of RBAC for Applications, and the Microsoft Graph application permissions
# each one grants within its scope (https://learn.microsoft.com/exchange/permissions-exo/application-rbac,
# "Supported Application Roles"). Application EWS.AccessAsApp grants EWS access, no Graph permission.
APPLICATION_ROLES = {
    'Application Mail.Read': ['Mail.Read'],
    'Application Mail.ReadBasic': ['Mail.ReadBasic'],
    'Application Mail.ReadWrite': ['Mail.ReadWrite'],
    'Application Mail.Send': ['Mail.Send'],
    'Application MailboxSettings.Read': ['MailboxSettings.Read'],
    'Application MailboxSettings.ReadWrite': ['MailboxSettings.ReadWrite'],
    'Application Calendars.Read': ['Calendars.Read'],
    'Application Calendars.ReadWrite': ['Calendars.ReadWrite'],
    'Application Contacts.Read': ['Contacts.Read'],
    'Application Contacts.ReadWrite': ['Contacts.ReadWrite'],
    'Application Mail Full Access': ['Mail.ReadWrite', 'Mail.Send'],
    'Application Exchange Full Access': ['Mail.ReadWrite', 'Mail.Send', 'MailboxSettings.ReadWrite',
                                         'Calendars.ReadWrite', 'Contacts.ReadWrite'],
    'Application EWS.AccessAsApp': [],
}

# How Exchange shows a mail-enabled security group (Get-DistributionGroup RecipientTypeDetails).
SECURITY_GROUP = 'MailUniversalSecurityGroup'

_MEMBER_OF_GROUP = re.compile(r"^\s*\(?\s*MemberOfGroup\s+-eq\s+'((?:[^']|'')*)'\s*\)?\s*$", re.IGNORECASE)


def member_of_group_filter(distinguished_name):
    """The OPATH recipient filter "every direct member of this group" (single quotes doubled, as OPATH wants)."""
    return "MemberOfGroup -eq '%s'" % str(distinguished_name).replace("'", "''")


def member_of_group(recipient_filter):
    """The group DN a `MemberOfGroup -eq '<DN>'` filter names, or None for any other filter.

    Exchange may store the filter in its own form (outer parentheses, other case), so the DN is
    compared, not the text.
    """
    match = _MEMBER_OF_GROUP.match(recipient_filter or '')
    return match.group(1).replace("''", "'") if match else None


def _found(exo, cmdlet, parameters, matches):
    """The first object of a Get- cmdlet's answer that `matches`; None when Exchange knows no such object.

    "Couldn't be found" is recognised by the exception type Exchange names (is_not_found), never by its
    text. Several Get- cmdlets answer an identity they do not know with *every* object (their reference
    pages warn of it), so the answer is always filtered rather than trusted.
    """
    try:
        answer = exo.invoke(cmdlet, parameters)
    except MicrosoftApiError as exc:
        if is_not_found(exc):
            return None
        raise
    hits = [item for item in answer or [] if matches(item)]
    return hits[0] if hits else None


# https://learn.microsoft.com/powershell/module/exchange/get-serviceprincipal
def get_service_principal(exo, app_id):
    """The Exchange service principal of the app (by AppId), or None."""
    return _found(exo, 'Get-ServicePrincipal', {'Identity': app_id},
                  lambda item: same_name(item.get('AppId'), app_id))


# https://learn.microsoft.com/powershell/module/exchange/new-serviceprincipal
def new_service_principal(exo, app_id, object_id, display_name):
    """-ObjectId replaces the deprecated -ServiceId; Exchange does not check the ids against Entra."""
    created = exo.invoke('New-ServicePrincipal', {'AppId': app_id, 'ObjectId': object_id,
                                                  'DisplayName': display_name})
    return created[0] if created else None


# https://learn.microsoft.com/powershell/module/exchange/remove-serviceprincipal
def remove_service_principal(exo, identity):
    exo.invoke('Remove-ServicePrincipal', {'Identity': identity})


# https://learn.microsoft.com/powershell/module/exchange/get-distributiongroup
def get_distribution_group(exo, identity):
    """The group, or None."""
    wanted = str(identity).lower()
    return _found(exo, 'Get-DistributionGroup', {'Identity': identity},
                  lambda item: wanted in recipient_names(item))


# https://learn.microsoft.com/powershell/module/exchange/new-distributiongroup
def new_distribution_group(exo, name, alias=None):
    """A mail-enabled security group (-Type Security: only these can carry permissions)."""
    parameters = {'Name': name, 'Type': 'Security'}
    if alias:
        parameters['Alias'] = alias
    created = exo.invoke('New-DistributionGroup', parameters)
    return created[0] if created else None


# https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroup
def remove_distribution_group(exo, identity):
    """-BypassSecurityGroupManagerCheck: the operator's app is not in the group's ManagedBy."""
    exo.invoke('Remove-DistributionGroup', {'Identity': identity, 'BypassSecurityGroupManagerCheck': True})


# https://learn.microsoft.com/powershell/module/exchange/get-distributiongroupmember
def get_distribution_group_member(exo, identity):
    """Every member of the group (the default ResultSize stops at 1000)."""
    return exo.invoke('Get-DistributionGroupMember', {'Identity': identity, 'ResultSize': 'Unlimited'})


# https://learn.microsoft.com/powershell/module/exchange/add-distributiongroupmember
def add_distribution_group_member(exo, identity, member):
    exo.invoke('Add-DistributionGroupMember', {'Identity': identity, 'Member': member,
                                               'BypassSecurityGroupManagerCheck': True})


# https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroupmember
def remove_distribution_group_member(exo, identity, member):
    exo.invoke('Remove-DistributionGroupMember', {'Identity': identity, 'Member': member,
                                                  'BypassSecurityGroupManagerCheck': True})


# https://learn.microsoft.com/powershell/module/exchange/get-managementscope
def get_management_scope(exo, name):
    """The scope of that name, or None."""
    return _found(exo, 'Get-ManagementScope', {'Identity': name},
                  lambda item: same_name(item.get('Name'), name) or same_name(item.get('Identity'), name))


def scope_filter(scope):
    """The recipient filter of a scope as Get-ManagementScope shows it."""
    return scope.get('RecipientFilter') or scope.get('RecipientRestrictionFilter')


# https://learn.microsoft.com/powershell/module/exchange/new-managementscope
def new_management_scope(exo, name, recipient_filter):
    created = exo.invoke('New-ManagementScope', {'Name': name, 'RecipientRestrictionFilter': recipient_filter})
    return created[0] if created else None


# https://learn.microsoft.com/powershell/module/exchange/set-managementscope
def set_management_scope(exo, identity, recipient_filter):
    exo.invoke('Set-ManagementScope', {'Identity': identity, 'RecipientRestrictionFilter': recipient_filter})


# https://learn.microsoft.com/powershell/module/exchange/remove-managementscope
def remove_management_scope(exo, identity):
    """Exchange refuses while a role assignment still uses the scope: remove those first."""
    exo.invoke('Remove-ManagementScope', {'Identity': identity})


# https://learn.microsoft.com/powershell/module/exchange/get-managementroleassignment
def get_management_role_assignments(exo, assignee):
    """The role assignments of an assignee (the cmdlet has no -App; -RoleAssignee takes the service principal).

    An assignee without assignments may be answered with "couldn't be found": that is no assignment.
    """
    try:
        return exo.invoke('Get-ManagementRoleAssignment', {'RoleAssignee': assignee}) or []
    except MicrosoftApiError as exc:
        if is_not_found(exc):
            return []
        raise


# https://learn.microsoft.com/powershell/module/exchange/new-managementroleassignment
def new_management_role_assignment(exo, app, role, scope):
    """`app` is the service principal's ObjectId, as the -App parameter asks for."""
    created = exo.invoke('New-ManagementRoleAssignment', {'App': app, 'Role': role, 'CustomResourceScope': scope})
    return created[0] if created else None


# https://learn.microsoft.com/powershell/module/exchange/remove-managementroleassignment
def remove_management_role_assignment(exo, identity):
    exo.invoke('Remove-ManagementRoleAssignment', {'Identity': identity})


# https://learn.microsoft.com/powershell/module/exchange/test-serviceprincipalauthorization
def test_service_principal_authorization(exo, identity, resource):
    """One row per role assignment of the service principal: RoleName, GrantedPermissions,
    AllowedResourceScope, ScopeType and InScope (whether `resource` is in that assignment's scope)."""
    return exo.invoke('Test-ServicePrincipalAuthorization', {'Identity': identity, 'Resource': resource}) or []


def in_scope(row):
    """InScope of a Test-ServicePrincipalAuthorization row: a boolean, or text ("True", "False", "Not Run")."""
    value = row.get('InScope')
    return value is True or str(value).strip().lower() == 'true'


# https://learn.microsoft.com/powershell/module/exchange/get-mailbox (-ResultSize: a few are enough)
def user_mailboxes(exo, count):
    """Some ordinary (user) mailboxes, e.g. to prove that an app cannot reach them."""
    return exo.invoke('Get-Mailbox', {'RecipientTypeDetails': 'UserMailbox', 'ResultSize': count})
