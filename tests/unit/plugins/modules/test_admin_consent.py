"""admin_consent: the resource API and its catalog, the permissions a client holds, the service principal
made for a new app (replication waited out, a concurrent create accepted), and the grant/revoke plan."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.modules import admin_consent
from ansible_collections.bookingsone.office365.plugins.module_utils._consent import (
    REPLICATING, create_principal, held_permissions, resource_principal)

from ..module_utils.fakes import FakeConnection, run_logic

APP = '11111111-2222-3333-4444-555555555555'
ROLES = {'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96', 'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
         'Place.Read.All': '913b9306-0ce1-42b8-9137-6a7df690a760'}
GRAPH_SP = dict(id='graph-sp', appId=graph_api.MICROSOFT_GRAPH_APP_ID, displayName='Microsoft Graph',
                appRoles=[dict(value=name, id=role, allowedMemberTypes=['Application']) for name, role in ROLES.items()]
                + [dict(value='Mail.Read', id='delegated-only', allowedMemberTypes=['User'])])
OTHER_SP = dict(id='other-sp', appId='00000002-0000-0ff1-ce00-000000000000', displayName='Office 365 Exchange Online',
                appRoles=[])


class FakeGraph(object):
    """Service principals and app role assignments; POST /servicePrincipals and $batch are recorded."""

    def __init__(self, principals=(GRAPH_SP, OTHER_SP), assignments=(), create_fails=False):
        self.principals = list(principals)
        self.assignments = list(assignments)
        self.create_fails = create_fails
        self.budget = None
        self.created, self.batches = [], []

    def with_retry_budget(self, seconds):
        self.budget = seconds
        return self

    def get_or_none(self, path, params=None):
        return next((p for p in self.principals if path == "/servicePrincipals(appId='%s')" % p['appId']), None)

    def list(self, path, params=None):
        if path == '/servicePrincipals':
            return [p for p in self.principals if params['$filter'] == "displayName eq '%s'" % p['displayName']]
        principal = path.split('/')[2]
        return [a for a in self.assignments if a['principalId'] == principal]

    def request(self, method, path, body=None, retry_codes=()):
        self.created.append((path, body, retry_codes, self.budget))
        if self.create_fails:
            raise MicrosoftApiError('graph', 409, 'Request_MultipleObjectsWithSameKeyPropertyValue', 'exists')
        principal = dict(id='client-sp', appId=body['appId'], displayName='Bookings ONE')
        self.principals.append(principal)
        return principal

    @staticmethod
    def json_or_none(response):
        return response

    def batch(self, requests, retry_codes=()):
        """Grants and revocations carried out, each answered as Graph does (201, 204)."""
        self.batches.append(([(r['method'], r['url'], (r.get('body') or {}).get('appRoleId')) for r in requests],
                             retry_codes))
        for r in requests:
            if r['method'] == 'POST':
                self.assignments.append(dict(r['body'], id='assignment-%d' % len(self.assignments)))
            else:
                self.assignments = [a for a in self.assignments if a['id'] != r['url'].rsplit('/', 1)[1]]
        return [dict(id=r['id'], status=201 if r['method'] == 'POST' else 204) for r in requests]


def assignment(name, resource='graph-sp', principal='client-sp'):
    return dict(id='assignment-' + name, appRoleId=ROLES.get(name, name), resourceId=resource, principalId=principal)


class FakeState(object):
    """What the module's helpers take of a TaskState: Graph and the params."""

    def __init__(self, graph, **params):
        self.graph = graph
        self.params = dict(dict(app_id=APP, resource_app_id=None, resource_display_name=None, replication_timeout=120),
                           **params)


def test_the_resource_is_microsoft_graph_unless_told_otherwise():
    assert resource_principal(FakeState(FakeGraph())) is GRAPH_SP
    assert resource_principal(FakeState(FakeGraph(), resource_app_id=OTHER_SP['appId'])) is OTHER_SP
    assert resource_principal(FakeState(FakeGraph(), resource_display_name='Office 365 Exchange Online')) is OTHER_SP


@pytest.mark.parametrize('params,words', [
    (dict(resource_app_id='99999999-0000-0000-0000-000000000000'),
     "no service principal of resource_app_id '99999999-0000-0000-0000-000000000000' in this tenant"),
    (dict(resource_display_name='Nothing'), "0 service principals are named 'Nothing'; give resource_app_id instead"),
])
def test_a_resource_not_found_once_is_refused(params, words):
    with pytest.raises(InputError) as err:
        resource_principal(FakeState(FakeGraph(), **params))
    assert str(err.value) == words


def test_two_resources_of_one_name_are_refused():
    twin = dict(OTHER_SP, id='twin-sp', appId='aaaaaaaa-0000-0000-0000-000000000000')
    with pytest.raises(InputError) as err:
        resource_principal(FakeState(FakeGraph(principals=[GRAPH_SP, OTHER_SP, twin]),
                                     resource_display_name='Office 365 Exchange Online'))
    assert '2 service principals are named' in str(err.value)


