"""Graph v1.0 applications: create, read (by id and alternate keys, list with
$filter/$select/paging), update, upsert, delete, addPassword, removePassword."""

from __future__ import annotations

import copy
import datetime
import re
import secrets
import time

from emulator import odata
from emulator.graph import key_value, not_found, require, roles, route
from emulator.objects import application, new_id, parse_time, password_credential, secret_hash, utc_now

# https://learn.microsoft.com/graph/api/application-get#permissions (and application-list)
READ = ('Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.Read.All',
        'Directory.ReadWrite.All')
# https://learn.microsoft.com/graph/api/application-update#permissions (and post, delete, addPassword, ...)
WRITE = ('Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All')
SIGN_IN_AUDIENCES = ('AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount',
                     'PersonalMicrosoftAccount')
READ_ONLY = ('id', 'appId', 'createdDateTime', 'deletedDateTime', 'publisherDomain', 'passwordCredentials',
             'keyCredentials', 'verifiedPublisher', 'disabledByMicrosoftStatus')
FILTERABLE = ('displayName', 'appId', 'uniqueName', 'id', 'signInAudience')
KEY = r"(?:/(?P<id>[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})" \
      r"|\((?P<keyname>appId|uniqueName)='(?P<keyvalue>(?:[^']|'')*)'\))"
TEMPLATE = application('template')
DEFAULT_LIFETIME = datetime.timedelta(days=730)


def _key_text(request):
    return request.match.group('id') or key_value(request, 'keyvalue')


def find(request):
    """The addressed application or None. An app created moments ago is not yet found by alternate key
    while replication_delay_s lasts (reads by object id go to the replica that created it)."""
    tenant = request.tenant
    if request.match.group('id'):
        return next((a for a in tenant['applications'] if a['id'].lower() == request.match.group('id').lower()),
                    None)
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


def check_owner(request, app):
    """Application.ReadWrite.OwnedBy reaches only apps the caller owns (created or was made owner of)."""
    if 'Application.ReadWrite.All' in roles(request):
        return
    if request.claims.get('oid') not in request.tenant['owners'].get(app['id'], []):
        request.fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')


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


def validate(request, body, creating):
    for name, value in body.items():
        if name.startswith('@odata'):
            continue
        if name not in TEMPLATE:
            _bad(request, "Property '%s' does not exist as a declared property or extension property." % name)
        if name in READ_ONLY:
            _bad(request, "Property '%s' is read-only and cannot be set." % name)
        if isinstance(TEMPLATE[name], dict) and value is not None:
            _check_complex(request, name, value)
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


def apply(app, body):
    """PATCH semantics: named properties are replaced; a complex value (web, api, info, ...) is replaced as a
    whole, members it omits going back to their defaults; omitted properties keep their values."""
    for name, value in body.items():
        if name.startswith('@odata'):
            continue
        if isinstance(TEMPLATE[name], dict) and value is not None:
            value = dict(copy.deepcopy(TEMPLATE[name]), **value)
        app[name] = copy.deepcopy(value)


def _create(request, body):
    tenant = request.tenant
    if body.get('uniqueName') and any(a.get('uniqueName') == body['uniqueName'] for a in tenant['applications']):
        request.fail(409, 'Request_MultipleObjectsWithSameKeyValue',
                     'Another object with the same value for property uniqueName already exists.')
    app = application(body['displayName'], publisherDomain=tenant['domain'])
    apply(app, body)
    tenant['applications'].append(app)
    tenant['created'][app['appId']] = time.time()
    if request.claims.get('oid'):  # an app-only caller becomes the new app's owner
        tenant['owners'][app['id']] = [request.claims['oid']]
    request.store.save()
    return app


def _entity(request, app):
    return odata.entity(request, app, 'application', 'applications')


# https://learn.microsoft.com/graph/api/application-post-applications
@route('POST', r'/applications')
def create_application(request):
    require(request, WRITE)
    body = request.json_object()
    validate(request, body, creating=True)
    with request.store.lock:
        return 201, _entity(request, _create(request, body))


# https://learn.microsoft.com/graph/api/application-list
@route('GET', r'/applications')
def list_applications(request):
    require(request, READ)
    with request.store.lock:
        return 200, odata.collection(request, request.tenant['applications'], 'application', 'applications',
                                     TEMPLATE, FILTERABLE)


# https://learn.microsoft.com/graph/api/application-get
@route('GET', r'/applications' + KEY)
def get_application(request):
    require(request, READ)
    with request.store.lock:
        return 200, _entity(request, existing(request))


