"""Graph users: list with $select, $filter, $top and paging, get by id or userPrincipalName, /me, the documented
permissions, and the seed's users with their directory roles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from delegated import user_token
from emulator_client import error_code
from graph_schema import CSDL, EDM, needs_schema

DEFAULT = {'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
           'preferredLanguage', 'surname', 'userPrincipalName', 'id'}


def all_pages(client, tenant, path, **kwargs):
    answer = client.graph(tenant, 'GET', path, **kwargs)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items = body['value']
    while '@odata.nextLink' in body:
        body = client.call(tenant, 'GET', body['@odata.nextLink'], **kwargs).json()
        items += body['value']
    return items


def test_list_pages_through_every_seeded_user_with_the_default_properties(client):
    tenant = client.tenant(1)
    first = client.graph(tenant, 'GET', '/users').json()
    assert first['@odata.context'].endswith('/v1.0/$metadata#users') and len(first['value']) == 2  # page size 2
    users = all_pages(client, tenant, '/users')
    seeded = [u['userPrincipalName'] for u in client.seed['tenants'][1]['users']]
    # the seeded users, then a user for each mailbox (shared, room) that has no seeded user
    listed = [u['userPrincipalName'] for u in users]
    assert listed[:len(seeded)] == seeded and 'bookings.team@contoso.onmicrosoft.com' in listed[len(seeded):]
    assert 'board@contoso.onmicrosoft.com' in listed and 'alice@partner.example' not in listed  # not a mail user
    assert all(set(u) == DEFAULT for u in users)
    alice = next(u for u in users if u['userPrincipalName'] == 'alice@contoso.onmicrosoft.com')
    assert alice['id'] == '2b7a1c4f-3d5e-4f6a-9b0c-1d2e3f4a5b62' and alice['businessPhones'] == []


@pytest.mark.parametrize('query,expected', [
    ("$filter=userPrincipalName eq 'ALICE@contoso.onmicrosoft.com'", ['alice@contoso.onmicrosoft.com']),
    ("$filter=mail eq 'diego@contoso.onmicrosoft.com'", ['diego@contoso.onmicrosoft.com']),
    ("$filter=displayName eq 'Role Admin'", ['roleadmin@contoso.onmicrosoft.com']),
    ("$filter=id eq '2b7a1c4f-3d5e-4f6a-9b0c-1d2e3f4a5b62'", ['alice@contoso.onmicrosoft.com']),
    ("$filter=startswith(displayName, 'glo')", ['globaladmin@contoso.onmicrosoft.com']),
    ("$filter=startswith(userPrincipalName, 'nobody')", []),
])
def test_filter(client, query, expected):
    users = all_pages(client, client.tenant(1), '/users?' + query)
    assert [u['userPrincipalName'] for u in users] == expected


def test_select_top_and_count(client):
    tenant = client.tenant(1)
    page = client.graph(tenant, 'GET', '/users?$select=id,userPrincipalName,accountEnabled&$top=3').json()
    assert len(page['value']) == 3 and '@odata.nextLink' in page
    assert set(page['value'][0]) == {'id', 'userPrincipalName', 'accountEnabled'}
    counted = client.graph(tenant, 'GET', '/users?$count=true&$top=1', headers={'ConsistencyLevel': 'eventual'})
    assert counted.json()['@odata.count'] == len(all_pages(client, tenant, '/users'))


@pytest.mark.parametrize('query,code', [
    ('$select=favouriteColour', 'Request_BadRequest'),
    ("$filter=jobTitle eq 'x'", 'Request_UnsupportedQuery'),
    ('$top=0', 'Request_BadRequest'),
    ('$orderby=displayName', 'Request_BadRequest'),
])
def test_unsupported_queries_are_refused(client, query, code):
    answer = client.graph(client.tenant(1), 'GET', '/users?' + query)
    assert answer.status_code == 400 and error_code(answer) == code


def test_get_by_id_or_user_principal_name(client):
    tenant = client.tenant(1)
    by_id = client.graph(tenant, 'GET', '/users/2b7a1c4f-3d5e-4f6a-9b0c-1d2e3f4a5b62').json()
    by_upn = client.graph(tenant, 'GET', '/users/%s' % quote('Alice@contoso.onmicrosoft.com')).json()
    assert by_id == by_upn and by_id['displayName'] == 'Alice Admin'
    assert by_id['@odata.context'].endswith('$metadata#users/$entity') and set(by_id) - {'@odata.context'} == DEFAULT
    selected = client.graph(tenant, 'GET', '/users/alice@contoso.onmicrosoft.com?$select=mail,userType').json()
    assert selected['userType'] == 'Member' and set(selected) == {'@odata.context', 'id', 'mail', 'userType'}
    missing = client.graph(tenant, 'GET', '/users/nobody@contoso.onmicrosoft.com')
    assert missing.status_code == 404 and error_code(missing) == 'Request_ResourceNotFound'
    other_tenant = client.graph(tenant, 'GET', '/users/megan@fabrikam.onmicrosoft.com')
    assert other_tenant.status_code == 404


def test_reading_users_needs_a_documented_permission(client):
    tenant = client.tenant(1)
    refused = client.graph(tenant, 'GET', '/users', operator=1)  # the auditor holds Application.Read.All only
    assert refused.status_code == 403 and error_code(refused) == 'Authorization_RequestDenied'


def test_me_is_the_signed_in_user_and_not_an_app(client):
    tenant = client.tenant(1)
    app_only = client.graph(tenant, 'GET', '/me')
    assert app_only.status_code == 400 and 'delegated authentication flow' in app_only.json()['error']['message']
    user_token(client, tenant, 'globaladmin@contoso.onmicrosoft.com')  # consents for the organization
    token = user_token(client, tenant, 'diego@contoso.onmicrosoft.com')
    me = client.graph(tenant, 'GET', '/me', token=token).json()
    assert me['userPrincipalName'] == 'diego@contoso.onmicrosoft.com'
    # a member user reads the directory (default user permissions)
    assert client.graph(tenant, 'GET', '/users/alice@contoso.onmicrosoft.com', token=token).status_code == 200


def test_seeded_directory_roles(emu, client):
    with emu.store.lock:
        roles = emu.store.tenant(client.tenant(1))['directoryRoles']
        assert roles['6c2d3e4f-5a6b-4c7d-8e9f-000000000011'] == ['Global Administrator']
        assert roles['6c2d3e4f-5a6b-4c7d-8e9f-000000000012'] == ['Privileged Role Administrator']
        assert '6c2d3e4f-5a6b-4c7d-8e9f-000000000013' not in roles


def test_added_users_are_user_mailboxes_not_rooms(client):
    tenant = client.tenant(1)
    parameters = {'RecipientTypeDetails': 'RoomMailbox', 'ResultSize': 'Unlimited'}
    body, names = client.exo(tenant, 'Get-Mailbox', parameters).json(), []
    request = {'CmdletInput': {'CmdletName': 'Get-Mailbox', 'Parameters': parameters}}
    while True:
        names += [m['PrimarySmtpAddress'] for m in body['value']]
        if '@odata.nextLink' not in body:
            break
        body = client.call(tenant, 'POST', body['@odata.nextLink'], request, service='exchange',
                           headers={'X-AnchorMailbox': 'APP:SystemMailbox@%s' % tenant}).json()
    assert sorted(names) == ['annex@contoso.onmicrosoft.com', 'board@contoso.onmicrosoft.com',
                             'focus-1@contoso.onmicrosoft.com', 'quiet@contoso.onmicrosoft.com']
    diego = client.exo(tenant, 'Get-Mailbox', {'Identity': 'diego@contoso.onmicrosoft.com'}).json()['value'][0]
    assert diego['RecipientTypeDetails'] == 'UserMailbox'


@needs_schema
def test_served_user_properties_are_in_the_schema():
    from emulator.graph_users import TEMPLATE
    schema = next(s for s in ET.parse(CSDL).getroot().iter(EDM + 'Schema') if s.get('Namespace') == 'microsoft.graph')
    user = next(t for t in schema.iter(EDM + 'EntityType') if t.get('Name') == 'user')
    names = set(p.get('Name') for p in user if p.tag == EDM + 'Property') | {'id'}
    assert set(TEMPLATE) <= names, set(TEMPLATE) - names
