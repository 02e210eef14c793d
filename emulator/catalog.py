"""Well-known first-party apps present in every emulated tenant, with the app roles
(application permissions) and delegated permissions (OAuth 2.0 scopes) they offer
under Microsoft's real ids and texts; the first-party public clients a person may
sign in with; and the Entra built-in directory roles (the one role catalogue: the
seeds, Graph's roleDefinitions, the `wids` claim and the delegated permission
checks all read it).

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
    ('810c84a8-4a9e-49e6-bf7d-12d183f40d01', 'Mail.Read', 'Read mail in all mailboxes',
     'Allows the app to read mail in all mailboxes without a signed-in user.'),
    ('6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a', 'Mail.ReadBasic', 'Read basic mail in all mailboxes',
     'Allows the app to read basic mail properties in all mailboxes without a signed-in user. Includes all '
     'properties except body, previewBody, attachments and any extended properties.'),
    ('693c5e45-0940-467d-9b8a-1022fb9d42ef', 'Mail.ReadBasic.All', 'Read basic mail in all mailboxes',
     'Allows the app to read basic mail properties in all mailboxes without a signed-in user. Includes all '
     'properties except body, previewBody, attachments and any extended properties.'),
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
    ('483bed4a-2ad3-4361-a73b-c83ccdbdc53c', 'RoleManagement.Read.Directory', 'Read all directory RBAC settings',
     "Allows the app to read the role-based access control (RBAC) settings for your company's directory, without a "
     "signed-in user. This includes reading directory role templates, directory roles and memberships."),
    ('9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', 'RoleManagement.ReadWrite.Directory',
     'Read and write all directory RBAC settings',
     "Allows the app to read and manage the role-based access control (RBAC) settings for your company's "
     "directory, without a signed-in user. This includes instantiating directory roles and managing directory role "
     "membership, and reading directory role templates, directory roles and memberships."),
    ('741f803b-c850-494e-b5df-cde7c675a1ca', 'User.ReadWrite.All', "Read and write all users' full profiles",
     'Allows the app to read and update user profiles without a signed in user.'),
    ('b0afded3-3588-46d8-8b3d-9842eff778da', 'AuditLog.Read.All', 'Read all audit log data',
     'Allows the app to read and query your audit log activities, without a signed-in user.'),
]

_EXCHANGE_ROLES = [
    ('dc50a0fb-09a3-484d-be87-e023b12c6440', 'Exchange.ManageAsApp', 'Manage Exchange As Application',
     "Allows the app to manage the organization's Exchange environment without any user interaction. This "
     "includes mailboxes, groups, and other configuration objects. To enable management actions, an admin must "
     "assign the appropriate roles directly to the app."),
]

# Delegated permissions (OAuth 2.0 scopes) on Microsoft Graph's service principal that the emulator knows:
# (id, value, type (who may consent: Admin or User), display name, description).
# https://learn.microsoft.com/graph/permissions-reference
_GRAPH_SCOPES = [
    ('c79f8feb-a9db-4090-85f9-90d820caa0eb', 'Application.Read.All', 'Admin', 'Read applications',
     'Allows the app to read applications and service principals on behalf of the signed-in user.'),
    ('bdfbf15f-ee85-4955-8675-146e8e5296b5', 'Application.ReadWrite.All', 'Admin', 'Read and write all applications',
     'Allows the app to create, read, update and delete applications and service principals on behalf of the '
     'signed-in user. Does not allow management of consent grants.'),
    ('84bccea3-f856-4a8a-967b-dbe0a3d53a64', 'AppRoleAssignment.ReadWrite.All', 'Admin',
     'Manage app permission grants and app role assignments',
     'Allows the app to manage permission grants for application permissions to any API (including Microsoft '
     'Graph) and application assignments for any app, on behalf of the signed-in user.'),
    ('41ce6ca6-6826-4807-84f1-1c82854f7ee5', 'DelegatedPermissionGrant.ReadWrite.All', 'Admin',
     'Manage all delegated permission grants',
     'Allows the app to manage permission grants for delegated permissions exposed by any API (including Microsoft '
     'Graph), on behalf of the signed in user.'),
    ('e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20', 'AuditLog.Read.All', 'Admin', 'Read audit log data',
     'Allows the app to read and query your audit log activities, on behalf of the signed-in user.'),
    ('0e263e50-5827-48a4-b97c-d940288653c7', 'Directory.AccessAsUser.All', 'Admin',
     'Access directory as the signed in user',
     'Allows the app to have the same access to information in the directory as the signed-in user.'),
    ('06da0dbc-49e2-44d2-8312-53f166ab848a', 'Directory.Read.All', 'Admin', 'Read directory data',
     "Allows the app to read data in your organization's directory, such as users, groups and apps."),
    ('c5366453-9fb0-48a5-a156-24f0c49a4b84', 'Directory.ReadWrite.All', 'Admin', 'Read and write directory data',
     "Allows the app to read and write data in your organization's directory, such as users, and groups. It does "
     "not allow the app to delete users or groups, or reset user passwords."),
    ('4e46008b-f24c-477d-8fff-7bb4ec7aafe0', 'Group.ReadWrite.All', 'Admin', 'Read and write all groups',
     'Allows the app to create groups and read all group properties and memberships on behalf of the signed-in '
     'user.'),
    ('572fea84-0151-49b2-9301-11cb16974376', 'Policy.Read.All', 'Admin', "Read your organization's policies",
     "Allows the app to read your organization's policies on behalf of the signed-in user."),
    ('741c54c3-0c1e-44a1-818b-3f97ab4e8c83', 'RoleManagement.Read.Directory', 'Admin', 'Read directory RBAC settings',
     "Allows the app to read the role-based access control (RBAC) settings for your company's directory, on behalf "
     "of the signed-in user. This includes reading directory role templates, directory roles and memberships."),
    ('d01b97e9-cbc0-49fe-810a-750afd5527a3', 'RoleManagement.ReadWrite.Directory', 'Admin',
     'Read and write directory RBAC settings',
     "Allows the app to read and manage the role-based access control (RBAC) settings for your company's directory, "
     "on behalf of the signed-in user. This includes instantiating directory roles and managing directory role "
     "membership, and reading directory role templates, directory roles and memberships."),
    ('e1fe6dd8-ba31-4d61-89e7-88639da4683d', 'User.Read', 'User', 'Sign in and read user profile',
     'Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.'),
    ('b340eb25-3456-403f-be2f-af7a0d370277', 'User.ReadBasic.All', 'User', "Read all users' basic profiles",
     'Allows the app to read a basic set of profile properties of other users in your organization on behalf of '
     'the signed-in user.'),
    ('a154be20-db9c-4678-8ab7-66f6cc099a59', 'User.Read.All', 'Admin', "Read all users' full profiles",
     'Allows the app to read the full set of profile properties, reports, and managers of other users in your '
     'organization, on behalf of the signed-in user.'),
    ('204e0828-b5ca-4ad8-b9f3-f32a958e7cc4', 'User.ReadWrite.All', 'Admin', "Read and write all users' full profiles",
     'Allows the app to read and write the full set of profile properties, reports, and managers of other users in '
     'your organization, on behalf of the signed-in user.'),
    ('465a38f9-76ea-45b9-9f34-9e8b0d4b0b42', 'Calendars.Read', 'User', 'Read user calendars',
     'Allows the app to read events in user calendars.'),
    ('1ec239c2-d7c9-4623-a91a-a9775856bb36', 'Calendars.ReadWrite', 'User', 'Have full access to user calendars',
     'Allows the app to create, read, update, and delete events in user calendars.'),
    ('5f8c59db-677d-491f-a6b8-5f174b11ec1d', 'Group.Read.All', 'Admin', 'Read all groups',
     'Allows the app to list groups, and to read their properties and all group memberships on behalf of the '
     'signed-in user.'),
    ('570282fd-fa5c-430d-a7fd-fc8dc98a9dca', 'Mail.Read', 'User', 'Read user mail',
     'Allows the app to read email in user mailboxes.'),
    ('e383f46e-2787-4529-855e-0e479a3ffac0', 'Mail.Send', 'User', 'Send mail as a user',
     'Allows the app to send mail as users in the organization.'),
    ('cb8f45a0-5c2e-4ea1-b803-84b870a7d7ec', 'Place.Read.All', 'Admin', 'Read all company places',
     'Allows the app to read your company\'s places (conference rooms and room lists) for calendar events and other '
     'applications, on behalf of the signed-in user.'),
    ('37f7f235-527c-4136-accd-4a02d197296e', 'openid', 'User', 'Sign users in',
     'Allows users to sign in to the app with their work or school accounts and allows the app to see basic user '
     'profile information.'),
    ('14dad69e-099b-42c9-810b-d002981feec1', 'profile', 'User', "View users' basic profile",
     "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address)"),
    ('64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', 'email', 'User', "View users' email address",
     "Allows the app to read your users' primary email address"),
    ('7427e0e9-2fba-42fe-b0c0-848c9e6a8182', 'offline_access', 'User',
     'Maintain access to data you have given it access to',
     'Allows the app to see and update the data you gave it access to, even when users are not currently using the '
     'app. This does not give the app any additional permissions.'),
]
# The OpenID Connect scopes: a sign-in asks for them beside a resource's scopes; they name no resource.
OIDC_SCOPES = ('openid', 'profile', 'email', 'offline_access')


def _app_roles(roles):
    return [{'allowedMemberTypes': ['Application'], 'description': description, 'displayName': name,
             'id': role_id, 'isEnabled': True, 'origin': 'Application', 'value': value}
            for role_id, value, name, description in roles]


def _scopes(scopes):
    return [{'adminConsentDescription': description, 'adminConsentDisplayName': name, 'id': scope_id,
             'isEnabled': True, 'origin': 'Application', 'type': kind, 'userConsentDescription': description,
             'userConsentDisplayName': name, 'value': value}
            for scope_id, value, kind, name, description in scopes]


FIRST_PARTY = {
    GRAPH_APP_ID: {'displayName': 'Microsoft Graph', 'appRoles': _app_roles(_GRAPH_ROLES),
                   'oauth2PermissionScopes': _scopes(_GRAPH_SCOPES)},
    EXCHANGE_APP_ID: {'displayName': 'Office 365 Exchange Online', 'appRoles': _app_roles(_EXCHANGE_ROLES),
                      'oauth2PermissionScopes': []},
}

# Names a seed may use instead of a resource app id.
ALIASES = {'graph': GRAPH_APP_ID, 'exchange': EXCHANGE_APP_ID}


def app_roles(resource_app_id):
    return copy.deepcopy(FIRST_PARTY[resource_app_id]['appRoles'])


def permission_scopes(resource_app_id):
    return copy.deepcopy(FIRST_PARTY[resource_app_id]['oauth2PermissionScopes'])


def role_id(resource_app_id, value):
    for role in FIRST_PARTY[resource_app_id]['appRoles']:
        if role['value'] == value:
            return role['id']
    raise KeyError('%s offers no app role %r' % (FIRST_PARTY[resource_app_id]['displayName'], value))


# First-party public clients a person may sign in with (device code) in any tenant, and the delegated permissions
# Microsoft has preauthorized for them (no consent needed). Microsoft does not publish Azure CLI's list: this is the
# emulator's assumption, without RoleManagement.ReadWrite.Directory, which Azure CLI is known to lack
# (https://github.com/Azure/azure-cli/issues/26471).
AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'
PUBLIC_CLIENTS = {
    AZURE_CLI_APP_ID: {'displayName': 'Microsoft Azure CLI', 'preauthorized': {GRAPH_APP_ID: (
        'Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All',
        'Directory.AccessAsUser.All', 'Group.ReadWrite.All', 'User.ReadWrite.All')}},
}
# Resources whose application permissions only a Privileged Role Administrator (or Global Administrator) may grant:
# Microsoft Graph and Azure AD Graph (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
PRIVILEGED_RESOURCES = (GRAPH_APP_ID, '00000002-0000-0000-c000-000000000000')

# Microsoft Entra resource actions (role permissions) the emulator enforces on delegated Graph calls, by their names
# in https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference.
APPLICATIONS_CREATE = 'microsoft.directory/applications/create'
APPLICATIONS_CREATE_AS_OWNER = 'microsoft.directory/applications/createAsOwner'
APPLICATIONS_UPDATE = 'microsoft.directory/applications/basic/update'
APPLICATIONS_CREDENTIALS = 'microsoft.directory/applications/credentials/update'
APPLICATIONS_DELETE = 'microsoft.directory/applications/delete'
APPLICATIONS_OWNERS = 'microsoft.directory/applications/owners/update'
APPLICATIONS_POLICIES = 'microsoft.directory/applications/policies/update'
PRINCIPALS_CREATE = 'microsoft.directory/servicePrincipals/create'
PRINCIPALS_DELETE = 'microsoft.directory/servicePrincipals/delete'
APP_ROLE_ASSIGNMENTS = 'microsoft.directory/servicePrincipals/appRoleAssignedTo/update'
CONSENT_ANY = 'microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-company-admin'
CONSENT_EXCEPT_GRAPH = 'microsoft.directory/servicePrincipals/managePermissionGrantsForAll.microsoft-application-admin'
PERMISSION_GRANTS = 'microsoft.directory/oAuth2PermissionGrants/allProperties/allTasks'
ROLE_ASSIGNMENTS = 'microsoft.directory/roleAssignments/allProperties/allTasks'
# What every member user may do by default besides reading the directory
# (https://learn.microsoft.com/entra/fundamentals/users-default-permissions: register applications).
MEMBER_ACTIONS = (APPLICATIONS_CREATE_AS_OWNER,)
_APPLICATION_ADMIN = (APPLICATIONS_CREATE, APPLICATIONS_UPDATE, APPLICATIONS_CREDENTIALS, APPLICATIONS_DELETE,
                      APPLICATIONS_OWNERS, APPLICATIONS_POLICIES, PRINCIPALS_CREATE, PRINCIPALS_DELETE,
                      APP_ROLE_ASSIGNMENTS, CONSENT_EXCEPT_GRAPH, PERMISSION_GRANTS)
_PRIVILEGED_ROLE_ADMIN = (ROLE_ASSIGNMENTS, APP_ROLE_ASSIGNMENTS, CONSENT_ANY, PERMISSION_GRANTS)
GLOBAL_ADMINISTRATOR = 'Global Administrator'

# Built-in roles: name -> (template id, description, the enforced actions). A role's template id is also its
# roleDefinition id and what the `wids` claim carries. Global Administrator may do everything; the Exchange and
# reader roles grant no Graph directory write here (Exchange authorizes on them itself, exchange_cmdlets.py).
ROLES = {
    'Application Administrator': ('9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Can create and manage all aspects of app '
                                  'registrations and enterprise apps.', _APPLICATION_ADMIN),
    'Cloud Application Administrator': ('158c047a-c907-4556-b7ef-446551a6b5f7', 'Can create and manage all aspects '
                                        'of app registrations and enterprise apps except App Proxy.',
                                        _APPLICATION_ADMIN),
    'Exchange Administrator': ('29232cdf-9323-42fd-ade2-1d097af3e4de', 'Can manage all aspects of the Exchange '
                               'product.', ()),
    'Exchange Recipient Administrator': ('31392ffb-586c-42d1-9346-e59415a2cc4e', 'Can create or update Exchange '
                                         'Online recipients within the Exchange Online organization.', ()),
    GLOBAL_ADMINISTRATOR: ('62e90394-69f5-4237-9190-012177145e10', 'Can manage all aspects of Microsoft Entra ID and '
                           'Microsoft services that use Microsoft Entra identities.',
                           tuple(sorted(set(_APPLICATION_ADMIN + _PRIVILEGED_ROLE_ADMIN)))),
    'Global Reader': ('f2ef992c-3afb-46b9-b7cf-a126ee74c451', 'Can read everything that a Global Administrator can, '
                      'but not update anything.', ()),
    'Privileged Role Administrator': ('e8611ab8-c189-46e8-94e1-60213ab1f814', 'Can manage role assignments in '
                                      'Microsoft Entra ID, and all aspects of Privileged Identity Management.',
                                      _PRIVILEGED_ROLE_ADMIN),
    'Security Reader': ('5d6b6bb7-de71-4623-b4af-96380a352509', 'Can read security information and reports in '
                        'Microsoft Entra ID and Office 365.', ()),
}
# Role name -> template id (the seeds name roles; tokens carry the ids).
DIRECTORY_ROLES = dict((name, role[0]) for name, role in ROLES.items())
ROLE_NAMES = dict((role[0], name) for name, role in ROLES.items())


def allows(role_names, action):
    """Whether a principal holding these roles (names) may perform `action`, by its roles or as a member user."""
    if GLOBAL_ADMINISTRATOR in role_names or action in MEMBER_ACTIONS:
        return True
    return any(action in ROLES[name][2] for name in role_names if name in ROLES)