# https://learn.microsoft.com/graph/api/application-update
# https://learn.microsoft.com/graph/api/application-upsert (by uniqueName with Prefer: create-if-missing)
@route('PATCH', r'/applications' + KEY)
def update_application(request):
    require(request, WRITE)
    body = request.json_object()
    upsert = request.match.group('keyname') == 'uniqueName' and \
        'create-if-missing' in request.headers.get('prefer', '').lower()
    with request.store.lock:
        app = find(request)
        if app is None and upsert:
            validate(request, body, creating=True)
            unique_name = key_value(request, 'keyvalue')
            if body.get('uniqueName', unique_name) != unique_name:
                _bad(request, "The uniqueName in the body must match the one in the request URL.")
            return 201, _entity(request, _create(request, dict(body, uniqueName=unique_name)))
        if app is None:
            not_found(request, _key_text(request))
        check_owner(request, app)
        validate(request, body, creating=False)
        if 'uniqueName' in body and app.get('uniqueName') and body['uniqueName'] != app['uniqueName']:
            _bad(request, "Property 'uniqueName' cannot be changed once it is set.")
        apply(app, body)
        request.store.save()
        return 204, None


# https://learn.microsoft.com/graph/api/application-delete
@route('DELETE', r'/applications' + KEY)
def delete_application(request):
    require(request, WRITE)
    with request.store.lock:
        app = existing(request)
        check_owner(request, app)
        tenant = request.tenant
        tenant['applications'].remove(app)
        tenant['owners'].pop(app['id'], None)
        for principal in [sp for sp in tenant['servicePrincipals'] if sp['appId'] == app['appId']]:
            remove_principal(tenant, principal)
        for credential in app['passwordCredentials'] + app['keyCredentials']:
            request.store.data['secrets'].pop(credential['keyId'], None)
        request.store.save()
        return 204, None


def remove_principal(tenant, principal):
    """Delete a service principal and the app role assignments it takes part in."""
    tenant['servicePrincipals'].remove(principal)
    tenant['appRoleAssignments'] = [a for a in tenant['appRoleAssignments']
                                    if principal['id'] not in (a['principalId'], a['resourceId'])]
    tenant['directoryRoles'].pop(principal['id'], None)


def _moment(request, spec, name, default):
    if spec.get(name) is None:
        return default
    try:
        return parse_time(spec[name])
    except (TypeError, ValueError):
        _bad(request, "Invalid value specified for property '%s' of resource 'PasswordCredential'." % name)


def _lifetime_limit(request, start, end):
    """https://learn.microsoft.com/graph/api/resources/appmanagementpolicy - passwordLifetime restriction."""
    limit = request.tenant['policy'].get('password_max_lifetime_days')
    if limit and end - start > datetime.timedelta(days=limit):
        request.fail(400, 'CredentialInvalidLifetimeAsPerAppPolicy',
                     'Credential lifetime exceeds the max value allowed as per assigned policy.')


# https://learn.microsoft.com/graph/api/application-addpassword
@route('POST', r'/applications' + KEY + r'/addPassword')
def add_password(request):
    require(request, WRITE)
    spec = request.json_object().get('passwordCredential') or {}
    if not isinstance(spec, dict):
        _bad(request, "Invalid value specified for property 'passwordCredential'.")
    start = _moment(request, spec, 'startDateTime', utc_now())
    end = _moment(request, spec, 'endDateTime', start + DEFAULT_LIFETIME)
    if end <= start:
        _bad(request, 'Key credential end date must be later than its start date.')
    with request.store.lock:
        app = existing(request)
        check_owner(request, app)
        _lifetime_limit(request, start, end)
        text = secrets.token_urlsafe(30)[:40]
        credential = password_credential(spec.get('displayName'), start, end, text[:3], new_id())
        app['passwordCredentials'].append(credential)
        request.store.data['secrets'][credential['keyId']] = secret_hash(text)
        request.store.save()
        shown = dict(credential, secretText=text)  # the only time the secret is returned
        return 200, dict({'@odata.context': odata.context(request, 'microsoft.graph.passwordCredential')}, **shown)


# https://learn.microsoft.com/graph/api/application-removepassword
@route('POST', r'/applications' + KEY + r'/removePassword')
def remove_password(request):
    require(request, WRITE)
    key_id = request.json_object().get('keyId')
    if not key_id:
        _bad(request, "A value is required for parameter 'keyId'.")
    with request.store.lock:
        app = existing(request)
        check_owner(request, app)
        credential = next((c for c in app['passwordCredentials'] if c['keyId'] == key_id), None)
        if credential is None:
            _bad(request, "No password credential with keyId '%s' exists on the application." % key_id)
        app['passwordCredentials'].remove(credential)
        request.store.data['secrets'].pop(key_id, None)
        request.store.save()
        return 204, None
