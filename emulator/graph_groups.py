"""Graph v1.0 groups: the list, with $select, $filter, $top, $count and paging as the other directory collections.

The groups are the tenant's Exchange distribution groups (exchange_groups.py): what New-DistributionGroup makes is
what Graph lists, a mail-enabled security group (`-Type Security`) with securityEnabled true, a distribution group
with false; both mail-enabled, neither a Microsoft 365 group (groupTypes []). Its object id is the group's
ExternalDirectoryObjectId, as Exchange Online shows the Entra object.

https://learn.microsoft.com/graph/api/group-list
https://learn.microsoft.com/graph/api/resources/group
"""

from __future__ import annotations

import struct
import uuid

from emulator import exchange, odata
from emulator.graph_routes import route

# https://learn.microsoft.com/graph/api/group-list#permissions (Application)
READ = ('GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All',
        'Directory.ReadWrite.All')
# What group-list returns without $select (its example's properties); $select may also name the others below.
DEFAULT = ('id', 'deletedDateTime', 'classification', 'createdDateTime', 'description', 'displayName',
           'expirationDateTime', 'groupTypes', 'isAssignableToRole', 'mail', 'mailEnabled', 'mailNickname',
           'membershipRule', 'membershipRuleProcessingState', 'onPremisesLastSyncDateTime',
           'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'preferredDataLocation', 'preferredLanguage',
           'proxyAddresses', 'renewedDateTime', 'resourceBehaviorOptions', 'resourceProvisioningOptions',
           'securityEnabled', 'theme', 'visibility', 'onPremisesProvisioningErrors')
FILTERABLE = ('id', 'displayName', 'mail', 'mailNickname')
ANY_FILTERABLE = ('groupTypes', 'proxyAddresses')


def security_identifier(object_id):
    """The SID Entra gives a cloud object: S-1-12-1- and the object id's four little-endian 32-bit parts."""
    return 'S-1-12-1-%d-%d-%d-%d' % struct.unpack('<4I', uuid.UUID(object_id).bytes_le)


def view(group):
    """An Exchange distribution group as Graph's group resource."""
    address = group['PrimarySmtpAddress']
    nulls = dict.fromkeys(('deletedDateTime', 'classification', 'createdDateTime', 'description', 'expirationDateTime',
                           'isAssignableToRole', 'membershipRule', 'membershipRuleProcessingState',
                           'onPremisesLastSyncDateTime', 'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled',
                           'preferredDataLocation', 'preferredLanguage', 'renewedDateTime', 'theme', 'visibility',
                           'uniqueName'))
    return dict(nulls, **{
        'id': group['ExternalDirectoryObjectId'], 'displayName': group['DisplayName'], 'groupTypes': [],
        'mail': address, 'mailEnabled': True, 'mailNickname': group['Alias'],
        'proxyAddresses': list(group.get('EmailAddresses') or ['SMTP:' + address]),
        'resourceBehaviorOptions': [], 'resourceProvisioningOptions': [], 'onPremisesProvisioningErrors': [],
        'securityEnabled': group['RecipientTypeDetails'] == exchange.GROUP_KINDS['Security'],
        'securityIdentifier': security_identifier(group['ExternalDirectoryObjectId']),
        'hideFromAddressLists': bool(group.get('HiddenFromAddressListsEnabled')), 'hideFromOutlookClients': False,
    })


TEMPLATE = view({'ExternalDirectoryObjectId': str(uuid.UUID(int=0)), 'DisplayName': '', 'PrimarySmtpAddress': '',
                 'Alias': '', 'RecipientTypeDetails': ''})


# https://learn.microsoft.com/graph/api/group-list
@route('GET', r'/groups', READ)
def list_groups(request):
    selecting = bool(request.query.get('$select'))
    groups = [view(r) for r in request.tenant['exchange']['recipients'] if exchange.is_group(r)]
    shown = groups if selecting else [dict((name, g[name]) for name in DEFAULT) for g in groups]
    return 200, odata.collection(request, shown, 'group', 'groups', TEMPLATE, FILTERABLE,
                                 any_filterable=ANY_FILTERABLE)
