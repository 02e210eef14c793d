"""The audit report as a person sees it: rendered by headless Chromium, asserted from the DOM.

Two reports, each written twice by the audit_report code (a previous run, then the current one):
the nine demo tenants (one unreachable, one not onboarded, one with an expired secret, one with a room
address a spreadsheet would take for a formula, one not in the current run), and 500 tenants x 20 rooms.
Screenshots: tests/output/browser/*.png."""

from __future__ import annotations

import base64
import csv
import json
import os
import statistics
import time
import xml.etree.ElementTree as ET

import report_fixture
from ansible_collections.bookingsone.office365.plugins.module_utils._bookingsone import ROOM_POLICY
from conftest import OUTPUT

# Controls per room: the delegate, each rule of the room policy, Full Access.
PER_ROOM = 2 + len(ROOM_POLICY)

VISIBLE_GROUPS = '''Array.from(document.querySelectorAll('details.tenant')).filter(function(d){
  return d.offsetParent !== null;}).map(function(d){return {tenant: d.dataset.tenant, open: d.open,
  rows: Array.from(d.querySelectorAll('tbody tr')).map(function(r){
    return [r.cells[0].textContent, r.cells[1].textContent, r.cells[2].textContent];})};})'''
MATRIX_ORDER = '''Array.from(document.querySelectorAll('#matrix tbody tr')).map(function(r){
  return r.dataset.tenant;})'''
TIMING = '''(function(){var n=performance.getEntriesByType('navigation')[0];
function at(name){var e=performance.getEntriesByName(name)[0];return e?Math.round(e.startTime):null;}
return {dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd), load_ms: Math.round(n.loadEventEnd),
        script_done_ms: at('report-ready'), painted_ms: at('report-painted'),
        first_contentful_paint_ms: at('first-contentful-paint')};})()'''


WHY = '''Array.from(document.querySelectorAll('#matrix tbody tr')).filter(function(r){
  return r.querySelector('.why');}).map(function(r){var w=r.querySelector('.why'),b=w.getBoundingClientRect(),
  c=w.parentNode.getBoundingClientRect();return {tenant: r.dataset.tenant, text: w.textContent, title: w.title,
  visible: getComputedStyle(w).visibility === 'visible' && b.width > 0 && b.height > 0,
  inside: b.left >= c.left - 1 && b.right <= c.right + 1, clipped: w.scrollWidth > w.clientWidth};})'''
GROUP_ROWS = '''(function(id){return Array.from(document.querySelectorAll('#' + id + ' tbody tr')).map(function(r){
  return Array.from(r.cells).map(function(c){return c.textContent;});});})'''
IN_VIEW = '''(function(e){var r=e.getBoundingClientRect();return r.top >= 0 && r.bottom <= innerHeight;})'''
FILTERS = '''['tenant', 'status', 'control', 'q'].map(function(k){return document.getElementById(k).value;})'''


def group_of(browser, tenant):
    return browser.evaluate('document.querySelector("details.tenant[data-tenant=%s]").id' % tenant)


def shot(name):
    return os.path.join(OUTPUT, name)


def worst_first(document):
    """Errors first (most first), then the tenants not onboarded, then failures (most first), then by name."""
    tenants = document['summary']['tenants']
    return sorted(tenants, key=lambda name: (-tenants[name]['error'], tenants[name]['status'] != 'not_onboarded',
                                             -tenants[name]['fail'], name))


def due_note(document, name):
    """How the chart's caption names a tenant to rotate: 'adatum (expired 3 days ago, 2026-11-28)',
    'litware (45 days, 2027-01-15)'; the end date where the audit observed it."""
    secret = document['summary']['tenants'][name]['secret']
    days = secret['days_left']
    note = 'expired %d day%s ago' % (-days, '' if days == -1 else 's') if days < 0 else '%d days' % days
    return '%s (%s%s)' % (name, note, ', ' + secret['end_date_time'][:10] if secret['end_date_time'] else '')