def test_held_permissions_are_the_clients_grants_on_this_resource_by_name():
    graph = FakeGraph(assignments=[assignment('Mail.Send'), assignment('unknown-role-id'),
                                   assignment('User.Read.All', resource='other-sp'),
                                   assignment('Place.Read.All', principal='someone-else')])
    names = dict((role, name) for name, role in ROLES.items())
    held = held_permissions(FakeState(graph), dict(id='client-sp'), GRAPH_SP, names)
    assert sorted(held) == ['Mail.Send', 'unknown-role-id'] and held['Mail.Send']['id'] == 'assignment-Mail.Send'


def test_a_new_principal_is_created_with_the_replication_budget_and_codes():
    graph = FakeGraph()
    assert create_principal(FakeState(graph, replication_timeout=45))['appId'] == APP
    assert graph.created == [('/servicePrincipals', {'appId': APP}, REPLICATING, 45)]


def test_a_principal_a_concurrent_run_created_is_used_and_a_real_failure_raised():
    concurrent = dict(id='theirs', appId=APP, displayName='Bookings ONE')
    graph = FakeGraph(principals=[GRAPH_SP, concurrent], create_fails=True)
    assert create_principal(FakeState(graph)) is concurrent
    with pytest.raises(MicrosoftApiError):
        create_principal(FakeState(FakeGraph(create_fails=True)))


def run(graph, check_mode=False, **args):
    args.setdefault('app_id', APP)
    return run_logic(admin_consent, FakeConnection(graph=graph), check_mode, **args)


CLIENT = dict(id='client-sp', appId=APP, displayName='Bookings ONE')


def test_present_grants_what_is_missing_and_keeps_the_rest_unless_exclusive():
    graph = FakeGraph(principals=[GRAPH_SP, CLIENT],
                      assignments=[assignment('Mail.Send'), assignment('Place.Read.All')])
    result, failure = run(graph, permissions=['Mail.Send', 'User.Read.All'])
    assert failure is None, failure
    assert (result['granted'], result['revoked']) == (['User.Read.All'], [])
    assert result['permissions'] == ['Mail.Send', 'Place.Read.All', 'User.Read.All']
    assert graph.batches == [([('POST', '/servicePrincipals/graph-sp/appRoleAssignedTo', ROLES['User.Read.All'])], ())]
    graph.batches = []
    result, failure = run(graph, permissions=['Mail.Send'], exclusive=True)
    assert failure is None and result['revoked'] == ['Place.Read.All', 'User.Read.All'], failure
    assert [m for m, _url, _role in graph.batches[0][0]] == ['DELETE', 'DELETE']


def test_absent_revokes_only_what_is_held():
    graph = FakeGraph(principals=[GRAPH_SP, CLIENT], assignments=[assignment('Mail.Send')])
    result, failure = run(graph, permissions=['Mail.Send', 'User.Read.All'], state='absent')
    assert failure is None and (result['granted'], result['revoked']) == ([], ['Mail.Send']), failure
    assert result['permissions'] == [] and result['changed']


def test_check_mode_for_a_new_app_plans_its_principal_and_grants_and_writes_nothing():
    graph = FakeGraph()
    result, failure = run(graph, check_mode=True, permissions=['User.Read.All'])
    assert failure is None, failure
    assert graph.created == [] and graph.batches == []
    assert result['service_principal_id'] is None and result['granted'] == ['User.Read.All'] and result['changed']
    assert [d['before_header'] for d in result['diff']] == ['service principal', 'Microsoft Graph permissions']


def test_grants_to_a_principal_made_by_this_run_wait_out_replication():
    graph = FakeGraph()
    result, failure = run(graph, permissions=['User.Read.All'], replication_timeout=30)
    assert failure is None and result['service_principal_id'] == 'client-sp', failure
    retry = graph.batches[0][1]
    assert graph.budget == 30
    refused = dict(id='1', status=400, body=dict(error=dict(code=REPLICATING[0], message='Not a valid reference update.')))
    other = dict(id='1', status=400, body=dict(error=dict(code='Request_ResourceNotFound', message='gone')))
    assert retry(other) is False
    # now held (the grant above went through, or a concurrent run's did): a refusal is a duplicate, not replication
    assert retry(refused) is False
    graph.assignments = []
    assert retry(refused) is True


@pytest.mark.parametrize('args,words', [
    (dict(app_id='bookings-one', permissions=['Mail.Send']), "app_id 'bookings-one' is not a GUID"),
    (dict(permissions=['Mail.Read']), 'unknown Microsoft Graph application permission(s) Mail.Read'),
])
def test_bad_input_fails_before_any_write(args, words):
    graph = FakeGraph(principals=[GRAPH_SP, CLIENT])
    _result, failure = run(graph, **args)
    assert failure is not None and words in failure[0], failure
    assert graph.created == [] and graph.batches == []
