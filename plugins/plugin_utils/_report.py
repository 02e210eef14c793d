# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit report renderers: JSON and CSV for machines, one self-contained HTML page for a
person, JUnit XML for CI systems and AWX; and the trail of runs the drift is read from.

Every run's JSON is also kept as NAME-YYYYMMDDTHHMMSSZ.json (UTC) beside the report, the
newest `history` of them; the newest one older than the run is the previous run, and the
drift (new, fixed, still failing) and each non-passing control's first_seen come from it."""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.bookingsone.office365.plugins.module_utils._secrets import parse_datetime
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import ERROR, FAIL, PASS, REACH

STATUSES = (FAIL, ERROR, PASS)
FAIL_ON = ('error', 'fail', 'never')
KNOWN_FAILURES = ('fail', 'skip')
# 1.x adds fields only; a field removed, renamed or changed in type or meaning makes it 2.0 (docs/report.md).
# 1.1: summary.tenants.TENANT.secret, summary.not_in_run and carried.
SCHEMA_VERSION = '1.1'
CHANGES = ('new', 'fixed', 'still_failing')
# The overview's columns: each control counts in one group; 'tenant reachable' has its own column.
GROUPS = (('reach', 'Reachable'), ('app', 'App'), ('consent', 'Consent'), ('secret', 'Secret'),
          ('scope', 'Scope'), ('rooms', 'Rooms'))
SECRET_CONTROLS = ('client secret present', 'handed-off secret recorded in the tenant', 'no orphaned secrets',
                   'client secrets within the tenant credential policy')
CSV_FIELDS = ('tenant', 'room', 'control', 'status', 'first_seen', 'observed', 'expected', 'detail')
# A spreadsheet evaluates a cell starting with one of these as a formula (OWASP "CSV Injection"): such a
# cell gets a leading ' . A cell starting with ' gets one too, so that removing one leading ' from every
# cell that has one gives back the value exactly.
CSV_UNSAFE = ('=', '+', '-', '@', '\t', '\r', "'")
# The states of the secret Bookings ONE holds ('client secret present'.observed.state): ok, rotate (below
# the rotation threshold, not expired), expired, missing (no secret recorded or held).
SECRET_CONTROL = 'client secret present'
SECRET_STATES = ('ok', 'rotate', 'expired', 'missing')
NOT_IN_RUN = 'not_in_run'
TWO_YEARS = 730
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
STAMP_FORMAT = '%Y%m%dT%H%M%SZ'
# Rows the page renders by itself when a filter matches many tenants; the others open on a click.
OPEN_ROWS = 3000
# Drift tables (a row per tenant and control) longer than this start closed.
DRIFT_ROWS_OPEN = 100


def summarize(controls, retries=None, not_in_run=None):
    """Counts overall and per tenant; a tenant's status is its worst control's.
    retries: {tenant: summed retries} (see sum_retries), reported per tenant. A tenant whose secret
    was judged has its `secret` (see secret_of). not_in_run: the tenants reported on but not audited
    in this run (they have no controls), listed apart."""
    totals = dict((status, 0) for status in STATUSES)
    tenants = {}
    for item in controls:
        totals[item['status']] += 1
        tenant = tenants.setdefault(item['tenant'], dict((status, 0) for status in STATUSES))
        tenant[item['status']] += 1
        if item['control'] == SECRET_CONTROL:
            secret = secret_of(item)
            if secret:
                tenant['secret'] = dict((k, secret[k]) for k in ('state', 'days_left', 'end_date_time'))
    for name, counts in tenants.items():
        counts['status'] = next(s for s in STATUSES if counts[s]) if any(counts[s] for s in STATUSES) else PASS
        counts['retries'] = (retries or {}).get(name) or {}
    return dict(totals=totals, tenants=tenants, not_in_run=sorted(set(not_in_run or ()) - set(tenants)))


def _threshold(item):
    """The rotation threshold in days from a 'client secret present' control's expected ('>= 30')."""
    expected = (item or {}).get('expected')
    match = re.search(r'\d+', str(expected.get('days_left') or '')) if isinstance(expected, dict) else None
    return int(match.group(0)) if match else None


def secret_of(item):
    """The secret Bookings ONE holds, from its 'client secret present' control: dict(state, days_left,
    end_date_time, key_id), or None when it could not be read (the control is in error).

    observed is {'days_left', 'key_id', 'end_date_time', 'state'}; run files from before the state was
    observed have days_left and key_id only: the state is then derived (below 0 days: expired; below the
    threshold: rotate). An observed text (the app registration is missing) is a missing secret."""
    if not item or item.get('status') == ERROR or item.get('observed') is None:
        return None
    observed = item['observed']
    if not isinstance(observed, dict):
        return dict(state='missing', days_left=None, end_date_time=None, key_id=None)
    days = observed.get('days_left')
    days = days if isinstance(days, int) and not isinstance(days, bool) else None
    state = observed.get('state')
    if state not in SECRET_STATES:
        threshold = _threshold(item)
        if days is None:
            state = 'missing'
        elif days < 0:
            state = 'expired'
        elif (days < threshold) if threshold is not None else item.get('status') == FAIL:
            state = 'rotate'
        else:
            state = 'ok'
    return dict(state=state, days_left=days, end_date_time=_utc(observed.get('end_date_time')),
                key_id=observed.get('key_id'))


def _utc(value):
    """A Graph date and time ('2026-12-09T10:00:00.123Z') as 'YYYY-MM-DDTHH:MM:SSZ'; None when it is not one."""
    try:
        return parse_datetime(value).strftime(TIME_FORMAT) if isinstance(value, str) else None
    except ValueError:
        return None


def _days(count):
    return '%d day%s' % (count, '' if count in (1, -1) else 's')


def secret_note(secret):
    """'expired 3 days ago, 2026-12-03', '9 days, 2026-12-10', '9 days' (end unknown), 'no secret'."""
    if secret['state'] == 'missing' or (secret['days_left'] is None and not secret['end_date_time']):
        return 'expired' if secret['state'] == 'expired' else 'no secret'
    parts = []
    if secret['days_left'] is not None:
        parts.append('expired %s ago' % _days(-secret['days_left']) if secret['days_left'] < 0
                     else _days(secret['days_left']))
    elif secret['state'] == 'expired':
        parts.append('expired')
    if secret['end_date_time']:
        parts.append(secret['end_date_time'][:10])
    return ', '.join(parts)


def sum_retries(observed):
    """Sums the modules' retries per service: {service: {'retried': n, 'waited_s': s}}.

    observed is one module result's retries, a list of them, or None: results of
    modules from before they reported retries have none, and that is not an error."""
    total = {}
    for item in observed if isinstance(observed, (list, tuple)) else [observed]:
        for service, counts in (item.items() if isinstance(item, dict) else ()):
            if not isinstance(counts, dict):
                continue
            mine = total.setdefault(service, dict(retried=0, waited_s=0.0))
            mine['retried'] += int(counts.get('retried') or 0)
            # rounded so float sums do not print as 0.30000000000000004
            mine['waited_s'] = round(mine['waited_s'] + float(counts.get('waited_s') or 0), 3)
    return total


