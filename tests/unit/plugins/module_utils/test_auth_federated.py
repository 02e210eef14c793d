"""The federated credential: a token file sent as the client assertion, read again for every sign-in."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils._auth import credential_class
from ansible_collections.bookingsone.office365.plugins.module_utils._auth_federated import (
    FederatedCredential, FederatedTokenError)
from ansible_collections.bookingsone.office365.plugins.module_utils._connection import connection_errors

TENANT = '3c9d2b1a-7e6f-4d5c-9b8a-1f2e3d4c5b60'
CLIENT = '5d1f1f1e-8c4b-4a36-9d2e-1b7f0c3a9e01'


def test_the_token_file_selects_the_method_and_is_read_at_each_sign_in(tmp_path):
    token = tmp_path / 'token'
    token.write_text('a.b.c\n')
    params = dict(tenant_id=TENANT, client_id=CLIENT, client_assertion_file=str(token))
    assert credential_class(params) is FederatedCredential and connection_errors(params) == []
    assertion = FederatedCredential(params).msal_credential()['client_assertion']
    assert assertion() == 'a.b.c'
    token.write_text('d.e.f')  # the issuer rotated it
    assert assertion() == 'd.e.f'


def test_the_cache_key_names_the_file_not_the_token(tmp_path):
    token = tmp_path / 'token'
    token.write_text('a.b.c')
    credential = FederatedCredential(dict(client_assertion_file=str(token)))
    before = credential.fingerprint()
    token.write_text('d.e.f')
    assert credential.fingerprint() == before and 'a.b.c' not in before


def test_a_missing_file_or_a_token_that_is_no_jwt_is_named(tmp_path):
    missing = dict(tenant_id=TENANT, client_id=CLIENT, client_assertion_file=str(tmp_path / 'none'))
    assert connection_errors(missing) == ["client_assertion_file %r is not a readable file (the federated token)"
                                          % str(tmp_path / 'none')]
    (tmp_path / 'plain').write_text('not a token')
    with pytest.raises(FederatedTokenError, match='does not hold a JWT'):
        FederatedCredential(dict(client_assertion_file=str(tmp_path / 'plain'))).msal_credential()
    assert 'client_id is required' in ' '.join(connection_errors(dict(missing, client_id=None)))
