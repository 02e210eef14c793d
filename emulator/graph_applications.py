"""Graph v1.0 applications: create, read (by id and alternate keys, list with
$filter/$select/paging), update, upsert, delete, addPassword (with the app management
policies of graph_policies), removePassword, keyCredentials with addKey and removeKey
(graph_keys), and owners (with Application.ReadWrite.OwnedBy)."""

from __future__ import annotations

import copy
import datetime
import re
import secrets
import time

from emulator import app_policies, graph_keys, odata
from emulator.graph_routes import DENIED, key_value, not_found, require, roles, route
from emulator.objects import application, new_id, password_credential, secret_hash, service_principal, utc_now

# https://learn.microsoft.com/graph/api/application-get#permissions (and application-list)
READ = ('Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.Read.All',
        'Directory.ReadWrite.All')
# https://learn.microsoft.com/graph/api/application-update#permissions (and post, delete, addPassword, ...)
WRITE = ('Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All')
SIGN_IN_AUDIENCES = ('AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount',
                     'PersonalMicrosoftAccount')
# keyCredentials is settable on create and update ("Create application and Update application operations can
# continue to be used to add and update key credentials", application-addkey): graph_keys checks and stores it.
READ_ONLY = ('id', 'appId', 'createdDateTime', 'deletedDateTime', 'publisherDomain', 'passwordCredentials',
             'verifiedPublisher', 'disabledByMicrosoftStatus')
FILTERABLE = ('displayName', 'appId', 'uniqueName', 'id', 'signInAudience')
# String collections $filter takes with any() (application resource: "The any operator is required for filter
# expressions on multi-valued properties"): https://learn.microsoft.com/graph/api/resources/application#properties
ANY_FILTERABLE = ('identifierUris', 'tags')
KEY = r"(?:/(?P<id>[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})" \
      r"|\((?P<keyname>appId|uniqueName)='(?P<keyvalue>(?:[^']|'')*)'\))"
# addKey and removeKey address the application by id or appId only (their pages' HTTP requests).
ROLL_KEY = r"(?:/(?P<id>[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})" \
           r"|\((?P<keyname>appId)='(?P<keyvalue>(?:[^']|'')*)'\))"
# https://learn.microsoft.com/graph/api/application-addkey#permissions (and application-removekey)
ROLL_KEYS = ('Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.ReadWrite.All')
TEMPLATE = application('template')
DEFAULT_LIFETIME = datetime.timedelta(days=730)
# https://learn.microsoft.com/graph/api/resources/serviceprincipallockconfiguration - the v1.0 schema's members
# (Edm.Boolean; isEnabled is not nullable). identifierUris is a beta-only member: v1.0 refuses it.
LOCK = 'servicePrincipalLockConfiguration'
LOCK_MEMBERS = ('isEnabled', 'allProperties', 'credentialsWithUsageVerify', 'credentialsWithUsageSign',
                'tokenEncryptionKeyId')
# https://learn.microsoft.com/graph/api/application-list-owners#permissions
READ_OWNERS = READ
# https://learn.microsoft.com/graph/api/application-delete-owners#permissions
REMOVE_OWNER = WRITE
# https://learn.microsoft.com/graph/api/application-post-owners#permissions, with the page's note that OwnedBy is not
# enough: Application.ReadWrite.All and Directory.Read.All, or Directory.ReadWrite.All (which holds both).
ADD_OWNER_WRITE = ('Application.ReadWrite.All', 'Directory.ReadWrite.All')
ADD_OWNER_READ = ('Directory.Read.All', 'Directory.ReadWrite.All')
# Hosts an @odata.id reference may name: Graph's global and national-cloud hosts (and the emulator's own listener).
GRAPH_HOSTS = ('https://graph.microsoft.com', 'https://graph.microsoft.us', 'https://dod-graph.microsoft.us',
               'https://microsoftgraph.chinacloudapi.cn')
USER_PROPERTIES = ('id', 'displayName', 'userPrincipalName', 'mail', 'givenName', 'surname', 'jobTitle')
# A sample of every type an owners or appliesTo collection may hold, to check $select names against.
DIRECTORY_SAMPLE = dict(service_principal('template', 'template', 'template'), **TEMPLATE)
DIRECTORY_SAMPLE.update(dict.fromkeys(USER_PROPERTIES))


def _key_text(request):
    return request.match.group('id') or key_value(request, 'keyvalue')