def verdict(controls, fail_on='error'):
    """Whether the run should fail, and why, naming the tenants.

    A tenant counts as not audited when any of its controls is in error, even if
    another one failed (its overall status is then fail): an unread control may
    hide drift, so fail_on=error must not let it pass."""
    errors, failures = {}, {}
    for item in controls:
        if item['status'] == ERROR:
            # the first error control's detail is the reason shown for the tenant
            errors.setdefault(item['tenant'], item.get('detail') or '%s: could not be read' % item['control'])
        elif item['status'] == FAIL:
            failures[item['tenant']] = failures.get(item['tenant'], 0) + 1
    reasons = []
    if errors and fail_on in ('error', 'fail'):
        reasons.append('%d tenant(s) could not be audited: %s' % (
            len(errors), '; '.join('%s (%s)' % (name, errors[name]) for name in sorted(errors))))
    if failures and fail_on == 'fail':
        reasons.append('%d tenant(s) with failed controls: %s' % (
            len(failures), ', '.join('%s (%d failed)' % (name, failures[name]) for name in sorted(failures))))
    return dict(error_tenants=sorted(errors), failed_tenants=sorted(failures), failure='. '.join(reasons))


def by_status(summary):
    """Tenant names per overall status, for a summary a person reads, and those not in this run."""
    names = dict((status, sorted(name for name, counts in summary['tenants'].items() if counts['status'] == status))
                 for status in STATUSES)
    names[NOT_IN_RUN] = list(summary.get('not_in_run') or [])
    return names


def key(item):
    """A control's identity from run to run."""
    return item['tenant'], item.get('room'), item['control']


def group_of(item):
    """The overview column a control counts in."""
    name = item['control']
    if name == 'tenant reachable':
        return 'reach'
    if item.get('room') or name == 'rooms readable':
        return 'rooms'
    if name.startswith(('permission requested: ', 'admin consent: ')):
        return 'consent'
    if name in SECRET_CONTROLS or name.startswith('client secret lifetime'):
        return 'secret'
    if name == REACH:
        return 'scope'
    return 'app'  # registration, multitenant, redirect URI, instance lock


# ---------------------------------------------------------------- the trail of runs and the drift

def no_drift():
    return dict(previous=None, new=0, fixed=0, still_failing=0, changes=[])


def stamp(generated):
    """'2026-12-01T17:45:01Z' as it appears in a run file's name: '20261201T174501Z'."""
    return datetime.datetime.strptime(generated, TIME_FORMAT).strftime(STAMP_FORMAT)


def run_files(dest, name):
    """[(stamp, path)] of the kept runs of report `name`, oldest first."""
    pattern = re.compile(re.escape(name) + r'-(\d{8}T\d{6}Z)\.json')
    found = []
    for entry in os.listdir(dest) if os.path.isdir(dest) else ():
        match = pattern.fullmatch(entry)
        if match:
            found.append((match.group(1), os.path.join(dest, entry)))
    return sorted(found)


def previous_run(dest, name, generated):
    """The newest kept run not newer than `generated`, as (report, path), and warnings about
    unreadable run files it passed over; (None, None) when there is none."""
    warnings, now_stamp = [], stamp(generated)
    for run_stamp, path in reversed(run_files(dest, name)):
        if run_stamp > now_stamp:
            continue  # from a clock ahead of this one: not an earlier run
        try:
            with open(path) as handle:
                data = json.load(handle)
            if isinstance(data, dict) and isinstance(data.get('controls'), list):
                return data, path, warnings
            warnings.append('%s is not an audit report; compared with an older run' % path)
        except (OSError, ValueError) as exc:
            warnings.append('%s could not be read (%s); compared with an older run' % (path, exc))
    return None, None, warnings


def last_audited(previous):
    """{tenant: (generated, [controls])}: each tenant's controls as the last run that audited it judged
    them, as the previous report knows them: its own controls, and for the tenants it did not audit
    those it carried (see carry)."""
    if not previous:
        return {}
    tenants = {}
    for item in previous.get('controls') or []:
        if isinstance(item, dict) and 'tenant' in item:
            tenants.setdefault(item['tenant'], (previous.get('generated'), []))[1].append(item)
    carried = previous.get('carried')
    for name, entry in (carried.items() if isinstance(carried, dict) else ()):
        if name not in tenants and isinstance(entry, dict) and isinstance(entry.get('controls'), list):
            tenants[name] = (entry.get('generated'), [c for c in entry['controls'] if isinstance(c, dict)])
    return tenants


def carry(previous, not_in_run):
    """{tenant: {generated, controls}} for this run's file: of each tenant not in this run, its controls
    from the last run that audited it (the previous one, or one it carried them from), so that the run
    that audits the tenant again compares with them and keeps their first_seen."""
    known = last_audited(previous)
    return dict((name, dict(generated=known[name][0], controls=known[name][1]))
                for name in sorted(not_in_run or ()) if name in known)


def compare(controls, previous, generated):
    """Sets first_seen on each control that does not pass and returns the drift since `previous`
    (an earlier report as read from its JSON, or None).

    A control keeps its first_seen while its status stays the same (fail or error); one that newly
    fails, newly errs or changes between the two counts as new. A control that passes now and did
    not pass before is fixed, and so is one no longer judged (e.g. 'tenant reachable' once the tenant
    is reached) of a tenant audited this time without any error. Tenants not in this run are not
    compared. A tenant the previous run did not audit is compared with the controls it carried from
    the last run that did (see carry)."""
    before, when = {}, {}
    for name, (judged, items) in last_audited(previous).items():
        for item in items:
            before[key(item)] = item
            when[key(item)] = judged
    since = (previous or {}).get('generated')
    changes, seen = [], set()
    in_error = set(item['tenant'] for item in controls if item['status'] == ERROR)
    clean = set(item['tenant'] for item in controls) - in_error
    for item in controls:
        ident = key(item)
        seen.add(ident)
        old = before.get(ident) or {}
        was = old.get('status')
        if item['status'] == PASS:
            item.pop('first_seen', None)
            if was in (FAIL, ERROR):
                changes.append(_change(ident, 'fixed', PASS, was, old.get('first_seen') or when.get(ident) or since))
            continue
        if was == item['status']:
            item['first_seen'] = old.get('first_seen') or when.get(ident) or since or generated
            changes.append(_change(ident, 'still_failing', item['status'], was, item['first_seen']))
        else:
            item['first_seen'] = generated
            if previous is not None:
                changes.append(_change(ident, 'new', item['status'], was, generated))
    for ident, old in before.items():
        if ident not in seen and ident[0] in clean and old.get('status') in (FAIL, ERROR):
            changes.append(_change(ident, 'fixed', None, old['status'], old.get('first_seen') or when[ident] or since))
    if previous is None:
        return no_drift()
    changes.sort(key=lambda c: (CHANGES.index(c['change']), c['tenant'], c['room'] or '', c['control']))
    drift = dict((kind, sum(1 for c in changes if c['change'] == kind)) for kind in CHANGES)
    return dict(drift, previous=since, changes=changes)


