# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The page a person reads: one self-contained HTML file. Its styles and script are the files in
report_assets/ (shipped with the collection), inlined when the page is written, so the page loads
nothing from anywhere; the detail rows are embedded as compact JSON and drawn when a tenant opens."""

from __future__ import annotations

import html
import json
import os

from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import ERROR, FAIL, PASS
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_chart import chart, secret_days
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_formats import value_text
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_history import no_drift
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import (
    APP_GROUPS, GROUPS, NOT_IN_RUN, NOT_ONBOARDED, SECRET_CONTROL, STATUSES, by_status, error_reason,
    per_tenant, summarize)

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'report_assets')
# Rows the page renders by itself when a filter matches many tenants; the others open on a click.
OPEN_ROWS = 3000
# Drift tables (a row per tenant and control) longer than this start closed.
DRIFT_ROWS_OPEN = 100
esc = html.escape


def asset(name, closing):
    """A file of report_assets/, checked not to hold `closing` (e.g. '</script'), which would end it early."""
    with open(os.path.join(ASSETS, name)) as handle:
        text = handle.read()
    if closing in text.lower():
        raise ValueError('%s holds %s, which would end its element in the page' % (name, closing))
    return text


def _counts_text(counts):
    """'error 2 · fail 3', 'fail 3' or 'pass 12': the word and the count, not colour alone."""
    parts = ['%s %d' % (status, counts[status]) for status in (ERROR, FAIL) if counts[status]]
    return ' &middot; '.join(parts) if parts else 'pass %d' % counts[PASS]


def _worst(counts):
    return ERROR if counts[ERROR] else FAIL if counts[FAIL] else PASS


def _blank():
    return dict((status, 0) for status in STATUSES)


def overview(controls, summary):
    """Per tenant: counts overall, per group and of the room controls, its status and secret.present
    control (summary), and the reason it was not fully audited (its first error's detail)."""
    tenants = {}
    for name, items in per_tenant(controls).items():
        tenant = dict(all=_blank(), groups={}, rooms=_blank(), secret=None, reason=error_reason(items),
                      status=summary['tenants'][name]['status'], broken=None)
        for item in items:
            if item['group'] == 'proof' and item['status'] != PASS and tenant['broken'] is None:
                tenant['broken'] = item
            tenant['all'][item['status']] += 1
            tenant['groups'].setdefault(item['group'], _blank())[item['status']] += 1
            if item.get('room'):
                tenant['rooms'][item['status']] += 1
            if item['id'] == SECRET_CONTROL:
                tenant['secret'] = item
        tenants[name] = tenant
    return tenants


def worst_first(tenants):
    """Tenant names: those with errors first (most first), then those not onboarded, then those with failures
    (most first), then the rest; each by name."""
    return sorted(tenants, key=lambda name: (-tenants[name]['all'][ERROR], tenants[name]['status'] != NOT_ONBOARDED,
                                             -tenants[name]['all'][FAIL], name))


def _status_cell(tenant, link):
    """The tenant's status in words; under it, why it was not fully audited, or what onboards it."""
    if tenant['status'] == NOT_ONBOARDED:
        return ('<td class="c not_onboarded"><a href="%s">not onboarded</a><small class="why">run onboard.yml'
                '</small></td>' % link)
    reason = tenant['reason']
    why = '<small class="why" title="%s">%s</small>' % (esc(reason), esc(reason)) if reason else ''
    return '<td class="c %s"><a href="%s">%s</a>%s</td>' % (_worst(tenant['all']), link,
                                                            _counts_text(tenant['all']), why)


def _group_cell(tenant, group, link):
    counts = tenant['groups'].get(group)
    unread = 'reach' in tenant['groups']
    if group == 'reach':
        return '<td class="c %s"><a href="%s">%s</a></td>' % ((ERROR, link, 'error') if unread else (PASS, link, 'yes'))
    if tenant['status'] == NOT_ONBOARDED and group == 'app':
        return '<td class="c not_onboarded"><a href="%s">not onboarded</a></td>' % link
    if group == 'proof':
        return _proof_cell(tenant, counts, link)
    if counts:
        secret = (tenant['secret'] or {}).get('observed')
        expired = group == 'secret' and isinstance(secret, dict) and secret.get('state') == 'expired'
        return '<td class="c %s"><a href="%s">%s%s</a></td>' % (
            _worst(counts), link, _counts_text(counts), ' &middot; <b>expired</b>' if expired else '')
    no_app = tenant['status'] == NOT_ONBOARDED and group in APP_GROUPS and group != 'app'
    why = 'not read' if unread else 'no app' if no_app else 'n/a'
    return '<td class="c na">%s</td>' % why


def _proof_cell(tenant, counts, link):
    """'yes', or 'no' and the first step that failed as Bookings ONE (the permission, or the sign-in); 'not proven'
    when the proof did not run (no hand-off file this run could open)."""
    if not counts:
        return '<td class="c na">%s</td>' % ('no app' if tenant['status'] == NOT_ONBOARDED else 'not proven')
    broken = tenant['broken']
    if broken is None:
        return '<td class="c %s"><a href="%s">yes</a></td>' % (PASS, link)
    what = broken['id'].partition('.')[2].replace('_', ' ')
    return '<td class="c %s"><a href="%s" title="%s">no: %s</a></td>' % (
        broken['status'], link, esc(broken.get('detail') or ''), esc(what))


def _compliance(tenant):
    rooms = tenant['rooms']
    judged = sum(rooms.values())
    if not judged:
        why = 'not read' if 'reach' in tenant['groups'] or 'rooms' in tenant['groups'] else 'no rooms'
        return '<span class="na">%s</span>' % why
    share = 100.0 * rooms[PASS] / judged
    return '<span class="bar" aria-hidden="true"><i style="width:%.0f%%"></i></span>%.0f%% (%d/%d)' % (
        share, share, rooms[PASS], judged)


def matrix(order, tenants, ids, not_in_run=()):
    """A row per tenant, worst first; then a greyed row per tenant not in this run (no controls)."""
    head = ''.join('<th scope="col">%s</th>' % title for _group, title in GROUPS)
    rows = []
    for name in order:
        tenant, link = tenants[name], '#' + ids[name]
        rows.append('<tr id="m-%s" data-tenant="%s" data-status="%s"><th scope="row"><a href="%s">%s</a></th>%s%s'
                    '<td>%s</td></tr>' % (ids[name], esc(name), tenant['status'], link, esc(name),
                                          _status_cell(tenant, link),
                                          ''.join(_group_cell(tenant, group, link) for group, _title in GROUPS),
                                          _compliance(tenant)))
    for name in not_in_run:
        rows.append('<tr data-tenant="%s" data-status="%s" class="nir"><th scope="row">%s</th><td class="c nir" '
                    'colspan="%d">not in this run</td></tr>' % (esc(name), NOT_IN_RUN, esc(name), len(GROUPS) + 2))
    return ('<div class="scroll" id="matrix-region" tabindex="0" role="region" aria-labelledby="matrix-caption">'
            '<table id="matrix"><caption id="matrix-caption">Tenants by control group, worst first (errors, then '
            'not onboarded, then failures, by count); a cell opens the tenant\'s controls; tenants not in this run '
            'last</caption><thead><tr><th scope="col">Tenant</th><th scope="col">Status</th>%s<th scope="col">'
            'Rooms compliant</th></tr></thead><tbody>%s</tbody></table></div>' % (head, ''.join(rows)))


def _where(items):
    rooms = sorted(c['room'] for c in items if c['room'])
    if not rooms:
        return 'tenant'
    shown = ', '.join(esc(r) for r in rooms[:3])
    return '%d room(s): %s%s' % (len(rooms), shown, ' &hellip;' if len(rooms) > 3 else '')


def _drift_table(kind, caption, changes, ids):
    grouped = {}
    for item in changes:
        grouped.setdefault((item['tenant'], item['id'], item['status'], item['previous_status']), []).append(item)
    rows = []
    for (tenant, ident, status, was), items in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        first = min(c['first_seen'] or '' for c in items)
        rows.append('<tr data-change="%s" data-tenant="%s" data-control="%s"><th scope="row"><a href="#%s">%s</a>'
                    '</th><td>%s</td><td>%s</td><td class="st %s">%s</td><td>%s</td><td class="fs">%s</td></tr>'
                    % (kind, esc(tenant), esc(ident), ids.get(tenant, ''), esc(tenant), esc(items[0]['name']),
                       _where(items), status or 'na', status or 'not judged', esc(was or 'not judged'),
                       esc(first[:10])))
    # open unless long (still failing always starts closed), so a mass change does not bury the page
    opened = ' open' if kind != 'still_failing' and len(rows) <= DRIFT_ROWS_OPEN else ''
    return ('<details class="drift"%s><summary>%s: %d control(s)</summary><table id="drift-%s"><caption class="sr">%s'
            '</caption><thead><tr><th scope="col">Tenant</th><th scope="col">Control</th><th scope="col">Where</th>'
            '<th scope="col">Now</th><th scope="col">Before</th><th scope="col">%s</th></tr></thead><tbody>%s'
            '</tbody></table></details>'
            % (opened, caption, len(changes), kind.replace('_', '-'), caption,
               'Failing since' if kind == 'fixed' else 'First seen',
               ''.join(rows) or '<tr><td colspan="6">none</td></tr>'))


DRIFT_HEAD = '<section id="drift" aria-labelledby="drift-h"><h2 id="drift-h">Changes since the previous run</h2>'


def drift_section(drift, history, ids, not_in_run=()):
    if history == 0:
        return DRIFT_HEAD + '<p>History is off (history: 0), so runs are not compared.</p></section>'
    if drift['previous'] is None:
        return DRIFT_HEAD + ('<p>No earlier run of this report is kept beside it, so there is nothing to compare with '
                             'yet; the next run compares with this one.</p></section>')
    changes = drift['changes']
    skipped = ('<p id="drift-not-in-run">Not in this run, so not compared: %s. Their results of the last run that '
               'audited them are kept, for the run that audits them again.</p>'
               % ', '.join(esc(name) for name in not_in_run)) if not_in_run else ''
    tables = ''.join(_drift_table(kind, caption, [c for c in changes if c['change'] == kind], ids) for kind, caption in
                     (('new', 'New failures and errors'), ('fixed', 'Fixed'),
                      ('still_failing', 'Still failing or in error')))
    return DRIFT_HEAD + ('<p>Compared with the run of <time>%s</time>: <b>%d</b> new, <b>%d</b> fixed, <b>%d</b> '
                         'still failing.</p>%s%s</section>' % (esc(drift['previous']), drift['new'], drift['fixed'],
                                                               drift['still_failing'], skipped, tables))


def trail_section(trail):
    if len(trail or []) < 2:
        return ''
    order = (ERROR, NOT_ONBOARDED, FAIL, PASS)
    rows = ''.join('<tr><th scope="row"><time>%s</time></th>%s%s<td>%s</td><td>%s</td></tr>'
                   % (esc(str(run.get('generated'))),
                      ''.join('<td>%d</td>' % run.get('tenants', {}).get(s, 0) for s in order),
                      ''.join('<td>%d</td>' % run.get('totals', {}).get(s, 0) for s in (ERROR, FAIL, PASS)),
                      run.get('new', ''), run.get('fixed', '')) for run in reversed(trail))
    return ('<section id="trail" aria-labelledby="trail-h"><h2 id="trail-h">Trail</h2><table><caption>The kept runs, '
            'newest first</caption><thead><tr><th scope="col" rowspan="2">Run</th><th scope="colgroup" colspan="4">'
            'Tenants</th><th scope="colgroup" colspan="3">Controls</th><th scope="col" rowspan="2">New</th>'
            '<th scope="col" rowspan="2">Fixed</th></tr><tr><th scope="col">error</th><th scope="col">not onboarded'
            '</th><th scope="col">fail</th><th scope="col">pass</th><th scope="col">error</th><th scope="col">fail'
            '</th><th scope="col">pass</th></tr></thead><tbody>%s</tbody></table></section>' % rows)


def _retries_note(retries):
    return ', '.join('%s: %d retried, %.1f s waited' % (service, counts['retried'], counts['waited_s'])
                     for service, counts in sorted(retries.items()))


def retries_section(order, summary):
    rows = ''.join('<tr><th scope="row">%s</th><td>%s</td></tr>'
                   % (esc(name), esc(_retries_note(summary['tenants'][name]['retries'])))
                   for name in order if summary['tenants'][name]['retries'])
    if not rows:
        return ''
    return ('<section id="retries" aria-labelledby="retries-h"><h2 id="retries-h">Requests retried</h2><table>'
            '<caption>Tenants whose requests were throttled or retried</caption><thead><tr><th scope="col">Tenant'
            '</th><th scope="col">Retries</th></tr></thead><tbody>%s</tbody></table></section>' % rows)


def page_data(order, mine, generated, previous):
    """The detail rows, compact: each string once, each row a list of indexes [room, id, status (0 fail,
    1 error, 2 pass), observed, expected, detail, first_seen, fix]; controls maps ids to names."""
    strings, index, names = [''], {'': 0}, {}

    def ref(value):
        text = value if isinstance(value, str) else '' if value is None else value_text(value)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    rows = []
    for name in order:
        items = sorted(mine[name], key=lambda c: STATUSES.index(c['status']))
        names.update((c['id'], c['name']) for c in items)
        rows.append([[ref(c.get('room')), ref(c['id']), STATUSES.index(c['status']), ref(c.get('observed')),
                      ref(c.get('expected')), ref(c.get('detail')), ref(c.get('first_seen')), ref(c.get('fix'))]
                     for c in items])
    text = json.dumps(dict(tenants=order, controls=names, strings=strings, rows=rows, generated=generated,
                           previous=previous, budget=OPEN_ROWS), separators=(',', ':'))
    # inside <script>: no '<' at all, so neither </script> nor <!-- can end it early
    return text.replace('<', '\\u003c')


def cards(summary, drift, marks):
    by = by_status(summary)
    words = {ERROR: 'in error', NOT_ONBOARDED: 'not onboarded', FAIL: 'failing', PASS: 'passing'}
    notes = {NOT_ONBOARDED: 'run onboard.yml'}
    found = ''.join('<div class="card %s" id="card-%s"><b>%d</b> tenant(s) %s <small>%s</small></div>'
                    % (status, status.replace('_', '-'), len(by[status]), words[status],
                       notes.get(status) or '%d control(s)' % summary['totals'][status])
                    for status in (ERROR, NOT_ONBOARDED, FAIL, PASS) if status != NOT_ONBOARDED or by[status])
    if by[NOT_IN_RUN]:
        found += ('<div class="card nir" id="card-not-in-run"><b>%d</b> tenant(s) not in this run <small>not '
                  'audited: neither passed nor failed</small></div>' % len(by[NOT_IN_RUN]))
    if drift['previous'] is not None:
        found += ('<div class="card"><b>%d new</b> %d fixed, %d still failing <small>since %s</small></div>'
                  % (drift['new'], drift['fixed'], drift['still_failing'], esc(drift['previous'])))
    expired = sum(1 for m in marks if m[3] == 'expired')
    found += ('<div class="card%s" id="card-expired"><b>%d expired</b> client secret(s) <small>%s</small></div>'
              % (' fail' if expired else '', expired, 'rotate now' if expired else 'none has expired'))
    return found + ('<div class="card" id="card-rotate"><b>%d</b> secret(s) to rotate within a month</div>'
                    % sum(1 for m in marks if m[3] in ('over', 'soon')))


def _groups(order, tenants, ids):
    return ''.join(
        '<details class="tenant" id="%s" data-tenant="%s" data-status="%s"><summary><span class="st %s">%s</span>%s'
        '<span class="n">%s</span><span class="n m"></span></summary><div class="rows"></div></details>'
        % (ids[name], esc(name), tenants[name]['status'], _badge(tenants[name]), _badge(tenants[name]).replace('_', ' '),
           esc(name), _counts_text(tenants[name]['all'])) for name in order)


def _badge(tenant):
    return NOT_ONBOARDED if tenant['status'] == NOT_ONBOARDED else _worst(tenant['all'])


def _filters(tenants, controls):
    names = dict((c['id'], c['name']) for c in controls)
    return ('<form class="filters" role="search" aria-label="Filter the controls" onsubmit="return false">'
            '<label for="tenant">Tenant<select id="tenant"><option value="">all</option>%s</select></label>'
            '<label for="status">Status<select id="status"><option value="">all</option><option>fail</option>'
            '<option>error</option><option>pass</option></select></label>'
            '<label for="control">Control<select id="control"><option value="">all</option>%s</select></label>'
            '<label for="q">Search<input id="q" type="search" placeholder="room, value, detail, fix"></label>'
            '<button type="button" id="clear">Show all</button></form>'
            % (''.join('<option>%s</option>' % esc(name) for name in sorted(tenants)),
               ''.join('<option value="%s">%s</option>' % (esc(ident), esc(names[ident]))
                       for ident in sorted(names, key=lambda i: (names[i], i)))))


def to_html(controls, generated, retries=None, profile=None, drift=None, trail=None, history=None, not_in_run=None):
    summary = summarize(controls, retries, not_in_run)
    not_in_run, drift = summary['not_in_run'], drift or no_drift()
    tenants = overview(controls, summary)
    order = worst_first(tenants)
    ids = dict((name, 't%d' % index) for index, name in enumerate(order))
    marks = secret_days(order, summary, dict((name, tenants[name]['secret']) for name in order))
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
            'control.</p></noscript>%s<p id="matches" role="status" aria-live="polite"></p><div id="groups">%s</div>'
            '</section></main><a id="to-overview" class="noprint" href="#overview" hidden>&uarr; Back to the overview'
            '</a><script type="application/json" id="report-data">%s</script></body></html>'
            % (asset('report.css', '</style'), asset('report.js', '</script'), esc(generated), len(summary['tenants']),
               ' audited &middot; %d not in this run' % len(not_in_run) if not_in_run else '', len(controls),
               profile_note, cards(summary, drift, marks), matrix(order, tenants, ids, not_in_run),
               chart(marks, ids, not_in_run), drift_section(drift, history, ids, not_in_run), trail_section(trail),
               retries_section(order, summary), _filters(tenants, controls), _groups(order, tenants, ids),
               page_data(order, per_tenant(controls), generated, drift['previous'])))
