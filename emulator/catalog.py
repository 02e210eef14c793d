"""Well-known first-party apps present in every emulated tenant, with the app roles
(application permissions) they offer under Microsoft's real ids and texts, and
the Entra built-in directory roles the seeds may grant.

https://learn.microsoft.com/graph/permissions-reference
https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
"""

from __future__ import annotations

import copy

GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'
EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000'
# Microsoft Services, the tenant that owns Microsoft's first-party apps.
MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'

# (id, value, displayName, description) as on Microsoft Graph's service principal.
_GRAPH_ROLES = [
    ('9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', 'Application.Read.All', 'Read all applications',
     'Allows the app to read all applications and service principals without a signed-in user.'),
    ('1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', 'Application.ReadWrite.All', 'Read and write all applications',
     'Allows the app to create, read, update and delete applications and service principals without a '
     'signed-in user. Does not allow management of consent grants.'),
    ('18a4783c-866b-4cc7-a460-3d5e5662c884', 'Application.ReadWrite.OwnedBy',
     'Manage apps that this app creates or owns',
     'Allows the app to create other applications, and fully manage those applications (read, update, update '
     'application secrets and delete), without a signed-in user. It cannot update any apps that it is not an '
     'owner of.'),
    ('06b708a9-e830-4db3-a914-8e69da51d44f', 'AppRoleAssignment.ReadWrite.All',
     'Manage app permission grants and app role assignments',
     'Allows the app to manage permission grants for application permissions to any API (including Microsoft '
     'Graph) and application assignments for any app, without a signed-in user.'),
    ('7ab1d382-f21e-4acd-a863-ba3e13f7da61', 'Directory.Read.All', 'Read directory data',
     "Allows the app to read data in your organization's directory, such as users, groups and apps, without a "
     "signed-in user."),
    ('19dbc75e-c2e2-444c-a770-ec69d8559fc7', 'Directory.ReadWrite.All', 'Read and write directory data',
     "Allows the app to read and write data in your organization's directory, such as users, and groups, without "
     "a signed-in user. Does not allow user or group deletion."),
    ('df021288-bdef-4463-88db-98f22de89214', 'User.Read.All', "Read all users' full profiles",
     'Allows the app to read user profiles without a signed in user.'),
    ('ef54d2bf-783f-4e0f-bca1-3210c0444d99', 'Calendars.ReadWrite', 'Read and write calendars in all mailboxes',
     'Allows the app to create, read, update, and delete events of all calendars without a signed-in user.'),
    ('5b567255-7703-4780-807c-7be8301ae99b', 'Group.Read.All', 'Read all groups',
     'Allows the app to read group properties and memberships, and read conversations for all groups, without '
     'a signed-in user.'),
    ('b633e1c5-b582-4048-a93e-9f11b44c7e96', 'Mail.Send', 'Send mail as any user',
     'Allows the app to send mail as any user without a signed-in user.'),
    ('913b9306-0ce1-42b8-9137-6a7df690a760', 'Place.Read.All', 'Read all company places',
     'Allows the app to read company places (conference rooms and room lists) for calendar events and other '
     'applications, without a signed-in user.'),
    ('246dd0d5-5bd0-4def-940b-0421030a5b68', 'Policy.Read.All', "Read your organization's policies",
     "Allows the app to read all your organization's policies without a signed in user."),
    ('be74164b-cff1-491c-8741-e671cb536e13', 'Policy.ReadWrite.ApplicationConfiguration',
     "Read and write your organization's application configuration policies",
     "Allows the app to read and write your organization's application configuration policies, without a "
     "signed-in user. This includes policies such as activityBasedTimeoutPolicy, claimsMappingPolicy, "
     "homeRealmDiscoveryPolicy, tokenIssuancePolicy and tokenLifetimePolicy."),
    ('498476ce-e0fe-48b0-b801-37ba7e2685c6', 'Organization.Read.All', 'Read organization information',
     'Allows the app to read the organization and related resources, without a signed-in user. Related '
     'resources include things like subscribed skus and tenant branding information.'),
]

_EXCHANGE_ROLES = [
    ('dc50a0fb-09a3-484d-be87-e023b12c6440', 'Exchange.ManageAsApp', 'Manage Exchange As Application',
     "Allows the app to manage the organization's Exchange environment without any user interaction. This "
     "includes mailboxes, groups, and other configuration objects. To enable management actions, an admin must "
     "assign the appropriate roles directly to the app."),
]

# Built-in role template ids (the `wids` claim carries these).
# Role template ids: https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
DIRECTORY_ROLES = {
    'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
    'Exchange Recipient Administrator': '31392ffb-586c-42d1-9346-e59415a2cc4e',
    'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
    'Security Reader': '5d6b6bb7-de71-4623-b4af-96380a352509',
    'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
    'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
    'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
}


def _app_roles(roles):
    return [{'allowedMemberTypes': ['Application'], 'description': description, 'displayName': name,
             'id': role_id, 'isEnabled': True, 'origin': 'Application', 'value': value}
            for role_id, value, name, description in roles]


FIRST_PARTY = {
    GRAPH_APP_ID: {'displayName': 'Microsoft Graph', 'appRoles': _app_roles(_GRAPH_ROLES)},
    EXCHANGE_APP_ID: {'displayName': 'Office 365 Exchange Online', 'appRoles': _app_roles(_EXCHANGE_ROLES)},
}

# Names a seed may use instead of a resource app id.
ALIASES = {'graph': GRAPH_APP_ID, 'exchange': EXCHANGE_APP_ID}


def app_roles(resource_app_id):
    return copy.deepcopy(FIRST_PARTY[resource_app_id]['appRoles'])


def role_id(resource_app_id, value):
    for role in FIRST_PARTY[resource_app_id]['appRoles']:
        if role['value'] == value:
            return role['id']
    raise KeyError('%s offers no app role %r' % (FIRST_PARTY[resource_app_id]['displayName'], value))