def _change(ident, kind, status, was, first_seen):
    return dict(tenant=ident[0], room=ident[1], control=ident[2], change=kind, status=status, previous_status=was,
                first_seen=first_seen)


def trail_of(previous, generated, summary, drift, keep):
    """The last `keep` runs' totals, oldest first, carried from run file to run file."""
    runs = [r for r in (previous or {}).get('trail') or [] if isinstance(r, dict)]
    tenants = dict((status, sum(1 for t in summary['tenants'].values() if t['status'] == status))
                   for status in STATUSES)
    runs.append(dict(generated=generated, totals=dict(summary['totals']), tenants=tenants,
                     new=drift['new'], fixed=drift['fixed']))
    return runs[-keep:] if keep else runs[-1:]


def prune(dest, name, keep):
    """Deletes all but the newest `keep` run files; returns the paths deleted."""
    files = run_files(dest, name)
    gone = [path for _stamp, path in (files[:-keep] if keep else files)]
    for path in gone:
        os.remove(path)
    return gone


def known_failures_of(drift):
    """{control key: first_seen} of the failures the previous run already had."""
    return dict(((c['tenant'], c['room'], c['control']), c['first_seen']) for c in drift.get('changes') or []
                if c['change'] == 'still_failing' and c['status'] == FAIL)


def _write(path, text):
    """Written beside and renamed, so a reader (the next run) never sees half a file."""
    partial = path + '.partial'
    with open(partial, 'w', newline='') as handle:
        handle.write(text)
    os.replace(partial, path)


def write_reports(dest, name, controls, generated, retries=None, profile=None, history=30, known_failures='fail',
                  not_in_run=None):
    """Writes NAME.json, .html, .csv, .junit.xml and the run file, compares with the previous run and
    prunes the trail. not_in_run: tenants reported on but not audited in this run (AWX's limit): not
    compared, and their last judged controls carried into this run's file. Returns dict(paths, drift
    (the counts and the previous run's time), warnings)."""
    os.makedirs(dest, exist_ok=True)
    previous, previous_path, warnings = previous_run(dest, name, generated) if history else (None, None, [])
    not_in_run = sorted(set(not_in_run or ()) - set(item['tenant'] for item in controls))
    drift = compare(controls, previous, generated)
    summary = summarize(controls, retries, not_in_run)
    trail = trail_of(previous, generated, summary, drift, history)
    document = report_document(controls, generated, retries, profile, drift, trail, not_in_run,
                               carry(previous, not_in_run))
    paths = dict((kind, os.path.join(dest, name + suffix)) for kind, suffix in
                 (('json', '.json'), ('html', '.html'), ('csv', '.csv'), ('junit', '.junit.xml')))
    _write(paths['json'], json.dumps(document, indent=2, sort_keys=True, default=str))
    _write(paths['html'], to_html(controls, generated, retries, profile, drift=drift, trail=trail, history=history,
                                  not_in_run=not_in_run))
    _write(paths['csv'], to_csv(controls))
    _write(paths['junit'], to_junit(controls, generated, profile, drift=drift, known_failures=known_failures,
                                    not_in_run=not_in_run))
    if history:
        paths['run'] = os.path.join(dest, '%s-%s.json' % (name, stamp(generated)))
        _write(paths['run'], json.dumps(document, sort_keys=True, separators=(',', ':'), default=str))
    prune(dest, name, history)
    counts = dict((kind, drift[kind]) for kind in CHANGES)
    return dict(paths=paths, warnings=warnings, drift=dict(counts, previous=drift['previous'],
                                                           previous_file=previous_path))


# ---------------------------------------------------------------- machine-readable: JSON, CSV, JUnit

def report_document(controls, generated, retries=None, profile=None, drift=None, trail=None, not_in_run=None,
                    carried=None):
    return dict(schema_version=SCHEMA_VERSION, generated=generated, profile=profile,
                summary=summarize(controls, retries, not_in_run), drift=drift or no_drift(),
                trail=trail if trail is not None else [], controls=controls, carried=carried or {})


def to_json(controls, generated, retries=None, profile=None, drift=None, trail=None, not_in_run=None,
            carried=None):
    return json.dumps(report_document(controls, generated, retries, profile, drift, trail, not_in_run, carried),
                      indent=2, sort_keys=True, default=str)


def _json(value):
    return json.dumps(value, sort_keys=True, default=str)


def csv_cell(text):
    """A cell a spreadsheet shows as text: one starting with = + - @, a tab or a carriage return (a formula
    to a spreadsheet) gets a leading ', as does one starting with ' (so that the rule can be undone)."""
    return "'" + text if text.startswith(CSV_UNSAFE) else text


def csv_detail(item):
    """The CSV's detail: on the 'client secret present' row the secret's state comes first
    ('state: expired (3 days ago, 2026-12-03)', 'state: rotate (9 days left, 2026-12-10)', 'state: missing'),
    then the control's own detail."""
    detail = item.get('detail') or ''
    secret = secret_of(item) if item['control'] == SECRET_CONTROL else None
    if not secret:
        return detail
    days, facts = secret['days_left'], []
    if days is not None and secret['state'] != 'missing':
        facts.append('%s ago' % _days(-days) if days < 0 else '%s left' % _days(days))
    if secret['end_date_time'] and secret['state'] != 'missing':
        facts.append(secret['end_date_time'][:10])
    state = 'state: %s' % secret['state'] + (' (%s)' % ', '.join(facts) if facts else '')
    return '; '.join(part for part in (state, detail) if part)