def find(request):
    """The addressed application or None. An app created moments ago is not yet found by alternate key
    while replication_delay_s lasts (reads by object id go to the replica that created it)."""
    tenant = request.tenant
    if request.match.group('id'):
        found = next((a for a in tenant['applications'] if a['id'].lower() == request.match.group('id').lower()),
                     None)
        return found
    name, value = request.match.group('keyname'), key_value(request, 'keyvalue')
    found = next((a for a in tenant['applications'] if a.get(name) == value), None)
    if found is not None and request.emulator.faults.replicating(tenant['created'].get(found['appId'])):
        return None
    return found


def existing(request):
    app = find(request)
    if app is None:
        not_found(request, _key_text(request))
    return app


def check_owner(request, app, unrestricted=('Application.ReadWrite.All',)):
    """Application.ReadWrite.OwnedBy changes only apps whose owners include the caller's service principal in this
    tenant (the apps it created, or was made an owner of): anything else is 403. Reads are not limited: "The
    Application.ReadWrite.OwnedBy permission allows an app to call GET /applications and GET /servicePrincipals to
    list all applications and service principals in the tenant."
    https://learn.microsoft.com/graph/permissions-reference#applicationreadwriteownedby
    """
    if roles(request) & set(unrestricted):
        return
    if request.claims.get('oid') not in request.tenant['owners'].get(app['id'], []):
        request.fail(403, 'Authorization_RequestDenied', DENIED)


def _bad(request, message):
    request.fail(400, 'Request_BadRequest', message)


def _invalid(request, name):
    _bad(request, "Invalid value specified for property '%s' of resource 'Application'." % name)


def _check_redirect_uri(request, uri):
    """https://learn.microsoft.com/entra/identity-platform/reply-url - absolute, https (http for loopback only),
    no fragment or wildcard, at most 256 characters."""
    parts = re.match(r'^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<host>[^/:#?]+)', uri or '') \
        if isinstance(uri, str) else None
    if not parts or '#' in uri or '*' in uri or len(uri) > 256:
        _invalid(request, 'web.redirectUris')
    scheme, host = parts.group('scheme').lower(), parts.group('host').lower()
    if scheme not in ('https', 'http') or (scheme == 'http' and host not in ('localhost', '127.0.0.1')):
        _invalid(request, 'web.redirectUris')


def _check_complex(request, name, value):
    """A complex property must be an object with known members only."""
    if not isinstance(value, dict) or set(value) - set(TEMPLATE[name]):
        _invalid(request, name)


def _check_lock(request, value):
    """servicePrincipalLockConfiguration: null, or an object of the schema's Boolean members (isEnabled required, as
    it is not nullable); an @odata.type, if sent, must name the type."""
    if value is None:
        return
    if not isinstance(value, dict):
        _invalid(request, LOCK)
    for member, item in value.items():
        if member == '@odata.type':
            if item not in ('#microsoft.graph.servicePrincipalLockConfiguration',
                            'microsoft.graph.servicePrincipalLockConfiguration'):
                _invalid(request, LOCK)
        elif member not in LOCK_MEMBERS or not (isinstance(item, bool) or (item is None and member != 'isEnabled')):
            _invalid(request, '%s.%s' % (LOCK, member))
    if not isinstance(value.get('isEnabled'), bool):
        _invalid(request, LOCK + '.isEnabled')


def validate(request, body, app, creating):
    """400 unless the body is one Graph accepts for `app` (new or existing); its keyCredentials, prepared."""
    for name, value in body.items():
        if name.startswith('@odata'):
            continue
        if name not in TEMPLATE:
            _bad(request, "Property '%s' does not exist as a declared property or extension property." % name)
        if name in READ_ONLY:
            _bad(request, "Property '%s' is read-only and cannot be set." % name)
        if isinstance(TEMPLATE[name], dict) and value is not None:
            _check_complex(request, name, value)
    if LOCK in body:
        _check_lock(request, body[LOCK])
    if 'signInAudience' in body and body['signInAudience'] not in SIGN_IN_AUDIENCES:
        _invalid(request, 'signInAudience')
    if creating and not body.get('displayName'):
        _bad(request, "A value is required for property 'displayName' of resource 'Application'.")
    if 'displayName' in body and (not isinstance(body['displayName'], str) or len(body['displayName']) > 256):
        _invalid(request, 'displayName')
    web = body.get('web') or {}
    uris = web.get('redirectUris') or []
    if not isinstance(uris, list) or len(uris) > 256:
        _invalid(request, 'web.redirectUris')
    for uri in uris:
        _check_redirect_uri(request, uri)
    for entry in body.get('requiredResourceAccess') or []:
        if not isinstance(entry, dict) or not entry.get('resourceAppId'):
            _invalid(request, 'requiredResourceAccess')
        for access in entry.get('resourceAccess') or []:
            if not isinstance(access, dict) or access.get('type') not in ('Role', 'Scope') or not access.get('id'):
                _invalid(request, 'requiredResourceAccess.resourceAccess')
    return graph_keys.prepare(request, body['keyCredentials'], app) if 'keyCredentials' in body else None


