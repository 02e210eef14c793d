"""NAME.prom beside the report: OpenMetrics text node_exporter's textfile collector reads. Every family has
HELP and TYPE lines before its samples, every sample the report label, label values are escaped, no sample has
a timestamp, and the file ends with '# EOF'. (promtool checks the fixture's file in tests/browser, where
`make browser` installs it.)"""

from __future__ import annotations

import os
import re

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_formats as formats
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import NOT_ONBOARDED, control

T1, T2 = '2026-11-30T06:00:00Z', '2026-12-01T06:00:00Z'
NASTY = 'we"ird\\tenant\nname'
SAMPLE = re.compile(r'^(bookingsone_[a-z_]+)\{((?:[a-z_]+="(?:[^"\\]|\\.)*",?)*)\} (-?\d+)$')


def secret(tenant, days, state, end):
    return control(tenant, 'secret.present', 'pass' if state == 'ok' else 'fail',
                   dict(days_left=days, key_id='k', state=state, end_date_time=end), dict(days_left_at_least=30))


CONTROLS = [secret('contoso', 9, 'rotate', '2026-12-10T06:00:00Z'),
            control('contoso', 'room.delegate_set', 'fail', False, True, room='annex@contoso'),
            secret('adatum', -3, 'expired', '2026-11-28T06:00:00Z'),
            control('tailspin', 'tenant.reachable', 'error', None, True, detail='login failed'),
            control('fourthcoffee', 'app.exists', 'fail', False, True, detail=NOT_ONBOARDED),
            secret(NASTY, 400, 'ok', None)]


def parse(text):
    """{metric: [(labels, value)]} and the HELP and TYPE of each, checking the order of the lines."""
    samples, meta, current = {}, {}, None
    lines = text.split('\n')
    assert lines[-2:] == ['# EOF', ''], lines[-3:]
    for line in lines[:-2]:
        if line.startswith('# HELP '):
            current = line.split(' ')[2]
            assert current not in meta, 'a family appears twice: %s' % current
            meta[current] = dict(help=line.split(' ', 3)[3])
        elif line.startswith('# TYPE '):
            assert line == '# TYPE %s gauge' % current
            meta[current]['type'] = 'gauge'
        else:
            match = SAMPLE.match(line)
            assert match and match.group(1) == current, line
            labels = dict((n, v.replace('\\n', '\n').replace('\\"', '"').replace('\\\\', '\\'))
                          for n, v in re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', match.group(2)))
            samples.setdefault(current, []).append((labels, int(match.group(3))))
    return samples, meta


def value(samples, metric, **labels):
    found = [v for got, v in samples[metric] if all(got.get(k) == w for k, w in labels.items())]
    assert len(found) == 1, (metric, labels, found)
    return found[0]


def test_the_metrics_of_a_report(tmp_path):
    report.write_reports(str(tmp_path), 'audit', [c for c in CONTROLS if c['tenant'] != 'adatum'], T1)
    written = report.write_reports(str(tmp_path), 'audit', list(CONTROLS), T2, not_in_run=['proseware'])
    with open(written['paths']['metrics']) as handle:
        text = handle.read()
    assert written['paths']['metrics'] == os.path.join(str(tmp_path), 'audit.prom')
    samples, meta = parse(text)
    assert all(name.startswith('bookingsone_') and m['help'] and m['type'] == 'gauge' for name, m in meta.items())
    assert all(labels['report'] == 'audit' for family in samples.values() for labels, _v in family)
    assert value(samples, 'bookingsone_audit_generated_timestamp_seconds') == 1796104800  # 2026-12-01T06:00:00Z
    assert value(samples, 'bookingsone_tenant_status', tenant='fourthcoffee', status='not_onboarded') == 1
    assert value(samples, 'bookingsone_tenant_status', tenant='tailspin', status='error') == 1
    assert value(samples, 'bookingsone_tenant_status', tenant='proseware', status='not_in_run') == 1
    assert sum(v for labels, v in samples['bookingsone_tenant_status'] if labels['tenant'] == 'contoso') == 1
    assert value(samples, 'bookingsone_tenant_controls', tenant='contoso', status='fail') == 2
    assert value(samples, 'bookingsone_audit_tenants', status='not_in_run') == 1
    assert value(samples, 'bookingsone_audit_changes', change='new') == 1  # adatum's expired secret
    # the secret: days left in seconds, its end, its state; unknown for a tenant that could not be read
    assert value(samples, 'bookingsone_client_secret_remaining_seconds', tenant='adatum') == -3 * 86400
    assert value(samples, 'bookingsone_client_secret_expiry_timestamp_seconds', tenant='contoso') == 1796882400
    assert value(samples, 'bookingsone_client_secret_state', tenant='adatum', state='expired') == 1
    assert value(samples, 'bookingsone_client_secret_state', tenant='fourthcoffee', state='missing') == 1
    assert not [1 for labels, _v in samples['bookingsone_client_secret_state'] if labels['tenant'] == 'tailspin']
    # the last audit without an error: this run's for those audited cleanly, none for tailspin
    assert value(samples, 'bookingsone_tenant_last_success_timestamp_seconds', tenant='contoso') == 1796104800
    assert value(samples, 'bookingsone_tenant_last_success_timestamp_seconds', tenant=NASTY) == 1796104800
    assert not [1 for labels, _v in samples['bookingsone_tenant_last_success_timestamp_seconds']
                if labels['tenant'] == 'tailspin']


def test_label_values_are_escaped():
    assert formats.label_value(NASTY) == 'we\\"ird\\\\tenant\\nname'
    text = formats.to_metrics(dict(generated=T2, summary=dict(tenants={}, not_in_run=[NASTY]),
                                   drift=dict(new=0, fixed=0, still_failing=0), last_success={}), 'a"b')
    assert 'bookingsone_tenant_status{report="a\\"b",tenant="we\\"ird\\\\tenant\\nname",status="not_in_run"} 1' in text
    assert '\n\n' not in text and text.endswith('\n# EOF\n')


def test_no_partial_metrics_file_is_left(tmp_path):
    report.write_reports(str(tmp_path), 'audit', list(CONTROLS), T2)
    assert sorted(name for name in os.listdir(str(tmp_path)) if name.endswith(('.prom', '.partial'))) == ['audit.prom']