def to_csv(controls):
    """One row per control; observed and expected as JSON text, first_seen empty for a pass; every cell
    neutralised against formulas (csv_cell)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for item in controls:
        writer.writerow([csv_cell(cell) for cell in (
            item['tenant'], item.get('room') or '', item['control'], item['status'], item.get('first_seen') or '',
            _json(item.get('observed')), _json(item.get('expected')), csv_detail(item))])
    return out.getvalue()


def _value(value):
    return '' if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _per_tenant(controls):
    tenants = {}
    for item in controls:
        tenants.setdefault(item['tenant'], []).append(item)
    return tenants


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
    per_tenant = _per_tenant(controls)
    for tenant in sorted(set(per_tenant) | set(summary['not_in_run'])):
        if tenant not in per_tenant:  # not in this run: one skipped case, neither a pass nor a failure
            suite = ET.SubElement(suites, 'testsuite', name=tenant, tests='1', timestamp=generated, failures='0',
                                  errors='0', skipped='1')
            case = ET.SubElement(suite, 'testcase', classname='%s.tenant' % tenant, name='audited in this run')
            ET.SubElement(case, 'skipped', message='not in this run').text = (
                'not in this run (the run was limited to other tenants): not audited, neither passed nor failed')
            continue
        mine = per_tenant[tenant]
        counts = summary['tenants'][tenant]
        suite = ET.SubElement(suites, 'testsuite', name=tenant, tests=str(len(mine)), timestamp=generated)
        skipped = 0
        for item in mine:
            case = ET.SubElement(suite, 'testcase', classname='%s.%s' % (tenant, item['room'] or 'tenant'),
                                 name=item['control'])
            text = 'observed: %s; expected: %s' % (_value(item['observed']), _value(item['expected']))
            if item['status'] == FAIL and key(item) in known:
                skipped += 1
                ET.SubElement(case, 'skipped', message='known since %s' % (known[key(item)] or '')[:10]).text = text
            elif item['status'] == FAIL:
                ET.SubElement(case, 'failure', message=text).text = text
            elif item['status'] == ERROR:
                message = item.get('detail') or 'could not be read'
                ET.SubElement(case, 'error', message=message).text = message
        suite.set('failures', str(counts[FAIL] - skipped))
        suite.set('errors', str(counts[ERROR]))
        suite.set('skipped', str(skipped))
        known_total += skipped
    suites.set('failures', str(summary['totals'][FAIL] - known_total))
    suites.set('errors', str(summary['totals'][ERROR]))
    suites.set('skipped', str(known_total + len(summary['not_in_run'])))
    return ET.tostring(suites, encoding='unicode')


# ---------------------------------------------------------------- the page a person reads

_STYLE = '''
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:1.5em 2em;color:#1b1b1b;line-height:1.35}
h1{font-size:1.45em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}.card{padding:.6em 1em;border-radius:6px;background:#f2f2f2;
min-width:8em}.card b{display:block;font-size:1.5em}.card small{display:block;color:#444}
table{border-collapse:collapse;font-size:.88em}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid #d8d8d8;padding:.28em .5em;text-align:left;vertical-align:top}
thead th{background:#f4f4f4;position:sticky;top:0;z-index:1}
.pass{background:#dcf1e2;color:#0b4f1f}.fail{background:#fadcdc;color:#861010}.error{background:#fde6bd;color:#5c3600}
.na{color:#555}td.c a,th a{color:inherit}td.c{white-space:nowrap;text-align:center}
.nir,tr.nir th{background:#ececec;color:#555;font-style:italic}td.nir{text-align:left}
.scroll{max-height:65vh;overflow:auto;border:1px solid #d8d8d8}.scroll table{width:100%}
.bar{display:inline-block;width:6em;height:.8em;background:#e4e4e4;border:1px solid #888;margin-right:.4em;
vertical-align:middle}.bar i{display:block;height:100%;background:#2e7d32}
figure{margin:0}svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}
svg .expired{fill:#4a148c}svg .exp{fill:#4a148c;font-size:10px;font-weight:600}
svg .over{fill:#c62828}svg .soon{fill:#b35c00}svg .ok{fill:#2e7d32}svg .none{fill:#fff;stroke:#555}
svg .line{stroke-width:1.2;stroke-dasharray:5 3}svg .rot{stroke:#c62828}svg .two{stroke:#333}
svg .axis{stroke:#888}svg .band{fill:#fdeaea}svg .halo{paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .name{font-size:10px}.legend span{margin-right:1.2em}.sw{display:inline-block;width:.9em;height:.9em;
margin-right:.3em;vertical-align:-.1em;border:1px solid #555}
.filters{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:end;margin:.6em 0;padding:.6em;background:#f6f6f6}
.filters label{display:flex;flex-direction:column;font-size:.85em}.filters select,.filters input{font-size:1em}
details.tenant{border-bottom:1px solid #ddd;padding:.15em 0}details.drift>summary{cursor:pointer;font-weight:600;
margin:.6em 0 .2em}details.tenant>summary{cursor:pointer;padding:.2em}
summary .st{display:inline-block;min-width:3.4em;text-align:center;border-radius:3px;padding:0 .3em;
font-weight:600;margin-right:.5em}summary .n{color:#444;margin-left:.6em;font-size:.9em}
.rows table{width:100%;margin:.3em 0 .8em}td.st{font-weight:bold;text-transform:uppercase}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
code{white-space:pre-wrap;word-break:break-all;font-size:.95em}td.fs{white-space:nowrap}[hidden]{display:none!important}
a:focus,summary:focus,.scroll:focus{outline:3px solid #1a57c8;outline-offset:1px}
@media print{.filters,.noprint{display:none}.scroll{max-height:none;overflow:visible;border:0}
thead th{position:static}body{margin:0}*{print-color-adjust:exact;-webkit-print-color-adjust:exact}
details.tenant{break-inside:auto}tr{break-inside:avoid}a{text-decoration:none}}
'''

# The filters can be preset from the address: audit.html#tenant=contoso&status=fail (also control=, q=);
# the matching tenant groups open. Detail rows are drawn from the embedded JSON when a group opens.
_SCRIPT = r'''
(function(){'use strict';
var ST=['fail','error','pass'],KEYS=['tenant','status','control','q'],D=null,groups,hay=null,timer=null,
budget=%(budget)d;
function data(){if(!D){D=JSON.parse(document.getElementById('report-data').textContent);}return D;}
function esc(s){return String(s).replace(/[&<>"]/g,function(c){
return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
function filters(){var f={};KEYS.forEach(function(k){f[k]=document.getElementById(k).value;});
f.q=f.q.trim().toLowerCase();return f;}
function active(f){return !!(f.tenant||f.status||f.control||f.q);}
function haystack(i,j){var d=data(),s=d.strings;if(!hay){hay=d.rows.map(function(){return null;});}
if(!hay[i]){hay[i]=d.rows[i].map(function(r){return (d.names[i]+'\n'+s[r[0]]+'\n'+s[r[1]]+'\n'+s[r[3]]+'\n'+
s[r[4]]+'\n'+s[r[5]]).toLowerCase();});}return hay[i][j];}
function match(i,j,r,f){var s=data().strings;if(f.status&&ST[r[2]]!==f.status){return false;}
if(f.control&&s[r[1]]!==f.control){return false;}return !f.q||haystack(i,j).indexOf(f.q)>=0;}
function fresh(fs){if(!fs){return '';}if(data().previous&&fs===D.generated){return 'new';}return fs.slice(0,10);}
function render(i,f){var g=groups[i],d=data(),s=d.strings,act=active(f),out=[],n=0;
d.rows[i].forEach(function(r,j){if(act&&!match(i,j,r,f)){return;}n++;
out.push('<tr><td>'+esc(s[r[0]]||'tenant')+'</td><th scope="row">'+esc(s[r[1]])+'</th><td class="st '+ST[r[2]]+
'">'+ST[r[2]]+'</td><td class="fs">'+esc(fresh(s[r[6]]))+'</td><td><code>'+esc(s[r[3]])+'</code></td><td><code>'+
esc(s[r[4]])+'</code></td><td>'+esc(s[r[5]])+'</td></tr>');});
g.querySelector('.rows').innerHTML='<table><caption>'+esc(d.names[i])+': '+n+' control(s)'+
(act?' matching the filters':'')+'</caption><thead><tr><th scope="col">Room</th><th scope="col">Control</th>'+
'<th scope="col">Status</th><th scope="col">First seen</th><th scope="col">Observed</th>'+
'<th scope="col">Expected</th><th scope="col">Detail</th></tr></thead><tbody>'+out.join('')+'</tbody></table>';
g.dataset.key=JSON.stringify(f);return n;}
function count(i,f){var n=0;data().rows[i].forEach(function(r,j){if(match(i,j,r,f)){n++;}});return n;}
function note(g,text){g.querySelector('.m').textContent=text;}
function apply(remember){var f=filters(),act=active(f),shown=0,opened=0,rows=0,i,g,n;
for(i=0;i<groups.length;i++){g=groups[i];
if(!act){if(g.hidden||g.dataset.key){g.hidden=false;g.open=false;g.dataset.key='';note(g,'');}continue;}
n=(f.tenant&&f.tenant!==data().names[i])?0:count(i,f);g.hidden=!n;note(g,n?n+' matching':'');
if(!n){g.open=false;continue;}shown++;
if(opened===0||rows+n<=budget){render(i,f);g.open=true;opened++;rows+=n;}else{g.open=false;g.dataset.key='';}}
document.getElementById('matches').textContent=act?(shown+' tenant(s) match'+(opened<shown?'; the first '+opened+
' are open, open the others to see their rows':'')+'.'):'';
if(remember){var p=new URLSearchParams();KEYS.forEach(function(k){var v=document.getElementById(k).value;
if(v){p.set(k,v);}});try{history.replaceState(null,'',p.toString()?'#'+p.toString():location.pathname);}
catch(e){/* a file: page may refuse; the filters still apply */}}}
function reveal(id){var g=document.getElementById(id);if(!g){return;}if(g.hidden){KEYS.forEach(function(k){
document.getElementById(k).value='';});apply(false);}var f=filters();
if(g.dataset.key!==JSON.stringify(f)){render(groups.indexOf(g),f);}g.open=true;g.scrollIntoView();
g.querySelector('summary').focus();}
function fromHash(){var h=location.hash.slice(1);if(/^t\d+$/.test(h)){reveal(h);return;}
var p=new URLSearchParams(h);KEYS.forEach(function(k){document.getElementById(k).value=p.get(k)||'';});apply(false);
if(active(filters())){document.getElementById('details').scrollIntoView();}}
document.addEventListener('DOMContentLoaded',function(){
groups=Array.prototype.slice.call(document.querySelectorAll('details.tenant'));
document.addEventListener('toggle',function(e){var g=e.target;if(g.classList&&g.classList.contains('tenant')&&
g.open&&g.dataset.key!==JSON.stringify(filters())){render(groups.indexOf(g),filters());}},true);
['tenant','status','control'].forEach(function(k){document.getElementById(k).addEventListener('change',
function(){apply(true);});});
document.getElementById('q').addEventListener('input',function(){clearTimeout(timer);
timer=setTimeout(function(){apply(true);},200);});
document.getElementById('clear').addEventListener('click',function(){KEYS.forEach(function(k){
document.getElementById(k).value='';});apply(true);});
document.addEventListener('click',function(e){var a=e.target.closest&&e.target.closest('a[href^="#t"]');
if(a&&/^#t\d+$/.test(a.getAttribute('href'))){e.preventDefault();reveal(a.getAttribute('href').slice(1));}});
window.addEventListener('hashchange',fromHash);
window.addEventListener('beforeprint',function(){var f=filters();groups.forEach(function(g,i){if(!g.hidden){
if(g.dataset.key!==JSON.stringify(f)){render(i,f);}g.open=true;}});
document.querySelectorAll('details.drift').forEach(function(d){d.open=true;});});
if(location.hash.length>1){fromHash();}
document.documentElement.setAttribute('data-ready','1');
if(window.performance&&performance.mark){performance.mark('report-ready');
requestAnimationFrame(function(){requestAnimationFrame(function(){performance.mark('report-painted');});});}});})();
''' % dict(budget=OPEN_ROWS)


def _retries_note(retries):
    return ', '.join('%s: %d retried, %.1f s waited' % (service, counts['retried'], counts['waited_s'])
                     for service, counts in sorted(retries.items()))


def _counts_text(counts):
    """'error 2 · fail 3', 'fail 3' or 'pass 12': the word and the count, not colour alone."""
    parts = ['%s %d' % (status, counts[status]) for status in (ERROR, FAIL) if counts[status]]
    return ' &middot; '.join(parts) if parts else 'pass %d' % counts[PASS]


def _worst(counts):
    return ERROR if counts[ERROR] else FAIL if counts[FAIL] else PASS


def _blank():
    return dict((status, 0) for status in STATUSES)


def overview(controls):
    """Per tenant: counts overall, per group and of the room controls, and its secret's days left."""
    tenants = {}
    for item in controls:
        tenant = tenants.setdefault(item['tenant'], dict(all=_blank(), groups={}, rooms=_blank(), secret=None))
        tenant['all'][item['status']] += 1
        tenant['groups'].setdefault(group_of(item), _blank())[item['status']] += 1
        if item.get('room'):
            tenant['rooms'][item['status']] += 1
        if item['control'] == 'client secret present':
            tenant['secret'] = item
    return tenants


