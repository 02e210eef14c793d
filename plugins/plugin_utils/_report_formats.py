# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report for machines: the JSON document (docs/report.schema.json), the CSV, JUnit XML for CI
systems and AWX, and OpenMetrics text for node_exporter's textfile collector (Prometheus)."""

from __future__ import annotations

import calendar
import csv
import io
import json
import time
import xml.etree.ElementTree as ET

from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import ERROR, FAIL
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_history import known_failures_of, no_drift
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import (
    CHANGES, NOT_IN_RUN, SCHEMA_VERSION, SECRET_CONTROL, SECRET_STATES, STATUSES, TENANT_STATUSES, TIME_FORMAT,
    days_text, key, per_tenant, secret_of, summarize)

CSV_FIELDS = ('tenant', 'room', 'id', 'name', 'status', 'first_seen', 'observed', 'expected', 'detail', 'fix')
# A spreadsheet evaluates a cell starting with one of these as a formula (OWASP "CSV Injection"): such a
# cell gets a leading ' . A cell starting with ' gets one too, so that removing one leading ' from every
# cell that has one gives back the value exactly.
CSV_UNSAFE = ('=', '+', '-', '@', '\t', '\r', "'")
DAY_S = 86400


def report_document(controls, generated, retries=None, profile=None, drift=None, trail=None, not_in_run=None,
                    carried=None, last_success=None, merged_from=None):
    document = dict(schema_version=SCHEMA_VERSION, generated=generated, profile=profile,
                    summary=summarize(controls, retries, not_in_run), drift=drift or no_drift(),
                    trail=trail if trail is not None else [], controls=controls, carried=carried or {},
                    last_success=last_success or {})
    if merged_from:
        document['merged_from'] = merged_from
    return document


def to_json(controls, generated, retries=None, profile=None, drift=None, trail=None, not_in_run=None,
            carried=None):
    return json.dumps(report_document(controls, generated, retries, profile, drift, trail, not_in_run, carried),
                      indent=2, sort_keys=True, default=str)


def json_text(value):
    return json.dumps(value, sort_keys=True, default=str)


def value_text(value):
    return '' if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# ---------------------------------------------------------------- CSV

def csv_cell(text):
    """A cell a spreadsheet shows as text: one starting with = + - @, a tab or a carriage return (a formula
    to a spreadsheet) gets a leading ', as does one starting with ' (so that the rule can be undone)."""
    return "'" + text if text.startswith(CSV_UNSAFE) else text


def csv_detail(item):
    """The CSV's detail: on the secret.present row the secret's state comes first
    ('state: expired (3 days ago, 2026-12-03)', 'state: rotate (9 days left, 2026-12-10)', 'state: missing'),
    then the control's own detail."""
    detail = item.get('detail') or ''
    secret = secret_of(item) if item['id'] == SECRET_CONTROL else None
    if not secret:
        return detail
    days, facts = secret['days_left'], []
    if days is not None and secret['state'] != 'missing':
        facts.append('%s ago' % days_text(-days) if days < 0 else '%s left' % days_text(days))
    if secret['end_date_time'] and secret['state'] != 'missing':
        facts.append(secret['end_date_time'][:10])
    state = 'state: %s' % secret['state'] + (' (%s)' % ', '.join(facts) if facts else '')
    return '; '.join(part for part in (state, detail) if part)


