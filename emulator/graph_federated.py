"""Graph v1.0 federated identity credentials of an application: list, create, get, update and delete, the
application addressed by id or appId (or uniqueName), a credential by id or name. The login listener accepts a
token of a credential's issuer as the application's client assertion (identity_federated.py).

https://learn.microsoft.com/graph/api/resources/federatedidentitycredential
https://learn.microsoft.com/graph/api/resources/federatedidentitycredentials-overview (at most 20 per application)

Kept in the application's tenant, `federatedIdentityCredentials` {application object id: [credential]}. The issuer
must be an https URL (stricter than Graph, which calls it "the URL of the external identity provider"), and a name
URL friendly: letters, digits, '-', '_' and '.'. Refusals are 400 InvalidFederatedIdentityCredentialValue, as Entra
answers a repeated issuer and subject (https://github.com/Azure/azure-workload-identity/issues/434).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from emulator import odata
from emulator.graph_applications import KEY, check_owner, existing
from emulator.graph_routes import not_found, route
from emulator.identity_federated import credentials_of
from emulator.objects import new_id

# https://learn.microsoft.com/graph/api/application-list-federatedidentitycredentials#permissions (and get)
READ = ('Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All')
# https://learn.microsoft.com/graph/api/application-post-federatedidentitycredentials#permissions (update, delete)
WRITE = ('Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All')
MAX_PER_APP = 20
MAX_TEXT, MAX_NAME = 600, 120
NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
INVALID = 'InvalidFederatedIdentityCredentialValue'
PROPERTIES = ('name', 'issuer', 'subject', 'audiences', 'description')
COLLECTION = r'/applications' + KEY + r'/federatedIdentityCredentials'
ITEM = COLLECTION + r'/(?P<credential>[^/]+)'
TEMPLATE = {'id': 'template', 'name': None, 'issuer': None, 'subject': None, 'description': None, 'audiences': []}


def _path(app):
    return "applications('%s')/federatedIdentityCredentials" % app['id']


def _fail(request, message, code=INVALID):
    request.fail(400, code, message)


def _text(request, body, name, limit, required):
    value = body.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        _fail(request, "Property '%s' is required and must be text of at most %d characters." % (name, limit))


def _validate(request, body, creating):
    """400 unless the body sets known properties to valid values (all required ones when creating)."""
    unknown = [name for name in body if name not in PROPERTIES + ('id',) and not name.startswith('@odata')]
    if unknown:
        _fail(request, "Property '%s' does not exist on type 'microsoft.graph.federatedIdentityCredential'."
              % unknown[0], 'Request_BadRequest')
    for name, limit in (('name', MAX_NAME), ('issuer', MAX_TEXT), ('subject', MAX_TEXT)):
        if creating or name in body:
            _text(request, body, name, limit, True)
    _text(request, body, 'description', MAX_TEXT, False)
    if 'name' in body and not NAME.match(body['name']):
        _fail(request, "Property 'name' must be URL friendly: letters, digits, '-', '_' and '.'.")
    if 'issuer' in body and not body['issuer'].lower().startswith('https://'):
        _fail(request, "Property 'issuer' must be the https URL of the external identity provider.")
    if creating or 'audiences' in body:
        audiences = body.get('audiences')
        if not isinstance(audiences, list) or len(audiences) != 1 or not isinstance(audiences[0], str) or \
                not audiences[0].strip() or len(audiences[0]) > MAX_TEXT:
            _fail(request, "Property 'audiences' takes exactly one value of at most %d characters." % MAX_TEXT)


def _unique(request, credentials, candidate, itself=None):
    for other in credentials:
        if other is itself:
            continue
        if other['name'] == candidate['name']:
            _fail(request, "A federated identity credential named '%s' already exists on the application."
                  % candidate['name'])
        if other['issuer'] == candidate['issuer'] and other['subject'] == candidate['subject']:
            _fail(request, 'The combination of issuer and subject must be unique for the application. Issuer %s and '
                           'Subject: %s already exist.' % (candidate['issuer'], candidate['subject']))


def _addressed(request, app):
    key = unquote(request.match.group('credential'))
    found = next((c for c in credentials_of(request.tenant, app) if key in (c['id'], c['name'])), None)
    if found is None:
        not_found(request, key)
    return found


# https://learn.microsoft.com/graph/api/application-list-federatedidentitycredentials
@route('GET', COLLECTION, READ)
def list_credentials(request):
    app = existing(request)
    return 200, odata.collection(request, credentials_of(request.tenant, app), 'federatedIdentityCredential',
                                 _path(app), TEMPLATE, ('name', 'subject', 'issuer'))


# https://learn.microsoft.com/graph/api/application-post-federatedidentitycredentials
@route('POST', COLLECTION, WRITE)
def create_credential(request):
    app = existing(request)
    check_owner(request, app)
    body = request.json_object()
    _validate(request, body, creating=True)
    credentials = credentials_of(request.tenant, app, create=True)
    if len(credentials) >= MAX_PER_APP:
        _fail(request, 'An application can have at most %d federated identity credentials.' % MAX_PER_APP)
    created = {'id': new_id(), 'name': body['name'], 'issuer': body['issuer'], 'subject': body['subject'],
               'description': body.get('description'), 'audiences': list(body['audiences'])}
    _unique(request, credentials, created)
    credentials.append(created)
    return 201, dict({'@odata.context': odata.context(request, _path(app), entity=True)}, **created)


# https://learn.microsoft.com/graph/api/federatedidentitycredential-get
@route('GET', ITEM, READ)
def get_credential(request):
    app = existing(request)
    return 200, odata.entity(request, _addressed(request, app), 'federatedIdentityCredential', _path(app))


# https://learn.microsoft.com/graph/api/federatedidentitycredential-update (name is immutable)
@route('PATCH', ITEM, WRITE)
def update_credential(request):
    app = existing(request)
    check_owner(request, app)
    found = _addressed(request, app)
    body = request.json_object()
    _validate(request, body, creating=False)
    if body.get('id', found['id']) != found['id'] or body.get('name', found['name']) != found['name']:
        _fail(request, "Properties 'id' and 'name' cannot be changed.")
    changed = dict(found, **dict((k, v) for k, v in body.items() if k in PROPERTIES))
    _unique(request, credentials_of(request.tenant, app), changed, itself=found)
    found.update(changed)
    return 204, None


# https://learn.microsoft.com/graph/api/federatedidentitycredential-delete
@route('DELETE', ITEM, WRITE)
def delete_credential(request):
    app = existing(request)
    check_owner(request, app)
    found = _addressed(request, app)
    credentials_of(request.tenant, app, create=True).remove(found)
    return 204, None
