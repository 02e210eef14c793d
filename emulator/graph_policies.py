"""Graph v1.0 routes of the app management policies: the tenant default policy (read, update),
custom policies (create, list, read, update, delete) and their assignment to applications
(appliesTo, /applications/{id}/appManagementPolicies). What they mean, and what addPassword
obeys, is app_policies.

https://learn.microsoft.com/graph/api/resources/appmanagementpolicy
https://learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy
"""

from __future__ import annotations

import copy

from emulator import app_policies, odata
from emulator.graph_routes import not_found, route
from emulator.graph_applications import KEY, directory_collection, existing, reference
from emulator.objects import iso, new_id, parse_time

# https://learn.microsoft.com/graph/api/tenantappmanagementpolicy-get#permissions (and appmanagementpolicy-list, -get)
READ = ('Policy.Read.ApplicationConfiguration', 'Policy.Read.All', 'Policy.ReadWrite.ApplicationConfiguration')
# https://learn.microsoft.com/graph/api/tenantappmanagementpolicy-update#permissions (and appmanagementpolicy-post,
# -update, -delete). appmanagementpolicy-update's generated table also names Policy.Read.ApplicationConfiguration
# as "least privileged"; the emulator does not let a read permission write.
WRITE = ('Policy.ReadWrite.ApplicationConfiguration',)
# https://learn.microsoft.com/graph/api/appmanagementpolicy-post-appliesto#permissions (and -delete-appliesto):
# "Application.Read.All and Policy.ReadWrite.ApplicationConfiguration"; Application.ReadWrite.All is the higher
# privileged form of the first.
APP_READ = ('Application.Read.All', 'Application.ReadWrite.All')
# appCredentialRestrictionType and appKeyCredentialRestrictionType of the v1.0 schema (unknownFutureValue refused).
PASSWORD_TYPES = ('passwordAddition', 'passwordLifetime', 'symmetricKeyAddition', 'symmetricKeyLifetime',
                  'customPasswordAddition')
KEY_TYPES = ('asymmetricKeyLifetime',)
LIFETIME_TYPES = ('passwordLifetime', 'symmetricKeyLifetime', 'asymmetricKeyLifetime')
STATES = ('enabled', 'disabled')
RESTRICTION_MEMBERS = ('restrictionType', 'maxLifetime', 'restrictForAppsCreatedAfterDateTime', 'state',
                       'excludeActors')
URI_RESTRICTION_MEMBERS = ('excludeActors', 'excludeAppsReceivingV2Tokens', 'excludeSaml', 'isStateSetByMicrosoft',
                           'restrictForAppsCreatedAfterDateTime', 'state')
URI_CONFIGURATION_MEMBERS = ('nonDefaultUriAddition', 'uriAdditionWithoutUniqueTenantIdentifier')
POLICY = r'/policies/appManagementPolicies/(?P<policy>[^/$()]+)'
ASSIGNED = r'/applications' + KEY + r'/appManagementPolicies'
POLICY_TEMPLATE = {'id': None, 'displayName': None, 'description': None, 'isEnabled': None, 'restrictions': None}


def _bad(request, message):
    request.fail(400, 'Request_BadRequest', message)


def _invalid(request, where, resource):
    _bad(request, "Invalid value specified for property '%s' of resource '%s'." % (where, resource))


def _odata_type(request, value, type_name, where, resource):
    """A nested object may name its own type in @odata.type, nothing else."""
    sent = value.get('@odata.type')
    if sent is not None and (not isinstance(sent, str) or sent.lstrip('#') != 'microsoft.graph.' + type_name):
        _invalid(request, where + '.@odata.type', resource)


def _members(request, value, allowed, where, resource, type_name):
    if not isinstance(value, dict):
        _invalid(request, where, resource)
    _odata_type(request, value, type_name, where, resource)
    for member in value:
        if member != '@odata.type' and member not in allowed:
            _bad(request, "Property '%s.%s' does not exist as a declared property of resource '%s'."
                 % (where, member, resource))


def _moment(request, value, where, resource):
    if value is None:
        return None
    try:
        return iso(parse_time(value))
    except (TypeError, ValueError):
        _invalid(request, where, resource)


def _actors(request, value, where, resource):
    """appManagementPolicyActorExemptions: {customSecurityAttributes: [{@odata.type, id, operator, value}]}. Kept as
    sent: the emulator has no custom security attributes, so no caller is ever exempt."""
    if value is None:
        return None
    _members(request, value, ('customSecurityAttributes',), where, resource, 'appManagementPolicyActorExemptions')
    exemptions = value.get('customSecurityAttributes') or []
    if not isinstance(exemptions, list) or not all(isinstance(e, dict) and e.get('id') for e in exemptions):
        _invalid(request, where + '.customSecurityAttributes', resource)
    return copy.deepcopy(value)