def test_the_matrix_shows_the_failing_tenants_first(browser, demo):
    browser.open(demo['url'])
    order = browser.evaluate(MATRIX_ORDER)
    # the tenant not in this run last, after the audited ones
    assert order == worst_first(demo['document']) + ['proseware'] == [
        'tailspin', 'fourthcoffee', 'contoso', 'adatum', 'northwind', 'fabrikam', 'litware', 'woodgrove',
        'proseware']
    # each cell says its status in words, not by colour alone, and links to the tenant's controls
    cells = browser.evaluate('''Array.from(document.querySelectorAll('#matrix tbody tr')).map(function(r){
        return Array.from(r.querySelectorAll('td.c')).map(function(c){return c.firstChild.textContent;});})''')
    assert cells[0][:2] == ['error 1', 'error'] and cells[0][2:7] == ['not read'] * 5, cells[0]
    # no proof in the demo report's run: the proof's column says "not proven"
    assert cells[2] == ['fail 3', 'yes', 'pass 4', 'fail 1', 'pass 4', 'n/a', 'fail 2', 'not proven'], cells[2]
    judged, failing = 3 * PER_ROOM, 2  # contoso's three rooms, two of their controls failing
    assert browser.evaluate('''document.querySelector('#matrix tr[data-tenant="contoso"] td:last-child')
                              .textContent''') == '%d%% (%d/%d)' % (round(100.0 * (judged - failing) / judged),
                                                                   judged - failing, judged)
    assert browser.evaluate('document.querySelectorAll("#matrix th[scope]").length') >= 9
    assert browser.evaluate('document.querySelectorAll("details.tenant[open]").length') == 0  # collapsed
    # the expired secret says so in the Secret column, in words
    assert cells[3][4] == 'fail 1 · expired', cells[3]
    browser.screenshot(shot('demo-overview.png'), full_page=True)


def test_a_tenant_not_in_this_run_is_greyed_and_neither_passes_nor_fails(browser, demo):
    browser.open(demo['url'])
    assert demo['document']['summary']['not_in_run'] == ['proseware']
    assert 'proseware' not in demo['document']['summary']['tenants']
    row = browser.evaluate('''(function(){var r=document.querySelector('#matrix tr[data-tenant="proseware"]');
        return {status: r.dataset.status, cells: Array.from(r.cells).map(function(c){return [c.textContent,
        c.colSpan, getComputedStyle(c).backgroundColor, getComputedStyle(c).fontStyle];}),
        links: r.querySelectorAll('a').length};})()''')
    assert row['status'] == 'not_in_run' and row['links'] == 0  # no controls to open
    assert [c[:2] for c in row['cells']] == [['proseware', 1], ['not in this run', 9]]
    assert set((c[2], c[3]) for c in row['cells']) == {('rgb(236, 236, 236)', 'italic')}  # greyed
    assert browser.evaluate('document.querySelector("details.tenant[data-tenant=proseware]")') is None
    assert browser.evaluate('document.getElementById("card-not-in-run").textContent') == \
        '1 tenant(s) not in this run not audited: neither passed nor failed'
    assert '8 tenants audited · 1 not in this run' in browser.evaluate('document.querySelector("header p").textContent')
    assert browser.evaluate('document.getElementById("drift-not-in-run").textContent').startswith(
        'Not in this run, so not compared: proseware.')
    # not compared: its failing room of the previous run is neither fixed nor still failing; carried on instead
    assert not [c for c in demo['document']['drift']['changes'] if c['tenant'] == 'proseware']
    carried = demo['document']['carried']['proseware']
    assert carried['generated'] == '2026-11-30T06:00:00Z'
    assert [(c['room'], c['id']) for c in carried['controls'] if c['status'] == 'fail'] == [
        ('loft@proseware.onmicrosoft.com', 'room.working_hours_off')]
    junit = ET.parse(demo['current']['paths']['junit']).getroot()
    case = next(s for s in junit.iter('testsuite') if s.get('name') == 'proseware').find('testcase')
    assert case.find('skipped').get('message') == 'not in this run'
    browser.screenshot(shot('demo-not-in-run.png'), selector='#overview')


def test_a_room_address_that_looks_like_a_formula_is_text_in_the_csv_and_the_page(browser, demo):
    with open(demo['current']['paths']['csv'], newline='') as handle:
        rows = [r for r in csv.DictReader(handle) if r['tenant'] == 'litware' and '1+2' in r['room']]
    assert len(rows) == PER_ROOM and set(r['room'] for r in rows) == {"'=1+2@litware.onmicrosoft.com"}
    with open(demo['current']['paths']['csv'], newline='') as handle:
        assert not [cell for row in csv.reader(handle) for cell in row if cell[:1] in ('=', '+', '-', '@', '\t', '\r')]
    # the page shows the address as it is, as text
    browser.open(demo['url'] + '#tenant=litware&q=%3D1%2B2')
    groups = browser.evaluate(VISIBLE_GROUPS)
    assert [g['tenant'] for g in groups] == ['litware'] and len(groups[0]['rows']) == PER_ROOM
    assert set(r[0] for r in groups[0]['rows']) == {'=1+2@litware.onmicrosoft.com'}
    browser.screenshot(shot('demo-formula-room.png'), selector='#details')


