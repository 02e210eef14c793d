"""Several controllers (each its own hand-off store, token cache and identity) started together on one tenant,
for onboarding, rotation and forced rotation, three rounds each. After every round the invariants hold:

  I1  the secret Bookings ONE received last (the stand-in's last hand-off) exists, signs in and is recorded;
  I2  each run minted at most one secret; a rotation that was due is done once, not once per controller;
  I3  a run whose hand-off another run undid failed naming both key IDs (none is expected with the lease).

tools/stress_secret_lifecycle.py runs the same check for many rounds, with random start offsets and kills."""

from __future__ import annotations

import re

import pytest

from lifecycle import Site

ROUNDS = 3


def minted(result_log):
    return re.findall(r'minted new secret ([0-9a-f-]{36})', result_log)


def check_round(site, finished, mode, controllers, before):
    outputs = [output for _code, output in finished]
    assert all(code == 0 for code, _output in finished), '\n\n'.join(o[-3000:] for o in outputs)
    new = [key for output in outputs for key in minted(output)]
    assert all(len(minted(output)) <= 1 for output in outputs)  # I2: one secret per run at most
    expected = controllers if mode == 'forced' else 1
    assert len(new) == expected, (mode, new)
    received = site.received()
    assert len(received) == before + expected
    last = received[-1]
    # I1: what Bookings ONE received last exists, signs in and is the one the tenant records
    assert last['secret_key_id'] in site.keys() and site.signs_in(last)
    assert site.tagged('bookingsone:handed-off:') == [last['secret_key_id']]
    assert site.tagged('bookingsone:pending:') == [] and site.tagged('bookingsone:lease:') == []
    # every secret a run handed over is still there (the grace period has not passed)
    assert set(body['secret_key_id'] for body in received) <= set(site.keys())


@pytest.mark.parametrize('controllers', [2, 3])
@pytest.mark.parametrize('mode', ['onboard', 'rotate', 'forced'])
def test_controllers_started_together_keep_the_secret_bookings_one_holds(harness, tmp_path, mode, controllers):
    names = 'abc'[:controllers]
    site = None
    for round_number in range(ROUNDS):
        if site is None or mode == 'onboard':  # onboarding starts from a tenant without the app each round
            site = Site(harness, tmp_path / ('round-%d' % round_number))
            if mode != 'onboard':
                assert site.run('onboard.yml', 'a').rc == 0
        if mode == 'rotate':
            site.due()
        before = len(site.received())
        playbook = 'onboard.yml' if mode == 'onboard' else 'rotate_secrets.yml'
        extra = dict(entra_app_secret_force_rotate=True) if mode == 'forced' else {}
        finished = site.concurrently([(playbook, name, extra) for name in names])
        check_round(site, finished, mode, controllers, before)