def _state(request, value, where, resource):
    state = value.get('state', 'enabled')  # not nullable; the documented examples leave it out (= enabled)
    if state not in STATES:
        _invalid(request, where + '.state', resource)
    return state


def _restriction(request, value, kinds, where, resource, type_name):
    """One passwordCredentialConfiguration or keyCredentialConfiguration, normalised."""
    _members(request, value, RESTRICTION_MEMBERS, where, resource, type_name)
    kind = value.get('restrictionType')
    if kind not in kinds:
        _invalid(request, where + '.restrictionType', resource)
    lifetime = value.get('maxLifetime')
    if kind in LIFETIME_TYPES:  # "required when restrictionType is set to passwordLifetime"
        try:
            app_policies.duration(lifetime)
        except ValueError:
            _invalid(request, where + '.maxLifetime', resource)
    elif lifetime is not None:  # a lifetime means nothing to an addition restriction: refused, not ignored
        _invalid(request, where + '.maxLifetime', resource)
    normal = {'restrictionType': kind, 'state': _state(request, value, where, resource), 'maxLifetime': lifetime,
              'restrictForAppsCreatedAfterDateTime': _moment(
                  request, value.get('restrictForAppsCreatedAfterDateTime'),
                  where + '.restrictForAppsCreatedAfterDateTime', resource)}
    if 'excludeActors' in value:
        normal['excludeActors'] = _actors(request, value['excludeActors'], where + '.excludeActors', resource)
    return normal


def _restrictions(request, value, kinds, where, resource, type_name):
    """A collection of restrictions; "Each value of restrictionType can be used only once per policy"
    (passwordcredentialconfiguration)."""
    if value is None:
        return []
    if not isinstance(value, list):
        _invalid(request, where, resource)
    normal = [_restriction(request, item, kinds, '%s[%d]' % (where, number), resource, type_name)
              for number, item in enumerate(value)]
    kinds_seen = [item['restrictionType'] for item in normal]
    if len(set(kinds_seen)) != len(kinds_seen):
        _bad(request, "Each restrictionType can be used only once in '%s' of resource '%s'." % (where, resource))
    return normal


def _uri_restriction(request, value, where, resource):
    if value is None:
        return None
    _members(request, value, URI_RESTRICTION_MEMBERS, where, resource, 'identifierUriRestriction')
    normal = {'state': _state(request, value, where, resource),
              'restrictForAppsCreatedAfterDateTime': _moment(
                  request, value.get('restrictForAppsCreatedAfterDateTime'),
                  where + '.restrictForAppsCreatedAfterDateTime', resource)}
    for member in ('excludeAppsReceivingV2Tokens', 'excludeSaml', 'isStateSetByMicrosoft'):
        if member in value:
            if value[member] is not None and not isinstance(value[member], bool):
                _invalid(request, '%s.%s' % (where, member), resource)
            normal[member] = value[member]
    if 'excludeActors' in value:
        normal['excludeActors'] = _actors(request, value['excludeActors'], where + '.excludeActors', resource)
    return normal


def _identifier_uris(request, value, where, resource):
    """identifierUriConfiguration (stored, not enforced: the emulator does not restrict identifierUris)."""
    if value is None:
        return None
    _members(request, value, URI_CONFIGURATION_MEMBERS, where, resource, 'identifierUriConfiguration')
    return dict((member, _uri_restriction(request, value[member], '%s.%s' % (where, member), resource))
                for member in URI_CONFIGURATION_MEMBERS if member in value)


def _configuration(request, value, where, resource, type_name, extra=()):
    """An appManagementConfiguration (passwordCredentials, keyCredentials) and the members its subtype adds:
    identifierUris (appManagementApplicationConfiguration) or applicationRestrictions
    (customAppManagementConfiguration)."""
    if value is None:
        return copy.deepcopy(app_policies.EMPTY)
    _members(request, value, ('passwordCredentials', 'keyCredentials') + tuple(extra), where, resource, type_name)
    normal = {'passwordCredentials': _restrictions(request, value.get('passwordCredentials'), PASSWORD_TYPES,
                                                   where + '.passwordCredentials', resource,
                                                   'passwordCredentialConfiguration'),
              'keyCredentials': _restrictions(request, value.get('keyCredentials'), KEY_TYPES,
                                              where + '.keyCredentials', resource, 'keyCredentialConfiguration')}
    if 'identifierUris' in extra and 'identifierUris' in value:
        normal['identifierUris'] = _identifier_uris(request, value['identifierUris'], where + '.identifierUris',
                                                    resource)
    if 'applicationRestrictions' in extra and 'applicationRestrictions' in value:
        inner = value['applicationRestrictions']
        if inner is not None:
            _members(request, inner, ('identifierUris',), where + '.applicationRestrictions', resource,
                     'customAppManagementApplicationConfiguration')
            inner = {'identifierUris': _identifier_uris(request, inner.get('identifierUris'),
                                                        where + '.applicationRestrictions.identifierUris', resource)}
        normal['applicationRestrictions'] = inner
    return normal


