"""The audit report: its verdict (fail_on), the retries it sums, the page it draws, the profile it names, the
state of the secret Bookings ONE holds, the tenants not in this run and those not onboarded."""

from __future__ import annotations

import json
import os
import re

import pytest

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_formats as formats
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_html as page
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_model as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import NOT_ONBOARDED, control

CONTROLS = [
    control('contoso', 'app.multitenant', 'pass', 'AzureADMultipleOrgs', 'AzureADMultipleOrgs'),
    control('contoso', 'room.working_hours_off', 'fail', True, False, room='annex@contoso'),
    control('contoso', 'room.delegate_set', 'fail', False, True, room='annex@contoso'),
    control('tailspin', 'tenant.reachable', 'error', None, True, detail='Read the rooms: denied'),
    control('tailspin', 'rooms.readable', 'error', None, True, detail='second reason'),
    control('fabrikam', 'app.multitenant', 'pass', 'AzureADMultipleOrgs', 'AzureADMultipleOrgs'),
]


def test_default_fails_only_on_errors_with_the_first_reason():
    verdict = report.verdict(CONTROLS)
    assert verdict['error_tenants'] == ['tailspin'] and verdict['failed_tenants'] == ['contoso']
    assert verdict['failure'] == '1 tenant(s) could not be audited: tailspin (Read the rooms: denied)'


def test_fail_also_names_the_drifted_tenants_and_their_count():
    failure = report.verdict(CONTROLS, 'fail')['failure']
    assert 'tailspin (Read the rooms: denied)' in failure and 'contoso (2 failed)' in failure
    # each tenant's reason, for the tenant's own failed host
    assert report.verdict(CONTROLS, 'fail')['why'] == dict(tailspin='Read the rooms: denied', contoso='2 failed')
    assert report.verdict(CONTROLS[:3], 'fail')['failure'] == '1 tenant(s) with failed controls: contoso (2 failed)'


def test_never_and_clean_runs_do_not_fail():
    assert report.verdict(CONTROLS, 'never')['failure'] == ''
    assert report.verdict(CONTROLS[:3])['failure'] == ''  # drift alone passes by default


def test_an_error_without_detail_names_the_control():
    mixed = [control('contoso', 'room.delegate_set', 'fail', False, True, room='annex'),
             control('contoso', 'secret.present', 'error', None, {'days_left_at_least': 30})]
    verdict = report.verdict(mixed)
    # the tenant's overall status is fail, but an unread control means it was not fully audited
    assert report.summarize(mixed)['tenants']['contoso']['status'] == 'fail'
    assert verdict['error_tenants'] == ['contoso']
    assert verdict['failure'].endswith('contoso (client secret present: could not be read)')


def test_by_status_names_the_tenants():
    assert report.by_status(report.summarize(CONTROLS)) == {'fail': ['contoso'], 'error': ['tailspin'],
                                                            'pass': ['fabrikam'], 'not_onboarded': [],
                                                            'not_in_run': []}
    # a tenant not in this run has no status of its own and is named apart
    summary = report.summarize(CONTROLS, None, ['northwind', 'contoso'])  # contoso has controls: it was in the run
    assert report.by_status(summary)['not_in_run'] == ['northwind'] and 'northwind' not in summary['tenants']


@pytest.mark.parametrize('observed, expected', [
    (None, {}),
    ([], {}),
    ([{}, None], {}),  # results of modules that do not report retries yet
    ({'graph': {'retried': 2, 'waited_s': 1.5}}, {'graph': {'retried': 2, 'waited_s': 1.5}}),
    ([{'graph': {'retried': 2, 'waited_s': 0.1}, 'login': {'retried': 1, 'waited_s': 4}},
      {'graph': {'retried': 1, 'waited_s': 0.2}, 'exchange': {'retried': 3, 'waited_s': 9.25}}],
     {'graph': {'retried': 3, 'waited_s': 0.3}, 'login': {'retried': 1, 'waited_s': 4.0},
      'exchange': {'retried': 3, 'waited_s': 9.25}}),
])
def test_sum_retries(observed, expected):
    assert report.sum_retries(observed) == expected