def to_csv(controls):
    """One row per control; observed and expected as JSON text, first_seen and fix empty for a pass; every
    cell neutralised against formulas (csv_cell)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for item in controls:
        writer.writerow([csv_cell(cell) for cell in (
            item['tenant'], item.get('room') or '', item['id'], item['name'], item['status'],
            item.get('first_seen') or '', json_text(item.get('observed')), json_text(item.get('expected')),
            csv_detail(item), item.get('fix') or '')])
    return out.getvalue()


# ---------------------------------------------------------------- JUnit XML

def _case_text(item):
    text = 'observed: %s; expected: %s' % (value_text(item['observed']), value_text(item['expected']))
    if item.get('detail'):
        text += '; %s' % item['detail']
    return text + ('; fix: %s' % item['fix'] if item.get('fix') else '')


def _not_in_run_suite(suites, tenant, generated):
    """A tenant not in this run: one skipped case, neither a pass nor a failure."""
    suite = ET.SubElement(suites, 'testsuite', name=tenant, tests='1', timestamp=generated, failures='0',
                          errors='0', skipped='1')
    case = ET.SubElement(suite, 'testcase', classname='%s.tenant' % tenant, name='audited in this run')
    ET.SubElement(case, 'skipped', message='not in this run').text = (
        'not in this run (the run was limited to other tenants): not audited, neither passed nor failed')


def _suite(suites, tenant, mine, counts, generated, known):
    """One tenant's suite; returns how many of its failures were reported as skipped (known)."""
    suite = ET.SubElement(suites, 'testsuite', name=tenant, tests=str(len(mine)), timestamp=generated)
    skipped = 0
    for item in mine:
        case = ET.SubElement(suite, 'testcase', classname='%s.%s' % (tenant, item['room'] or 'tenant'),
                             name=item['name'])
        text = _case_text(item)
        if item['status'] == FAIL and key(item) in known:
            skipped += 1
            ET.SubElement(case, 'skipped', message='known since %s' % (known[key(item)] or '')[:10]).text = text
        elif item['status'] == FAIL:
            ET.SubElement(case, 'failure', message=text).text = text
        elif item['status'] == ERROR:
            fix = '; fix: %s' % item['fix'] if item.get('fix') else ''
            message = (item.get('detail') or 'could not be read') + fix
            ET.SubElement(case, 'error', message=message).text = message
    suite.set('failures', str(counts[FAIL] - skipped))
    suite.set('errors', str(counts[ERROR]))
    suite.set('skipped', str(skipped))
    return skipped


def to_junit(controls, generated, profile=None, drift=None, known_failures='fail', not_in_run=None):
    """One testsuite per tenant. A failure the previous run had already is a <failure> too, or,
    with known_failures=skip, <skipped message="known since DATE">; errors always stay errors.
    A tenant not in this run is a suite of one skipped test case, "not in this run"."""
    summary = summarize(controls, None, not_in_run)
    known = known_failures_of(drift or {}) if known_failures == 'skip' else {}
    title = 'Bookings ONE compliance audit' + (' (profile %s)' % profile['name'] if profile else '')
    suites = ET.Element('testsuites', name=title, tests=str(len(controls) + len(summary['not_in_run'])),
                        timestamp=generated)
    known_total = 0  # failures reported as skipped
    mine = per_tenant(controls)
    for tenant in sorted(set(mine) | set(summary['not_in_run'])):
        if tenant in mine:
            known_total += _suite(suites, tenant, mine[tenant], summary['tenants'][tenant], generated, known)
        else:
            _not_in_run_suite(suites, tenant, generated)
    suites.set('failures', str(summary['totals'][FAIL] - known_total))
    suites.set('errors', str(summary['totals'][ERROR]))
    suites.set('skipped', str(known_total + len(summary['not_in_run'])))
    return ET.tostring(suites, encoding='unicode')


# ---------------------------------------------------------------- OpenMetrics (node_exporter's textfile collector)

def label_value(value):
    """A label value as the text format writes it: backslash, double quote and line feed escaped."""
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def epoch(when):
    """'2026-12-01T06:00:00Z' as Unix seconds."""
    return calendar.timegm(time.strptime(when, TIME_FORMAT))


def _family(lines, metric, text, samples):
    """HELP, TYPE (gauge) and the samples [(labels, value)] of one metric family; none when it has no sample."""
    if not samples:
        return
    lines.append('# HELP %s %s' % (metric, text))
    lines.append('# TYPE %s gauge' % metric)
    for labels, value in samples:
        lines.append('%s{%s} %s' % (metric, ','.join('%s="%s"' % (n, label_value(v)) for n, v in labels), value))