def apply(app, body):
    """PATCH semantics: named properties are replaced; a complex value (web, api, info, ...) is replaced as a
    whole, members it omits going back to their defaults; omitted properties keep their values."""
    for name, value in body.items():
        if name.startswith('@odata') or name == 'keyCredentials':  # graph_keys.commit stores those
            continue
        if isinstance(TEMPLATE[name], dict) and value is not None:
            value = dict(copy.deepcopy(TEMPLATE[name]), **value)
        if name == LOCK and value is not None:  # replaced as a whole; members it omits are null
            value = dict((member, value.get(member)) for member in LOCK_MEMBERS)
        app[name] = copy.deepcopy(value)


def _create(request, body):
    tenant = request.tenant
    app = application(body.get('displayName'), publisherDomain=tenant['domain'])
    keys = validate(request, body, app, creating=True)
    if body.get('uniqueName') and any(a.get('uniqueName') == body['uniqueName'] for a in tenant['applications']):
        request.fail(409, 'Request_MultipleObjectsWithSameKeyValue',
                     'Another object with the same value for property uniqueName already exists.')
    apply(app, body)
    if keys is not None:
        graph_keys.commit(request, app, keys)
    tenant['applications'].append(app)
    tenant['created'][app['appId']] = time.time()
    if request.claims.get('oid'):  # an app-only caller becomes the new app's owner
        tenant['owners'][app['id']] = [request.claims['oid']]
    return app


def _entity(request, app):
    return odata.entity(request, app, 'application', 'applications')


# https://learn.microsoft.com/graph/api/application-post-applications
@route('POST', r'/applications', WRITE)
def create_application(request):
    return 201, _entity(request, _create(request, request.json_object()))


# https://learn.microsoft.com/graph/api/application-list
@route('GET', r'/applications', READ)
def list_applications(request):
    return 200, odata.collection(request, request.tenant['applications'], 'application', 'applications', TEMPLATE,
                                 FILTERABLE, any_filterable=ANY_FILTERABLE)


# https://learn.microsoft.com/graph/api/application-get
@route('GET', r'/applications' + KEY, READ)
def get_application(request):
    return 200, _entity(request, graph_keys.shown(request, existing(request)))


# https://learn.microsoft.com/graph/api/application-update
# https://learn.microsoft.com/graph/api/application-upsert (by uniqueName with Prefer: create-if-missing)
@route('PATCH', r'/applications' + KEY, WRITE)
def update_application(request):
    body = request.json_object()
    upsert = request.match.group('keyname') == 'uniqueName' and \
        'create-if-missing' in request.headers.get('prefer', '').lower()
    app = find(request)
    if app is None and upsert:
        unique_name = key_value(request, 'keyvalue')
        if body.get('uniqueName', unique_name) != unique_name:
            _bad(request, "The uniqueName in the body must match the one in the request URL.")
        return 201, _entity(request, _create(request, dict(body, uniqueName=unique_name)))
    if app is None:
        not_found(request, _key_text(request))
    check_owner(request, app)
    keys = validate(request, body, app, creating=False)
    if 'uniqueName' in body and app.get('uniqueName') and body['uniqueName'] != app['uniqueName']:
        _bad(request, "Property 'uniqueName' cannot be changed once it is set.")
    apply(app, body)
    if keys is not None:
        graph_keys.commit(request, app, keys)
    return 204, None


