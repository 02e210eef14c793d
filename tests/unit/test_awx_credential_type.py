"""The AWX credential type injects what the modules read, for a secret and for a certificate."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.module_utils.common.parameters import AnsibleFallbackNotFound
from jinja2.sandbox import SandboxedEnvironment

from ansible_collections.bookingsone.office365.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, connection_errors,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPE = os.path.join(REPO, 'docs', 'awx', 'credential_type.yml')


def inject(inputs, tmp_path):
    """Render the injectors as AWX does: files first, then env with tower.filename set."""
    spec = yaml.safe_load(open(CREDENTIAL_TYPE))
    values = dict((field['id'], field.get('default', '')) for field in spec['inputs']['fields'])
    values.update(inputs)
    jinja = SandboxedEnvironment()
    files = {}
    for key, template in spec['injectors']['file'].items():
        path = tmp_path / key.split('.', 1)[1]
        path.write_text(jinja.from_string(template).render(**values))
        files[key.split('.', 1)[1]] = str(path)
    values['tower'] = {'filename': files}
    return dict((name, jinja.from_string(template).render(**values))
                for name, template in spec['injectors']['env'].items())


def params_from(env, monkeypatch, tenant='contoso.onmicrosoft.com'):
    """The connection options a module gets from these variables, through the argspec's own fallbacks."""
    for name in list(os.environ):
        if name.startswith(('AZURE_', 'BOOKINGSONE_')):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    params = {}
    for name, spec in CONNECTION_ARGSPEC.items():
        function, args = spec.get('fallback', (None, None))
        try:
            params[name] = function(*args) if function else None
        except AnsibleFallbackNotFound:
            params[name] = None
    params['tenant_id'] = params.get('tenant_id') or tenant
    return params


def test_required_fields_and_secrets_are_marked(tmp_path):
    spec = yaml.safe_load(open(CREDENTIAL_TYPE))
    secret = set(f['id'] for f in spec['inputs']['fields'] if f.get('secret'))
    assert secret == {'client_secret', 'client_certificate', 'client_certificate_password'}
    assert spec['inputs']['required'] == ['client_id']


@pytest.mark.parametrize('inputs,credential', [
    (dict(client_id='5d1f1f1e-8c4b-4a36-9d2e-1b7f0c3a9e01', client_secret='s3cret'), 'client_secret'),
    (dict(client_id='5d1f1f1e-8c4b-4a36-9d2e-1b7f0c3a9e01',
          client_certificate='-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n'), 'client_certificate_path'),
])
def test_one_credential_reaches_the_modules(tmp_path, monkeypatch, inputs, credential):
    env = inject(inputs, tmp_path)
    assert not any(value == inputs.get('client_secret') for value in env.values())  # a path, never the secret
    params = params_from(env, monkeypatch)
    assert connection_errors(params) == []
    chosen = [name for name in ('client_secret', 'client_certificate_path', 'access_token') if params.get(name)]
    assert chosen == [credential]
    assert params['cloud'] == 'public' and params['client_id'] == inputs['client_id']
    if credential == 'client_certificate_path':
        assert open(params['client_certificate_path']).read() == inputs['client_certificate']
    else:
        assert params['client_secret'] == inputs['client_secret']
