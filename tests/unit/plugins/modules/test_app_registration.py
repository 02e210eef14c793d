"""Pure helpers of the app_registration module: the app in the module's terms (view), Graph's permissions
in requiredResourceAccess (with_graph_roles) and the request body of a change (to_graph)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.modules.app_registration import to_graph, view, with_graph_roles

GRAPH = graph_api.MICROSOFT_GRAPH_APP_ID
OTHER_API = '00000002-0000-0ff1-ce00-000000000000'  # Office 365 Exchange Online
CATALOG = {'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96', 'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214'}
NAMES = dict((role_id, name) for name, role_id in CATALOG.items())


def app(**extra):
    graph = [dict(id=CATALOG['User.Read.All'], type='Role'), dict(id=CATALOG['Mail.Send'], type='Role'),
             dict(id='e1fe6dd8-delegated', type='Scope')]  # a delegated permission as well
    values = dict(displayName='Bookings ONE', signInAudience='AzureADMultipleOrgs',
                  web={'redirectUris': ['https://b1.example/z', 'https://b1.example/a']},
                  requiredResourceAccess=[
                      dict(resourceAppId=OTHER_API, resourceAccess=[dict(id='full_access_as_app', type='Role')]),
                      dict(resourceAppId=GRAPH, resourceAccess=graph)])
    values.update(extra)
    return values


def test_view_sorts_uris_and_permissions_so_order_is_never_drift():
    assert view(app(), NAMES) == dict(display_name='Bookings ONE', sign_in_audience='AzureADMultipleOrgs',
                                      web_redirect_uris=['https://b1.example/a', 'https://b1.example/z'],
                                      graph_permissions=['Mail.Send', 'User.Read.All'])


def test_view_shows_an_unknown_role_by_id_and_an_app_without_web_or_permissions_as_empty():
    unknown = app(requiredResourceAccess=[dict(resourceAppId=GRAPH, resourceAccess=[dict(id='zz-gone', type='Role')])])
    assert view(unknown, NAMES)['graph_permissions'] == ['zz-gone']
    bare = view(dict(displayName='Bare'), NAMES)
    assert bare['web_redirect_uris'] == [] and bare['graph_permissions'] == [] and bare['sign_in_audience'] is None


def test_view_has_the_instance_lock_only_when_the_app_was_read_with_it():
    assert 'instance_lock' not in view(app(), NAMES)
    assert view(app(servicePrincipalLockConfiguration=graph_api.INSTANCE_LOCK), NAMES)['instance_lock'] is True
    assert view(app(servicePrincipalLockConfiguration=dict(isEnabled=True)), NAMES)['instance_lock'] is False
    assert view(app(servicePrincipalLockConfiguration=None), NAMES)['instance_lock'] is False


def test_with_graph_roles_replaces_graph_application_permissions_and_keeps_the_rest():
    current = app()['requiredResourceAccess']
    before = copy.deepcopy(current)
    entries = with_graph_roles(current, [CATALOG['User.Read.All'], 'aaaa-new-role'])
    graph = [dict(id='e1fe6dd8-delegated', type='Scope'),  # kept, then the roles sorted by id
             dict(id='aaaa-new-role', type='Role'), dict(id=CATALOG['User.Read.All'], type='Role')]
    assert entries == [dict(resourceAppId=OTHER_API, resourceAccess=[dict(id='full_access_as_app', type='Role')]),
                       dict(resourceAppId=GRAPH, resourceAccess=graph)]
    assert current == before  # the app as read is left alone


def test_with_graph_roles_drops_the_graph_entry_when_nothing_is_left_in_it():
    only_roles = [dict(resourceAppId=GRAPH, resourceAccess=[dict(id=CATALOG['Mail.Send'], type='Role')])]
    assert with_graph_roles(only_roles, []) == []
    assert with_graph_roles(None, [CATALOG['Mail.Send']]) == [
        dict(resourceAppId=GRAPH, resourceAccess=[dict(id=CATALOG['Mail.Send'], type='Role')])]


def test_to_graph_sends_only_the_changed_properties():
    assert to_graph({}, app(), CATALOG) == {}
    assert to_graph(dict(display_name='New name', sign_in_audience='AzureADMyOrg'), app(), CATALOG) == dict(
        displayName='New name', signInAudience='AzureADMyOrg')


def test_to_graph_turns_the_instance_lock_on_fully_and_off_plainly():
    assert to_graph(dict(instance_lock=True), {}, CATALOG) == dict(servicePrincipalLockConfiguration=graph_api.INSTANCE_LOCK)
    assert to_graph(dict(instance_lock=False), {}, CATALOG) == dict(
        servicePrincipalLockConfiguration=dict(isEnabled=False))


def test_to_graph_resolves_permission_names_and_keeps_the_other_apis():
    body = to_graph(dict(graph_permissions=['Mail.Send']), app(), CATALOG)
    graph = [e for e in body['requiredResourceAccess'] if e['resourceAppId'] == GRAPH]
    assert [a['id'] for a in graph[0]['resourceAccess'] if a['type'] == 'Role'] == [CATALOG['Mail.Send']]
    assert [e['resourceAppId'] for e in body['requiredResourceAccess']] == [OTHER_API, GRAPH]
    with pytest.raises(InputError) as err:
        to_graph(dict(graph_permissions=['Mail.Sendd']), app(), CATALOG)
    assert 'Mail.Sendd' in str(err.value) and 'valid names: Mail.Send, User.Read.All' in str(err.value)


def test_web_update_sends_redirect_uris_without_the_derived_settings():
    current = {'web': {'homePageUrl': 'https://home.example', 'logoutUrl': None, 'redirectUris': ['https://old'],
                       'redirectUriSettings': [{'uri': 'https://old', 'index': None}],
                       'implicitGrantSettings': {'enableIdTokenIssuance': False}}}
    body = to_graph({'web_redirect_uris': ['https://new']}, current, {})
    assert body == {'web': {'homePageUrl': 'https://home.example', 'logoutUrl': None, 'redirectUris': ['https://new'],
                            'implicitGrantSettings': {'enableIdTokenIssuance': False}}}


def test_a_new_app_gets_a_web_of_its_redirect_uris_only():
    assert to_graph({'web_redirect_uris': []}, {}, {}) == {'web': {'redirectUris': []}}
