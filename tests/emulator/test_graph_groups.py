"""Graph's groups are the tenant's Exchange distribution groups: what New-DistributionGroup makes, Graph lists (a
mail-enabled security group with securityEnabled true), with the OData options of the other directory collections
and the permissions group-list documents."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from graph_schema import CSDL, EDM, needs_schema
from emulator_client import app_token, error_code, new_app


class Groups(object):
    def __init__(self, client):
        self.client, self.tenant = client, client.tenant(1)
        self.made = []
        for name, kind in (('Room bookers', 'Security'), ('Newsletter', 'Distribution')):
            answer = client.exo(self.tenant, 'New-DistributionGroup', {'Name': name, 'Type': kind})
            assert answer.status_code == 200, answer.text
            self.made.append(answer.json()['value'][0])
        self.tokens = {}
        for permission in ('Group.Read.All', 'Directory.Read.All', 'User.Read.All'):
            app_id, _sp, _object, secret = new_app(client, self.tenant, 'Groups ' + permission, [permission])
            self.tokens[permission] = app_token(client, self.tenant, app_id, secret)

    def get(self, path, permission='Group.Read.All', headers=None):
        return self.client.graph(self.tenant, 'GET', path, token=self.tokens[permission], headers=headers)

    def every(self, path):
        page = self.get(path)
        assert page.status_code == 200, page.text
        found = page.json()['value']
        while '@odata.nextLink' in page.json():
            page = self.client.call(self.tenant, 'GET', page.json()['@odata.nextLink'],
                                    token=self.tokens['Group.Read.All'])
            found += page.json()['value']
        return found


@pytest.fixture(scope='module')
def groups(client):
    return Groups(client)


def test_exchange_groups_are_listed_with_their_default_properties(groups):
    listed = dict((g['displayName'], g) for g in groups.every('/groups'))
    security, distribution = listed['Room bookers'], listed['Newsletter']
    assert security['id'] == groups.made[0]['ExternalDirectoryObjectId']
    assert (security['securityEnabled'], security['mailEnabled'], security['groupTypes']) == (True, True, [])
    assert (distribution['securityEnabled'], distribution['mailNickname']) == (False, 'Newsletter')
    assert security['mail'] == groups.made[0]['PrimarySmtpAddress']
    assert security['proxyAddresses'] == ['SMTP:' + groups.made[0]['PrimarySmtpAddress']]
    assert 'hideFromAddressLists' not in security and 'securityIdentifier' not in security  # only when selected


def test_select_top_and_paging(groups):
    first = groups.get('/groups?$top=1&$select=id,displayName,securityIdentifier').json()
    assert len(first['value']) == 1 and '@odata.nextLink' in first
    assert set(first['value'][0]) == {'id', 'displayName', 'securityIdentifier'}
    assert first['value'][0]['securityIdentifier'].startswith('S-1-12-1-')
    assert first['@odata.context'].endswith('/$metadata#groups(id,displayName,securityIdentifier)')
    assert len(groups.every('/groups?$top=1')) == len(groups.every('/groups'))
    assert groups.get('/groups?$select=colour').status_code == 400


@pytest.mark.parametrize('query,names', [
    ("$filter=displayName eq 'Room bookers'", ['Room bookers']),
    ("$filter=startswith(mailNickname, 'News')", ['Newsletter']),
    ("$filter=proxyAddresses/any(p:p eq 'SMTP:Newsletter@contoso.onmicrosoft.com')", ['Newsletter']),
    ("$filter=groupTypes/any(c:c eq 'Unified')", []),
])
def test_filters(groups, query, names):
    assert [g['displayName'] for g in groups.every('/groups?' + query)] == names


def test_count_needs_eventual_consistency(groups):
    assert groups.get('/groups?$count=true').status_code == 400
    counted = groups.get('/groups?$count=true', headers={'ConsistencyLevel': 'eventual'}).json()
    assert counted['@odata.count'] == len(groups.every('/groups'))


def test_permissions(groups):
    assert groups.get('/groups', 'Directory.Read.All').status_code == 200
    denied = groups.get('/groups', 'User.Read.All')
    assert denied.status_code == 403 and error_code(denied) == 'Authorization_RequestDenied'


def test_a_removed_group_leaves_graph(groups):
    made = groups.client.exo(groups.tenant, 'New-DistributionGroup', {'Name': 'Short lived'})
    assert made.status_code == 200, made.text
    assert 'Short lived' in [g['displayName'] for g in groups.every('/groups')]
    assert groups.client.exo(groups.tenant, 'Remove-DistributionGroup', {'Identity': 'Short lived'}).status_code == 200
    assert 'Short lived' not in [g['displayName'] for g in groups.every('/groups')]


def graph_properties(*type_names):
    """The properties of types of the microsoft.graph namespace (other namespaces have a `group` too)."""
    schema = next(s for s in ET.parse(CSDL).getroot().iter(EDM + 'Schema') if s.get('Namespace') == 'microsoft.graph')
    return set(p.get('Name') for t in schema if t.get('Name') in type_names for p in t
               if p.tag in (EDM + 'Property', EDM + 'NavigationProperty'))


@needs_schema
def test_group_property_names_are_graphs(groups):
    known = graph_properties('group', 'directoryObject', 'entity')
    selected = ','.join(sorted(set(groups.get('/groups').json()['value'][0]) | {'hideFromAddressLists'}))
    served = groups.get('/groups?$select=' + selected).json()['value'][0]
    assert set(served) <= known, set(served) - known