def test_retries_go_into_the_json_and_html_per_tenant():
    retries = dict(contoso={'exchange': {'retried': 3, 'waited_s': 9.5}}, tailspin={})
    summary = json.loads(formats.to_json(CONTROLS, 'now', retries))['summary']['tenants']
    assert summary['contoso']['retries'] == retries['contoso']
    assert summary['tailspin']['retries'] == {} and summary['fabrikam']['retries'] == {}
    text = page.to_html(CONTROLS, 'now', retries)
    assert '<th scope="col">Retries</th>' in text and 'exchange: 3 retried, 9.5 s waited' in text
    assert json.loads(formats.to_json(CONTROLS, 'now'))['summary']['tenants']['contoso']['retries'] == {}


@pytest.mark.parametrize('ident, room, group', [
    ('tenant.reachable', None, 'reach'), ('rooms.readable', None, 'rooms'), ('room.delegate_set', 'annex@c', 'rooms'),
    ('app.exists', None, 'app'), ('app.redirect_uri', None, 'app'), ('app.instance_lock', None, 'app'),
    ('permission.Mail.Send', None, 'consent'), ('consent.Mail.Send', None, 'consent'), ('secret.present', None, 'secret'),
    ('secret.lifetime', None, 'secret'), ('secret.no_orphans', None, 'secret'), ('secret.recorded', None, 'secret'),
    ('secret.policy', None, 'secret'), ('scope.rooms_only', None, 'scope'),
])
def test_each_control_counts_in_one_overview_group(ident, room, group):
    assert report.group_of(control('contoso', ident, 'pass', True, True, room=room)) == group


def test_the_group_is_read_from_the_field_never_from_the_name():
    item = dict(control('contoso', 'app.exists', 'pass', True, True), name='admin consent: looks like consent')
    assert report.group_of(item) == 'app'


def page_of(controls, **options):
    text = page.to_html(controls, '2026-12-01T06:00:00Z', **options)
    data = json.loads(text.split('<script type="application/json" id="report-data">')[1].split('</script>')[0])
    return text, data


def test_the_page_opens_with_the_overview_worst_first_and_one_chart_mark_per_tenant():
    controls = CONTROLS + [control('fabrikam', 'secret.present', 'pass', {'days_left': 20, 'key_id': 'k'},
                                   {'days_left_at_least': 30}),
                           control('northwind', 'room.delegate_set', 'fail', False, True, room='hall@northwind')]
    page, data = page_of(controls)
    sections = re.findall(r'<section id="([a-z]+)"', page)
    assert sections == ['totals', 'overview', 'secrets', 'drift', 'details']  # retries only where there were any
    matrix = re.findall(r'<tr id="m-t\d+" data-tenant="([^"]+)" data-status="([a-z]+)">', page)
    # errors first, then failures by count, then by name
    assert matrix == [('tailspin', 'error'), ('contoso', 'fail'), ('northwind', 'fail'), ('fabrikam', 'pass')]
    assert data['tenants'] == [name for name, _status in matrix]
    marks = re.findall(r'<rect class="mark ([a-z]+)" data-tenant="([^"]+)" data-days="(-?\d*)"', page)
    assert sorted(m[1] for m in marks) == ['contoso', 'fabrikam', 'northwind', 'tailspin']
    assert ('over', 'fabrikam', '20') in marks  # 20 days left, threshold 30
    assert 'rotation threshold: 30 days' in page and '2 years (730 days)' in page
    assert page.count('<details class="tenant"') == 4 and '<details class="tenant" open' not in page
    assert '<caption' in page and '<th scope="row">' in page and 'aria-label="Client secret days left' in page
    # the rows are not markup until a tenant group opens: they are in the embedded data
    assert 'hall@northwind' in data['strings'] and '<td>hall@northwind</td>' not in page


