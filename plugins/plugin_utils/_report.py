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


def summarize(controls):
    """Counts overall and per tenant; a tenant's status is its worst control's."""
    totals = dict((status, 0) for status in STATUSES)
    tenants = {}
    for item in controls:
        totals[item['status']] += 1
        tenant = tenants.setdefault(item['tenant'], dict((status, 0) for status in STATUSES))
        tenant[item['status']] += 1
    for counts in tenants.values():
        counts['status'] = next(s for s in STATUSES if counts[s]) if any(counts[s] for s in STATUSES) else PASS
    return dict(totals=totals, tenants=tenants)


def to_json(controls, generated):
    return json.dumps(dict(generated=generated, summary=summarize(controls), controls=controls),
                      indent=2, sort_keys=True, default=str)


def _value(value):
    return '' if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def to_junit(controls, generated):
    summary = summarize(controls)
    suites = ET.Element('testsuites', name='Bookings ONE compliance audit', tests=str(len(controls)),
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


def to_html(controls, generated):
    summary = summarize(controls)
    esc = html.escape
    cards = ''.join('<div class="card %s"><b>%d</b>%s</div>' % (status, summary['totals'][status], status)
                    for status in STATUSES)
    tenant_rows = ''.join(
        '<tr><td>%s</td><td class="status %s">%s</td><td>%d</td><td>%d</td><td>%d</td></tr>'
        % (esc(name), counts['status'], counts['status'], counts[FAIL], counts[ERROR], counts[PASS])
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
            '<h1>Bookings ONE compliance audit</h1><p>Generated %s &middot; %d tenants &middot; %d controls</p>'
            '<div class="cards">%s</div>'
            '<h2>Tenants</h2><table><thead><tr><th>Tenant</th><th>Status</th><th>Fail</th><th>Error</th><th>Pass</th>'
            '</tr></thead><tbody>%s</tbody></table>'
            '<h2>Controls</h2><p><label>Tenant <select id="tenant" onchange="applyFilter()"><option value="">all'
            '</option>%s</select></label><label>Status <select id="status" onchange="applyFilter()">'
            '<option value="">all</option><option>fail</option><option>error</option><option>pass</option></select>'
            '</label></p><table id="controls"><thead><tr><th>Tenant</th><th>Room</th><th>Control</th><th>Status</th>'
            '<th>Observed</th><th>Expected</th><th>Detail</th></tr></thead><tbody>%s</tbody></table></body></html>'
            % (_STYLE, _SCRIPT, esc(generated), len(summary['tenants']), len(controls), cards, tenant_rows, options,
               rows))


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
