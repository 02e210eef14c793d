"""$filter with the lambda operator any() on the string collections Graph documents as filterable so
(applications: identifierUris, tags; service principals: servicePrincipalNames, tags), clauses joined by
`and`, and Graph's refusals of any() elsewhere."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from emulator_client import error_code


@pytest.fixture(scope='module')
def tenant(client):
    return client.tenant(1)


@pytest.fixture(scope='module')
def tagged(client, tenant):
    """An application with identifier URIs and tags, and its service principal."""
    app = client.graph(tenant, 'POST', '/applications', {
        'displayName': 'Lambda target', 'identifierUris': ['api://lambda-target', "api://o'brien"],
        'tags': ['HideApp', 'lambda-tag']}).json()
    principal = client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId'], 'tags': ['sp-tag']})
    assert principal.status_code == 201, principal.text
    client.graph(tenant, 'POST', '/applications', {'displayName': 'Lambda other', 'tags': ['other']})
    return app, principal.json()


def listed(client, tenant, collection, text):
    answer = client.graph(tenant, 'GET', '/%s?$filter=%s' % (collection, quote(text, safe='')))
    assert answer.status_code == 200, answer.text
    return [item['id'] for item in answer.json()['value']]


@pytest.mark.parametrize('text', [
    "identifierUris/any(s:s eq 'api://lambda-target')",   # az ad app list --identifier-uri / az ad sp create --id
    "identifierUris/any(x:x eq 'API://LAMBDA-TARGET')",   # directory strings compare without case
    "identifierUris/any(s:s eq 'api://o''brien')",        # a quote is doubled in the literal
    "tags/any(t: t eq 'lambda-tag')",
    "tags/any(t:t eq 'HideApp') and startswith(displayName,'Lambda')",
    "displayName eq 'Lambda target' and identifierUris/any(s:s eq 'api://lambda-target')",
])
def test_application_any_filters(client, tenant, tagged, text):
    assert listed(client, tenant, 'applications', text) == [tagged[0]['id']]


def test_an_any_filter_that_matches_nothing(client, tenant, tagged):
    assert listed(client, tenant, 'applications', "tags/any(t:t eq 'no such tag')") == []
    assert listed(client, tenant, 'applications', "tags/any(t:t eq 'other') and displayName eq 'Lambda target'") == []


def test_service_principal_names_hold_the_app_id_and_identifier_uris(client, tenant, tagged):
    app, principal = tagged
    assert principal['servicePrincipalNames'] == [app['appId'], 'api://lambda-target', "api://o'brien"]
    for text in ("servicePrincipalNames/any(c:c eq '%s')" % app['appId'],   # az ad sp show --id, permission grant
                 "servicePrincipalNames/any(c:c eq 'api://lambda-target')",
                 "tags/any(t:t eq 'sp-tag')"):
        assert listed(client, tenant, 'servicePrincipals', text) == [principal['id']]
    graph = listed(client, tenant, 'servicePrincipals',
                   "servicePrincipalNames/any(c:c eq '00000003-0000-0000-c000-000000000000')")
    assert len(graph) == 1


@pytest.mark.parametrize('collection,text,code', [
    ('applications', "displayName/any(c:c eq 'x')", 'BadRequest'),             # not a collection
    ('applications', "appRoles/any(r:r eq 'x')", 'Request_UnsupportedQuery'),  # a collection, not filterable so
    ('applications', "servicePrincipalNames/any(c:c eq 'x')", 'Request_UnsupportedQuery'),  # not an app property
    ('applications', "identifierUris/all(s:s eq 'x')", 'Request_UnsupportedQuery'),
    ('applications', "identifierUris/any(s:s ne 'x')", 'Request_UnsupportedQuery'),
    ('applications', "identifierUris/any(s:startswith(s, 'x'))", 'BadRequest'),
    ('applications', "identifierUris/any(s:x eq 'y')", 'BadRequest'),          # not the lambda's variable
    ('applications', "identifierUris/any(s:s eq 'x'", 'BadRequest'),           # unbalanced
    ('applications', "tags/any(t:t eq 'x') or displayName eq 'y'", 'BadRequest'),
    ('servicePrincipals', "identifierUris/any(s:s eq 'x')", 'Request_UnsupportedQuery'),
    ('servicePrincipals', "appId/any(c:c eq 'x')", 'BadRequest'),
    ('servicePrincipals', "replyUrls/any(c:c eq 'x')", 'Request_UnsupportedQuery'),
])
def test_any_elsewhere_is_refused(client, tenant, collection, text, code):
    answer = client.graph(tenant, 'GET', '/%s?$filter=%s' % (collection, quote(text, safe='')))
    assert answer.status_code == 400 and error_code(answer) == code, answer.text
    assert answer.json()['error']['message']


def test_any_is_refused_on_collections_without_lambda_filters(client, tenant):
    answer = client.graph(tenant, 'GET', "/places/microsoft.graph.room?$filter=%s"
                          % quote("tags/any(t:t eq 'x')", safe=''))
    assert answer.status_code == 400


def test_existing_filters_still_work(client, tenant, tagged):
    assert listed(client, tenant, 'applications', "appId eq '%s'" % tagged[0]['appId']) == [tagged[0]['id']]
    assert listed(client, tenant, 'servicePrincipals', "displayName eq 'Lambda target'") == [tagged[1]['id']]