def test_the_embedded_rows_cannot_end_their_script_element():
    nasty = '</script><script>alert(1)</script><!--'
    page, data = page_of([control('contoso', 'room.delegate_set', 'fail', nasty, True, room='annex', detail=nasty)])
    assert nasty in data['strings'] and page.count('</script>') == 2  # the page's script and the data's
    assert 'https://' not in page.split('<body>')[0]  # self-contained: nothing loaded from elsewhere


def test_the_report_names_its_profile():
    profile = dict(name='strict', description='stricter')
    assert json.loads(formats.to_json(CONTROLS, 'now', None, profile))['profile']['name'] == 'strict'
    assert 'profile <b>strict</b>' in page.to_html(CONTROLS, 'now', None, profile)
    assert 'profile strict' in formats.to_junit(CONTROLS, 'now', profile)


# -- the secret Bookings ONE holds: ok, rotate, expired or missing

def secret(tenant, days, state=None, end=None, status=None):
    """A secret.present control as _audit.py judges it (threshold 30); without state as in run files from
    before the state was observed."""
    observed = dict(days_left=days, key_id=None if days is None else 'k-%s' % tenant)
    if state:
        observed.update(state=state, end_date_time=end)
    return control(tenant, 'secret.present', status or ('pass' if days is not None and days >= 30 else 'fail'),
                   observed, {'days_left_at_least': 30})


@pytest.mark.parametrize('item, expected', [
    (secret('a', -3, 'expired', '2026-12-03T06:00:00Z'), ('expired', -3, '2026-12-03T06:00:00Z')),
    (secret('a', 3, 'rotate', '2026-12-09T10:00:00.1234567Z'), ('rotate', 3, '2026-12-09T10:00:00Z')),  # Graph's
    (secret('a', 45, 'ok', '2027-01-15T06:00:00Z'), ('ok', 45, '2027-01-15T06:00:00Z')),
    (secret('a', None, 'missing'), ('missing', None, None)),
    (secret('a', 3, 'rotate', 'soon'), ('rotate', 3, None)),  # not a date: not passed on
    # run files from before the state was observed: derived from days_left
    (secret('a', -1), ('expired', -1, None)), (secret('a', 0), ('rotate', 0, None)), (secret('a', 29), ('rotate', 29, None)),
    (secret('a', 30), ('ok', 30, None)), (secret('a', None), ('missing', None, None)),
    (control('a', 'secret.present', 'fail', 'app registration missing', 'present'), ('missing', None, None)),  # 1.x
])
def test_the_state_of_the_secret(item, expected):
    got = report.secret_of(item)
    assert (got['state'], got['days_left'], got['end_date_time']) == expected


def test_an_unread_secret_has_no_state():
    assert report.secret_of(control('a', 'secret.present', 'error', None, True, detail='could not be read')) is None
    assert report.secret_of(None) is None


@pytest.mark.parametrize('state, days, end, note', [
    ('rotate', 3, '2026-12-09T06:00:00Z', '3 days, 2026-12-09'),
    ('expired', -3, '2026-12-03T06:00:00Z', 'expired 3 days ago, 2026-12-03'),
    ('expired', -1, None, 'expired 1 day ago'),
    ('ok', 1, None, '1 day'),
    ('missing', None, None, 'no secret'),
])
def test_the_note_on_a_secret(state, days, end, note):
    assert report.secret_note(dict(state=state, days_left=days, end_date_time=end)) == note


EXPIRY = [secret('contoso', 3, 'rotate', '2026-12-04T06:00:00Z'), secret('fabrikam', -3, 'expired', '2026-11-28T06:00:00Z'),
          secret('litware', 45, 'ok', '2027-01-15T06:00:00Z'), secret('woodgrove', 400, 'ok', '2028-01-05T06:00:00Z'),
          secret('adatum', -1),  # an older run's observation: no state, no end date
          control('tailspin', 'tenant.reachable', 'error', None, True, detail='login failed')]


