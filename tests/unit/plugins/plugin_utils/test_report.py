"""The audit report's verdict (fail_on) and the retries it sums."""

from __future__ import annotations

import json

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
    assert '<th>Retries</th>' in page and 'exchange: 3 retried, 9.5 s waited' in page
    assert json.loads(report.to_json(CONTROLS, 'now'))['summary']['tenants']['contoso']['retries'] == {}