def worst_first(tenants):
    """Tenant names, those with errors first, then those with failures, each by count, then by name."""
    return sorted(tenants, key=lambda name: (-tenants[name]['all'][ERROR], -tenants[name]['all'][FAIL], name))


def _matrix(order, tenants, ids, not_in_run=()):
    """A row per tenant, worst first; then a greyed row per tenant not in this run (no controls)."""
    esc = html.escape
    head = ''.join('<th scope="col">%s</th>' % title for _group, title in GROUPS)
    rows = []
    for name in order:
        tenant, link = tenants[name], '#' + ids[name]
        unread = 'reach' in tenant['groups']
        cells = []
        for group, _title in GROUPS:
            counts = tenant['groups'].get(group)
            if group == 'reach':
                cells.append('<td class="c %s"><a href="%s">%s</a></td>' % (
                    (ERROR, link, 'error') if unread else (PASS, link, 'yes')))
            elif counts:
                expired = group == 'secret' and (secret_of(tenant['secret']) or {}).get('state') == 'expired'
                cells.append('<td class="c %s"><a href="%s">%s%s</a></td>' % (
                    _worst(counts), link, _counts_text(counts), ' &middot; <b>expired</b>' if expired else ''))
            else:
                cells.append('<td class="c na">%s</td>' % ('not read' if unread else 'n/a'))
        rooms = tenant['rooms']
        judged = sum(rooms.values())
        if judged:
            share = 100.0 * rooms[PASS] / judged
            compliance = '<span class="bar" aria-hidden="true"><i style="width:%.0f%%"></i></span>%.0f%% (%d/%d)' % (
                share, share, rooms[PASS], judged)
        else:
            why = 'not read' if unread or 'rooms' in tenant['groups'] else 'no rooms'
            compliance = '<span class="na">%s</span>' % why
        rows.append('<tr data-tenant="%s" data-status="%s"><th scope="row"><a href="%s">%s</a></th>'
                    '<td class="c %s">%s</td>%s<td>%s</td></tr>'
                    % (esc(name), _worst(tenant['all']), link, esc(name), _worst(tenant['all']),
                       _counts_text(tenant['all']), ''.join(cells), compliance))
    for name in not_in_run:
        rows.append('<tr data-tenant="%s" data-status="%s" class="nir"><th scope="row">%s</th><td class="c nir" '
                    'colspan="%d">not in this run</td></tr>' % (esc(name), NOT_IN_RUN, esc(name), len(GROUPS) + 2))
    return ('<div class="scroll" tabindex="0" role="region" aria-labelledby="matrix-caption">'
            '<table id="matrix"><caption id="matrix-caption">Tenants by control group, worst first (errors, then '
            'failures, by count); a cell opens the tenant\'s controls; tenants not in this run last</caption><thead><tr><th scope="col">Tenant'
            '</th><th scope="col">Status</th>%s<th scope="col">Rooms compliant</th></tr></thead><tbody>%s'
            '</tbody></table></div>' % (head, ''.join(rows)))