def test_an_expired_secret_is_its_own_kind_in_the_chart_the_cards_and_the_json():
    page, _data = page_of(EXPIRY)
    marks = re.findall(r'<rect class="mark ([a-z]+)" data-tenant="([^"]+)" data-days="(-?\d*)"', page)
    # the unknown first, then by days left; the expired are not 'over' (below the threshold)
    assert marks == [('none', 'tailspin', ''), ('expired', 'fabrikam', '-3'), ('expired', 'adatum', '-1'),
                     ('over', 'contoso', '3'), ('soon', 'litware', '45'), ('ok', 'woodgrove', '400')]
    assert '<title>fabrikam: expired 3 days ago (ended 2026-11-28)</title>' in page
    assert '<title>contoso: 3 days left (ends 2026-12-04)</title>' in page
    assert page.count('>expired</text>') == 2  # said in words above each expired bar
    legend = re.search(r'<p class="legend">(.*?)</p>', page).group(1)
    assert [t for t in re.split(r'<[^>]+>', legend) if t] == [
        'expired', 'below the threshold', 'within a month of it', 'later', 'no secret known']
    assert 'svg .expired{fill:#4a148c}' in page and 'background:#4a148c' in legend  # not the red of 'over'
    summary = re.search(r'<p id="expiry-summary">(.*?)</p>', page).group(1)
    text = re.sub(r'<[^>]+>', '', summary)
    assert text.startswith('Client secret days left for 6 tenant(s): 2 expired, 1 below the rotation threshold, 1 to '
                           'rotate within a month, 1 later, 1 without a known secret.')
    # the expired first, each with its days and end date where known
    assert text.endswith(' Rotate this month: fabrikam (expired 3 days ago, 2026-11-28), adatum (expired 1 day ago), '
                         'contoso (3 days, 2026-12-04), litware (45 days, 2027-01-15).')
    assert 'rotate this month: 4 (2 expired)' in page
    assert '<div class="card fail" id="card-expired"><b>2 expired</b> client secret(s)' in page
    assert '<div class="card" id="card-rotate"><b>2</b> secret(s) to rotate within a month</div>' in page
    assert re.findall(r'<tr id="m-t\d+" data-tenant="([^"]+)"', page) == [
        'tailspin', 'adatum', 'contoso', 'fabrikam', 'litware', 'woodgrove']
    row = re.search(r'<tr id="m-t\d+" data-tenant="fabrikam".*?</tr>', page).group(0)
    assert 'fail 1 &middot; <b>expired</b>' in row
    summary = json.loads(formats.to_json(EXPIRY, '2026-12-01T06:00:00Z'))['summary']['tenants']
    assert summary['fabrikam']['secret'] == dict(state='expired', days_left=-3, end_date_time='2026-11-28T06:00:00Z')
    assert summary['adatum']['secret'] == dict(state='expired', days_left=-1, end_date_time=None)
    assert summary['contoso']['secret']['state'] == 'rotate' and 'secret' not in summary['tailspin']


def test_without_an_expired_secret_the_card_says_so():
    page, _data = page_of(EXPIRY[2:4])
    assert '<div class="card" id="card-expired"><b>0 expired</b> client secret(s) <small>none has expired' in page
    assert 'Rotate this month: <a href="#t0">litware</a> (45 days, 2027-01-15).' in page


# -- tenants not in this run

def test_a_tenant_not_in_this_run_is_a_greyed_row_and_nothing_else():
    page, data = page_of(CONTROLS, not_in_run=['northwind', 'adatum'])
    rows = re.findall(r'<tr (?:id="m-t\d+" )?data-tenant="([^"]+)" data-status="([a-z_]+)"', page)
    assert rows == [('tailspin', 'error'), ('contoso', 'fail'), ('fabrikam', 'pass'), ('adatum', 'not_in_run'),
                    ('northwind', 'not_in_run')]  # last, by name
    row = re.search(r'<tr data-tenant="adatum".*?</tr>', page).group(0)
    assert row == ('<tr data-tenant="adatum" data-status="not_in_run" class="nir"><th scope="row">adatum</th>'
                   '<td class="c nir" colspan="9">not in this run</td></tr>')  # no link: it has no controls
    assert data['tenants'] == ['tailspin', 'contoso', 'fabrikam'] and page.count('<details class="tenant"') == 3
    assert '<option>adatum</option>' not in page  # not offered in the filters either
    assert '<b>2</b> tenant(s) not in this run' in page and '3 tenants audited &middot; 2 not in this run' in page
    assert 'data-tenant="adatum" data-days' not in page and '2 tenant(s) not in this run are not drawn.' in page
    # the three status cards still count the audited tenants only
    assert '<b>1</b> tenant(s) passing' in page and '<b>1</b> tenant(s) failing' in page