# https://learn.microsoft.com/graph/api/application-delete
@route('DELETE', r'/applications' + KEY, WRITE)
def delete_application(request):
    app = existing(request)
    check_owner(request, app)
    tenant = request.tenant
    tenant['applications'].remove(app)
    tenant['owners'].pop(app['id'], None)
    app_policies.assignments(tenant).pop(app['id'], None)
    for principal in [sp for sp in tenant['servicePrincipals'] if sp['appId'] == app['appId']]:
        remove_principal(tenant, principal)
    for credential in app['passwordCredentials']:
        request.store.data['secrets'].pop(credential['keyId'], None)
    graph_keys.forget(request, app)
    return 204, None


def remove_principal(tenant, principal):
    """Delete a service principal and the app role assignments it takes part in."""
    tenant['servicePrincipals'].remove(principal)
    tenant['appRoleAssignments'] = [a for a in tenant['appRoleAssignments']
                                    if principal['id'] not in (a['principalId'], a['resourceId'])]
    tenant['directoryRoles'].pop(principal['id'], None)
    tenant['oauth2PermissionGrants'] = [g for g in tenant.get('oauth2PermissionGrants') or []  # graph_grants
                                        if principal['id'] not in (g['clientId'], g['resourceId'])]
    for owners in tenant['owners'].values():  # a deleted object is no longer anyone's owner
        if principal['id'] in owners:
            owners.remove(principal['id'])


# https://learn.microsoft.com/graph/api/application-addpassword
@route('POST', r'/applications' + KEY + r'/addPassword', WRITE)
def add_password(request):
    spec = request.json_object().get('passwordCredential') or {}
    if not isinstance(spec, dict):
        _bad(request, "Invalid value specified for property 'passwordCredential'.")
    start = graph_keys.moment(request, spec, 'startDateTime', utc_now(), 'PasswordCredential')
    end = graph_keys.moment(request, spec, 'endDateTime', start + DEFAULT_LIFETIME, 'PasswordCredential')
    if end <= start:
        _bad(request, 'Key credential end date must be later than its start date.')
    app = existing(request)
    check_owner(request, app)
    graph_keys.obey(request, app_policies.password_refusal(request.tenant, app, start, end))
    text = secrets.token_urlsafe(30)[:40]
    credential = password_credential(spec.get('displayName'), start, end, text[:3], new_id())
    app['passwordCredentials'].append(credential)
    request.store.data['secrets'][credential['keyId']] = secret_hash(text)
    request.tenant['created'][credential['keyId']] = time.time()  # for password_propagation_s
    shown = dict(credential, secretText=text)  # the only time the secret is returned
    return 200, dict({'@odata.context': odata.context(request, 'microsoft.graph.passwordCredential')}, **shown)


# https://learn.microsoft.com/graph/api/application-removepassword
@route('POST', r'/applications' + KEY + r'/removePassword', WRITE)
def remove_password(request):
    key_id = request.json_object().get('keyId')
    if not key_id:
        _bad(request, "A value is required for parameter 'keyId'.")
    app = existing(request)
    check_owner(request, app)
    credential = next((c for c in app['passwordCredentials'] if c['keyId'] == key_id), None)
    if credential is None:
        _bad(request, "No password credential with keyId '%s' exists on the application." % key_id)
    app['passwordCredentials'].remove(credential)
    request.store.data['secrets'].pop(key_id, None)
    return 204, None


def _rolling(request):
    """The application addKey or removeKey acts on. "An application does not need any specific permission to roll its
    own keys": the caller's own application needs none; another needs a permission of the pages' table (with
    Application.ReadWrite.OwnedBy, only an app the caller owns)."""
    app = find(request)
    if app is not None and app['appId'] == request.claims.get('appid') and request.claims.get('idtyp') == 'app':
        return app
    require(request, ROLL_KEYS)
    app = existing(request)
    check_owner(request, app, ('Application.ReadWrite.All', 'Directory.ReadWrite.All'))
    return app


# https://learn.microsoft.com/graph/api/application-addkey (proof of possession: graph_keys.check_proof)
@route('POST', r'/applications' + ROLL_KEY + r'/addKey')
def add_key(request):
    credential = graph_keys.add_key(request, _rolling(request), request.json_object())
    return 200, dict({'@odata.context': odata.context(request, 'microsoft.graph.keyCredential')}, **credential)


# https://learn.microsoft.com/graph/api/application-removekey
@route('POST', r'/applications' + ROLL_KEY + r'/removeKey')
def remove_key(request):
    graph_keys.remove_key(request, _rolling(request), request.json_object())
    return 204, None


