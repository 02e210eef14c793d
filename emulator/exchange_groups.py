"""Distribution groups and their members (mail-enabled security groups are what management scopes usually name):
New/Get/Remove-DistributionGroup and Add/Remove/Get-DistributionGroupMember.

A group is a recipient in the tenant's Exchange state (exchange.py), so Get-Recipient, -Member and -Identity
elsewhere find it; its members are kept in `groups` ({alias: {members: [aliases]}}). The writes need Organization
Management (exchange_cmdlets.ORGANIZATION).
"""

from __future__ import annotations

import re
import uuid

from emulator import exchange
from emulator.exchange import FOREST, GROUP_KINDS, MULTIPLE_RECIPIENTS, is_group
from emulator.exchange_cmdlets import ALREADY_EXISTS, INVALID, ORGANIZATION, READ, cmdlet, fail
from emulator.exchange_params import IDENTITY, NAME64, boolean, choice, length, result_size, text, text_list

# Type names below are not documented by Microsoft [unverified]; the messages say what happened.
PROXY_IN_USE = 'Microsoft.Exchange.Data.Directory.ProxyAddressExistsException'
MEMBER_EXISTS = 'Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException'
MEMBER_MISSING = 'Microsoft.Exchange.Management.Tasks.MemberNotFoundException'

GROUP_KEYS = ('Identity', 'Name', 'Alias', 'DisplayName', 'PrimarySmtpAddress', 'DistinguishedName',
              'ExternalDirectoryObjectId', 'Guid')
ALIAS = re.compile(r"[^A-Za-z0-9!#%*+\-/=?^_~.]")
ADDRESS = re.compile(r'^[^@\s]+@([^@\s]+\.[^@\s]+)$')
MEMBER_PARAMS = dict(IDENTITY, Member=text, BypassSecurityGroupManagerCheck=boolean, Confirm=boolean)


def memberships(state):
    """The tenant's group memberships: {group alias: {'members': [member aliases]}}."""
    return state.setdefault('groups', {})


def _group(state, identity):
    return exchange.find([r for r in state['recipients'] if is_group(r)], identity, GROUP_KEYS, state['domain'],
                         ('Ex1F3C5B', MULTIPLE_RECIPIENTS))


def group_by_dn(state, dn):
    """The group with this distinguished name, or None."""
    return next((r for r in state['recipients'] if is_group(r) and r['DistinguishedName'].lower() == dn.lower()),
                None)


def direct_members(state, group):
    """The aliases of a group's direct members (read only: an unknown group has none)."""
    return memberships(state).get(group['Identity'], {}).get('members', [])


def _members(state, group):
    return memberships(state).setdefault(group['Identity'], {'members': []})['members']


def _address(state, value):
    match = ADDRESS.match(value)
    if not match:
        fail(400, 'Ex2A6E0F', INVALID, 'The email address "%s" isn\'t correct. Please use this format: user name, the '
                                       '@ sign, followed by the domain name. For example, tonysmith@contoso.com or '
                                       'tony.smith@contoso.com.' % value)
    if match.group(1).lower() != state['domain'].lower():
        fail(400, 'Ex2A6E10', INVALID, 'The domain "%s" of the address "%s" isn\'t an accepted domain of this '
                                       'organization.' % (match.group(1), value))
    holder = next((r for r in state['recipients'] if (r.get('PrimarySmtpAddress') or '').lower() == value.lower()),
                  None)
    if holder is not None:
        fail(400, 'Ex2A6E11', PROXY_IN_USE, 'The proxy address "SMTP:%s" is already being used by the proxy '
                                            'addresses or LegacyExchangeDN of "%s". Please choose another proxy '
                                            'address.' % (value, holder['Identity']))
    return value


def _alias(state, params):
    """-Alias, or without it the Name with the spaces removed and unsupported characters made '?'; unique."""
    alias = params.get('Alias') or ALIAS.sub('?', params['Name'].replace(' ', ''))
    if 'Alias' in params and (ALIAS.search(alias) or alias.startswith('.') or alias.endswith('.')):
        fail(400, 'Ex2A6E12', INVALID, 'The alias "%s" contains characters that aren\'t valid in an alias.' % alias)
    if any(r['Alias'].lower() == alias.lower() for r in state['recipients']):
        fail(400, 'Ex2A6E11', PROXY_IN_USE, 'The alias "%s" is already being used by another recipient. Please '
                                            'choose another alias.' % alias)
    return alias


# https://learn.microsoft.com/powershell/module/exchange/new-distributiongroup
@cmdlet('New-DistributionGroup', params={'Name': NAME64, 'Type': choice('Distribution', 'Security'), 'Alias': NAME64,
                                         'PrimarySmtpAddress': text, 'Members': text_list, 'DisplayName': length(256),
                                         'Confirm': boolean},
        required=('Name',), roles=ORGANIZATION)