def test_a_tenant_not_in_this_run_never_fails_the_run_and_is_skipped_in_junit():
    import xml.etree.ElementTree as ET
    controls = [c for c in CONTROLS if c['tenant'] != 'tailspin']
    assert report.verdict(controls, 'fail')['error_tenants'] == []
    root = ET.fromstring(formats.to_junit(controls, 'now', not_in_run=['tailspin']))
    assert (root.get('tests'), root.get('failures'), root.get('errors'), root.get('skipped')) == ('5', '2', '0', '1')
    suite = next(s for s in root.iter('testsuite') if s.get('name') == 'tailspin')
    assert (suite.get('tests'), suite.get('failures'), suite.get('errors'), suite.get('skipped')) == ('1', '0', '0', '1')
    case = suite.find('testcase')
    assert case.get('classname') == 'tailspin.tenant' and case.find('skipped').get('message') == 'not in this run'
    assert [s.get('name') for s in root.iter('testsuite')] == ['contoso', 'fabrikam', 'tailspin']  # by name


# -- a tenant not onboarded: one status, one control, its rooms still judged

UNBOARDED = [control('fourthcoffee', 'app.exists', 'fail', False, True, detail=NOT_ONBOARDED),
             control('fourthcoffee', 'room.working_hours_off', 'fail', True, False, room='west@fourthcoffee'),
             control('fourthcoffee', 'room.delegate_set', 'pass', True, True, room='west@fourthcoffee')]


def test_a_tenant_without_the_app_is_not_onboarded_in_the_summary_and_the_verdict():
    summary = report.summarize(CONTROLS + UNBOARDED)
    tenant = summary['tenants']['fourthcoffee']
    assert tenant['status'] == 'not_onboarded' and (tenant['fail'], tenant['pass']) == (2, 1)
    assert tenant['secret'] == dict(state='missing', days_left=None, end_date_time=None)  # there is no app to hold one
    assert report.by_status(summary)['not_onboarded'] == ['fourthcoffee']
    verdict = report.verdict(CONTROLS + UNBOARDED, 'fail')
    assert 'fourthcoffee (not onboarded)' in verdict['failure'] and 'fourthcoffee' in verdict['failed_tenants']
    assert report.verdict(UNBOARDED)['failure'] == ''  # not an error: the default fail_on lets it pass


def test_a_tenant_not_onboarded_is_one_overview_status_after_the_errors():
    text, data = page_of(CONTROLS + UNBOARDED)
    order = re.findall(r'<tr id="m-t\d+" data-tenant="([^"]+)" data-status="([a-z_]+)"', text)
    assert order == [('tailspin', 'error'), ('fourthcoffee', 'not_onboarded'), ('contoso', 'fail'),
                     ('fabrikam', 'pass')]
    row = re.search(r'<tr id="m-t1" .*?</tr>', text).group(0)
    cells = [re.sub(r'<[^>]+>', '|', c).strip('|') for c in re.findall(r'<td[^>]*>(.*?)</td>', row)]
    # status, reachable, app, consent, secret, scope, rooms, rooms compliant
    assert cells[:7] == ['not onboarded||run onboard.yml', 'yes', 'not onboarded', 'no app', 'no app', 'no app',
                         'fail 1']
    assert '<div class="card not_onboarded" id="card-not-onboarded"><b>1</b> tenant(s) not onboarded' in text
    assert '<title>fourthcoffee: not onboarded</title>' in text  # its bar in the chart: no secret, and why
    assert '<span class="st not_onboarded">not onboarded</span>fourthcoffee' in text  # its group's summary
    rows = data['rows'][1]
    assert [data['controls'][data['strings'][r[1]]] for r in rows][:1] == ['app registration exists']
    assert data['strings'][rows[0][7]] == 'run onboard.yml'  # its fix


