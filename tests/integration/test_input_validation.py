"""Bad options of the action plugins (tenant, preflight, app_secret): refused with the module's own
message, naming the option, before a token is asked for or the tenant is read."""

from __future__ import annotations

import json


def test_wrong_options_are_refused_by_name_before_any_request(harness, tmp_path):
    result_file = tmp_path / 'results.json'
    token = 'handoff-token-that-must-not-show'
    run = harness.play('misspelt_options.yml', tenant=harness.tenant(0), handoff_token=token,
                       result_file=str(result_file), verbosity=3)
    assert run.rc == 0, run
    results = json.loads(result_file.read_text())
    assert all(results[name]['failed'] for name in results), results
    assert results['misspelt']['msg'].startswith(
        'Unsupported parameters for (bookingsone.office365.tenant) module: romms.'), results
    assert "'secret_lifetime_days'" in results['mistyped']['msg'] and 'int' in results['mistyped']['msg'], results
    assert results['incomplete']['msg'] == 'missing required arguments: path found in handoff', results
    assert run.requests == [], run.requests  # no token, no read: nothing reached the emulator
    secret = harness.operator['secrets'][0]['value']
    assert token not in run.output and secret not in run.output