def _policy_body(request, body, resource, complex_members, creating=False):
    """The properties a create or update sets: displayName, description, isEnabled and the policy's own complex
    properties (complex_members: name -> normaliser). Unknown and read-only properties are refused."""
    changes = {}
    for name, value in body.items():
        if name.startswith('@odata'):
            continue
        if name in ('id', 'deletedDateTime', 'appliesTo'):
            _bad(request, "Property '%s' is read-only and cannot be set." % name)
        if name in ('displayName', 'description'):
            if not isinstance(value, str) or not value.strip() or len(value) > 256:
                _invalid(request, name, resource)
            changes[name] = value
        elif name == 'isEnabled':
            if not isinstance(value, bool):
                _invalid(request, name, resource)
            changes[name] = value
        elif name in complex_members:
            changes[name] = complex_members[name](request, value)
        else:
            _bad(request, "Property '%s' does not exist as a declared property or extension property." % name)
    if creating:
        for name in ('displayName', 'description'):  # both "Required" (appmanagementpolicy-post)
            if name not in changes:
                _bad(request, "A value is required for property '%s' of resource '%s'." % (name, resource))
    return changes


def _custom_restrictions(request, value):
    return _configuration(request, value, 'restrictions', 'AppManagementPolicy', 'customAppManagementConfiguration',
                          ('applicationRestrictions',))


DEFAULT_MEMBERS = {
    'applicationRestrictions': lambda request, value: _configuration(
        request, value, 'applicationRestrictions', 'TenantAppManagementPolicy',
        'appManagementApplicationConfiguration', ('identifierUris',)),
    'servicePrincipalRestrictions': lambda request, value: _configuration(
        request, value, 'servicePrincipalRestrictions', 'TenantAppManagementPolicy',
        'appManagementServicePrincipalConfiguration'),
}


def _existing_policy(request):
    policy_id = request.match.group('policy')
    found = app_policies.policy_by_id(request.tenant, policy_id)
    if found is None:
        not_found(request, policy_id)
    return found


def _policy_entity(request, policy):
    return odata.entity(request, policy, 'appManagementPolicy', 'policies/appManagementPolicies')


# Tenant default policy ------------------------------------------------------------------------


# https://learn.microsoft.com/graph/api/tenantappmanagementpolicy-get
@route('GET', r'/policies/defaultAppManagementPolicy', READ)
def get_default_policy(request):
    body = app_policies.tenant_policy(request.tenant)
    return 200, odata.entity(request, body, 'tenantAppManagementPolicy', 'policies/defaultAppManagementPolicy')


# https://learn.microsoft.com/graph/api/tenantappmanagementpolicy-update - 204; named properties are replaced (a
# restrictions object as a whole), the others keep their values.
@route('PATCH', r'/policies/defaultAppManagementPolicy', WRITE)
def update_default_policy(request):
    changes = _policy_body(request, request.json_object(), 'TenantAppManagementPolicy', DEFAULT_MEMBERS)
    policy = copy.deepcopy(app_policies.tenant_policy(request.tenant))
    policy.update(changes)
    request.tenant['defaultAppManagementPolicy'] = policy
    return 204, None


# Custom policies ------------------------------------------------------------------------------


# https://learn.microsoft.com/graph/api/appmanagementpolicy-post - 201 with the new policy. isEnabled is optional
# and its default undocumented: the emulator enables a policy created without it (the stricter reading).
@route('POST', r'/policies/appManagementPolicies', WRITE)
def create_policy(request):
    changes = _policy_body(request, request.json_object(), 'AppManagementPolicy',
                           {'restrictions': _custom_restrictions}, creating=True)
    policy = {'id': new_id(), 'displayName': None, 'description': None, 'isEnabled': True,
              'restrictions': copy.deepcopy(app_policies.EMPTY)}
    policy.update(changes)
    app_policies.policies(request.tenant).append(policy)
    return 201, _policy_entity(request, policy)