def test_a_preset_in_the_address_shows_only_its_rows_with_the_group_open(browser, demo):
    browser.open(demo['url'] + '#tenant=contoso&status=fail')
    expected = sorted([c['room'] or 'tenant', c['name'], 'fail'] for c in demo['document']['controls']
                      if c['tenant'] == 'contoso' and c['status'] == 'fail')
    groups = browser.evaluate(VISIBLE_GROUPS)
    assert [(g['tenant'], g['open']) for g in groups] == [('contoso', True)], groups
    assert sorted(groups[0]['rows']) == expected and len(expected) == 3
    assert browser.evaluate('[document.getElementById("tenant").value, document.getElementById("status").value]') \
        == ['contoso', 'fail']
    browser.screenshot(shot('demo-preset-contoso-fail.png'), full_page=True)

    browser.open(demo['url'] + '#status=fail')
    groups = browser.evaluate(VISIBLE_GROUPS)
    assert sorted(g['tenant'] for g in groups) == ['adatum', 'contoso', 'fourthcoffee', 'northwind']
    assert all(g['open'] for g in groups)
    assert set(row[2] for g in groups for row in g['rows']) == {'fail'}

    browser.open(demo['url'] + '#q=annex')  # the text search
    groups = browser.evaluate(VISIBLE_GROUPS)
    assert [g['tenant'] for g in groups] == ['contoso']
    assert set(row[0] for row in groups[0]['rows']) == {'annex@contoso.onmicrosoft.com'}


def test_the_expiry_chart_has_one_mark_per_tenant(browser, demo):
    browser.open(demo['url'])
    marks = browser.evaluate('''Array.from(document.querySelectorAll('#expiry-chart .mark')).map(function(m){
        return [m.dataset.tenant, m.dataset.days, m.getAttribute('class')];})''')
    assert sorted(m[0] for m in marks) == sorted(demo['document']['summary']['tenants'])
    kinds = dict((m[0], (m[1], m[2])) for m in marks)
    assert kinds['adatum'] == ('-3', 'mark expired')  # expired 3 days ago: its own kind
    assert kinds['northwind'] == ('9', 'mark over')  # below the 30-day threshold: rotate now
    assert kinds['litware'] == ('45', 'mark soon')  # within a month of it
    assert kinds['tailspin'] == ('', 'mark none')  # could not be read
    assert kinds['fourthcoffee'] == ('', 'mark none')  # not onboarded: no secret
    assert [m[0] for m in marks][:3] == ['fourthcoffee', 'tailspin', 'adatum']  # unknown first, then by days left
    fills = browser.evaluate('''['expired', 'over', 'soon'].map(function(k){
        return getComputedStyle(document.querySelector('#expiry-chart .mark.' + k)).fill;})''')
    assert len(set(fills)) == 3, fills  # expired is not drawn as 'below the threshold'
    chart = browser.evaluate('document.getElementById("expiry-chart").textContent')
    assert 'rotation threshold: 30 days' in chart and '2 years (730 days)' in chart
    assert 'rotate this month: 3 (1 expired)' in chart
    legend = browser.evaluate('document.querySelector("#expiry .legend").textContent')
    assert legend.startswith('expiredbelow the threshold'), legend
    label = browser.evaluate('document.getElementById("expiry-chart").getAttribute("aria-label")')
    assert '1 expired, 1 below the rotation threshold, 1 to rotate within a month' in label, label
    assert '1 tenant(s) not in this run are not drawn' in label
    # each tenant to rotate named with its days left (and end date), the expired first
    document = demo['document']
    assert document['summary']['tenants']['adatum']['secret']['state'] == 'expired'
    expected = 'Rotate this month: %s.' % ', '.join(due_note(document, n) for n in ('adatum', 'northwind', 'litware'))
    assert expected in browser.evaluate('document.getElementById("expiry-summary").textContent')
    cards = browser.evaluate('''[document.getElementById('card-expired').textContent,
        document.getElementById('card-rotate').textContent]''')
    assert cards == ['1 expired client secret(s) rotate now', '2 secret(s) to rotate within a month'], cards
    browser.screenshot(shot('demo-expiry-chart.png'), selector='#secrets')
    browser.screenshot(shot('demo-totals.png'), selector='#totals')