def secret_days(order, tenants):
    """[(tenant, days left or None, rotation threshold, kind, why not known, the secret (see secret_of) or
    None)] in chart order: the unknown first, then by days left (the expired first). kind: expired, over
    (below the threshold, not expired: the control fails), soon (it gets there within a month), ok, or
    none (no secret known)."""
    marks = []
    for name in order:
        item = tenants[name]['secret']
        secret = secret_of(item)
        state = secret['state'] if secret else None
        days = secret['days_left'] if secret else None
        threshold = _threshold(item)
        limit = 30 if threshold is None else threshold
        why = None if days is not None else 'not read' if secret is None else \
            'no app registration' if isinstance(item.get('observed'), str) else \
            'expired' if state == 'expired' else 'no secret'
        if state == 'expired':
            kind = 'expired'
        elif days is None or state == 'missing':
            kind = 'none'
        elif state == 'rotate':
            kind = 'over'
        else:
            kind = 'soon' if days < limit + 31 else 'ok'
        marks.append((name, days, threshold, kind, why, secret))
    return sorted(marks, key=lambda m: (m[1] is not None, m[1] if m[1] is not None else 0, m[0]))


DUE = ('expired', 'over', 'soon')  # the chart's kinds of secret to rotate this month
# The chart's kinds: their legend and swatch colour, in the legend's order.
KINDS = (('expired', 'expired', '#4a148c'), ('over', 'below the threshold', '#c62828'),
         ('soon', 'within a month of it', '#b35c00'), ('ok', 'later', '#2e7d32'), ('none', 'no secret known', '#fff'))