def _tenant_samples(report, summary, not_in_run):
    states = list(TENANT_STATUSES) + [NOT_IN_RUN]
    status, controls = [], []
    for name in sorted(set(summary['tenants']) | set(not_in_run)):
        now = summary['tenants'][name]['status'] if name in summary['tenants'] else NOT_IN_RUN
        status += [((report, ('tenant', name), ('status', s)), int(s == now)) for s in states]
        if name in summary['tenants']:
            controls += [((report, ('tenant', name), ('status', s)), summary['tenants'][name][s]) for s in STATUSES]
    return status, controls


def _secret_samples(report, summary):
    left, ends, states = [], [], []
    for name in sorted(summary['tenants']):
        secret = summary['tenants'][name].get('secret')
        if not secret:
            continue  # could not be read
        labels = (report, ('tenant', name))
        if secret['days_left'] is not None:
            left.append((labels, secret['days_left'] * DAY_S))
        if secret['end_date_time']:
            ends.append((labels, epoch(secret['end_date_time'])))
        states += [(labels + (('state', s),), int(s == secret['state'])) for s in SECRET_STATES]
    return left, ends, states


def to_metrics(document, name):
    """The report's gauges as OpenMetrics text (which the Prometheus text format reads too), ending in
    '# EOF': per tenant its status, controls per status, last audit without an error and the secret
    Bookings ONE holds; the run's time, tenants per status and drift counts. Every sample has the label
    report="NAME"; no sample carries a timestamp (the textfile collector refuses them)."""
    summary, report = document['summary'], ('report', name)
    not_in_run = summary.get('not_in_run') or []
    status, controls = _tenant_samples(report, summary, not_in_run)
    left, ends, states = _secret_samples(report, summary)
    counts = [((report, ('status', s)), sum(1 for t in summary['tenants'].values() if t['status'] == s))
              for s in TENANT_STATUSES] + [((report, ('status', NOT_IN_RUN)), len(not_in_run))]
    lines = []
    _family(lines, 'bookingsone_audit_generated_timestamp_seconds',
            'When the last audit that wrote this report judged the controls (Unix seconds).',
            [((report,), epoch(document['generated']))])
    _family(lines, 'bookingsone_audit_tenants', 'Tenants per status in the last audit.', counts)
    _family(lines, 'bookingsone_audit_changes', 'Controls new, fixed and still failing since the previous run.',
            [((report, ('change', c)), document['drift'][c]) for c in CHANGES])
    _family(lines, 'bookingsone_tenant_status', 'The tenant\'s status in the last audit: 1 for its status, 0 for '
            'the others (not_onboarded: no app registration; not_in_run: not audited by that run).', status)
    _family(lines, 'bookingsone_tenant_controls', 'The tenant\'s controls per status in the last audit.', controls)
    _family(lines, 'bookingsone_tenant_last_success_timestamp_seconds',
            'When an audit last judged every control of the tenant without an error (Unix seconds).',
            [((report, ('tenant', t)), epoch(when)) for t, when in sorted((document.get('last_success') or {}).items())])
    _family(lines, 'bookingsone_client_secret_remaining_seconds', 'Time left before the client secret Bookings ONE '
            'holds expires, as of the audit: its days left times 86400 (negative once expired).', left)
    _family(lines, 'bookingsone_client_secret_expiry_timestamp_seconds',
            'When the client secret Bookings ONE holds expires (Unix seconds).', ends)
    _family(lines, 'bookingsone_client_secret_state', 'The state of the client secret Bookings ONE holds: 1 for its '
            'state, 0 for the others (rotate: below the rotation threshold; missing: none recorded or held).', states)
    return '\n'.join(lines + ['# EOF']) + '\n'
