"""Every verdict the playbooks print is true: --limit runs report and fail on the tenants they ran, extra
redirect URIs and empty room selections fail, an expired secret says so, a hand-off store that cannot be
written or read is named before anything is written, host names cannot leave the hand-off directory, and
no lock file is left behind. Each case is its own real ansible-playbook run against the emulator."""

from __future__ import annotations

import csv
import json
import os
import re

import pytest

from emulator import exchange
from helpers import app_by_unique, days_from_now, tenant_host, write_inventory
from lifecycle import ROOM, Site

FABRIKAM_ROOM = 'room-001@fabrikam.onmicrosoft.com'


@pytest.fixture
def site(harness, tmp_path):
    yield Site(harness, tmp_path)
    harness.emu.set_faults({})


def two_tenants(site):
    """Contoso and Fabrikam in one inventory of controller a."""
    hosts = dict(
        contoso=tenant_host('contoso', site.harness.tenant(1), site.store('a'), bookingsone_room_addresses=[ROOM],
                            entra_app_unique_name=site.unique, entra_app_secret_lease_settle_seconds=0.3),
        fabrikam=tenant_host('fabrikam', site.harness.tenant(2), site.store('a'),
                             bookingsone_room_addresses=[FABRIKAM_ROOM], entra_app_unique_name=site.unique,
                             entra_app_secret_lifetime_days=180, entra_app_secret_lease_settle_seconds=0.3))
    return write_inventory(site.tmp / 'two', hosts)


def report(site):
    with open(str(site.tmp / 'reports' / 'audit.json')) as handle:
        return json.load(handle)


def audit(site, *args, **kwargs):
    return site.run('audit.yml', 'a', '-e', 'bookingsone_report_dir=%s' % (site.tmp / 'reports'), *args, **kwargs)


def test_an_audit_limited_to_an_unreadable_tenant_writes_the_report_and_fails(harness, site):
    harness.emu.set_faults(dict(services=['login'], error_rate=1.0, error_status=500, tenants=[harness.tenant(1)]))
    limited = audit(site, '--limit', 'contoso', inventory=two_tenants(site),
                    env=site.env('a', BOOKINGSONE_TOKEN_CACHE='false'))
    assert limited.rc != 0 and limited.writes == [], limited
    written = report(site)
    assert written['summary']['tenants']['contoso']['status'] == 'error'
    assert written['summary']['not_in_run'] == ['fabrikam'] and 'fabrikam' not in written['summary']['tenants']
    assert limited.recap['contoso']['failed'] == 1 and 'fabrikam' not in limited.recap


def test_an_onboarding_limited_to_a_refused_tenant_fails(harness, site):
    inventory = two_tenants(site)
    with open(os.path.join(inventory, 'host_vars', 'contoso.yml'), 'a') as handle:
        handle.write('bookingsone_delegate: nobody@contoso.onmicrosoft.com\n')
    refused = site.run('onboard.yml', 'a', '--limit', 'contoso', inventory=inventory)
    assert refused.rc != 0 and refused.writes == [], refused
    assert '0 of 1 tenant(s) in this run succeeded, 1 failed: contoso (preflight:' in refused.output
    assert 'Not in this run (--limit): 1 tenant(s).' in refused.output


def test_localhost_in_the_limit_changes_no_tenant_verdict(harness, site):
    done = site.run('onboard.yml', 'a', '--limit', 'contoso,localhost', inventory=two_tenants(site))
    assert done.rc == 0, done
    assert '1 of 1 tenant(s) in this run succeeded, 0 failed.' in done.output
    checked = audit(site, '--limit', 'contoso,localhost', inventory=two_tenants(site))
    assert checked.rc == 0, checked
    written = report(site)
    assert sorted(written['summary']['tenants']) == ['contoso'] and written['summary']['not_in_run'] == ['fabrikam']
    assert written['summary']['tenants']['contoso']['error'] == 0