def test_an_error_shows_its_reason_under_the_status_in_the_overview():
    text, _data = page_of(CONTROLS)
    row = re.search(r'<tr id="m-t0" data-tenant="tailspin".*?</tr>', text).group(0)
    assert '<small class="why" title="Read the rooms: denied">Read the rooms: denied</small>' in row
    assert 'class="why"' not in re.search(r'<tr id="m-t1" .*?</tr>', text).group(0)  # contoso only fails
    assert 'td.c .why{display:block;max-width:24em;overflow:hidden;text-overflow:ellipsis' in text


def test_the_detail_rows_carry_each_fix_and_the_filters_offer_controls_by_id():
    text, data = page_of(CONTROLS)
    contoso = data['rows'][data['tenants'].index('contoso')]
    fixes = dict((data['strings'][r[1]], data['strings'][r[7]]) for r in contoso)
    assert fixes == {'room.working_hours_off': 'run onboard.yml (turns working-hours-only off)',
                     'room.delegate_set': 'run onboard.yml (makes bookingsone_delegate the delegate)',
                     'app.multitenant': ''}  # a pass has no fix
    assert '<option value="room.delegate_set">delegate set</option>' in text
    assert data['controls']['room.working_hours_off'] == 'working-hours-only off'


def test_the_page_inlines_its_assets_and_has_a_way_back_to_the_overview():
    text, _data = page_of(CONTROLS)
    with open(os.path.join(page.ASSETS, 'report.css')) as handle:
        assert handle.read() in text
    with open(os.path.join(page.ASSETS, 'report.js')) as handle:
        script = handle.read()
    assert script in text and 'Back to the overview' in script and 'to-row' in script
    assert '<a id="to-overview" class="noprint" href="#overview" hidden>' in text
    assert 'id="matrix-region"' in text and '<tr id="m-t0" data-tenant="tailspin"' in text
    assert 'src=' not in text and 'href="http' not in text  # self-contained


def test_an_asset_that_would_end_its_element_is_refused(tmp_path, monkeypatch):
    (tmp_path / 'report.js').write_text('var x = "</script>";')
    monkeypatch.setattr(page, 'ASSETS', str(tmp_path))
    with pytest.raises(ValueError, match='would end its element'):
        page.asset('report.js', '</script')


# -- the proof as Bookings ONE

def test_the_overview_says_whether_each_tenant_works_for_bookings_one_and_the_first_step_that_does_not():
    proof = [control('contoso', 'proof.sign_in', 'pass', dict(ok=True), dict(ok=True)),
             control('contoso', 'proof.Group.Read.All', 'fail', dict(ok=False), dict(ok=True),
                     detail='graph answered HTTP 403 Authorization_RequestDenied'),
             control('contoso', 'proof.Mail.Send', 'fail', dict(ok=False), dict(ok=True)),
             control('fabrikam', 'proof.sign_in', 'pass', dict(ok=True), dict(ok=True))]
    page, _data = page_of(CONTROLS + proof)
    contoso = re.search(r'<tr id="m-t\d+" data-tenant="contoso".*?</tr>', page).group(0)
    assert '>no: Group.Read.All</a>' in contoso and 'HTTP 403 Authorization_RequestDenied' in contoso
    assert '>yes</a>' in re.search(r'<tr id="m-t\d+" data-tenant="fabrikam".*?</tr>', page).group(0)
    assert '<td class="c na">not proven</td>' in re.search(r'<tr id="m-t\d+" data-tenant="tailspin".*?</tr>',
                                                           page).group(0)