def test_the_drift_lists_what_was_fixed_since_the_previous_run(browser, demo):
    browser.open(demo['url'])
    changes = demo['document']['drift']['changes']
    fixed = sorted(set((c['tenant'], c['id']) for c in changes if c['change'] == 'fixed'))
    assert fixed == [('contoso', 'room.delegate_set'), ('contoso', 'room.full_access'),
                     ('fabrikam', 'rooms.readable')]
    rows = browser.evaluate('''Array.from(document.querySelectorAll('#drift-fixed tbody tr')).map(function(r){
        return [r.dataset.tenant, r.dataset.control, r.cells[2].textContent, r.cells[5].textContent];})''')
    assert sorted((r[0], r[1]) for r in rows) == fixed
    assert all(r[3] == '2026-11-30' for r in rows)  # failing since the previous run
    assert [r[2] for r in rows if r[1] == 'room.delegate_set'] == ['1 room(s): board@contoso.onmicrosoft.com']
    new = browser.evaluate('''Array.from(document.querySelectorAll('#drift-new tbody tr')).map(function(r){
        return [r.dataset.tenant, r.dataset.control];})''')
    assert new == [['contoso', 'room.horizon_off']]
    summary = browser.evaluate('document.querySelector("#drift p").textContent')
    # adatum's secret had expired at the previous run too, fourthcoffee was not onboarded either: still failing
    assert summary == 'Compared with the run of 2026-11-30T06:00:00Z: 1 new, 3 fixed, 7 still failing.'


def test_the_keyboard_opens_a_tenant_from_the_matrix(browser, demo):
    browser.open(demo['url'])
    group = browser.evaluate('''(function(){var a=document.querySelector('#matrix tr[data-tenant="contoso"] th a');
        a.focus();return a.getAttribute('href').slice(1);})()''')
    browser.key('Enter', 'Enter', 13)
    browser.wait_for('document.getElementById(%s).open' % json.dumps(group), 10)
    rows = browser.evaluate('document.querySelectorAll("#%s tbody tr").length' % group)
    assert rows == sum(1 for c in demo['document']['controls'] if c['tenant'] == 'contoso')
    assert browser.evaluate('document.activeElement.tagName') == 'SUMMARY'
    browser.screenshot(shot('demo-keyboard-open.png'))


def test_printing_opens_the_groups_and_hides_the_filters(browser, demo):
    browser.open(demo['url'])
    pdf = browser.send('Page.printToPDF', printBackground=True)['data']  # fires beforeprint
    with open(shot('demo-print.pdf'), 'wb') as handle:
        handle.write(base64.b64decode(pdf))
    browser.media('print')
    try:
        assert browser.evaluate('getComputedStyle(document.querySelector("form.filters")).display') == 'none'
        assert browser.evaluate('document.querySelectorAll("details:not([open])").length') == 0
        assert browser.evaluate('document.querySelectorAll("details.tenant tbody tr").length') == \
            len(demo['document']['controls'])
        browser.screenshot(shot('demo-print.png'), full_page=True)
    finally:
        browser.media('')


def test_an_error_shows_its_reason_in_the_overview_and_in_full_in_the_detail(browser, demo):
    browser.open(demo['url'])
    reasons = browser.evaluate(WHY)
    assert [r['tenant'] for r in reasons] == ['tailspin', 'fourthcoffee']
    tailspin = reasons[0]
    # under the status, in the cell, not only a tooltip; long, so cut with an ellipsis and whole in the title
    assert tailspin['text'] == tailspin['title'] == report_fixture.UNREACHABLE
    assert tailspin['visible'] and tailspin['inside'] and tailspin['clipped'], tailspin
    browser.screenshot(shot('demo-error-reason.png'), selector='#matrix-region')
    group = group_of(browser, 'tailspin')
    browser.evaluate('document.querySelector("#matrix tr[data-tenant=tailspin] th a").click()')
    browser.wait_for('document.getElementById(%s).open' % json.dumps(group))
    (row,) = browser.evaluate('%s(%s)' % (GROUP_ROWS, json.dumps(group)))
    assert row[1:3] == ['tenant reachable', 'error'] and row[6] == report_fixture.UNREACHABLE  # the full text
    assert row[7].startswith('check the operator credentials of this tenant')  # and what to do about it