# https://learn.microsoft.com/graph/api/appmanagementpolicy-list ($select, $filter, $top)
@route('GET', r'/policies/appManagementPolicies', READ)
def list_policies(request):
    return 200, odata.collection(request, app_policies.policies(request.tenant), 'appManagementPolicy',
                                 'policies/appManagementPolicies', POLICY_TEMPLATE, ('displayName', 'id'))


# https://learn.microsoft.com/graph/api/appmanagementpolicy-get
@route('GET', POLICY, READ)
def get_policy(request):
    return 200, _policy_entity(request, _existing_policy(request))


# https://learn.microsoft.com/graph/api/appmanagementpolicy-update - 204
@route('PATCH', POLICY, WRITE)
def update_policy(request):
    changes = _policy_body(request, request.json_object(), 'AppManagementPolicy',
                           {'restrictions': _custom_restrictions})
    _existing_policy(request).update(changes)
    return 204, None


# https://learn.microsoft.com/graph/api/appmanagementpolicy-delete - 204. The page does not say what happens to a
# policy still applied to objects; the emulator refuses (400) until it is removed from them (the stricter reading).
@route('DELETE', POLICY, WRITE)
def delete_policy(request):
    policy = _existing_policy(request)
    if policy['id'] in app_policies.assignments(request.tenant).values():
        _bad(request, "The policy '%s' is applied to one or more objects; remove it from them before deleting "
                      "it." % policy['id'])
    app_policies.policies(request.tenant).remove(policy)
    return 204, None


# https://learn.microsoft.com/graph/api/appmanagementpolicy-list-appliesto - the applications the policy is applied
# to, as directoryObjects with @odata.type. Permissions: the page's table lists Application.Read.All as least
# privileged and the Policy.* permissions as higher; an earlier version of it asked for "Application.Read.All and
# Policy.Read.All" (or Policy.ReadWrite.ApplicationConfiguration). The emulator asks for both halves.
@route('GET', POLICY + r'/appliesTo', APP_READ, READ)
def list_applies_to(request):
    policy = _existing_policy(request)
    tenant = request.tenant
    applied = [object_id for object_id, policy_id in app_policies.assignments(tenant).items()
               if policy_id == policy['id']]
    entries = [('application', app) for app in tenant['applications'] if app['id'] in applied]
    return 200, directory_collection(request, entries)


# Assignment to applications -------------------------------------------------------------------


# https://learn.microsoft.com/graph/api/appmanagementpolicy-post-appliesto - 204; body
# {"@odata.id": "https://graph.microsoft.com/v1.0/policies/appManagementPolicies/{id}"}. "Only one policy object can
# be assigned to an application or service principal": the same one again, or a second, is 400.
@route('POST', ASSIGNED + r'/(?:\$|%24)ref', APP_READ, WRITE)
def assign_policy(request):
    policy_id = reference(request, ('policies/appManagementPolicies',))
    app = existing(request)
    tenant = request.tenant
    policy = app_policies.policy_by_id(tenant, policy_id)
    if policy is None:
        not_found(request, policy_id)
    current = app_policies.assignments(tenant).get(app['id'])
    if current == policy['id']:
        _bad(request, "One or more added object references already exist for the following modified "
                      "properties: 'appManagementPolicies'.")
    if current is not None:
        _bad(request, "Only one policy object can be assigned to an application or service principal; policy "
                      "'%s' is already assigned." % current)
    app_policies.assignments(tenant)[app['id']] = policy['id']
    return 204, None


# The application's appManagementPolicies relationship (https://learn.microsoft.com/graph/api/resources/application,
# navigation property appManagementPolicies). The v1.0 reference has no page for listing it, so the permissions are
# those of its mirror image, appmanagementpolicy-list-appliesto: an Application.Read.All-level permission and a
# Policy read permission, both.
@route('GET', ASSIGNED, APP_READ, READ)
def list_assigned(request):
    app = existing(request)
    policy = app_policies.assigned_policy(request.tenant, app['id'])
    return 200, odata.collection(request, [policy] if policy else [], 'appManagementPolicy',
                                 'policies/appManagementPolicies', POLICY_TEMPLATE, ('displayName', 'id'))


# https://learn.microsoft.com/graph/api/appmanagementpolicy-delete-appliesto - 204; the app goes back to the tenant
# default policy. A policy that is not applied to the app is 404.
@route('DELETE', ASSIGNED + r'/(?P<policy>[^/$()]+)/(?:\$|%24)ref', APP_READ, WRITE)
def unassign_policy(request):
    app = existing(request)
    policy_id = request.match.group('policy')
    current = app_policies.assignments(request.tenant).get(app['id'])
    if current is None or current.lower() != policy_id.lower():
        not_found(request, policy_id)
    del app_policies.assignments(request.tenant)[app['id']]
    return 204, None