def new_distribution_group(state, params):
    name = params['Name']
    if any(r['Name'].lower() == name.lower() for r in state['recipients']):
        fail(400, 'Ex5C2D01', ALREADY_EXISTS, "Active Directory operation failed on %s. The object '%s' already "
                                              "exists." % (FOREST, exchange.distinguished_name(state, name)))
    alias = _alias(state, params)
    address = _address(state, params.get('PrimarySmtpAddress') or '%s@%s' % (alias, state['domain']))
    members = []
    for identity in params.get('Members') or []:
        member = exchange.resolve(state, identity)['Identity']
        if member not in members:
            members.append(member)
    kind = GROUP_KINDS[params.get('Type', 'Distribution')]
    group = {
        'Identity': alias, 'Name': name, 'Alias': alias, 'DisplayName': params.get('DisplayName') or name,
        'PrimarySmtpAddress': address, 'WindowsEmailAddress': address, 'EmailAddresses': ['SMTP:' + address],
        'RecipientType': kind, 'RecipientTypeDetails': kind,
        'GroupType': 'Universal, SecurityEnabled' if kind == GROUP_KINDS['Security'] else 'Universal',
        'ExternalDirectoryObjectId': str(uuid.uuid4()), 'Guid': str(uuid.uuid4()),
        'DistinguishedName': exchange.distinguished_name(state, name),
        'OrganizationalUnit': 'NAMPR01A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/' + state['domain'],
        'ManagedBy': [], 'MemberJoinRestriction': 'Closed',
        'MemberDepartRestriction': 'Closed' if kind == GROUP_KINDS['Security'] else 'Open',
        'HiddenFromAddressListsEnabled': False,
    }
    state['recipients'].append(group)
    memberships(state)[alias] = {'members': members}
    return [dict(group)], []


# https://learn.microsoft.com/powershell/module/exchange/get-distributiongroup
@cmdlet('Get-DistributionGroup', params=dict(IDENTITY, ResultSize=None), roles=READ)
def get_distribution_group(state, params):
    if 'Identity' in params:
        return [dict(_group(state, params['Identity']))], []
    found, warnings = result_size([r for r in state['recipients'] if is_group(r)], params)
    return [dict(r) for r in found], warnings


# https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroup
@cmdlet('Remove-DistributionGroup', params=dict(IDENTITY, BypassSecurityGroupManagerCheck=boolean, Confirm=boolean),
        required=('Identity',), roles=ORGANIZATION)
def remove_distribution_group(state, params):
    group = _group(state, params['Identity'])
    state['recipients'].remove(group)
    memberships(state).pop(group['Identity'], None)
    for entry in memberships(state).values():  # it is no longer a member of other groups either
        if group['Identity'] in entry['members']:
            entry['members'].remove(group['Identity'])
    return [], []


def _membership(state, params):
    """(group, member recipient, the group's member list) that -Identity and -Member address."""
    group = _group(state, params['Identity'])
    return group, exchange.resolve(state, params['Member']), _members(state, group)


# https://learn.microsoft.com/powershell/module/exchange/add-distributiongroupmember
@cmdlet('Add-DistributionGroupMember', params=MEMBER_PARAMS, required=('Identity', 'Member'), roles=ORGANIZATION)
def add_distribution_group_member(state, params):
    group, member, members = _membership(state, params)
    if member['Identity'] == group['Identity']:
        fail(400, 'Ex4C1D92', INVALID, 'The group "%s" can\'t be made a member of itself.' % group['Name'])
    if member['Identity'] in members:
        fail(400, 'Ex4C1D90', MEMBER_EXISTS, 'The recipient "%s" is already a member of the group "%s".'
             % (params['Member'], group['Name']))
    members.append(member['Identity'])
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroupmember
@cmdlet('Remove-DistributionGroupMember', params=MEMBER_PARAMS, required=('Identity', 'Member'), roles=ORGANIZATION)
def remove_distribution_group_member(state, params):
    group, member, members = _membership(state, params)
    if member['Identity'] not in members:
        fail(400, 'Ex4C1D91', MEMBER_MISSING, 'The recipient "%s" isn\'t a member of the group "%s".'
             % (params['Member'], group['Name']))
    members.remove(member['Identity'])
    return [], []


# https://learn.microsoft.com/powershell/module/exchange/get-distributiongroupmember
@cmdlet('Get-DistributionGroupMember', params=dict(IDENTITY, ResultSize=None), required=('Identity',), roles=READ)
def get_distribution_group_member(state, params):
    group = _group(state, params['Identity'])
    by_identity = dict((r['Identity'], r) for r in state['recipients'])
    found, warnings = result_size([by_identity[m] for m in _members(state, group) if m in by_identity], params)
    return [dict(r) for r in found], warnings