def test_a_tenant_not_onboarded_is_one_status_and_one_control_and_its_rooms_are_judged(browser, demo):
    browser.open(demo['url'])
    cells = browser.evaluate('''Array.from(document.querySelectorAll('#matrix tr[data-tenant=fourthcoffee] td.c'))
        .map(function(c){return c.textContent;})''')
    assert cells == ['not onboardedrun onboard.yml', 'yes', 'not onboarded', 'no app', 'no app', 'no app', 'fail 1',
                     'no app']
    assert browser.evaluate('document.getElementById("card-not-onboarded").textContent') == \
        '1 tenant(s) not onboarded run onboard.yml'
    assert demo['document']['summary']['tenants']['fourthcoffee']['status'] == 'not_onboarded'
    mine = [c for c in demo['document']['controls'] if c['tenant'] == 'fourthcoffee']
    assert [c['id'] for c in mine if not c['room']] == ['app.exists']  # one control, not one per app control
    assert len([c for c in mine if c['room']]) == 2 * PER_ROOM  # its two rooms, judged as any
    group = group_of(browser, 'fourthcoffee')
    browser.evaluate('document.querySelector("#matrix tr[data-tenant=fourthcoffee] th a").click()')
    browser.wait_for('document.getElementById(%s).open' % json.dumps(group))
    rows = browser.evaluate('%s(%s)' % (GROUP_ROWS, json.dumps(group)))
    assert rows[0][:3] == ['tenant', 'app registration exists', 'fail'] and len(rows) == 1 + 2 * PER_ROOM
    assert rows[0][6].startswith('not onboarded') and rows[0][7] == 'run onboard.yml'
    assert browser.evaluate('document.querySelector("#%s summary .st").textContent' % group) == 'not onboarded'
    browser.screenshot(shot('demo-not-onboarded.png'), selector='#' + group)


def test_each_failed_control_shows_its_fix_beside_it(browser, demo):
    browser.open(demo['url'] + '#status=fail')
    shown = browser.evaluate('''Array.from(document.querySelectorAll('details.tenant:not([hidden]) tbody tr')).map(
        function(r){return [r.closest('details').dataset.tenant, r.cells[1].textContent, r.cells[7].textContent];})''')
    expected = [[c['tenant'], c['name'], c['fix']] for c in demo['document']['controls'] if c['status'] == 'fail']
    assert sorted(shown) == sorted(expected) and all(fix for _t, _n, fix in shown)
    assert ['contoso', 'admin consent: Mail.Send', 'run onboard.yml (grants admin consent to Mail.Send)'] in shown
    assert ['adatum', 'client secret present', 'run rotate_secrets.yml'] in shown
    assert browser.evaluate('document.querySelector("details.tenant[open] thead th:last-child").textContent') == 'Fix'
    browser.screenshot(shot('demo-fix-hints.png'), selector='#details')


def test_back_to_the_overview_keeps_the_filters(browser, demo):
    browser.open(demo['url'] + '#status=fail&q=onmicrosoft')
    before = browser.evaluate('[location.hash, %s]' % FILTERS)
    groups = browser.evaluate(VISIBLE_GROUPS)
    assert before == ['#status=fail&q=onmicrosoft', ['', 'fail', '', 'onmicrosoft']] and groups
    group = group_of(browser, 'contoso')
    browser.evaluate('document.querySelector("#%s a.to-row").click()' % group)
    row = 'document.getElementById("m-%s")' % group
    browser.wait_for('%s(%s)' % (IN_VIEW, row))  # the tenant's row of the overview, in view
    assert browser.evaluate('document.activeElement === %s.querySelector("a")' % row)
    assert browser.evaluate('[location.hash, %s]' % FILTERS) == before and browser.evaluate(VISIBLE_GROUPS) == groups
    browser.screenshot(shot('demo-back-to-row.png'))
    # the control that stays in the corner once the overview is out of sight
    assert browser.evaluate('document.getElementById("to-overview").hidden')
    browser.evaluate('document.getElementById("details").scrollIntoView()')
    browser.wait_for('!document.getElementById("to-overview").hidden')
    browser.screenshot(shot('demo-back-control.png'))
    browser.evaluate('document.getElementById("to-overview").click()')
    browser.wait_for('%s(document.getElementById("overview-h"))' % IN_VIEW)
    assert browser.evaluate('[location.hash, %s]' % FILTERS) == before and browser.evaluate(VISIBLE_GROUPS) == groups


def _load(browser, url, runs=3):
    timings = []
    for _index in range(runs):
        browser.open(url)
        browser.wait_for('performance.getEntriesByName("report-painted").length > 0', 30)
        timings.append(browser.evaluate(TIMING))
    # a tiny page may paint before the paint timing entries exist: the median of those measured
    return dict((name, statistics.median([t[name] for t in timings if t[name] is not None] or [None]))
                for name in timings[0])


