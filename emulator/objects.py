"""Directory objects as Microsoft Graph v1.0 serves them, with the defaults Graph
gives a new one. Property names are those of the v1.0 schema (checked by
tests/emulator/test_schema.py against the CSDL)."""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import uuid

ISO = '%Y-%m-%dT%H:%M:%SZ'


def new_id():
    return str(uuid.uuid4())


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.strftime(ISO)


def now_iso():
    return iso(utc_now())


def parse_time(value):
    """An ISO 8601 UTC date-time (Graph's DateTimeOffset) as an aware datetime; ValueError when it is not one."""
    text = str(value).strip()
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def relative_date(value):
    """'+10d' / '-5d' (days from now, for seeds that must stay current) or a date-time as it is."""
    if isinstance(value, str) and value[:1] in '+-' and value.endswith('d'):
        return iso(utc_now() + datetime.timedelta(days=int(value[:-1])))
    if isinstance(value, datetime.datetime):  # YAML reads unquoted timestamps as datetimes
        return iso(value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc))
    return value


def secret_hash(value):
    return hashlib.sha256(value.encode('utf-8')).hexdigest()


DEFAULT_WEB = {'homePageUrl': None, 'implicitGrantSettings': {'enableAccessTokenIssuance': False,
                                                              'enableIdTokenIssuance': False},
               'logoutUrl': None, 'redirectUris': [], 'redirectUriSettings': []}


def application(display_name, **properties):
    """https://learn.microsoft.com/graph/api/resources/application"""
    app = {
        'id': new_id(), 'deletedDateTime': None, 'addIns': [],
        'api': {'acceptMappedClaims': None, 'knownClientApplications': [], 'oauth2PermissionScopes': [],
                'preAuthorizedApplications': [], 'requestedAccessTokenVersion': None},
        'appId': new_id(), 'applicationTemplateId': None, 'appRoles': [], 'createdDateTime': now_iso(),
        'defaultRedirectUri': None, 'description': None, 'disabledByMicrosoftStatus': None,
        'displayName': display_name, 'groupMembershipClaims': None, 'identifierUris': [],
        'info': {'logoUrl': None, 'marketingUrl': None, 'privacyStatementUrl': None, 'supportUrl': None,
                 'termsOfServiceUrl': None},
        'isDeviceOnlyAuthSupported': None, 'isFallbackPublicClient': None, 'keyCredentials': [], 'notes': None,
        'optionalClaims': None,
        'parentalControlSettings': {'countriesBlockedForMinors': [], 'legalAgeGroupRule': 'Allow'},
        'passwordCredentials': [], 'publicClient': {'redirectUris': []}, 'publisherDomain': None,
        'requiredResourceAccess': [], 'serviceManagementReference': None,
        'servicePrincipalLockConfiguration': None, 'signInAudience': 'AzureADMyOrg',
        'spa': {'redirectUris': []}, 'tags': [], 'tokenEncryptionKeyId': None, 'uniqueName': None,
        'verifiedPublisher': {'addedDateTime': None, 'displayName': None, 'verifiedPublisherId': None},
        'web': copy.deepcopy(DEFAULT_WEB),
    }
    app.update(copy.deepcopy(properties))
    return app


def service_principal(app_id, display_name, owner_tenant_id, app_roles=None, audience='AzureADMultipleOrgs'):
    """https://learn.microsoft.com/graph/api/resources/serviceprincipal"""
    return {
        'id': new_id(), 'deletedDateTime': None, 'accountEnabled': True, 'addIns': [], 'alternativeNames': [],
        'appDescription': None, 'appDisplayName': display_name, 'appId': app_id, 'applicationTemplateId': None,
        'appOwnerOrganizationId': owner_tenant_id, 'appRoleAssignmentRequired': False,
        'appRoles': copy.deepcopy(app_roles or []), 'description': None, 'disabledByMicrosoftStatus': None,
        'displayName': display_name, 'homepage': None, 'info': None, 'keyCredentials': [], 'loginUrl': None,
        'logoutUrl': None, 'notes': None, 'notificationEmailAddresses': [], 'oauth2PermissionScopes': [],
        'passwordCredentials': [], 'preferredSingleSignOnMode': None, 'preferredTokenSigningKeyThumbprint': None,
        'replyUrls': [], 'resourceSpecificApplicationPermissions': [], 'samlSingleSignOnSettings': None,
        'servicePrincipalNames': [app_id], 'servicePrincipalType': 'Application', 'signInAudience': audience,
        'tags': [], 'tokenEncryptionKeyId': None,
        'verifiedPublisher': {'addedDateTime': None, 'displayName': None, 'verifiedPublisherId': None},
    }


def app_role_assignment(principal, resource, app_role_id):
    """https://learn.microsoft.com/graph/api/resources/approleassignment (ids are base64url, as Entra's)"""
    return {
        'id': base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes[:8]).decode().rstrip('='),
        'deletedDateTime': None, 'appRoleId': app_role_id, 'createdDateTime': now_iso(),
        'principalDisplayName': principal['displayName'], 'principalId': principal['id'],
        'principalType': 'ServicePrincipal', 'resourceDisplayName': resource['displayName'],
        'resourceId': resource['id'],
    }


def password_credential(display_name, start, end, hint, key_id=None):
    """https://learn.microsoft.com/graph/api/resources/passwordcredential (secretText is never stored)"""
    return {'customKeyIdentifier': None, 'displayName': display_name, 'endDateTime': iso(end), 'hint': hint,
            'keyId': key_id or new_id(), 'secretText': None, 'startDateTime': iso(start)}


def key_credential(display_name, start, end, thumbprint_sha1, key_id=None, usage='Verify', custom_key_identifier=None):
    """https://learn.microsoft.com/graph/api/resources/keycredential (the key itself is kept apart, in the store's
    `certificates`, and returned only where the page says: see graph_keys). customKeyIdentifier defaults to the
    certificate's SHA-1 thumbprint, as the page says, in the hexadecimal form Graph shows it in."""
    return {'customKeyIdentifier': custom_key_identifier or thumbprint_sha1.hex().upper(), 'displayName': display_name,
            'endDateTime': iso(end), 'key': None, 'keyId': key_id or new_id(), 'startDateTime': iso(start),
            'type': 'AsymmetricX509Cert', 'usage': usage}


def oauth2_permission_grant(client_id, consent_type, principal_id, resource_id, scope):
    """https://learn.microsoft.com/graph/api/resources/oauth2permissiongrant (ids are base64url, as Entra's)"""
    return {'id': base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip('='),
            'clientId': client_id, 'consentType': consent_type, 'principalId': principal_id,
            'resourceId': resource_id, 'scope': scope}