# Owners ----------------------------------------------------------------------------------------


def reference(request, paths):
    """The object id of a $ref body {"@odata.id": "https://graph.microsoft.com/v1.0/<path>/<id>"} whose <path> is
    one of `paths`; anything else is 400."""
    body = request.json_object()
    target = body.get('@odata.id')
    if set(body) - {'@odata.id'}:
        _bad(request, "Property '%s' does not exist on a reference." % sorted(set(body) - {'@odata.id'})[0])
    if not isinstance(target, str) or not target:
        _bad(request, "A value is required for property '@odata.id' of the reference.")
    hosts = GRAPH_HOSTS + (request.emulator.endpoints['graph'],)
    for host in hosts:
        for path in paths:
            prefix = '%s/v1.0/%s/' % (host, path)
            rest = target[len(prefix):]
            if target.lower().startswith(prefix.lower()) and rest and not re.search(r'[/?#]', rest):
                return rest
    _bad(request, "Invalid object identifier '%s'." % target)


def directory_object(tenant, object_id):
    """(type name, object) of a user or service principal in the tenant by id, or (None, None)."""
    wanted = (object_id or '').lower()
    for principal in tenant['servicePrincipals']:
        if principal['id'].lower() == wanted:
            return 'servicePrincipal', principal
    for user in tenant.get('users') or []:
        if str(user.get('id', '')).lower() == wanted:
            return 'user', user
    return None, None


def directory_collection(request, entries, path='directoryObjects'):
    """A page of directory objects of several types [(type name, object)], each with its @odata.type (kept under
    $select too, as Graph keeps it)."""
    kinds = dict((obj['id'], kind) for kind, obj in entries)
    body = odata.collection(request, [obj for _kind, obj in entries], 'directoryObject', path, DIRECTORY_SAMPLE)
    body['value'] = [dict({'@odata.type': '#microsoft.graph.' + kinds[item['id']]}, **item) for item in body['value']]
    return body


def _owner_entries(request, app):
    entries = []
    for owner_id in request.tenant['owners'].get(app['id'], []):
        kind, obj = directory_object(request.tenant, owner_id)
        if obj is not None:
            entries.append((kind, obj if kind == 'servicePrincipal' else dict(
                (name, obj.get(name)) for name in USER_PROPERTIES)))
    return entries


# https://learn.microsoft.com/graph/api/application-list-owners
@route('GET', r'/applications' + KEY + r'/owners', READ_OWNERS)
def list_owners(request):
    return 200, directory_collection(request, _owner_entries(request, existing(request)))


# https://learn.microsoft.com/graph/api/application-post-owners - app-only: "Application.ReadWrite.OwnedBy and
# Directory.Read.All" is listed, but the page adds "Application.ReadWrite.OwnedBy will not be sufficient to add
# another owner. Consent also to Application.ReadWrite.All." So: Application.ReadWrite.All and Directory.Read.All,
# or Directory.ReadWrite.All. An owner may be a user or a service principal (the app's own or another).
@route('POST', r'/applications' + KEY + r'/owners/(?:\$|%24)ref', ADD_OWNER_WRITE, ADD_OWNER_READ)
def add_owner(request):
    owner_id = reference(request, ('directoryObjects', 'servicePrincipals', 'users'))
    app = existing(request)
    _kind, obj = directory_object(request.tenant, owner_id)
    if obj is None:
        not_found(request, owner_id)
    owners = request.tenant['owners'].setdefault(app['id'], [])
    if obj['id'] in owners:
        _bad(request, "One or more added object references already exist for the following modified "
                      "properties: 'owners'.")
    owners.append(obj['id'])
    return 204, None


# https://learn.microsoft.com/graph/api/application-delete-owners
@route('DELETE', r'/applications' + KEY + r'/owners/(?P<owner>[^/]+)/(?:\$|%24)ref', REMOVE_OWNER)
def remove_owner(request):
    owner_id = request.match.group('owner')
    app = existing(request)
    check_owner(request, app)
    _kind, obj = directory_object(request.tenant, owner_id)
    if obj is None:
        not_found(request, owner_id)
    owners = request.tenant['owners'].get(app['id'], [])
    if obj['id'] not in owners:
        _bad(request, "One or more removed object references do not exist for the following modified "
                      "properties: 'owners'.")
    owners.remove(obj['id'])
    return 204, None