def test_an_extra_redirect_uri_fails_its_control_and_onboarding_removes_it(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    callback = 'https://contoso.bookingsone.example/cb'
    target = app_by_unique(harness, 1, site.unique)
    with harness.emu.store.lock:  # added behind the automation's back
        target['web']['redirectUris'] = [callback, 'https://e.example/steal', 'javascript:alert(1)']
    audit(site)
    control = next(c for c in report(site)['controls'] if c['id'] == 'app.redirect_uri')
    assert control['status'] == 'fail' and len(control['observed']) == 3 and control['expected'] == [callback]
    assert site.run('onboard.yml', 'a').rc == 0
    assert app_by_unique(harness, 1, site.unique)['web']['redirectUris'] == [callback]
    audit(site)
    control = next(c for c in report(site)['controls'] if c['id'] == 'app.redirect_uri')
    assert control['status'] == 'pass'


def test_a_room_selection_that_matches_no_room_is_refused_and_fails_the_audit(harness, site):
    refused = site.run('onboard.yml', 'a', bookingsone_room_addresses=[], bookingsone_room_name_pattern='Nowhere*')
    assert refused.rc != 0 and refused.writes == [], refused
    assert "the room selection (source exchange, name_pattern 'Nowhere*') matches no room of this tenant" in refused.output
    checked = audit(site, bookingsone_room_addresses=[], bookingsone_room_name_pattern='Nowhere*')
    assert checked.rc != 0 and report(site)['summary']['tenants']['contoso']['status'] == 'error'
    assert 'matches no room' in checked.output


def test_an_expired_secret_is_its_own_state_in_the_report(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    target = app_by_unique(harness, 1, site.unique)
    with harness.emu.store.lock:
        target['passwordCredentials'][0]['endDateTime'] = days_from_now(-3)
    audit(site)
    written = report(site)
    secret = written['summary']['tenants']['contoso']['secret']
    assert secret['state'] == 'expired' and secret['days_left'] < 0
    held = next(c for c in written['controls'] if c['id'] == 'secret.present')
    assert held['status'] == 'fail' and held['detail'].startswith('EXPIRED 3 day(s) ago (')
    with open(str(site.tmp / 'reports' / 'audit.html')) as handle:
        assert 'expired' in handle.read()


def test_onboarding_without_a_vault_password_writes_nothing(harness, site):
    refused = site.run('onboard.yml', 'a', env=site.env('a', vault=False))
    assert refused.rc != 0 and refused.writes == [], refused
    assert 'no vault secret to encrypt the hand-off file with' in refused.output
    assert 'nothing was written to this tenant' in refused.output and site.app() is None


def test_an_audit_without_the_vault_password_says_the_store_could_not_be_read(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    checked = audit(site, env=site.env('a', vault=False))
    assert checked.rc == 0, checked
    controls = dict((c['id'], c) for c in report(site)['controls'] if c['tenant'] == 'contoso' and not c['room'])
    detail = controls['secret.recorded']['detail']
    assert detail.startswith('the hand-off store could not be read') and 'no vault password' in detail, detail
    assert 'secret.store' not in controls  # not compared, not passed


def test_no_lock_file_is_left_and_a_second_run_has_nothing_to_take_over(harness, site):
    assert site.run('onboard.yml', 'a').rc == 0
    assert sorted(os.listdir(str(site.store('a')))) == ['contoso.vault.yml']
    again = site.run('onboard.yml', 'a')
    assert again.rc == 0 and 'took over' not in again.output and again.writes == [], again
    assert site.tagged('bookingsone:lease:') == []


@pytest.mark.parametrize('host', ['a/../../x', 'a/b', '../x'])
def test_a_host_name_that_would_leave_the_hand_off_directory_is_refused_by_name(harness, site, host):
    inventory = site.inventory('a', host=host)
    before = sorted(os.listdir(str(site.tmp)))
    refused = site.run('onboard.yml', 'a', inventory=inventory)
    assert refused.rc != 0 and refused.writes == [], refused
    assert "inventory host name '%s' cannot name a file in the hand-off directory" % host in refused.output
    assert sorted(os.listdir(str(site.tmp))) == before and not os.path.exists(str(site.store('a')))
    assert 'Errno' not in refused.output


def test_the_csv_neutralises_a_room_address_a_spreadsheet_would_run(harness, site):
    formula = '=1+2@contoso.onmicrosoft.com'
    with harness.emu.store.lock:
        state = harness.emu.store.tenant(harness.tenant(1))['exchange']
        if '=1+2' not in state['rooms']:
            made = exchange.seed_state(dict(rooms=[dict(alias='=1+2', display_name='Formula', address=formula)]), [],
                                       state['domain'])
            state['recipients'].append(next(r for r in made['recipients'] if r['Alias'] == '=1+2'))
            state['rooms']['=1+2'] = made['rooms']['=1+2']
    try:
        audit(site, bookingsone_room_addresses=[formula])
    finally:  # other tests of this emulator count Contoso's rooms
        with harness.emu.store.lock:
            state['rooms'].pop('=1+2', None)
            state['recipients'] = [r for r in state['recipients'] if r.get('Alias') != '=1+2']
    with open(str(site.tmp / 'reports' / 'audit.csv'), newline='') as handle:
        rooms = [row['room'] for row in csv.DictReader(handle) if row['room']]
    assert rooms and set(rooms) == {"'" + formula}


def three_tenants(site):
    """Contoso, Fabrikam and Tailspin (where Exchange refuses the operator) in one inventory."""
    hosts = dict(
        contoso=tenant_host('contoso', site.harness.tenant(1), site.store('a'), bookingsone_room_addresses=[ROOM]),
        fabrikam=tenant_host('fabrikam', site.harness.tenant(2), site.store('a'), bookingsone_room_addresses=[FABRIKAM_ROOM],
                             entra_app_secret_lifetime_days=180),
        tailspin=tenant_host('tailspin', site.harness.tenant(3), site.store('a')))
    return write_inventory(site.tmp / 'three', hosts)


def comparable(document):
    """A report's JSON without what depends on when it was written (and Exchange's error numbers, new each time)."""
    document = json.loads(re.sub(r'Ex[0-9A-F]{6}', 'Ex', json.dumps(document)))
    controls = sorted((dict((k, v) for k, v in c.items() if k != 'first_seen') for c in document['controls']),
                      key=lambda c: (c['tenant'], c['room'] or '', c['id']))
    tenants = dict((name, dict((k, v) for k, v in t.items() if k != 'last_success'))
                   for name, t in document['summary']['tenants'].items())
    return json.dumps([controls, tenants, document['summary']['totals']], indent=1, sort_keys=True)


def test_three_sliced_audits_merge_into_the_report_of_one_unsliced_audit(harness, site):
    inventory = three_tenants(site)
    whole = audit(site, inventory=inventory)
    assert whole.writes == [], whole
    unsliced = report(site)
    sliced = str(site.tmp / 'sliced')
    for tenant in ('contoso', 'fabrikam', 'tailspin'):
        part = site.run('audit.yml', 'a', '--limit', tenant, '-e', 'bookingsone_report_dir=%s' % sliced,
                        '-e', 'bookingsone_report_slice=run-1', inventory=inventory)
        assert part.writes == [] and os.path.exists(os.path.join(sliced, 'slices', 'run-1', 'slice-%s.json' % tenant))
    merged = site.run('merge_reports.yml', 'a', '-e', 'bookingsone_report_dir=%s' % sliced,
                      '-e', 'bookingsone_report_slice=run-1', inventory=inventory)
    assert merged.requests == [] and merged.rc != 0, merged  # tailspin could not be audited, as unsliced
    assert '1 tenant(s) could not be audited: tailspin' in merged.output
    with open(os.path.join(sliced, 'audit.json')) as handle:
        document = json.load(handle)
    assert comparable(document) == comparable(unsliced)
    assert sorted((m['path'], m['tenants']) for m in document['merged_from']) == [
        (os.path.join(sliced, 'slices', 'run-1', 'slice-%s.json' % t), [t]) for t in ('contoso', 'fabrikam', 'tailspin')]
