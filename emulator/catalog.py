"""Well-known first-party apps and the app roles (application permissions) they
offer, with Microsoft's real ids, present in every emulated tenant.

https://learn.microsoft.com/graph/permissions-reference
"""

from __future__ import annotations

GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'
EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000'

_GRAPH_ROLES = [
    ('9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', 'Application.Read.All', 'Read all applications'),
    ('1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', 'Application.ReadWrite.All', 'Read and write all applications'),
    ('18a4783c-866b-4cc7-a460-3d5e5662c884', 'Application.ReadWrite.OwnedBy',
     'Manage apps that this app creates or owns'),
    ('06b708a9-e830-4db3-a914-8e69da51d44f', 'AppRoleAssignment.ReadWrite.All', 'Manage app permission grants and app role assignments'),
    ('7ab1d382-f21e-4acd-a863-ba3e13f7da61', 'Directory.Read.All', 'Read directory data'),
    ('19dbc75e-c2e2-444c-a770-ec69d8559fc7', 'Directory.ReadWrite.All', 'Read and write directory data'),
    ('df021288-bdef-4463-88db-98f22de89214', 'User.Read.All', "Read all users' full profiles"),
    ('ef54d2bf-783f-4e0f-bca1-3210c0444d99', 'Calendars.ReadWrite', 'Read and write calendars in all mailboxes'),
    ('5b567255-7703-4780-807c-7be8301ae99b', 'Group.Read.All', 'Read all groups'),
    ('b633e1c5-b582-4048-a93e-9f11b44c7e96', 'Mail.Send', 'Send mail as any user'),
    ('913b9306-0ce1-42b8-9137-6a7df690a760', 'Place.Read.All', 'Read all company places'),
    ('246dd0d5-5bd0-4def-940b-0421030a5b68', 'Policy.Read.All', "Read your organization's policies"),
    ('498476ce-e0fe-48b0-b801-37ba7e2685c6', 'Organization.Read.All', 'Read organization information'),
]

_EXCHANGE_ROLES = [
    ('dc50a0fb-09a3-484d-be87-e023b12c6440', 'Exchange.ManageAsApp', 'Manage Exchange As Application'),
]

# Entra built-in role templates that may run Exchange Online cmdlets app-only.
# https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
DIRECTORY_ROLES = {
    'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
    'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
}


def _app_roles(roles):
    return [{
        'id': role_id, 'value': value, 'displayName': name, 'description': 'Allows the app to %s.' % name.lower(),
        'allowedMemberTypes': ['Application'], 'isEnabled': True, 'origin': 'Application',
    } for role_id, value, name in roles]


FIRST_PARTY = {
    GRAPH_APP_ID: {'displayName': 'Microsoft Graph', 'appRoles': _app_roles(_GRAPH_ROLES)},
    EXCHANGE_APP_ID: {'displayName': 'Office 365 Exchange Online', 'appRoles': _app_roles(_EXCHANGE_ROLES)},
}

ALIASES = {'graph': GRAPH_APP_ID, 'exchange': EXCHANGE_APP_ID}


def role_id(resource_app_id, value):
    for role in FIRST_PARTY[resource_app_id]['appRoles']:
        if role['value'] == value:
            return role['id']
    raise KeyError('%s offers no app role %r' % (FIRST_PARTY[resource_app_id]['displayName'], value))
