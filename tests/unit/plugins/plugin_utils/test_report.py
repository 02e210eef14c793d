"""The audit report: its verdict (fail_on), the retries it sums, the page it draws and the profile it names."""

from __future__ import annotations

import json
import re

import pytest

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import control

CONTROLS = [
    control('contoso', 'app is multitenant', 'pass', 'AzureADMultipleOrgs', 'AzureADMultipleOrgs'),
    control('contoso', 'working-hours-only off', 'fail', True, False, room='annex@contoso'),
    control('contoso', 'delegate set', 'fail', False, True, room='annex@contoso'),
    control('tailspin', 'tenant reachable', 'error', None, 'read access', detail='Read the rooms: denied'),
    control('tailspin', 'rooms readable', 'error', None, 'room list', detail='second reason'),
    control('fabrikam', 'app is multitenant', 'pass', 'AzureADMultipleOrgs', 'AzureADMultipleOrgs'),
]


def test_default_fails_only_on_errors_with_the_first_reason():
    verdict = report.verdict(CONTROLS)
    assert verdict['error_tenants'] == ['tailspin'] and verdict['failed_tenants'] == ['contoso']
    assert verdict['failure'] == '1 tenant(s) could not be audited: tailspin (Read the rooms: denied)'


def test_fail_also_names_the_drifted_tenants_and_their_count():
    failure = report.verdict(CONTROLS, 'fail')['failure']
    assert 'tailspin (Read the rooms: denied)' in failure and 'contoso (2 failed)' in failure
    assert report.verdict(CONTROLS[:3], 'fail')['failure'] == '1 tenant(s) with failed controls: contoso (2 failed)'


def test_never_and_clean_runs_do_not_fail():
    assert report.verdict(CONTROLS, 'never')['failure'] == ''
    assert report.verdict(CONTROLS[:3])['failure'] == ''  # drift alone passes by default


def test_an_error_without_detail_names_the_control():
    mixed = [control('contoso', 'delegate set', 'fail', False, True),
             control('contoso', 'client secret present', 'error', None, True)]
    verdict = report.verdict(mixed)
    # the tenant's overall status is fail, but an unread control means it was not fully audited
    assert report.summarize(mixed)['tenants']['contoso']['status'] == 'fail'
    assert verdict['error_tenants'] == ['contoso']
    assert verdict['failure'].endswith('contoso (client secret present: could not be read)')


def test_by_status_names_the_tenants():
    assert report.by_status(report.summarize(CONTROLS)) == {'fail': ['contoso'], 'error': ['tailspin'],
                                                            'pass': ['fabrikam']}


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
    summary = json.loads(report.to_json(CONTROLS, 'now', retries))['summary']['tenants']
    assert summary['contoso']['retries'] == retries['contoso']
    assert summary['tailspin']['retries'] == {} and summary['fabrikam']['retries'] == {}
    page = report.to_html(CONTROLS, 'now', retries)
    assert '<th scope="col">Retries</th>' in page and 'exchange: 3 retried, 9.5 s waited' in page
    assert json.loads(report.to_json(CONTROLS, 'now'))['summary']['tenants']['contoso']['retries'] == {}


@pytest.mark.parametrize('name, room, group', [
    ('tenant reachable', None, 'reach'), ('rooms readable', None, 'rooms'), ('delegate set', 'annex@c', 'rooms'),
    ('app registration exists', None, 'app'), ('redirect URI is the Bookings ONE callback', None, 'app'),
    ('app instance property lock on', None, 'app'), ('permission requested: Mail.Send', None, 'consent'),
    ('admin consent: Mail.Send', None, 'consent'), ('client secret present', None, 'secret'),
    ('client secret lifetime at most 180 days', None, 'secret'), ('no orphaned secrets', None, 'secret'),
    ('handed-off secret recorded in the tenant', None, 'secret'),
    ('client secrets within the tenant credential policy', None, 'secret'),
    ('Bookings ONE can reach only the managed rooms', None, 'scope'),
])
def test_each_control_counts_in_one_overview_group(name, room, group):
    assert report.group_of(control('contoso', name, 'pass', True, True, room=room)) == group


def page_of(controls, **options):
    page = report.to_html(controls, '2026-12-01T06:00:00Z', **options)
    data = json.loads(page.split('<script type="application/json" id="report-data">')[1].split('</script>')[0])
    return page, data


def test_the_page_opens_with_the_overview_worst_first_and_one_chart_mark_per_tenant():
    controls = CONTROLS + [control('fabrikam', 'client secret present', 'pass', {'days_left': 20, 'key_id': 'k'},
                                   {'days_left': '>= 30'}),
                           control('northwind', 'delegate set', 'fail', False, True, room='hall@northwind')]
    page, data = page_of(controls)
    sections = re.findall(r'<section id="([a-z]+)"', page)
    assert sections == ['totals', 'overview', 'secrets', 'drift', 'details']  # retries only where there were any
    matrix = re.findall(r'<tr data-tenant="([^"]+)" data-status="([a-z]+)">', page)
    # errors first, then failures by count, then by name
    assert matrix == [('tailspin', 'error'), ('contoso', 'fail'), ('northwind', 'fail'), ('fabrikam', 'pass')]
    assert data['names'] == [name for name, _status in matrix]
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
    page, data = page_of([control('contoso', 'delegate set', 'fail', nasty, True, room='annex', detail=nasty)])
    assert nasty in data['strings'] and page.count('</script>') == 2  # the page's script and the data's
    assert 'https://' not in page.split('<body>')[0]  # self-contained: nothing loaded from elsewhere


def test_the_report_names_its_profile():
    profile = dict(name='strict', description='stricter')
    assert json.loads(report.to_json(CONTROLS, 'now', None, profile))['profile']['name'] == 'strict'
    assert 'profile <b>strict</b>' in report.to_html(CONTROLS, 'now', None, profile)
    assert 'profile strict' in report.to_junit(CONTROLS, 'now', profile)
