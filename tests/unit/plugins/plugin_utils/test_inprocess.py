"""What the action plugins validate before they connect: task_spec and split_connection."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.bookingsone.office365.plugins.modules import app_secret, preflight, tenant
from ansible_collections.bookingsone.office365.plugins.plugin_utils._inprocess import split_connection, task_spec


def validate(module_spec, args):
    spec = task_spec(module_spec)
    return ArgumentSpecValidator(spec.pop('argument_spec'), **spec).validate(args)


def test_connection_options_are_taken_as_given_without_their_environment_fallbacks(monkeypatch):
    monkeypatch.setenv('AZURE_CLIENT_SECRET', 'from-the-environment')
    monkeypatch.setenv('AZURE_TENANT_ID', 'contoso.example')
    outcome = validate(preflight.SPEC, dict(client_id='app', client_certificate_path='/cert.pem', delegate='d@x'))
    assert outcome.error_messages == []
    connection, rest = split_connection(outcome.validated_parameters)
    # no client_secret from the environment to collide with the certificate, and no tenant_id required here:
    # InProcess validates the connection options with their fallbacks
    assert connection == dict(client_id='app', client_certificate_path='/cert.pem')
    assert rest['delegate'] == 'd@x' and rest['secret_rotate_before_days'] == 30


def test_secrets_among_the_connection_options_stay_no_log():
    outcome = validate(preflight.SPEC, dict(tenant_id='t', client_id='app', client_secret='s3cr3t-value'))
    assert 's3cr3t-value' in outcome._no_log_values


def test_the_module_options_are_checked_in_full_naming_the_bad_value():
    unknown = validate(tenant.SPEC, dict(tenant_id='t', entra=dict(callback_url='https://b1.example/cb',
                                                                   handoff=dict(path='/v.yml')), romms={}))
    assert any('romms' in message for message in unknown.error_messages)
    missing = validate(tenant.SPEC, dict(tenant_id='t', entra=dict(callback_url='https://b1.example/cb',
                                                                   handoff=dict(url='https://b1.example/h'))))
    assert any('path' in message and 'handoff' in message for message in missing.error_messages)
    wrong = validate(app_secret.SPEC, dict(unique_name='b1', secret_display_name='b1', lifetime_days='two'))
    assert any('lifetime_days' in message for message in wrong.error_messages)


def test_split_connection_leaves_out_what_is_unset():
    connection, rest = split_connection(dict(tenant_id='t', client_secret=None, delegate=None, rooms={'source': 'all'}))
    assert connection == dict(tenant_id='t') and rest == dict(rooms={'source': 'all'})
