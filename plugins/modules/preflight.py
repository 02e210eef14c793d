#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: preflight
short_description: Check every input of a tenant against the tenant itself before anything is written
version_added: 0.2.0
description:
  - Checks what the onboarding, rotation and offboarding playbooks are about to apply, and reads
    the tenant to check it there, without writing anything. Every problem is reported at once, each
    naming the bad value; a failed preflight means nothing was written to that tenant.
  - Checked without a request - secret lifetime (1 to 730 days), rotation window and grace period,
    redirect URIs (https, no fragment or wildcard, at most 256), delegate address form, and repeated
    values (removed; the cleaned lists are returned).
  - Checked in the tenant - Microsoft Graph permission names, the tenant's default app management
    policy (secret lifetime limit, secrets blocked) where the operator may read it, the delegate's
    recipient in Exchange Online, and every named room and room list.
  - The action plugin also refuses unknown C(bookingsone_*), C(entra_app_*) and C(room_policy_*)
    variables of the host, naming the closest known one, so a typo never widens what is changed;
    and checks the hand-off store (O(handoff_store)) - a host name that cannot name a file in it,
    and, outside check mode, a missing vault password or a directory that cannot be written.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  secret_lifetime_days:
    description: Lifetime of a new client secret, in days.
    type: int
  app_unique_name:
    description:
      - Unique name of the app registration the secret is for. When the app exists, an app management
        policy applied to it takes the place of the tenant default (as Microsoft Entra applies them).
    type: str
  secret_rotate_before_days:
    description: Rotation window in days; must be less than O(secret_lifetime_days).
    type: int
    default: 30
  secret_grace_days:
    description: Grace period before earlier secrets are retired.
    type: int
    default: 14
  redirect_uris:
    description: Web redirect URIs of the app registration.
    type: list
    elements: str
  graph_permissions:
    description: Microsoft Graph application permissions to be requested, checked against Graph's own list.
    type: list
    elements: str
  delegate:
    description: The Bookings ONE delegate's email address; must be a recipient in Exchange Online.
    type: str
  rooms:
    description:
      - Whether, and how, the rooms Bookings ONE manages are selected and checked, as
        M(bookingsone.office365.room_info) selects them. Omit to skip the room checks.
    type: dict
    suboptions:
      source:
        description:
          - Where rooms are discovered, as in M(bookingsone.office365.room_info). V(graph) and V(both)
            fail before any request in the V(usgov), V(usgovdod) and V(china) clouds (no Graph places there).
        type: str
        choices: [exchange, graph, both]
        default: exchange
      room_list:
        description: Email address of a room list (Graph places), intersected with Exchange's rooms unless O(rooms.source=graph).
        type: str
      addresses:
        description: Room addresses; each must be a room of the tenant.
        type: list
        elements: str
      name_pattern:
        description: Shell-style display name pattern.
        type: str
      exclude:
        description: Room addresses left out.
        type: list
        elements: str
        default: []
  handoff_url:
    description: The Bookings ONE hand-off endpoint, if any; must be https.
    type: str
  operator_role:
    description:
      - What the playbook needs of the operator identity (V(audit), V(rotate), V(onboard), V(onboard_scoped), as
        the README's least-privilege table lists them). The operator's own tokens are read; a missing admin
        consent (an application permission, C(Exchange.ManageAsApp), or no service principal at all) is refused
        naming it and the tenant's admin consent URL, a missing Microsoft Entra role naming the roles that would do.
      - The operator's holdings are returned as RV(operator).
    type: str
    choices: [audit, rotate, onboard, onboard_scoped]
  known_variables:
    description:
      - Names of variables the caller documents besides the roles' own options (handled by the
        action plugin, which checks the host's C(bookingsone_*), C(entra_app_*) and C(room_policy_*)
        variables against them).
    type: list
    elements: str
  handoff_store:
    description:
      - The hand-off store this run writes to (handled by the action plugin, before any request). O(handoff_store.name)
        names the tenant's files there (C(<name>.vault.yml), C(<name>.rooms-before.json)) and must not contain a
        path separator, C(..) or a leading dot. Outside check mode a vault password must be loaded and the
        directory must exist or be creatable, and be writable.
    type: dict
    suboptions:
      directory:
        description: The hand-off directory.
        type: path
        required: true
      name:
        description: The tenant's file name stem, its inventory host name.
        type: str
        required: true
