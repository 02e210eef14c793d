#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: app_access_scope
short_description: Scope the Bookings ONE app's mailbox access to its rooms (Exchange RBAC for Applications)
version_added: 0.1.0
description:
  - Microsoft Graph application permissions such as C(Calendars.ReadWrite) and C(Mail.Send), consented in
    Microsoft Entra ID, reach every mailbox of the tenant. Exchange Online's RBAC for Applications grants the
    same permissions limited to a management scope. This module sets that up for the Bookings ONE app, so that
    it reaches exactly the mailboxes in O(members) (the rooms and the delegate), and then checks it.
  - Through the Exchange Online admin API (no PowerShell) it keeps four kinds of objects as asked, writing only
    what differs.
  - The Exchange service principal, a pointer to the app's service principal in Entra (C(New-ServicePrincipal)).
  - The mail-enabled security group O(group), whose direct members are exactly O(members)
    (C(New-DistributionGroup), C(Add-DistributionGroupMember), C(Remove-DistributionGroupMember)).
  - The management scope O(scope), whose recipient filter is C(MemberOfGroup -eq '<DistinguishedName of the group>')
    (C(New-ManagementScope), or C(Set-ManagementScope) when the filter differs).
  - One role assignment per role in O(roles), scoped to O(scope) (C(New-ManagementRoleAssignment -App -Role
    -CustomResourceScope)); the app's application role assignments on O(scope) whose role is not in O(roles)
    are removed (C(Remove-ManagementRoleAssignment)). Other role assignments of the app are left alone and
    listed in RV(notes).
  - Each object is read once, and every address in O(members) and O(verify_out_of_scope) is resolved with
    C(Get-Recipient), before anything is written, so an unknown address fails the task with nothing changed.
  - After the writes (and in check mode when the service principal, the group and the scope all exist) it runs
    C(Test-ServicePrincipalAuthorization) for every member and every address of O(verify_out_of_scope), and reads
    which of the roles' Graph permissions Microsoft Entra still grants the app tenant-wide; see RV(verification).
  - Exchange adds RBAC for Applications grants to those of Microsoft Entra, it does not narrow them. The scope
    only limits the app once C(Calendars.ReadWrite) and C(Mail.Send) are no longer consented in Entra (revoke
    them with M(bookingsone.office365.admin_consent) O(bookingsone.office365.admin_consent#module:state=absent));
    until then RV(verification.ok) is false.
  - Microsoft documents that RBAC changes can take a while to reach the app's requests (a cache, 30 minutes to
    2 hours), while C(Test-ServicePrincipalAuthorization) answers from the configuration at once. The module
    reports what the configuration says; it does not wait.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  app_id:
    description: Application (client) ID of the Bookings ONE app.
    type: str
    required: true
  service_principal_id:
    description:
      - Object ID of the app's service principal in Microsoft Entra ID (Enterprise applications), which the
        Exchange service principal points to.
      - When omitted it is read from Microsoft Graph (C(GET /servicePrincipals(appId='...'))); the app must
        then have a service principal in this tenant (admin consent creates one).
      - An existing Exchange service principal of the app that points elsewhere (the app was deleted and
        registered again) fails the task; remove it with O(state=absent) and run again.
    type: str
  display_name:
    description:
      - Display name of the Exchange service principal, used when it is created; an existing one keeps its name.
    type: str
    default: Bookings ONE
  group:
    description:
      - Name of the mail-enabled security group whose direct members make up the scope. It is created when
        missing.
      - An existing group of that name that is not a mail-enabled security group fails the task.
    type: str
    default: Bookings ONE mailboxes
  group_alias:
    description:
      - Exchange alias (mail nickname) of the group when it is created, which also gives its email address.
        Exchange derives one from O(group) when omitted. Not changed on an existing group.
    type: str
  scope:
    description: Name of the management scope (at most 64 characters).
    type: str
    default: Bookings ONE mailboxes
  members:
    description:
      - The mailboxes the app may reach, by email address or any identity C(Get-Recipient) accepts, usually
        every room plus the delegate (who needs C(Mail.Send)). This is the exact membership of O(group); other
        members are removed.
      - Repeated addresses (also two addresses of one mailbox) are kept once, with a note.
      - Only direct members are in the scope; do not rely on groups nested in O(group).
      - Required with O(state=present).
    type: list
    elements: str
  roles:
    description:
      - The application roles the app holds on O(scope), each granting the Graph permission of its name within
        the scope (V(Application Mail Full Access) and V(Application Exchange Full Access) grant several).
    type: list
    elements: str
    default: [Application Calendars.ReadWrite, Application Mail.Send]
    choices:
      - Application Calendars.Read
      - Application Calendars.ReadWrite
      - Application Contacts.Read
      - Application Contacts.ReadWrite
      - Application EWS.AccessAsApp
      - Application Exchange Full Access
      - Application Mail Full Access
      - Application Mail.Read
      - Application Mail.ReadBasic
      - Application Mail.ReadWrite
      - Application Mail.Send
      - Application MailboxSettings.Read
      - Application MailboxSettings.ReadWrite
  verify_out_of_scope:
    description:
      - Mailboxes the app must not reach, for example an ordinary user's, checked by the verification.
      - An address that is also in O(members) fails the task.
      - When omitted, one user mailbox of the tenant that is not a member is picked (C(Get-Mailbox
        -RecipientTypeDetails UserMailbox)); none when the tenant has no other user mailbox.
    type: list
    elements: str
  state:
    description:
      - V(present) sets everything up as described.
      - V(absent) removes the app's role assignments on O(scope), the scope, the group and the Exchange service
        principal, in that order, each only if present. The service principal stays when it still has role
        assignments this module did not make (a note says so).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - bookingsone.office365.connection
  - bookingsone.office365.concurrency
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
notes:
  - The operator identity needs the Exchange Administrator role (Organization Management in Exchange); the
    verification also reads the app's permissions in Microsoft Graph (C(Application.Read.All)).
  - Exchange checks nothing of what C(New-ServicePrincipal) is given; the object ID comes from Entra (or
    O(service_principal_id)) and is compared with an existing pointer.
seealso:
  - name: Role Based Access Control for Applications in Exchange Online
    description: Microsoft's description of the feature, its roles and its limits.
    link: https://learn.microsoft.com/exchange/permissions-exo/application-rbac
  - module: bookingsone.office365.admin_consent
'''

EXAMPLES = r'''
- name: Bookings ONE reaches the rooms and the delegate, and nobody else
  bookingsone.office365.app_access_scope:
    tenant_id: contoso.onmicrosoft.com
    app_id: "{{ app.app_id }}"
    members: "{{ rooms.rooms | map(attribute='address') | list + ['bookings@contoso.com'] }}"
    verify_out_of_scope: [adele@contoso.com]
  register: access

- name: Fail when the scope does not hold (the unscoped Entra consent must be revoked first)
  ansible.builtin.assert:
    that: access.verification.ok
    fail_msg: "{{ access.verification }}"

- name: Only calendars, no mail
  bookingsone.office365.app_access_scope:
    tenant_id: contoso.onmicrosoft.com
    app_id: "{{ app.app_id }}"
    service_principal_id: "{{ consent.service_principal_id }}"
    members: "{{ rooms.rooms | map(attribute='address') | list }}"
    roles: [Application Calendars.ReadWrite]

- name: Take it all away again
  bookingsone.office365.app_access_scope:
    tenant_id: contoso.onmicrosoft.com
    app_id: "{{ app.app_id }}"
    state: absent
'''

RETURN = r'''
service_principal:
  description: The Exchange service principal as it is (or would be) after the task.
  returned: always
  type: dict
  contains:
    app_id:
      description: The app's client ID.
      type: str
    object_id:
      description: Object ID of the app's service principal in Entra it points to; null when unknown.
      type: str
    display_name:
      description: Its display name.
      type: str
    present:
      description: Whether it exists (would exist in check mode).
      type: bool
group:
  description: The mail-enabled security group after the task.
  returned: always
  type: dict
  contains:
    name:
      description: O(group).
      type: str
    address:
      description: Its primary SMTP address; null while it does not exist yet (check mode) or after O(state=absent).
      type: str
    distinguished_name:
      description: Its DistinguishedName, which the scope's filter names; null while it does not exist yet.
      type: str
    members:
      description: Primary SMTP addresses of its members, sorted.
      type: list
      elements: str
    present:
      description: Whether it exists (would exist in check mode).
      type: bool
scope:
  description: The management scope after the task.
  returned: always
  type: dict
  contains:
    name:
      description: O(scope).
      type: str
    filter:
      description: Its recipient filter; null while the group does not exist yet (check mode) or after O(state=absent).
      type: str
    present:
      description: Whether it exists (would exist in check mode).
      type: bool
roles:
  description: The application roles the app holds on the scope after the task, sorted.
  returned: always
  type: list
  elements: str
verification:
  description:
    - What C(Test-ServicePrincipalAuthorization) and Microsoft Entra say about the app's reach; null with
      O(state=absent), and in check mode unless the service principal, the group and the scope already exist
      (then it describes the tenant as it is, before the changes shown in the diff).
    - In check mode a verification Exchange refuses (a read-only role) is null too, with a note; otherwise the
      refusal fails the task.
  returned: always
  type: dict
  contains:
    in_scope:
      description: For each address of O(members) as given, whether every role of O(roles) is in scope for it.
      type: dict
      sample: {room1@contoso.com: true, bookings@contoso.com: true}
    out_of_scope:
      description: For each address of O(verify_out_of_scope), whether no role of the app is in scope for it.
      type: dict
      sample: {adele@contoso.com: true}
    unscoped_grants:
      description:
        - The Graph permissions of O(roles) that Microsoft Entra still grants the app tenant-wide (admin consent),
          which reach every mailbox whatever the scope; null when they could not be read (a note says why).
      type: list
      elements: str
    ok:
      description: Whether every member is in scope, every O(verify_out_of_scope) address is out of scope and no
        unscoped grant is left.
      type: bool
notes:
  description: Observations that did not fail the task (repeated addresses, assignments not managed, names kept).
  returned: always
  type: list
  elements: str
tenant_id:
  description: The tenant's ID as the token states it.
  returned: always
  type: str
'''

from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_rbac_api as rbac_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._names import kept_once, same_name
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import (
    CONCURRENCY_SPEC, concurrency, raise_failures, run_all)

NAME_LIMIT = 64  # New-DistributionGroup -Name, -Alias and New-ManagementScope -Name
DEFAULT_ROLES = ['Application Calendars.ReadWrite', 'Application Mail.Send']


def check_input(params, notes):
    for option in ('group', 'scope', 'group_alias'):
        if params[option] is not None and not 0 < len(params[option]) <= NAME_LIMIT:
            raise InputError('%s must be 1 to %d characters long' % (option, NAME_LIMIT))
    concurrency(params)
    params['roles'] = kept_once(params['roles'], 'roles', notes)
    if params['verify_out_of_scope'] is not None:
        params['verify_out_of_scope'] = kept_once(params['verify_out_of_scope'], 'verify_out_of_scope', notes)
    if params['state'] == 'present':
        params['members'] = kept_once(params['members'], 'members', notes)
        both = sorted(set(a.lower() for a in params['members']) &
                      set(a.lower() for a in params['verify_out_of_scope'] or []))
        if both:
            raise InputError('address(es) both in members and in verify_out_of_scope: %s' % ', '.join(both))


def address_of(recipient, fallback=None):
    """The address a recipient is compared and written by: its primary SMTP address (unique in Exchange)."""
    return (recipient.get('PrimarySmtpAddress') or recipient.get('WindowsEmailAddress')
            or recipient.get('Identity') or recipient.get('Name') or fallback)


def resolve(exo, addresses, workers, what):
    """{address as given: recipient}; unknown addresses fail, all named, before any write."""
    outcomes = run_all(lambda address: exchange_api.get_recipient(exo, address), addresses, workers)
    raise_failures(outcomes, 'resolving')
    unknown = [address for address, recipient, _exc in outcomes if recipient is None]
    if unknown:
        raise InputError('unknown %s %s: no such recipient in Exchange Online; nothing was changed'
                         % (what, ', '.join(unknown)))
    return dict((address, recipient) for address, recipient, _exc in outcomes)


def a_user_mailbox_outside(exo, members):
    """[one ordinary mailbox that is not a member], or [] when the tenant has none."""
    inside = set(address_of(r, a).lower() for a, r in members.items()) | set(a.lower() for a in members)
    for mailbox in rbac_api.user_mailboxes(exo, 10):
        if address_of(mailbox).lower() not in inside:
            return [address_of(mailbox)]
    return []


def wanted_members(params, members, notes):
    """{lower-case primary address: primary address} of the members, two names of one mailbox kept once."""
    wanted = {}
    for address in params['members']:
        primary = address_of(members[address], address)
        if primary.lower() in wanted:
            notes.append('members: %s is the mailbox %s, already listed' % (address, primary))
        wanted[primary.lower()] = primary
    return wanted


def principal_names(principal):
    """Every form in which a role assignment may name the Exchange service principal (lower case)."""
    names = set()
    for key in ('ObjectId', 'ServiceId', 'AppId', 'Name', 'DisplayName', 'Identity', 'Guid', 'DistinguishedName'):
        value = principal.get(key)
        if value:
            names.add(str(value).lower())
            names.add(str(value).replace('\\', '/').rsplit('/', 1)[-1].lower())
    return names


def split_assignments(assignments, principal, scope):
    """({role: [assignments]} of the app's application roles on `scope`, [the app's other assignments])."""
    names = principal_names(principal)
    ours, others = {}, []
    for assignment in assignments:
        kind = assignment.get('RoleAssigneeType')
        if kind and kind != 'ServicePrincipal':
            continue  # reached through a role group: not the app's own assignment
        assignees = [assignment.get(key) for key in ('RoleAssignee', 'RoleAssigneeName') if assignment.get(key)]
        if assignees and not any(str(a).lower() in names or str(a).replace('\\', '/').rsplit('/', 1)[-1].lower()
                                 in names for a in assignees):
            continue  # the cmdlet's answer is filtered, never trusted to be the app's alone
        role = assignment.get('Role')
        if role in rbac_api.APPLICATION_ROLES and same_name(assignment.get('CustomResourceScope'), scope):
            ours.setdefault(role, []).append(assignment)
        else:
            others.append(assignment)
    return ours, others


def describe(assignment):
    where = assignment.get('CustomResourceScope') or assignment.get('RecipientWriteScope') or 'the organization'
    return '%s (%s, scope %s)' % (assignment.get('Role'), assignment.get('Name') or assignment.get('Identity'), where)


def entra_principal_id(state, principal):
    """Object ID of the app's service principal in Entra; the Exchange pointer must name the same."""
    params = state.params
    object_id = params['service_principal_id']
    if not object_id:
        found = graph_api.get_service_principal(state.graph, params['app_id'], select=graph_api.PRINCIPAL_FIELDS)
        if found is None:
            raise InputError('app %s has no service principal in this tenant (admin consent creates it); '
                             'nothing was changed' % params['app_id'])
        object_id = found['id']
    pointer = principal and (principal.get('ObjectId') or principal.get('ServiceId'))
    if pointer and not same_name(pointer, object_id):
        raise InputError('the Exchange service principal of app %s points to object ID %s, but the app\'s service '
                         'principal in Microsoft Entra is %s; remove the stale one with state=absent and run again; '
                         'nothing was changed' % (params['app_id'], pointer, object_id))
    return object_id


def unscoped_grants(state, principal_id, roles, notes):
    """The roles' Graph permissions that Entra grants the app tenant-wide (admin consent), or None if unreadable."""
    permissions = sorted(set(p for role in roles for p in rbac_api.APPLICATION_ROLES[role]))
    if not permissions:
        return []
    try:
        catalog = graph_api.application_roles(state.graph)
        names = dict((catalog[p], p) for p in permissions if p in catalog)
        granted = graph_api.app_role_assignments(state.graph, principal_id)
    except MicrosoftApiError as exc:
        notes.append('the app\'s Microsoft Entra permissions could not be read, so the verification cannot rule '
                     'out unscoped grants: %s' % exc)
        return None
    held = sorted(set(names[g['appRoleId']] for g in granted if g.get('appRoleId') in names))
    if held:
        notes.append('Microsoft Entra still grants the app %s tenant-wide (admin consent): Exchange adds RBAC grants '
                     'to these, so the app reaches every mailbox until they are revoked' % ', '.join(held))
    return held


def verify(state, principal_id, notes):
    """Test-ServicePrincipalAuthorization for every member and every address that must stay out of scope."""
    params = state.params
    exo = state.exchange
    addresses = params['members'] + params['verify_out_of_scope']
    outcomes = run_all(lambda address: rbac_api.test_service_principal_authorization(exo, params['app_id'], address),
                       addresses, params['concurrency'])
    raise_failures(outcomes, 'testing the authorization on')
    rows = dict((address, answer) for address, answer, _exc in outcomes)
    result = dict(in_scope={}, out_of_scope={})
    for address in params['members']:
        granted = set(row.get('RoleName') for row in rows[address] if rbac_api.in_scope(row))
        result['in_scope'][address] = bool(params['roles']) and all(role in granted for role in params['roles'])
    for address in params['verify_out_of_scope']:
        result['out_of_scope'][address] = not any(rbac_api.in_scope(row) for row in rows[address])
    result['unscoped_grants'] = unscoped_grants(state, principal_id, params['roles'], notes)
    result['ok'] = (all(result['in_scope'].values()) and all(result['out_of_scope'].values())
                    and result['unscoped_grants'] == [])
    return result


def scope_filter_after(have, holds, dn):
    """The scope's filter after the task: as Exchange stores it when it names the group already (its text may
    differ from ours), else ours for the group's DN; None while the group does not exist."""
    if holds:
        return have
    return rbac_api.member_of_group_filter(dn) if dn else None


def sorted_addresses(addresses):
    return sorted(addresses, key=lambda address: (address.lower(), address))


class Found(object):
    """The scope's objects as the tenant holds them before the task, each read once."""

    def __init__(self, principal, principal_id, group, members, scope, ours):
        self.principal = principal  # the Exchange service principal, or None
        self.principal_id = principal_id  # object ID of the app's service principal in Entra, which it names
        self.group = group  # the mail-enabled security group, or None
        self.dn = group.get('DistinguishedName') if group else None  # the group's, which the scope's filter names
        self.members = members  # {lower-case primary address: primary address} of the group's members
        self.scope = scope  # the management scope, or None
        self.filter = rbac_api.scope_filter(scope) if scope else None  # the scope's recipient filter
        self.ours = ours  # {role: [assignments]} of the app's application roles on the scope


def resolve_addresses(state, notes):
    """Every address of members and verify_out_of_scope (one picked when it is not given) is a recipient,
    and none of verify_out_of_scope is a member, before anything is written.

    Returns {lower-case primary address: primary address} of the members, each mailbox once.
    """
    params = state.params
    exo = state.exchange
    members = resolve(exo, params['members'], params['concurrency'], 'member(s)')
    if params['verify_out_of_scope'] is None:
        params['verify_out_of_scope'] = a_user_mailbox_outside(exo, members)
    outsiders = resolve(exo, params['verify_out_of_scope'], params['concurrency'], 'verify_out_of_scope address(es)')
    wanted = wanted_members(params, members, notes)
    clash = sorted(address_of(r, a) for a, r in outsiders.items() if address_of(r, a).lower() in wanted)
    if clash:
        raise InputError('verify_out_of_scope names member(s) of the scope: %s' % ', '.join(clash))
    return wanted


def read_scope(state, notes):
    """What the tenant holds (a Found), read once; a group of that name, if any, is a mail-enabled security
    group. The notes name the app's role assignments this task leaves alone and a display name it keeps."""
    params = state.params
    exo = state.exchange
    principal = rbac_api.get_service_principal(exo, params['app_id'])
    principal_id = entra_principal_id(state, principal)
    group = rbac_api.get_distribution_group(exo, params['group'])
    if group is not None and group.get('RecipientTypeDetails') not in (None, rbac_api.SECURITY_GROUP):
        raise InputError('group %r is a %s, not a mail-enabled security group; name another group; nothing was '
                         'changed' % (params['group'], group.get('RecipientTypeDetails')))
    held = {}
    for member in (rbac_api.get_distribution_group_member(exo, params['group']) if group else []):
        held[address_of(member).lower()] = address_of(member)
    scope = rbac_api.get_management_scope(exo, params['scope'])
    ours, others = split_assignments(
        rbac_api.get_management_role_assignments(exo, principal_id) if principal else [], principal or {},
        params['scope'])
    for assignment in others:
        notes.append('role assignment not managed by this task: %s' % describe(assignment))
    if principal and not same_name(principal.get('DisplayName'), params['display_name']):
        notes.append('the Exchange service principal keeps its display name %r' % principal.get('DisplayName'))
    return Found(principal, principal_id, group, held, scope, ours)


def plan_writes(params, found, wanted):
    """What must change for the tenant to hold what is asked: the members to add and to remove, whether the
    scope's filter names the group already, the roles to assign and the assignments to remove."""
    return dict(
        wanted=wanted,
        additions=[wanted[key] for key in sorted(set(wanted) - set(found.members))],
        removals=[found.members[key] for key in sorted(set(found.members) - set(wanted))],
        filter_holds=found.scope is not None and found.dn is not None and same_name(
            rbac_api.member_of_group(found.filter), found.dn),
        assign=[role for role in sorted(params['roles']) if role not in found.ours],
        unassign=[a for role in sorted(found.ours) if role not in params['roles'] for a in found.ours[role]],
    )


def scope_diff(params, found, plan):
    """(before, after) as the task's diff shows them: which objects exist, the members, the filter, the roles."""
    before = dict(service_principal=found.principal is not None, group=found.group is not None,
                  members=sorted_addresses(found.members.values()), scope_filter=found.filter,
                  roles=sorted(found.ours))
    after = dict(service_principal=True, group=True, members=sorted_addresses(plan['wanted'].values()),
                 scope_filter=scope_filter_after(found.filter, plan['filter_holds'], found.dn),
                 roles=sorted(params['roles']))
    return before, after


def apply_plan(state, found, plan):
    """Outside check mode the tenant holds what is asked (found then holds the service principal, the group
    and its DN as written); either way the diff says what changed, or would. Returns the diff's `after`."""
    params = state.params
    before, after = scope_diff(params, found, plan)
    header = '%s (%s)' % (params['display_name'], params['app_id'])
    if before != after and state.check_mode:
        if found.dn is None:
            after['scope_filter'] = "MemberOfGroup -eq (DistinguishedName of %r, once it exists)" % params['group']
        state.record_change(before, after, header)
    elif before != after:
        try:
            found.principal, found.group, found.dn = write(state, found, plan)
        finally:
            # Recorded even when a write failed: the task changed what it got to.
            after['scope_filter'] = scope_filter_after(found.filter, plan['filter_holds'], found.dn)
            state.record_change(before, after, header)
    return after


def report_scope(state, found, plan, after):
    """The result states the service principal, the group, the scope and the roles as they are (or would be)
    after the task; the verification is null until verify_scope runs it."""
    params = state.params
    state.result.update(
        service_principal=dict(app_id=params['app_id'], object_id=found.principal_id, present=True,
                               display_name=(found.principal or {}).get('DisplayName') or params['display_name']),
        group=dict(name=params['group'], address=(found.group or {}).get('PrimarySmtpAddress'),
                   distinguished_name=found.dn, members=after['members'], present=True),
        scope=dict(name=params['scope'], filter=scope_filter_after(found.filter, plan['filter_holds'], found.dn),
                   present=True),
        roles=after['roles'],
        verification=None,
    )


def verify_scope(state, found, notes):
    """The result's verification says what Exchange and Entra report about the app's reach, once the service
    principal, the group and the scope exist; in check mode a refused verification is a note instead."""
    if state.check_mode and None in (found.principal, found.group, found.scope):
        return  # nothing to test yet
    try:
        state.result['verification'] = verify(state, found.principal_id, notes)
    except MicrosoftApiError as exc:
        if not state.check_mode:
            raise
        # An audit may run with a read-only Exchange role, which Test-ServicePrincipalAuthorization may need more than.
        notes.append('the verification could not run: %s' % exc)


def present(state, notes):
    """The app holds exactly the roles asked for on a scope of exactly the members, and the result says so."""
    wanted = resolve_addresses(state, notes)
    found = read_scope(state, notes)
    plan = plan_writes(state.params, found, wanted)
    after = apply_plan(state, found, plan)
    report_scope(state, found, plan, after)
    verify_scope(state, found, notes)


def write(state, found, plan):
    """The differences, in dependency order; returns (principal, group, the group's DN)."""
    params = state.params
    exo = state.exchange
    principal, group = found.principal, found.group
    if principal is None:
        created = rbac_api.new_service_principal(exo, params['app_id'], found.principal_id, params['display_name'])
        principal = created or dict(AppId=params['app_id'], ObjectId=found.principal_id, DisplayName=params['display_name'])
    if group is None:
        group = rbac_api.new_distribution_group(exo, params['group'], params['group_alias'])
        if not (group or {}).get('DistinguishedName'):
            group = rbac_api.get_distribution_group(exo, params['group'])  # the write emptied the read cache
    dn = (group or {}).get('DistinguishedName')
    if not dn:
        raise MicrosoftApiError('exchange', None, 'UnexpectedAnswer', 'Exchange did not state the DistinguishedName '
                                'of group %r, which the management scope must name' % params['group'])
    for change, members, action in ((rbac_api.add_distribution_group_member, plan['additions'], 'adding'),
                                    (rbac_api.remove_distribution_group_member, plan['removals'], 'removing')):
        outcomes = run_all(lambda member, change=change: change(exo, params['group'], member), members,
                           params['concurrency'])
        raise_failures(outcomes, '%s group member' % action)
    if found.scope is None:
        rbac_api.new_management_scope(exo, params['scope'], rbac_api.member_of_group_filter(dn))
    elif not plan['filter_holds']:
        rbac_api.set_management_scope(exo, params['scope'], rbac_api.member_of_group_filter(dn))
    for role in plan['assign']:
        rbac_api.new_management_role_assignment(exo, found.principal_id, role, params['scope'])
    for assignment in plan['unassign']:
        rbac_api.remove_management_role_assignment(exo, assignment.get('Identity') or assignment.get('Name'))
    return principal, group, dn


def absent(state, notes):
    params = state.params
    exo = state.exchange
    principal = rbac_api.get_service_principal(exo, params['app_id'])
    group = rbac_api.get_distribution_group(exo, params['group'])
    scope = rbac_api.get_management_scope(exo, params['scope'])
    principal_id = principal and (principal.get('ObjectId') or principal.get('ServiceId'))
    ours, others = split_assignments(
        rbac_api.get_management_role_assignments(exo, principal_id or params['app_id']) if principal else [],
        principal or {}, params['scope'])
    keep_principal = bool(principal and others)
    if keep_principal:
        notes.append('the Exchange service principal stays: it has role assignments this task did not make: %s'
                     % '; '.join(describe(a) for a in others))
    if group is not None and group.get('RecipientTypeDetails') not in (None, rbac_api.SECURITY_GROUP):
        notes.append('group %r is a %s, not the mail-enabled security group this module creates: left alone'
                     % (params['group'], group.get('RecipientTypeDetails')))
        group = None
    members = rbac_api.get_distribution_group_member(exo, params['group']) if group else []

    before = dict(service_principal=principal is not None, group=group is not None,
                  members=sorted_addresses(address_of(m) for m in members),
                  scope_filter=rbac_api.scope_filter(scope) if scope else None, roles=sorted(ours))
    after = dict(service_principal=keep_principal, group=False, members=[], scope_filter=None, roles=[])
    if before != after:
        state.record_change(before, after, '%s (%s)' % (params['display_name'], params['app_id']))
        if not state.check_mode:
            for role in sorted(ours):
                for assignment in ours[role]:
                    rbac_api.remove_management_role_assignment(exo, assignment.get('Identity') or assignment.get('Name'))
            if scope is not None:
                rbac_api.remove_management_scope(exo, params['scope'])
            if group is not None:
                rbac_api.remove_distribution_group(exo, params['group'])
            if principal is not None and not keep_principal:
                rbac_api.remove_service_principal(exo, params['app_id'])
    state.result.update(
        service_principal=dict(app_id=params['app_id'], object_id=principal_id or None, present=keep_principal,
                               display_name=(principal or {}).get('DisplayName') or params['display_name']),
        group=dict(name=params['group'], address=None, distinguished_name=None, members=[], present=False),
        scope=dict(name=params['scope'], filter=None, present=False),
        roles=[],
        verification=None,
    )


def main_logic(state):
    notes = []
    check_input(state.params, notes)
    if state.params['state'] == 'present':
        present(state, notes)
    else:
        absent(state, notes)
    state.result['notes'] = notes


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        app_id=dict(type='str', required=True),
        service_principal_id=dict(type='str'),
        display_name=dict(type='str', default='Bookings ONE'),
        group=dict(type='str', default='Bookings ONE mailboxes'),
        group_alias=dict(type='str'),
        scope=dict(type='str', default='Bookings ONE mailboxes'),
        members=dict(type='list', elements='str'),
        roles=dict(type='list', elements='str', default=DEFAULT_ROLES, choices=sorted(rbac_api.APPLICATION_ROLES)),
        verify_out_of_scope=dict(type='list', elements='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        **CONCURRENCY_SPEC
    ),
    required_if=[('state', 'present', ['members'])],
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
