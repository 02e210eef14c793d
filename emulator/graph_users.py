"""Graph v1.0 users: list (with $select, $filter, $top, $count and paging), get by id or
userPrincipalName, and /me for a signed-in user. The users are the seed's (`users:`), and a user object for each
mailbox Exchange holds without one (a shared, room or equipment mailbox is a user account in Microsoft Entra,
https://learn.microsoft.com/exchange/collaboration-exo/shared-mailboxes); they are read-only here.

https://learn.microsoft.com/graph/api/user-list
https://learn.microsoft.com/graph/api/user-get
"""

from __future__ import annotations

from urllib.parse import unquote

from emulator import odata
from emulator.exchange import MAILBOX_KINDS
from emulator.graph_routes import delegated, not_found, route

# https://learn.microsoft.com/graph/api/user-list#permissions and user-get#permissions (User.ReadBasic.All is
# delegated only)
READ = ('User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All')
# user-get: "GET /me" also takes the signed-in user's own User.Read
READ_ME = ('User.Read', 'User.ReadWrite') + READ
# The properties Graph returns when no $select names others (user-list, "Optional query parameters").
DEFAULT = ('businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
           'preferredLanguage', 'surname', 'userPrincipalName', 'id')
FILTERABLE = ('id', 'userPrincipalName', 'mail', 'displayName', 'givenName', 'surname')


def view(user):
    """A directory user as Graph's user resource (https://learn.microsoft.com/graph/api/resources/user)."""
    upn = user['userPrincipalName']
    return {
        'id': user['id'], 'businessPhones': [], 'displayName': user.get('displayName'),
        'givenName': user.get('givenName'), 'jobTitle': user.get('jobTitle'), 'mail': user.get('mail'),
        'mobilePhone': None, 'officeLocation': None, 'preferredLanguage': None, 'surname': user.get('surname'),
        'userPrincipalName': upn, 'accountEnabled': True, 'userType': 'Member', 'mailNickname': upn.split('@')[0],
        'otherMails': [], 'proxyAddresses': ['SMTP:%s' % user['mail']] if user.get('mail') else [],
        'usageLocation': None, 'companyName': None, 'department': None, 'createdDateTime': None,
    }


TEMPLATE = view({'id': 'template', 'userPrincipalName': 'template@template'})


def _shown(request, obj):
    """Without $select Graph returns the default properties only."""
    return obj if request.query.get('$select') else dict((name, obj[name]) for name in DEFAULT)


def directory_users(tenant):
    """The seed's users, then one for each mailbox that has none (its Exchange object id, its address as UPN)."""
    users = list(tenant['users'])
    known = set(u['userPrincipalName'].lower() for u in users) | set(u['id'].lower() for u in users)
    for recipient in (tenant.get('exchange') or {}).get('recipients') or []:
        address = recipient.get('PrimarySmtpAddress') or ''
        if recipient.get('RecipientTypeDetails') in MAILBOX_KINDS and address.lower() not in known and \
                recipient['ExternalDirectoryObjectId'].lower() not in known:
            users.append({'id': recipient['ExternalDirectoryObjectId'], 'userPrincipalName': address,
                          'displayName': recipient.get('DisplayName'), 'mail': address})
    return users


def find(tenant, key):
    """The user an id or userPrincipalName names (case-insensitive), or None."""
    wanted = key.lower()
    return next((u for u in directory_users(tenant) if wanted in (u['id'].lower(), u['userPrincipalName'].lower())),
                None)


# https://learn.microsoft.com/graph/api/user-list
@route('GET', r'/users', READ)
def list_users(request):
    items = [_shown(request, view(user)) for user in directory_users(request.tenant)]
    return 200, odata.collection(request, items, 'user', 'users', TEMPLATE, FILTERABLE)


# https://learn.microsoft.com/graph/api/user-get
@route('GET', r'/users/(?P<user>[^/]+)', READ)
def get_user(request):
    key = unquote(request.match.group('user'))
    user = find(request.tenant, key)
    if user is None:
        not_found(request, key)
    return 200, odata.entity(request, _shown(request, view(user)), 'user', 'users')


# https://learn.microsoft.com/graph/api/user-get (GET /me: the signed-in user)
@route('GET', r'/me', READ_ME)
def get_me(request):
    if not delegated(request):
        request.fail(400, 'BadRequest', '/me request is only valid with delegated authentication flow.')
    user = find(request.tenant, request.claims.get('oid', ''))
    if user is None:
        not_found(request, request.claims.get('oid', ''))
    return 200, odata.entity(request, _shown(request, view(user)), 'user', 'users')