def test_500_tenants_stay_small_and_render_the_overview(browser, fleet500, demo, measurements):
    html_path = fleet500['current']['paths']['html']
    size = os.path.getsize(html_path)
    measurements.update({'500x20 controls': len(fleet500['document']['controls']),
                         '500x20 html MB': round(size / 1e6, 2),
                         '500x20 json MB': round(os.path.getsize(fleet500['current']['paths']['json']) / 1e6, 2),
                         'demo html KB': round(os.path.getsize(demo['current']['paths']['html']) / 1e3, 1)})
    assert len(fleet500['document']['controls']) > 55000
    assert size < 5e6, size  # the limit; the 2 s render limit is measured and printed, not asserted

    for name, value in _load(browser, fleet500['url']).items():
        measurements['500x20 %s (median of 3)' % name] = value
    for name, value in _load(browser, demo['url']).items():
        measurements['demo %s (median of 3)' % name] = value
    browser.open(fleet500['url'])
    order = browser.evaluate(MATRIX_ORDER)
    assert order == worst_first(fleet500['document']) and len(order) == 500
    assert browser.evaluate('document.querySelectorAll("#expiry-chart .mark").length') == 500
    assert len(set(browser.evaluate('''Array.from(document.querySelectorAll('#expiry-chart .mark')).map(
        function(m){return m.dataset.tenant;})'''))) == 500
    assert browser.evaluate('document.querySelectorAll("details.tenant tbody tr").length') == 0  # lazy
    # each tenant in error says why in its row, and the tenants not onboarded come after them
    errors = [name for name, t in fleet500['document']['summary']['tenants'].items() if t['error']]
    reasons = browser.evaluate(WHY)
    unboarded = [r['tenant'] for r in reasons if r['text'] == 'run onboard.yml']
    assert sorted(r['tenant'] for r in reasons if r['text'] != 'run onboard.yml') == sorted(errors)
    assert all(r['visible'] and r['inside'] for r in reasons) and unboarded
    assert order[len(errors):len(errors) + len(unboarded)] == unboarded
    browser.screenshot(shot('fleet500-overview.png'))
    browser.screenshot(shot('fleet500-expiry-chart.png'), selector='#secrets')
    browser.screenshot(shot('fleet500-overview-matrix.png'), selector='#matrix-region')
    # a failing tenant's detail with its fixes, and back to its row of the overview
    failing = next(name for name in order if fleet500['document']['summary']['tenants'][name]['status'] == 'fail')
    group = group_of(browser, failing)
    browser.evaluate('document.querySelector("#m-%s th a").click()' % group)
    browser.wait_for('document.getElementById(%s).open' % json.dumps(group))
    browser.screenshot(shot('fleet500-tenant-detail.png'))
    browser.evaluate('document.querySelector("#%s a.to-row").click()' % group)
    browser.wait_for('%s(document.getElementById("m-%s"))' % (IN_VIEW, group))
    browser.screenshot(shot('fleet500-back-to-overview.png'))

    started = time.time()
    browser.open(fleet500['url'] + '#status=error')
    measurements['500x20 preset #status=error, load s'] = round(time.time() - started, 2)
    errors = sorted(name for name, t in fleet500['document']['summary']['tenants'].items() if t['error'])
    groups = browser.evaluate(VISIBLE_GROUPS)
    assert sorted(g['tenant'] for g in groups) == errors and all(g['open'] for g in groups)
    assert set(row[2] for g in groups for row in g['rows']) == {'error'}
    browser.screenshot(shot('fleet500-preset-status-error.png'))

    started = time.time()
    browser.open(fleet500['url'] + '#status=fail')
    measurements['500x20 preset #status=fail, load s'] = round(time.time() - started, 2)
    failing = sum(1 for c in fleet500['document']['controls'] if c['status'] == 'fail')
    assert browser.evaluate('document.querySelectorAll("details.tenant:not([hidden]) tbody tr").length') == failing

    opened = browser.evaluate('''new Promise(function(done){var g=document.querySelectorAll('details.tenant')[499];
        var t=performance.now();g.addEventListener('toggle',function(){done([performance.now()-t,
        g.querySelectorAll('tbody tr').length]);});document.getElementById('clear').click();g.open=true;})''')
    measurements['500x20 open one tenant group, ms'] = round(opened[0], 1)
    assert opened[1] > 100