def _chart(marks, ids, not_in_run=()):
    """Days left of each tenant's secret as a bar, sorted, with the rotation threshold and the 2-year line;
    the tenants to rotate within a month on a shaded band, named below the chart with their days left and
    end dates, the expired first."""
    esc = html.escape
    named = len(marks) <= 40  # few enough to name each bar
    width, left, right, top, bottom = 960, 44, 12, 14, 80 if named else 34
    height = 200 + bottom
    base = height - bottom
    thresholds = sorted(set(m[2] for m in marks if m[2] is not None)) or [30]
    top_days = max([TWO_YEARS + 70] + [m[1] + 30 for m in marks if m[1] is not None])

    def y_of(days):
        return top + (base - top) * (1 - max(0, min(days, top_days)) / float(top_days))

    slot = (width - left - right) / float(max(1, len(marks)))
    bar_width = max(1.0, min(24.0, slot * 0.8))
    parts, labels, due = [], [], []
    for index, (name, days, _threshold_days, kind, why, secret) in enumerate(marks):
        x = left + index * slot + (slot - bar_width) / 2
        end = (secret or {}).get('end_date_time')
        if days is None:
            label, y = '%s: %s' % (name, why), base - 10
        elif days < 0:
            label, y = '%s: expired %s ago%s' % (name, _days(-days), ' (ended %s)' % end[:10] if end else ''), base - 10
        else:
            label, y = '%s: %s left%s' % (name, _days(days), ' (ends %s)' % end[:10] if end else ''), \
                min(y_of(days), base - 5)  # visible even at 0
        if kind in DUE:
            due.append((index, name, kind, secret))
        parts.append('<rect class="mark %s" data-tenant="%s" data-days="%s" x="%.1f" y="%.1f" width="%.1f" '
                     'height="%.1f"><title>%s</title></rect>' % (kind, esc(name), '' if days is None else days, x, y,
                                                                 bar_width, base - y, esc(label)))
        if named and kind == 'expired':  # said in words above the bar, not by its colour alone
            parts.append('<text class="halo exp" transform="translate(%.1f %.1f) rotate(-90)">expired</text>'
                         % (x + bar_width / 2 + 3.5, y - 3))
        if named:
            labels.append('<text class="name" transform="translate(%.1f %d) rotate(-45)" text-anchor="end">%s</text>'
                          % (x + bar_width / 2 + 3, base + 12, esc(name)))
    band = ''
    expired = sum(1 for d in due if d[2] == 'expired')
    if due:
        first, last = min(d[0] for d in due), max(d[0] for d in due)
        band = ('<rect class="band" x="%.1f" y="%d" width="%.1f" height="%d"/><text class="halo" x="%.1f" y="%d">'
                'rotate this month: %d%s</text>' % (left + first * slot, top, (last - first + 1) * slot, base - top,
                                                    left + first * slot + 3, top + 40, len(due),
                                                    ' (%d expired)' % expired if expired else ''))
    axis = ['<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (left, base, width - right, base)]
    for days in (0, 365, TWO_YEARS):
        axis.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>' % (left - 4, y_of(days) + 4, days))
    lines = ['<line class="line two" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="halo" x="%d" y="%.1f">'
             '2 years (%d days)</text>' % (left, width - right, y_of(TWO_YEARS), y_of(TWO_YEARS), left + 4,
                                           y_of(TWO_YEARS) - 4, TWO_YEARS)]
    for days in thresholds:
        lines.append('<line class="line rot" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="halo" x="%d" '
                     'y="%.1f" text-anchor="end">rotation threshold: %d days</text>'
                     % (left, width - right, y_of(days), y_of(days), width - right - 4, y_of(days) - 4, days))
    kinds = dict((kind, [m[0] for m in marks if m[3] == kind]) for kind, _text, _colour in KINDS)
    summary = ('Client secret days left for %d tenant(s): %d expired, %d below the rotation threshold, %d to rotate '
               'within a month, %d later, %d without a known secret.'
               % (len(marks), len(kinds['expired']), len(kinds['over']), len(kinds['soon']), len(kinds['ok']),
                  len(kinds['none'])))
    if not_in_run:
        summary += ' %d tenant(s) not in this run are not drawn.' % len(not_in_run)
    due.sort(key=lambda d: (d[2] != 'expired', d[0]))  # the expired first, then by days left
    listed = ', '.join('<a href="#%s">%s</a> (%s)' % (ids[n], esc(n), esc(secret_note(secret)))
                       for _index, n, _kind, secret in due[:25]) + (
        ' and %d more' % (len(due) - 25) if len(due) > 25 else '')
    legend = ''.join('<span><i class="sw" style="background:%s"></i>%s</span>' % (colour, text)
                     for _kind, text, colour in KINDS)
    return ('<figure id="expiry"><svg id="expiry-chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" '
            'height="%d">%s%s<g class="marks">%s</g>%s%s<text x="%d" y="%d">tenants, sorted by days left (unknown '
            'first)</text><text x="10" y="%d" transform="rotate(-90 10 %d)" text-anchor="middle">days left</text>'
            '</svg><figcaption><p class="legend">%s</p><p id="expiry-summary">%s%s</p></figcaption></figure>'
            % (esc(summary), width, height, width, height, band, ''.join(axis), ''.join(parts), ''.join(lines),
               ''.join(labels), left, height - 6, base // 2, base // 2, legend, esc(summary),
               (' Rotate this month: %s.' % listed) if due else ''))


def _where(items):
    rooms = sorted(c['room'] for c in items if c['room'])
    if not rooms:
        return 'tenant'
    shown = ', '.join(html.escape(r) for r in rooms[:3])
    return '%d room(s): %s%s' % (len(rooms), shown, ' &hellip;' if len(rooms) > 3 else '')


def _drift_table(kind, caption, changes, ids):
    esc = html.escape
    grouped = {}
    for item in changes:
        grouped.setdefault((item['tenant'], item['control'], item['status'], item['previous_status']),
                           []).append(item)
    rows = []
    for (tenant, control, status, was), items in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        first = min(c['first_seen'] or '' for c in items)
        now = status or 'not judged'
        rows.append('<tr data-change="%s" data-tenant="%s" data-control="%s"><th scope="row"><a href="#%s">%s</a>'
                    '</th><td>%s</td><td>%s</td><td class="st %s">%s</td><td>%s</td><td class="fs">%s</td></tr>'
                    % (kind, esc(tenant), esc(control), ids.get(tenant, ''), esc(tenant), esc(control),
                       _where(items), status or 'na', now, esc(was or 'not judged'), esc(first[:10])))
    # open unless long (still failing always starts closed), so a mass change does not bury the page
    opened = ' open' if kind != 'still_failing' and len(rows) <= DRIFT_ROWS_OPEN else ''
    return ('<details class="drift"%s><summary>%s: %d control(s)</summary><table id="drift-%s"><caption class="sr">%s'
            '</caption><thead><tr><th scope="col">Tenant</th><th scope="col">Control</th><th scope="col">Where</th>'
            '<th scope="col">Now</th><th scope="col">Before</th><th scope="col">%s</th></tr></thead><tbody>%s'
            '</tbody></table></details>'
            % (opened, caption, len(changes), kind.replace('_', '-'), caption,
               'Failing since' if kind == 'fixed' else 'First seen',
               ''.join(rows) or '<tr><td colspan="6">none</td></tr>'))


def _drift(drift, history, ids, not_in_run=()):
    if history == 0:
        return ('<section id="drift" aria-labelledby="drift-h"><h2 id="drift-h">Changes since the previous run</h2>'
                '<p>History is off (history: 0), so runs are not compared.</p></section>')
    if drift['previous'] is None:
        return ('<section id="drift" aria-labelledby="drift-h"><h2 id="drift-h">Changes since the previous run</h2>'
                '<p>No earlier run of this report is kept beside it, so there is nothing to compare with yet; '
                'the next run compares with this one.</p></section>')
    changes = drift['changes']
    skipped = ('<p id="drift-not-in-run">Not in this run, so not compared: %s. Their results of the last run that '
               'audited them are kept, for the run that audits them again.</p>'
               % ', '.join(html.escape(name) for name in not_in_run)) if not_in_run else ''
    tables = (_drift_table('new', 'New failures and errors', [c for c in changes if c['change'] == 'new'], ids) +
              _drift_table('fixed', 'Fixed', [c for c in changes if c['change'] == 'fixed'], ids) +
              _drift_table('still_failing', 'Still failing or in error',
                           [c for c in changes if c['change'] == 'still_failing'], ids))
    return ('<section id="drift" aria-labelledby="drift-h"><h2 id="drift-h">Changes since the previous run</h2>'
            '<p>Compared with the run of <time>%s</time>: <b>%d</b> new, <b>%d</b> fixed, <b>%d</b> still failing.'
            '</p>%s%s</section>' % (html.escape(drift['previous']), drift['new'], drift['fixed'],
                                    drift['still_failing'], skipped, tables))


def _trail(trail):
    if len(trail or []) < 2:
        return ''
    rows = ''.join('<tr><th scope="row"><time>%s</time></th><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td>'
                   '<td>%d</td><td>%s</td><td>%s</td></tr>'
                   % (html.escape(str(run.get('generated'))), run.get('tenants', {}).get(ERROR, 0),
                      run.get('tenants', {}).get(FAIL, 0), run.get('tenants', {}).get(PASS, 0),
                      run.get('totals', {}).get(ERROR, 0), run.get('totals', {}).get(FAIL, 0),
                      run.get('totals', {}).get(PASS, 0), run.get('new', ''), run.get('fixed', ''))
                   for run in reversed(trail))
    return ('<section id="trail" aria-labelledby="trail-h"><h2 id="trail-h">Trail</h2><table><caption>The kept runs, '
            'newest first</caption><thead><tr><th scope="col" rowspan="2">Run</th><th scope="colgroup" colspan="3">'
            'Tenants</th><th scope="colgroup" colspan="3">Controls</th><th scope="col" rowspan="2">New</th>'
            '<th scope="col" rowspan="2">Fixed</th></tr><tr><th scope="col">error</th><th scope="col">fail</th>'
            '<th scope="col">pass</th><th scope="col">error</th><th scope="col">fail</th><th scope="col">pass</th>'
            '</tr></thead><tbody>%s</tbody></table></section>' % rows)


def _retries_table(order, summary):
    esc = html.escape
    rows = ''.join('<tr><th scope="row">%s</th><td>%s</td></tr>'
                   % (esc(name), esc(_retries_note(summary['tenants'][name]['retries'])))
                   for name in order if summary['tenants'][name]['retries'])
    if not rows:
        return ''
    return ('<section id="retries" aria-labelledby="retries-h"><h2 id="retries-h">Requests retried</h2><table>'
            '<caption>Tenants whose requests were throttled or retried</caption><thead><tr><th scope="col">Tenant'
            '</th><th scope="col">Retries</th></tr></thead><tbody>%s</tbody></table></section>' % rows)


def _data(order, per_tenant, generated, previous):
    """The detail rows, compact: each string once, each row a list of indexes
    [room, control, status (0 fail, 1 error, 2 pass), observed, expected, detail, first_seen]."""
    strings, index = [''], {'': 0}

    def ref(value):
        text = value if isinstance(value, str) else '' if value is None else _value(value)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    rows = []
    for name in order:
        mine = sorted(per_tenant[name], key=lambda c: STATUSES.index(c['status']))
        rows.append([[ref(c.get('room')), ref(c['control']), STATUSES.index(c['status']), ref(c.get('observed')),
                      ref(c.get('expected')), ref(c.get('detail')), ref(c.get('first_seen'))] for c in mine])
    text = json.dumps(dict(names=order, strings=strings, rows=rows, generated=generated, previous=previous),
                      separators=(',', ':'))
    # inside <script>: no '<' at all, so neither </script> nor <!-- can end it early
    return text.replace('<', '\\u003c')


def to_html(controls, generated, retries=None, profile=None, drift=None, trail=None, history=None, not_in_run=None):
    summary = summarize(controls, retries, not_in_run)
    not_in_run = summary['not_in_run']
    drift = drift or no_drift()
    esc = html.escape
    tenants = overview(controls)
    order = worst_first(tenants)
    ids = dict((name, 't%d' % index) for index, name in enumerate(order))
    per_tenant = _per_tenant(controls)
    by = by_status(summary)
    marks = secret_days(order, tenants)
    rotate = sum(1 for m in marks if m[3] in ('over', 'soon'))
    expired = sum(1 for m in marks if m[3] == 'expired')
    cards = ''.join('<div class="card %s"><b>%d</b> tenant(s) %s <small>%d control(s)</small></div>'
                    % (status, len(by[status]), {FAIL: 'failing', ERROR: 'in error', PASS: 'passing'}[status],
                       summary['totals'][status]) for status in (ERROR, FAIL, PASS))
    if not_in_run:
        cards += ('<div class="card nir" id="card-not-in-run"><b>%d</b> tenant(s) not in this run <small>not '
                  'audited: neither passed nor failed</small></div>' % len(not_in_run))
    if drift['previous'] is not None:
        cards += ('<div class="card"><b>%d new</b> %d fixed, %d still failing <small>since %s</small></div>'
                  % (drift['new'], drift['fixed'], drift['still_failing'], esc(drift['previous'])))
    cards += ('<div class="card%s" id="card-expired"><b>%d expired</b> client secret(s) <small>%s</small></div>'
              % (' fail' if expired else '', expired, 'rotate now' if expired else 'none has expired'))
    cards += '<div class="card" id="card-rotate"><b>%d</b> secret(s) to rotate within a month</div>' % rotate
    details = ''.join(
        '<details class="tenant" id="%s" data-tenant="%s" data-status="%s"><summary><span class="st %s">%s</span>%s'
        '<span class="n">%s</span><span class="n m"></span></summary><div class="rows"></div></details>'
        % (ids[name], esc(name), _worst(tenants[name]['all']), _worst(tenants[name]['all']),
           _worst(tenants[name]['all']), esc(name), _counts_text(tenants[name]['all'])) for name in order)
    tenant_options = ''.join('<option>%s</option>' % esc(name) for name in sorted(tenants))
    control_options = ''.join('<option>%s</option>' % esc(name)
                              for name in sorted(set(c['control'] for c in controls)))
    profile_note = ' &middot; profile <b>%s</b>: %s' % (esc(profile['name']), esc(profile['description'])) \
        if profile else ''
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            '<title>Bookings ONE compliance audit</title><style>%s</style><script>%s</script></head><body>'
            '<header id="summary"><h1>Bookings ONE compliance audit</h1><p>Generated <time>%s</time> &middot; '
            '%d tenants%s &middot; %d controls%s</p></header>'
            '<main><section id="totals" aria-label="Totals"><div class="cards">%s</div></section>'
            '<section id="overview" aria-labelledby="overview-h"><h2 id="overview-h">Overview</h2>%s</section>'
            '<section id="secrets" aria-labelledby="secrets-h"><h2 id="secrets-h">Client secret expiry</h2>%s'
            '</section>%s%s%s'
            '<section id="details" aria-labelledby="details-h"><h2 id="details-h">Controls per tenant</h2>'
            '<noscript><p>The rows of each tenant need JavaScript; the CSV and JSON beside this page hold every '
            'control.</p></noscript>'
            '<form class="filters" role="search" aria-label="Filter the controls" onsubmit="return false">'
            '<label for="tenant">Tenant<select id="tenant"><option value="">all</option>%s</select></label>'
            '<label for="status">Status<select id="status"><option value="">all</option><option>fail</option>'
            '<option>error</option><option>pass</option></select></label>'
            '<label for="control">Control<select id="control"><option value="">all</option>%s</select></label>'
            '<label for="q">Search<input id="q" type="search" placeholder="room, value, detail"></label>'
            '<button type="button" id="clear">Show all</button></form>'
            '<p id="matches" role="status" aria-live="polite"></p><div id="groups">%s</div></section></main>'
            '<script type="application/json" id="report-data">%s</script></body></html>'
            % (_STYLE, _SCRIPT, esc(generated), len(summary['tenants']),
               ' audited &middot; %d not in this run' % len(not_in_run) if not_in_run else '', len(controls),
               profile_note, cards,
               _matrix(order, tenants, ids, not_in_run), _chart(marks, ids, not_in_run),
               _drift(drift, history, ids, not_in_run),
               _trail(trail), _retries_table(order, summary), tenant_options, control_options, details,
               _data(order, per_tenant, generated, drift['previous'])))


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(TIME_FORMAT)
