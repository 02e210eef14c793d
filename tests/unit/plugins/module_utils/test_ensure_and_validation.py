"""The ensure core and input validation."""

from __future__ import annotations

import pytest

from ansible_collections.bookingsone.office365.plugins.module_utils._connection import Endpoints, connection_errors
from ansible_collections.bookingsone.office365.plugins.module_utils._ensure import Ensurer, differences, merge
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._validate import check_redirect_uri


def test_clearing_a_list_is_a_change():
    assert differences({'uris': ['https://a']}, {'uris': []}) == ({'uris': ['https://a']}, {'uris': []})


def test_false_is_managed_and_none_is_not():
    before, after = differences({'flag': True, 'other': 1}, {'flag': False, 'other': None})
    assert (before, after) == ({'flag': True}, {'flag': False})


def test_nested_dicts_merge_and_report_only_changed_top_level_keys():
    current = {'web': {'redirectUris': ['https://a'], 'homePageUrl': 'https://h'}, 'displayName': 'x'}
    before, after = differences(current, {'web': {'redirectUris': ['https://b']}, 'displayName': 'x'})
    assert after == {'web': {'redirectUris': ['https://b'], 'homePageUrl': 'https://h'}}
    assert before == {'web': current['web']}


def test_merge_keeps_unmanaged_keys():
    assert merge({'a': 1, 'b': {'c': 2, 'd': 3}}, {'b': {'c': 4}}) == {'a': 1, 'b': {'c': 4, 'd': 3}}


class RecordingState(object):
    """What Ensurer takes of a TaskState: check mode, and where changes are recorded."""

    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.changes = []

    def record_change(self, before, after, header=None):
        self.changes.append((before, after))


@pytest.mark.parametrize('check_mode', [True, False])
def test_ensurer_writes_only_outside_check_mode(check_mode):
    writes = []
    state = RecordingState(check_mode)
    result = Ensurer(state).present({'a': 1, 'b': 2}, {'a': 1, 'b': 3}, create=writes.append, update=writes.append)
    assert result == {'a': 1, 'b': 3}
    assert state.changes == [({'b': 2}, {'b': 3})]
    assert writes == ([] if check_mode else [{'b': 3}])


def test_ensurer_converged_records_nothing():
    writes = []
    state = RecordingState(False)
    Ensurer(state).present({'a': 1}, {'a': 1}, create=writes.append, update=writes.append)
    Ensurer(state).absent(None, delete=writes.append)
    assert writes == [] and state.changes == []


@pytest.mark.parametrize('uri', ['https://app.example/cb', 'http://localhost:8080/cb', 'http://127.0.0.1/cb'])
def test_valid_redirect_uris(uri):
    check_redirect_uri(uri, 'opt')


@pytest.mark.parametrize('uri,words', [
    ('http://app.example/cb', 'must use https'),
    ('app.example/cb', 'not an absolute'),
    ('ftp://app.example/cb', 'not an absolute'),
    ('https://app.example/cb#x', 'fragment'),
])
def test_invalid_redirect_uris_name_the_value(uri, words):
    with pytest.raises(InputError) as err:
        check_redirect_uri(uri, 'callback_url')
    assert uri in str(err.value) and words in str(err.value) and 'callback_url' in str(err.value)


def base_params(**kwargs):
    params = dict(tenant_id='contoso.onmicrosoft.com', client_id='11111111-2222-3333-4444-555555555555',
                  client_secret='s', client_certificate_path=None, access_token=None)
    params.update(kwargs)
    return params


def test_good_connection_options_have_no_errors():
    assert connection_errors(base_params()) == []
    assert connection_errors(base_params(tenant_id='72f988bf-86f1-41af-91ab-2d7cd011db47')) == []


@pytest.mark.parametrize('changes,words', [
    (dict(tenant_id='not a tenant'), "'not a tenant'"),
    (dict(tenant_id='1234'), "'1234'"),
    (dict(client_id='abc'), "client_id 'abc'"),
    (dict(client_secret=None), 'no credential'),
    (dict(graph_endpoint='http://graph.example'), 'https://'),
])
def test_bad_connection_options_are_named(changes, words):
    errors = connection_errors(base_params(**changes))
    assert any(words in e for e in errors), errors


def test_cloud_endpoints_and_overrides():
    usgov = Endpoints(dict(cloud='usgov'))
    assert (usgov.login, usgov.graph) == ('https://login.microsoftonline.us', 'https://graph.microsoft.us')
    assert usgov.scope('graph') == 'https://graph.microsoft.us/.default' and usgov.login_is_known
    custom = Endpoints(dict(cloud='public', login_endpoint='https://127.0.0.1:9000/', graph_endpoint=None))
    assert custom.login == 'https://127.0.0.1:9000' and not custom.login_is_known
    assert custom.scope('exchange') == 'https://outlook.office365.com/.default'


def test_empty_environment_variables_do_not_count(monkeypatch):
    from ansible.module_utils.common.parameters import AnsibleFallbackNotFound
    from ansible_collections.bookingsone.office365.plugins.module_utils._connection import env_fallback
    monkeypatch.setenv('AZURE_CLIENT_CERTIFICATE_PATH', '')
    monkeypatch.setenv('AZURE_CLIENT_SECRET', 's3cret')
    assert env_fallback('AZURE_CLIENT_SECRET') == 's3cret'
    with pytest.raises(AnsibleFallbackNotFound):
        env_fallback('AZURE_CLIENT_CERTIFICATE_PATH')
