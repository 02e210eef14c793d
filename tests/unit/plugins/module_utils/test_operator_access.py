"""What an operator holds, judged against each operator role (_operator_access), from token claims alone."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _operator_access as access

DEFAULT_USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509'  # in every token's wids; no role assignment


def holding(graph, roles=(), exchange=(access.MANAGE_AS_APP,)):
    wids = [bookingsone.DIRECTORY_ROLES[name] for name in roles] + [DEFAULT_USER_ROLE]
    return access.held(dict(oid='op', roles=list(graph), wids=wids), dict(roles=list(exchange)))


def exactly(role):
    """What the bootstrap grants for this role: its Graph permissions, ManageAsApp when it uses Exchange, its role."""
    return holding(role.graph, [role.directory_role] if role.directory_role else (),
                   (access.MANAGE_AS_APP,) if role.exchange else ())


@pytest.mark.parametrize('name', sorted(bookingsone.OPERATOR_ROLES))
def test_what_the_bootstrap_grants_is_enough_and_no_more(name):
    role = bookingsone.OPERATOR_ROLES[name]
    granted = exactly(role)
    assert access.missing(granted, role) == dict(consent=[], directory_role=[])
    assert access.extra(granted, role) == dict(graph=[], exchange=[], directory_roles=[])


def test_the_default_user_role_is_no_role():
    assert access.role_names([DEFAULT_USER_ROLE, bookingsone.DIRECTORY_ROLES['Global Reader'].upper()]) == \
        ['Global Reader']


def test_a_missing_permission_and_role_are_named():
    role = bookingsone.OPERATOR_ROLES['onboard']
    lacking = access.missing(holding(['Application.ReadWrite.All'], exchange=()), role)
    assert lacking == dict(consent=['AppRoleAssignment.ReadWrite.All', access.MANAGE_AS_APP],
                           directory_role=list(role.directory_roles))


def test_a_wider_permission_meets_a_narrower_need_but_is_more_than_needed():
    role = bookingsone.OPERATOR_ROLES['rotate']
    wide = holding(['Application.ReadWrite.All'], exchange=())
    assert access.missing(wide, role)['consent'] == []
    assert access.extra(wide, role)['graph'] == ['Application.ReadWrite.All']


def test_global_administrator_meets_any_directory_role_and_is_more_than_needed():
    role = bookingsone.OPERATOR_ROLES['onboard_scoped']
    admin = holding(role.graph, ['Global Administrator'])
    assert access.missing(admin, role)['directory_role'] == []
    assert access.extra(admin, role)['directory_roles'] == ['Global Administrator']


def test_optional_graph_permissions_are_not_more_and_exchange_access_for_a_rotator_is():
    role = bookingsone.OPERATOR_ROLES['rotate']
    granted = holding(list(role.graph) + list(bookingsone.OPERATOR_OPTIONAL_GRAPH))
    assert access.extra(granted, role) == dict(graph=[], exchange=[access.MANAGE_AS_APP], directory_roles=[])


def test_roles_cannot_be_judged_without_wids_nor_exchange_without_its_token():
    claims = access.held(dict(oid='op', roles=['Application.Read.All']))
    assert claims['directory_roles'] is None and claims['exchange'] is None
    assert access.missing(claims, bookingsone.OPERATOR_ROLES['audit']) == dict(consent=[], directory_role=[])


def test_only_a_client_id_without_a_given_token_signs_in_as_the_app():
    assert access.signs_in_as_app(dict(client_id='app'))
    assert not access.signs_in_as_app(dict(client_id='app', access_token='t'))
    assert not access.signs_in_as_app(dict(client_id=None))
