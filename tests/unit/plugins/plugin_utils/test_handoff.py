"""The hand-off store of credentials_handoff and app_secret (plugin_utils/_handoff.py): the vault file
only its owner reads, the HTTPS POST before it, and reading an earlier hand-off back."""

from __future__ import annotations

import os
import stat
import types

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.vault import VaultSecret

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _handoff as handoff

from ..module_utils.fakes import FakeResponse, ScriptedSession

CREDENTIALS = dict(tenant_id='contoso.onmicrosoft.com', client_id='app-id', client_secret='s3cr3t-value')


def loader(*passwords):
    """What the action plugins take of Ansible's DataLoader: its vault secrets."""
    return types.SimpleNamespace(_vault=types.SimpleNamespace(
        secrets=[('default', VaultSecret(password.encode())) for password in passwords]))


def test_only_no_url_or_an_https_url_passes():
    for url in (None, '', 'https://intake.example/credentials', 'HTTPS://intake.example/x'):
        handoff.check_url(url)  # no AnsibleActionFail
    for url in ('http://intake.example/credentials', 'intake.example', 'ftp://intake.example'):
        with pytest.raises(AnsibleActionFail) as err:
            handoff.check_url(url)
        assert str(err.value) == 'url %r must be an https:// URL' % url


def test_without_a_vault_secret_nothing_can_be_sealed():
    with pytest.raises(AnsibleActionFail) as err:
        handoff.vault_secrets(loader())
    assert '--vault-password-file' in str(err.value)


def test_the_file_is_vaulted_private_and_reads_back_as_plain_data(tmp_path):
    path = str(tmp_path / 'handoff' / 'contoso.vault.yml')
    data = dict(CREDENTIALS, scopes=('Mail.Send', 'User.Read.All'))  # a tuple: templated values need not be lists
    assert handoff.deliver(loader('pw'), path, data) is False  # nothing posted
    with open(path, 'rb') as handle:
        sealed = handle.read()
    assert sealed.startswith(b'$ANSIBLE_VAULT;1.1;AES256') and b's3cr3t-value' not in sealed
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert handoff.read(loader('pw'), path) == dict(CREDENTIALS, scopes=['Mail.Send', 'User.Read.All'])


def test_a_mode_may_be_given_as_ansible_writes_it(tmp_path):
    path = str(tmp_path / 'shared.vault.yml')
    handoff.deliver(loader('pw'), path, CREDENTIALS, mode='0640')
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_missing_file_or_one_sealed_with_another_password_reads_as_none(tmp_path):
    path = str(tmp_path / 'contoso.vault.yml')
    assert handoff.read(loader('pw'), path) is None
    handoff.deliver(loader('pw'), path, CREDENTIALS)
    assert handoff.read(loader('another password'), path) is None
    assert handoff.read(loader(), path) is None  # no secret to open it with


def test_a_vaulted_file_that_is_not_a_dictionary_reads_as_none(tmp_path):
    path = str(tmp_path / 'list.vault.yml')
    handoff.deliver(loader('pw'), path, ['not', 'a', 'hand-off'])
    assert handoff.read(loader('pw'), path) is None


@pytest.fixture
def endpoint(monkeypatch):
    """The sessions the hand-off opens, each answering from `answers`."""
    sessions, answers = [], []

    def new_session(verify):
        session = ScriptedSession(*answers)
        session.verify = verify
        sessions.append(session)
        return session
    monkeypatch.setattr(handoff, 'new_session', new_session)
    return types.SimpleNamespace(sessions=sessions, answers=answers)


def test_the_post_goes_first_with_the_bearer_token_then_the_file(tmp_path, endpoint):
    endpoint.answers.append(FakeResponse(204))
    path = str(tmp_path / 'contoso.vault.yml')
    assert handoff.deliver(loader('pw'), path, CREDENTIALS, url='https://intake.example/credentials',
                           url_token='intake-token') is True
    (call,) = endpoint.sessions[0].calls
    assert (call['method'], call['url'], call['json']) == ('POST', 'https://intake.example/credentials', CREDENTIALS)
    assert call['headers']['Authorization'] == 'Bearer intake-token'
    assert handoff.read(loader('pw'), path) == CREDENTIALS


def test_a_refused_post_writes_no_file(tmp_path, endpoint):
    endpoint.answers.append(FakeResponse(403, {'error': 'forbidden'}))
    path = str(tmp_path / 'contoso.vault.yml')
    with pytest.raises(AnsibleActionFail) as err:
        handoff.deliver(loader('pw'), path, CREDENTIALS, url='https://intake.example/credentials')
    assert 'the POST to the hand-off endpoint failed, %s was not written' % path in str(err.value)
    assert 'HTTP403' in str(err.value) and 's3cr3t-value' not in str(err.value)
    assert not os.path.exists(path)


def test_a_plain_http_url_fails_before_any_request_or_file(tmp_path, endpoint):
    path = str(tmp_path / 'contoso.vault.yml')
    with pytest.raises(AnsibleActionFail):
        handoff.deliver(loader('pw'), path, CREDENTIALS, url='http://intake.example/credentials')
    assert endpoint.sessions == [] and not os.path.exists(path)