extends_documentation_fragment:
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Check the tenant's input before the first write
  bookingsone.office365.preflight:
    tenant_id: contoso.onmicrosoft.com
    secret_lifetime_days: 365
    redirect_uris: [https://contoso.bookingsone.example/auth/callback]
    graph_permissions: [Calendars.ReadWrite, Mail.Send]
    delegate: bookings@contoso.com
    rooms:
      room_list: hq-rooms@contoso.com
  register: preflight
'''

RETURN = r'''
rooms:
  description: The selected rooms (address, display_name, capacity, building, floor).
  returned: when O(rooms) is given
  type: list
  elements: dict
redirect_uris:
  description: O(redirect_uris) without repeats.
  returned: always
  type: list
  elements: str
delegate:
  description: The delegate's primary SMTP address as Exchange Online knows it.
  returned: when O(delegate) is given
  type: str
app_management_policy:
  description:
    - The credential policy that applies to the app's client secrets - C(readable),
      C(password_max_lifetime_days), C(password_addition_blocked) and C(source).
    - The policy applied to the app when there is one (C(source) is C(app management policy <id> applied to
      the app)), else the tenant default (C(tenant app management policy)).
  returned: when O(secret_lifetime_days) is given
  type: dict
operator:
  description:
    - What the operator holds in the tenant, from its own tokens - C(principal_id), C(graph) and C(exchange)
      (application permissions), C(directory_roles) (Microsoft Entra roles, null when the token does not say) - and
      C(role), C(missing), C(extra) against O(operator_role).
  returned: when O(operator_role) is given
  type: dict
notes:
  description: What was cleaned up or could not be checked (repeated values, an unreadable policy).
  returned: always
  type: list
  elements: str
tenant_id:
  description: The tenant's GUID.
  returned: always
  type: str
'''

import re

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._names import kept_once
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import at_once
from ansible_collections.bookingsone.office365.plugins.module_utils import _operator_access as operator_access
from ansible_collections.bookingsone.office365.plugins.module_utils._rooms import (
    SELECTION_SPEC, check_source, discover, select)
from ansible_collections.bookingsone.office365.plugins.module_utils._validate import (
    check_redirect_uris, check_secret_policy,
)

_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
_DURATION_DAYS = re.compile(r'^P(?:(\d+)D)?(?:T.*)?$')


class Problems(object):
    """Collects every refused input, so one run reports them all."""

    def __init__(self):
        self.found = []

    def check(self, call, *args):
        try:
            return call(*args)
        except InputError as exc:
            self.found.append(str(exc))
        return None


def _before(created, after):
    """Whether a Graph date and time is before another, as moments (their offsets and fractions differ)."""
    try:
        return secrets.parse_datetime(created) < secrets.parse_datetime(after)
    except ValueError:
        return False  # an unreadable date: the restriction binds (the stricter reading)


def lifetime_limit(restrictions, created=None):
    """(max days or None, additions blocked) from password credential restrictions.

    A restriction with restrictForAppsCreatedAfterDateTime binds only apps created on or after it (an app
    not created yet is bound), as Entra applies it. https://learn.microsoft.com/graph/api/resources/passwordcredentialconfiguration
    """
    limit, blocked = None, False
    for restriction in restrictions or []:
        after = restriction.get('restrictForAppsCreatedAfterDateTime')
        if restriction.get('state', 'enabled') != 'enabled' or (after and created and _before(created, after)):
            continue
        if restriction.get('restrictionType') == 'passwordAddition':
            blocked = True
        match = _DURATION_DAYS.match(restriction.get('maxLifetime') or '')
        if restriction.get('restrictionType') == 'passwordLifetime' and match and match.group(1):
            limit = int(match.group(1)) if limit is None else min(limit, int(match.group(1)))
    return limit, blocked


def effective_policy(state):
    """(restrictions, source, app createdDateTime) of the policy Entra applies to the app's secrets.

    An enabled policy applied to the app replaces the tenant default; either may be unreadable (403).
    https://learn.microsoft.com/graph/api/resources/appmanagementpolicy
    """
    app = None
    if state.params['app_unique_name']:
        app = graph_api.get_application(state.graph, unique_name=state.params['app_unique_name'])
    created = (app or {}).get('createdDateTime')
    if app is not None:
        for policy in graph_api.app_management_policies_of(state.graph, app['id']):
            if policy.get('isEnabled'):
                return ((policy.get('restrictions') or {}).get('passwordCredentials'),
                        'app management policy %s applied to the app' % policy.get('id'), created)
    policy = graph_api.default_app_management_policy(state.graph)
    restrictions = (policy.get('applicationRestrictions') or {}).get('passwordCredentials') \
        if policy.get('isEnabled') else []
    return restrictions, 'tenant app management policy', created


def check_policy(state, problems, notes):
    params = state.params
    try:
        restrictions, source, created = effective_policy(state)
    except MicrosoftApiError as exc:
        if exc.status != 403:
            raise
        notes.append('the app management policies could not be read (needs Policy.Read.All or '
                     'Policy.Read.ApplicationConfiguration); the secret lifetime is checked by Microsoft Entra '
                     'when the secret is added')
        return dict(readable=False, password_max_lifetime_days=None, password_addition_blocked=None, source=None)
    limit, blocked = lifetime_limit(restrictions, created)
    if blocked:
        problems.found.append('the %s blocks client secrets (passwordAddition); Bookings ONE needs a '
                              'certificate or an exemption for its app' % source)
    elif limit is not None and params['secret_lifetime_days'] > limit:
        problems.found.append('secret_lifetime_days %d exceeds the %d days the %s allows'
                              % (params['secret_lifetime_days'], limit, source))
    return dict(readable=True, password_max_lifetime_days=limit, password_addition_blocked=blocked, source=source)


def check_delegate(state, problems):
    delegate = state.params['delegate']
    if not _EMAIL.match(delegate):
        problems.found.append('delegate %r is not an email address' % delegate)
        return None
    recipient = exchange_api.get_recipient(state.exchange, delegate)
    if recipient is None:
        problems.found.append('delegate %r is not a recipient in this tenant' % delegate)
        return None
    return recipient.get('PrimarySmtpAddress') or delegate


def check_rooms(state, problems, notes):
    spec = state.params['rooms']
    try:
        found, discovery = discover(state, spec['source'], spec['room_list'])
    except MicrosoftApiError as exc:
        if exc.status != 404:
            raise
        problems.found.append('room list %r does not exist in this tenant' % spec['room_list'])
        return []
    if discovery and discovery['not_in_places']:
        notes.append('rooms Graph places does not list (hidden from the address lists?): %s'
                     % ', '.join(discovery['not_in_places']))
    if discovery and discovery['not_in_exchange']:
        notes.append('places without an Exchange room mailbox: %s' % ', '.join(discovery['not_in_exchange']))
    addresses = kept_once(spec['addresses'], 'rooms.addresses', notes) if spec['addresses'] is not None else None
    exclude = kept_once(spec['exclude'], 'rooms.exclude', notes)
    chosen = problems.check(select, found, addresses, spec['name_pattern'], exclude)
    if chosen == []:
        problems.found.append('the room selection (%s) matches no room of this tenant, so Bookings ONE would manage '
                              'none' % describe_selection(spec))
    return chosen or []


def describe_selection(spec):
    said = ['source %s' % spec['source']]
    for option in ('room_list', 'addresses', 'name_pattern', 'exclude'):
        if spec.get(option):
            said.append('%s %r' % (option, spec[option]))
    return ', '.join(said)


def admin_consent_url(state):
    """The page where the tenant's administrator consents to the operator app for the organization.
    https://learn.microsoft.com/entra/identity-platform/v2-admin-consent"""
    return '%s/%s/adminconsent?client_id=%s' % (state.connection.endpoints.login, state.tenant_id,
                                                state.params['client_id'])


def check_operator(state, problems, notes):
    """What the operator holds, from its own tokens; what the playbook needs and it lacks goes to `problems`."""
    role = bookingsone.OPERATOR_ROLES[state.params['operator_role']]
    what = 'the operator app %s' % state.params['client_id']
    try:
        graph = state.connection.token_claims('graph')
        exchange = state.connection.token_claims('exchange') if role.exchange else None
    except MicrosoftApiError as exc:
        if exc.service != 'login' or 'AADSTS700016' not in exc.message:
            raise
        problems.found.append('%s has no service principal in this tenant, so nobody consented to it here: run '
                              'playbooks/bootstrap.yml for this tenant, or have its administrator open %s'
                              % (what, admin_consent_url(state)))
        return None
    access = operator_access.held(graph, exchange)
    lacking = operator_access.missing(access, role)
    if lacking['consent']:
        problems.found.append('consent: %s lacks %s, which %s needs: run playbooks/bootstrap.yml -e '
                              'bookingsone_operator_role=%s for this tenant, or have its administrator grant them '
                              '(%s, if the app requests them)'
                              % (what, ', '.join(lacking['consent']), ' and '.join(role.playbooks), role.name,
                                 admin_consent_url(state)))
    if lacking['directory_role']:
        problems.found.append('role: %s (service principal %s) holds none of the Microsoft Entra roles %s needs (%s): '
                              'run playbooks/bootstrap.yml -e bookingsone_operator_role=%s for this tenant, or assign '
                              '%s to it' % (what, access['principal_id'], ' and '.join(role.playbooks),
                                            ' or '.join(role.directory_roles), role.name, role.directory_role))
    if role.directory_roles and access['directory_roles'] is None:
        notes.append('the operator\'s token does not state its Microsoft Entra roles (no wids claim), so they were '
                     'not checked')
    return dict(access, role=role.name, missing=lacking, extra=operator_access.extra(access, role))


def main_logic(state):
    params = state.params
    if params['rooms'] is not None:  # before any request: no Graph places in some clouds
        check_source(params['cloud'], params['rooms']['source'], params['rooms']['room_list'])
    problems, notes = Problems(), []
    if params['operator_role'] is not None and operator_access.signs_in_as_app(params):
        state.result['operator'] = check_operator(state, problems, notes)
        refuse(problems)  # the checks below would only meet the same refusal from the tenant
    if params['secret_lifetime_days'] is not None:
        problems.check(check_secret_policy, params['secret_lifetime_days'], params['secret_rotate_before_days'],
                       params['secret_grace_days'], bookingsone.SECRET_MAX_LIFETIME_DAYS)
    uris = kept_once(params['redirect_uris'], 'redirect_uris', notes)
    problems.check(check_redirect_uris, uris, 'redirect_uris')
    if params['handoff_url'] and not params['handoff_url'].lower().startswith('https://'):
        problems.found.append('handoff_url %r must be an https:// URL' % params['handoff_url'])
    state.result.update(redirect_uris=uris, notes=notes)
    reads = []
    if params['graph_permissions'] is not None or params['secret_lifetime_days'] is not None:
        reads.append(lambda found, said: check_graph(state, found, said, refused_before=bool(problems.found)))
    if params['delegate'] is not None or params['rooms'] is not None:
        reads.append(lambda found, said: check_exchange(state, found, said))

    def join(part):
        problems.found.extend(part[1].found)
        notes.extend(part[2])

    # The Graph and the Exchange reads at once (neither needs the other), each part's refusals and notes kept
    # apart and joined in this order, whichever part ends first.
    at_once([(read, Problems(), []) for read in reads], lambda part: part[0](part[1], part[2]), join)
    refuse(problems)


def check_graph(state, problems, notes, refused_before):
    params = state.params
    if params['graph_permissions'] is not None:
        problems.check(graph_api.resolve_permissions, graph_api.application_roles(state.graph),
                       kept_once(params['graph_permissions'], 'graph_permissions', notes))
    if params['secret_lifetime_days'] is not None and not refused_before and not problems.found:
        state.result['app_management_policy'] = check_policy(state, problems, notes)


def check_exchange(state, problems, notes):
    if state.params['delegate'] is not None:
        state.result['delegate'] = check_delegate(state, problems)
    if state.params['rooms'] is not None:
        state.result['rooms'] = check_rooms(state, problems, notes)


def refuse(problems):
    if problems.found:
        raise InputError('preflight refused %d input(s), so nothing was written to this tenant: %s'
                         % (len(problems.found), '; '.join(problems.found)))


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        secret_lifetime_days=dict(type='int', no_log=False),
        app_unique_name=dict(type='str'),
        secret_rotate_before_days=dict(type='int', default=30, no_log=False),
        secret_grace_days=dict(type='int', default=bookingsone.SECRET_GRACE_DAYS, no_log=False),
        redirect_uris=dict(type='list', elements='str'),
        graph_permissions=dict(type='list', elements='str'),
        delegate=dict(type='str'),
        rooms=dict(type='dict', options=SELECTION_SPEC),
        handoff_url=dict(type='str'),
        operator_role=dict(type='str', choices=sorted(bookingsone.OPERATOR_ROLES)),
        known_variables=dict(type='list', elements='str'),
        handoff_store=dict(type='dict', options=dict(directory=dict(type='path', required=True),
                                                     name=dict(type='str', required=True))),
    ),
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
