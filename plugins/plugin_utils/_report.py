# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit report renderers: JSON for machines, one self-contained HTML page for a
person, JUnit XML for CI systems and AWX."""

from __future__ import annotations

import datetime
import html
import json
import xml.etree.ElementTree as ET

from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import ERROR, FAIL, PASS

STATUSES = (FAIL, ERROR, PASS)
FAIL_ON = ('error', 'fail', 'never')


def summarize(controls, retries=None):
    """Counts overall and per tenant; a tenant's status is its worst control's.
    retries: {tenant: summed retries} (see sum_retries), reported per tenant."""
    totals = dict((status, 0) for status in STATUSES)
    tenants = {}
    for item in controls:
        totals[item['status']] += 1
        tenant = tenants.setdefault(item['tenant'], dict((status, 0) for status in STATUSES))
        tenant[item['status']] += 1
    for name, counts in tenants.items():
        counts['status'] = next(s for s in STATUSES if counts[s]) if any(counts[s] for s in STATUSES) else PASS
        counts['retries'] = (retries or {}).get(name) or {}
    return dict(totals=totals, tenants=tenants)


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
    """Tenant names per overall status, for a summary a person reads."""
    return dict((status, sorted(name for name, counts in summary['tenants'].items() if counts['status'] == status))
                for status in STATUSES)


def to_json(controls, generated, retries=None, profile=None):
    return json.dumps(dict(generated=generated, profile=profile, summary=summarize(controls, retries),
                           controls=controls), indent=2, sort_keys=True, default=str)


def _value(value):
    return '' if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def to_junit(controls, generated, profile=None):
    summary = summarize(controls)
    title = 'Bookings ONE compliance audit' + (' (profile %s)' % profile['name'] if profile else '')
    suites = ET.Element('testsuites', name=title, tests=str(len(controls)),
                        failures=str(summary['totals'][FAIL]), errors=str(summary['totals'][ERROR]),
                        timestamp=generated)
    for tenant in sorted(summary['tenants']):
        mine = [c for c in controls if c['tenant'] == tenant]
        counts = summary['tenants'][tenant]
        suite = ET.SubElement(suites, 'testsuite', name=tenant, tests=str(len(mine)), failures=str(counts[FAIL]),
                              errors=str(counts[ERROR]), timestamp=generated)
        for item in mine:
            case = ET.SubElement(suite, 'testcase', classname='%s.%s' % (tenant, item['room'] or 'tenant'),
                                 name=item['control'])
            text = 'observed: %s; expected: %s' % (_value(item['observed']), _value(item['expected']))
            if item['status'] == FAIL:
                ET.SubElement(case, 'failure', message=text).text = text
            elif item['status'] == ERROR:
                message = item.get('detail') or 'could not be read'
                ET.SubElement(case, 'error', message=message).text = message
    return ET.tostring(suites, encoding='unicode')


_STYLE = '''
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}.cards{display:flex;gap:1em;margin:1em 0}
.card{padding:.8em 1.2em;border-radius:6px;background:#f3f3f3;min-width:7em}
.card b{display:block;font-size:1.6em}.pass{color:#1a7f37}.fail{color:#c62828}.error{color:#b26a00}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border-bottom:1px solid #ddd;padding:.35em .5em;
text-align:left;vertical-align:top}th{background:#fafafa}td.status{font-weight:bold;text-transform:uppercase}
code{white-space:pre-wrap;word-break:break-all}select{margin-right:1em}
'''

# The filters can also be preset from the address: audit.html#tenant=contoso&status=fail
_SCRIPT = '''
function applyFilter(){var t=document.getElementById('tenant').value,s=document.getElementById('status').value;
document.querySelectorAll('#controls tbody tr').forEach(function(r){
r.style.display=((!t||r.dataset.tenant===t)&&(!s||r.dataset.status===s))?'':'none';});}
document.addEventListener('DOMContentLoaded',function(){
new URLSearchParams(location.hash.slice(1)).forEach(function(v,k){var e=document.getElementById(k);if(e){e.value=v;}});
applyFilter();});
'''


def _retries_note(retries):
    return ', '.join('%s: %d retried, %.1f s waited' % (service, counts['retried'], counts['waited_s'])
                     for service, counts in sorted(retries.items()))


def to_html(controls, generated, retries=None, profile=None):
    summary = summarize(controls, retries)
    esc = html.escape
    cards = ''.join('<div class="card %s"><b>%d</b>%s</div>' % (status, summary['totals'][status], status)
                    for status in STATUSES)
    tenant_rows = ''.join(
        '<tr><td>%s</td><td class="status %s">%s</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td></tr>'
        % (esc(name), counts['status'], counts['status'], counts[FAIL], counts[ERROR], counts[PASS],
           esc(_retries_note(counts['retries'])))
        for name, counts in sorted(summary['tenants'].items(), key=lambda kv: (STATUSES.index(kv[1]['status']), kv[0])))
    options = ''.join('<option>%s</option>' % esc(name) for name in sorted(summary['tenants']))
    rows = ''.join(
        '<tr data-tenant="%s" data-status="%s"><td>%s</td><td>%s</td><td>%s</td><td class="status %s">%s</td>'
        '<td><code>%s</code></td><td><code>%s</code></td><td>%s</td></tr>'
        % (esc(c['tenant']), c['status'], esc(c['tenant']), esc(c['room'] or ''), esc(c['control']), c['status'],
           c['status'], esc(_value(c['observed'])), esc(_value(c['expected'])), esc(c.get('detail') or ''))
        for c in sorted(controls, key=lambda c: (STATUSES.index(c['status']), c['tenant'], c['room'] or '')))
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bookings ONE compliance audit</title>'
            '<style>%s</style><script>%s</script></head><body>'
            '<h1>Bookings ONE compliance audit</h1><p>Generated %s &middot; %d tenants &middot; %d controls%s</p>'
            '<div class="cards">%s</div>'
            '<h2>Tenants</h2><table><thead><tr><th>Tenant</th><th>Status</th><th>Fail</th><th>Error</th><th>Pass</th>'
            '<th>Retries</th></tr></thead><tbody>%s</tbody></table>'
            '<h2>Controls</h2><p><label>Tenant <select id="tenant" onchange="applyFilter()"><option value="">all'
            '</option>%s</select></label><label>Status <select id="status" onchange="applyFilter()">'
            '<option value="">all</option><option>fail</option><option>error</option><option>pass</option></select>'
            '</label></p><table id="controls"><thead><tr><th>Tenant</th><th>Room</th><th>Control</th><th>Status</th>'
            '<th>Observed</th><th>Expected</th><th>Detail</th></tr></thead><tbody>%s</tbody></table></body></html>'
            % (_STYLE, _SCRIPT, esc(generated), len(summary['tenants']), len(controls),
               ' &middot; profile <b>%s</b>: %s' % (esc(profile['name']), esc(profile['description'])) if profile else '',
               cards, tenant_rows, options, rows))


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
