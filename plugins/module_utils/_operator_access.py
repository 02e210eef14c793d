# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the operator identity holds in a tenant, as its own app-only tokens state it (`roles`: the application
permissions consented to it on that API; `wids`: its Microsoft Entra roles), judged against what a playbook needs
(_bookingsone.OPERATOR_ROLES): what is missing (the preflight refuses it, by name) and what is more than needed
(the strict audit fails it).
https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
"""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone

GLOBAL_ADMINISTRATOR = 'Global Administrator'
ROLE_NAMES = dict((template, name) for name, template in bookingsone.DIRECTORY_ROLES.items())
MANAGE_AS_APP = 'Exchange.ManageAsApp'


def role_names(templates):
    """Names of the built-in roles among these template ids (others, such as the default user role, are left out)."""
    return sorted(set(ROLE_NAMES[t.lower()] for t in templates if t.lower() in ROLE_NAMES))


def held(graph_claims, exchange_claims=None):
    """{principal_id, graph, exchange, directory_roles} the operator holds; directory_roles is None when the token
    carries no `wids` claim (then they cannot be judged), exchange None when no Exchange token was asked for."""
    wids = graph_claims.get('wids')
    return dict(principal_id=graph_claims.get('oid'), graph=sorted(graph_claims.get('roles') or []),
                exchange=None if exchange_claims is None else sorted(exchange_claims.get('roles') or []),
                directory_roles=None if wids is None else role_names(wids))


def _meets(permission, graph):
    return permission in graph or any(wider in graph for wider in bookingsone.GRAPH_SUPERSETS.get(permission, ()))


def missing(access, role):
    """{consent: [permissions], directory_role: [acceptable roles] or []} the operator lacks for the role's work."""
    consent = [p for p in role.graph if not _meets(p, access['graph'])]
    if role.exchange and access['exchange'] is not None and MANAGE_AS_APP not in access['exchange']:
        consent.append(MANAGE_AS_APP)
    roles = access['directory_roles']
    lacking = []
    if role.directory_roles and roles is not None and GLOBAL_ADMINISTRATOR not in roles and \
            not set(role.directory_roles) & set(roles):
        lacking = list(role.directory_roles)
    return dict(consent=consent, directory_role=lacking)


def extra(access, role, optional=bookingsone.OPERATOR_OPTIONAL_GRAPH):
    """{graph, exchange, directory_roles}: what the operator holds beyond the role's needs (and the optional Graph
    permissions); the bootstrap assigns only the role's first directory role, so any other one is more."""
    wanted = set(role.graph) | set(optional)
    exchange = access['exchange'] or []
    return dict(graph=[p for p in access['graph'] if p not in wanted],
                exchange=[p for p in exchange if not (role.exchange and p == MANAGE_AS_APP)],
                directory_roles=[r for r in access['directory_roles'] or [] if r != role.directory_role])


def signs_in_as_app(params):
    """Whether the connection signs in as the operator app itself (a token given as access_token may be anyone's)."""
    return bool(params.get('client_id')) and not params.get('access_token')
