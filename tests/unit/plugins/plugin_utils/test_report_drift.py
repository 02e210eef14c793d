"""The report's trail of runs: drift since the previous run, first_seen carried over, retention, tenants not
in this run, the CSV (and its cells neutralised against formulas), JUnit's known failures, the JSON schema and
what the action returns."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from unittest import mock

import pytest

from ansible_collections.bookingsone.office365.plugins.action import audit_report as action
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_formats as formats
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_history as history
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_model as model
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import control

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SCHEMA = os.path.join(ROOT, 'docs', 'report.schema.json')
T1, T2, T3, T4 = '2026-11-29T06:00:00Z', '2026-11-30T06:00:00Z', '2026-12-01T06:00:00Z', '2026-12-02T06:00:00Z'
PROFILE = dict(name='baseline', description='the setup', secret_max_days=730, instance_lock=False,
               scoped_access=False)


def run(statuses, rooms_error=None):
    """Controls with the given statuses, by 'TENANT:ROOM@ID'."""
    controls = []
    for name, status in sorted(statuses.items()):
        tenant, _sep, rest = name.partition(':')
        room, _sep, what = rest.rpartition('@')
        controls.append(control(tenant, what, status, status == 'pass', True, room=room or None,
                                detail=rooms_error if status == 'error' else None))
    return controls


def write(tmp_path, statuses, generated, **options):
    return report.write_reports(str(tmp_path), 'audit', run(statuses), generated, profile=PROFILE, **options)


def document(tmp_path, name='audit.json'):
    with open(os.path.join(str(tmp_path), name)) as handle:
        return json.load(handle)


def by_key(doc):
    return dict(((c['tenant'], c['room'], c['id']), c) for c in doc['controls'])


FIRST = {'contoso:@consent.Mail.Send': 'fail', 'contoso:annex@room.delegate_set': 'fail',
         'contoso:board@room.delegate_set': 'pass', 'contoso:@secret.present': 'error',
         'tailspin:@tenant.reachable': 'error'}


def test_the_first_run_compares_with_nothing_and_marks_first_seen(tmp_path):
    written = write(tmp_path, FIRST, T1)
    assert written['drift'] == dict(new=0, fixed=0, still_failing=0, previous=None, previous_file=None)
    doc = document(tmp_path)
    assert doc['drift'] == history.no_drift() and doc['schema_version'] == '2.0' and doc['generated'] == T1
    assert doc['summary']['not_in_run'] == [] and doc['carried'] == {}
    controls = by_key(doc)
    assert controls[('contoso', 'annex', 'room.delegate_set')]['first_seen'] == T1
    assert 'first_seen' not in controls[('contoso', 'board', 'room.delegate_set')]  # a pass has none
    assert written['paths']['run'] == os.path.join(str(tmp_path), 'audit-20261129T060000Z.json')
    assert json.load(open(written['paths']['run'])) == doc  # the same document, written compactly


def test_new_fixed_and_still_failing_with_first_seen_carried_over(tmp_path):
    write(tmp_path, FIRST, T1)
    second = dict(FIRST, **{'contoso:annex@room.delegate_set': 'pass',  # fixed
                            'contoso:board@room.delegate_set': 'fail',  # new
                            'contoso:@secret.present': 'fail'})  # error -> fail: new, as it changed
    written = write(tmp_path, second, T2)
    assert written['drift'] == dict(new=2, fixed=1, still_failing=2, previous=T1,
                                    previous_file=os.path.join(str(tmp_path), 'audit-20261129T060000Z.json'))
    doc = document(tmp_path)
    changes = dict(((c['tenant'], c['room'], c['id']), c) for c in doc['drift']['changes'])
    assert changes[('contoso', 'annex', 'room.delegate_set')] == dict(
        tenant='contoso', room='annex', id='room.delegate_set', name='delegate set', change='fixed', status='pass',
        previous_status='fail', first_seen=T1)
    assert changes[('contoso', 'board', 'room.delegate_set')]['change'] == 'new'
    assert changes[('contoso', None, 'secret.present')]['previous_status'] == 'error'
    assert changes[('tailspin', None, 'tenant.reachable')]['change'] == 'still_failing'
    controls = by_key(doc)
    assert controls[('contoso', None, 'consent.Mail.Send')]['first_seen'] == T1  # still failing
    assert controls[('contoso', 'board', 'room.delegate_set')]['first_seen'] == T2  # new
    assert controls[('contoso', None, 'secret.present')]['first_seen'] == T2

    # a third run, the first one's file gone (history 1): first_seen still comes from the run before
    written = write(tmp_path, second, T3, history=1)
    assert written['drift']['previous'] == T2 and written['drift']['still_failing'] == 4
    assert by_key(document(tmp_path))[('contoso', None, 'consent.Mail.Send')]['first_seen'] == T1
    assert [os.path.basename(p) for _stamp, p in history.run_files(str(tmp_path), 'audit')] == [
        'audit-20261201T060000Z.json']


def test_a_control_no_longer_judged_is_fixed_only_where_the_tenant_was_fully_audited(tmp_path):
    write(tmp_path, FIRST, T1)
    # tailspin is reached now (its 'tenant reachable' error is gone); contoso cannot be reached
    second = {'tailspin:@consent.Mail.Send': 'pass', 'contoso:@tenant.reachable': 'error'}
    written = write(tmp_path, second, T2)
    changes = document(tmp_path)['drift']['changes']
    fixed = [(c['tenant'], c['id'], c['status']) for c in changes if c['change'] == 'fixed']
    assert fixed == [('tailspin', 'tenant.reachable', None)]
    # contoso's earlier failures are neither fixed nor still failing: it was not read this time
    assert [(c['tenant'], c['id']) for c in changes if c['change'] == 'new'] == [('contoso', 'tenant.reachable')]
    assert written['drift']['fixed'] == 1 and written['drift']['still_failing'] == 0


def test_a_tenant_not_in_this_run_is_not_compared_and_its_controls_are_carried_to_the_next_run(tmp_path):
    first = {'contoso:@consent.Mail.Send': 'fail', 'fabrikam:@consent.Mail.Send': 'fail',
             'fabrikam:annex@room.delegate_set': 'fail', 'fabrikam:board@room.delegate_set': 'pass'}
    write(tmp_path, first, T1)
    # a run limited to contoso: fabrikam's failures are neither fixed nor still failing, nothing is new
    only = {'contoso:@consent.Mail.Send': 'fail'}
    written = write(tmp_path, only, T2, not_in_run=['fabrikam'])
    assert written['drift'] == dict(new=0, fixed=0, still_failing=1, previous=T1, previous_file=written['drift'][
        'previous_file'])
    doc = document(tmp_path)
    assert doc['summary']['not_in_run'] == ['fabrikam'] and 'fabrikam' not in doc['summary']['tenants']
    assert doc['summary']['totals'] == dict(fail=1, error=0, **{'pass': 0})  # about the controls of the run
    assert [c['tenant'] for c in doc['controls']] == ['contoso']
    assert sorted(doc['carried']) == ['fabrikam'] and doc['carried']['fabrikam']['generated'] == T1
    assert len(doc['carried']['fabrikam']['controls']) == 3
    # limited again: carried on from the run file that carried them, still as judged at T1
    write(tmp_path, only, T3, not_in_run=['fabrikam'])
    assert document(tmp_path)['carried']['fabrikam'] == doc['carried']['fabrikam']
    # a full run compares fabrikam with what it was at T1: first_seen survives, a fix is a fix, new is new
    full = {'contoso:@consent.Mail.Send': 'fail', 'fabrikam:@consent.Mail.Send': 'fail',
            'fabrikam:annex@room.delegate_set': 'pass', 'fabrikam:board@room.delegate_set': 'fail'}
    written = write(tmp_path, full, T4)
    assert (written['drift']['new'], written['drift']['fixed'], written['drift']['still_failing']) == (1, 1, 2)
    doc = document(tmp_path)
    assert by_key(doc)[('fabrikam', None, 'consent.Mail.Send')]['first_seen'] == T1
    changes = dict(((c['tenant'], c['room'], c['id']), c) for c in doc['drift']['changes'])
    assert changes[('fabrikam', 'annex', 'room.delegate_set')]['change'] == 'fixed'
    assert changes[('fabrikam', 'annex', 'room.delegate_set')]['first_seen'] == T1
    assert changes[('fabrikam', 'board', 'room.delegate_set')]['change'] == 'new'
    assert doc['carried'] == {} and doc['summary']['not_in_run'] == []
    # a tenant no longer reported on at all is not carried
    write(tmp_path, only, '2026-12-03T06:00:00Z')
    assert document(tmp_path)['carried'] == {}


def test_carried_controls_of_an_unreachable_tenant_are_compared_as_ever(tmp_path):
    write(tmp_path, {'contoso:@consent.Mail.Send': 'pass', 'tailspin:@tenant.reachable': 'error'}, T1)
    write(tmp_path, {'contoso:@consent.Mail.Send': 'pass'}, T2, not_in_run=['tailspin'])
    written = write(tmp_path, {'contoso:@consent.Mail.Send': 'pass', 'tailspin:@tenant.reachable': 'error'}, T3)
    assert (written['drift']['new'], written['drift']['still_failing']) == (0, 1)
    assert by_key(document(tmp_path))[('tailspin', None, 'tenant.reachable')]['first_seen'] == T1
    # reached at last: fixed, failing since T1
    written = write(tmp_path, {'contoso:@consent.Mail.Send': 'pass', 'tailspin:@consent.Mail.Send': 'pass'},
                    T4)
    fixed = [c for c in document(tmp_path)['drift']['changes'] if c['change'] == 'fixed']
    assert [(c['tenant'], c['id'], c['first_seen']) for c in fixed] == [('tailspin', 'tenant.reachable', T1)]


def test_retention_keeps_the_newest_runs_of_this_name_only(tmp_path):
    other = tmp_path / 'audit-before-20261101T000000Z.json'  # another report's run, and an unrelated file
    other.write_text('{}')
    (tmp_path / 'audit-notes.json').write_text('{}')
    for generated in (T1, T2, T3, T4):
        write(tmp_path, FIRST, generated, history=2)
    assert [os.path.basename(p) for _stamp, p in history.run_files(str(tmp_path), 'audit')] == [
        'audit-20261201T060000Z.json', 'audit-20261202T060000Z.json']
    assert other.exists() and (tmp_path / 'audit-notes.json').exists()
    assert [r['generated'] for r in document(tmp_path)['trail']] == [T3, T4]  # the trail as long as the history

    # history 0 keeps none, so nothing is compared
    written = write(tmp_path, FIRST, '2026-12-03T06:00:00Z', history=0)
    assert history.run_files(str(tmp_path), 'audit') == [] and 'run' not in written['paths']
    assert written['drift']['previous'] is None and document(tmp_path)['drift'] == history.no_drift()
    assert 'History is off' in open(written['paths']['html']).read()
    assert other.exists()


def test_the_previous_run_is_the_newest_readable_one_not_newer_than_this(tmp_path):
    write(tmp_path, FIRST, T1)
    write(tmp_path, FIRST, T2)
    (tmp_path / 'audit-20261130T070000Z.json').write_text('{"controls": [')  # half a file, newer than T2
    (tmp_path / 'audit-20991231T000000Z.json').write_text('{}')  # from a clock ahead
    previous, path, warnings = history.previous_run(str(tmp_path), 'audit', T3)
    assert previous['generated'] == T2 and path.endswith('audit-20261130T060000Z.json')
    assert len(warnings) == 1 and 'audit-20261130T070000Z.json could not be read' in warnings[0]


def test_the_csv_has_one_row_per_control_with_json_values(tmp_path):
    controls = [control('contoso', 'room.requests_to_delegate', 'fail', {'automate_processing': 'AutoUpdate'},
                        {'automate_processing': 'AutoAccept'}, room='annex@contoso', detail='see "routing", now'),
                control('contoso', 'app.multitenant', 'pass', 'AzureADMultipleOrgs', 'AzureADMultipleOrgs'),
                control('tailspin', 'tenant.reachable', 'error', None, True, detail='login failed')]
    history.compare(controls, None, T1)
    rows = list(csv.DictReader(io.StringIO(formats.to_csv(controls))))
    assert list(rows[0]) == ['tenant', 'room', 'id', 'name', 'status', 'first_seen', 'observed', 'expected', 'detail',
                             'fix']
    assert rows[0] == dict(tenant='contoso', room='annex@contoso', id='room.requests_to_delegate',
                           name='requests go to the delegate', status='fail', first_seen=T1,
                           observed='{"automate_processing": "AutoUpdate"}', expected='{"automate_processing": "AutoAccept"}',
                           detail='see "routing", now', fix='run onboard.yml (routes booking requests to the delegate)')
    assert rows[1]['room'] == '' and rows[1]['first_seen'] == '' and rows[1]['observed'] == '"AzureADMultipleOrgs"'
    assert rows[1]['fix'] == ''
    assert rows[2]['observed'] == 'null' and rows[2]['status'] == 'error'
    written = write(tmp_path, FIRST, T1)
    assert len(list(csv.DictReader(open(written['paths']['csv'], newline='')))) == len(FIRST)


UNSAFE = ['=1+2', '+cmd|calc', '-x', '@sum(A1)', '\tTAB', '\rCR']


@pytest.mark.parametrize('start', UNSAFE)
@pytest.mark.parametrize('column', ['tenant', 'room', 'name', 'detail', 'fix'])
def test_no_csv_cell_starts_a_formula(column, start):
    """Tenant-controlled text (room addresses such as =1+2@contoso.com are legal) is never a formula."""
    values = dict(tenant='contoso', room='annex@contoso', name='delegate set', detail='why', fix='run')
    values[column] = start + '@contoso.com'
    item = control(values['tenant'], 'room.delegate_set', 'fail', False, True, room=values['room'],
                   detail=values['detail'], name=values['name'], fix=values['fix'])
    history.compare([item], None, T1)
    row = list(csv.DictReader(io.StringIO(formats.to_csv([item]))))[0]
    assert row[column] == "'" + start + '@contoso.com'
    assert [name for name, cell in row.items() if cell.startswith(tuple('=+-@\t\r'))] == []


def test_every_csv_column_is_neutralised_and_the_rule_can_be_undone():
    # observed and expected are JSON text: a bare negative number would start a cell with '-'
    item = dict(control('-tenant', 'room.delegate_set', 'fail', -3, '=SUM(1)', room="'quoted@contoso.com",
                        detail='+detail', name='@control', fix='=fix'), id='-id')
    history.compare([item], None, T1)
    row = list(csv.reader(io.StringIO(formats.to_csv([item]))))[1]
    assert row == ["'-tenant", "''quoted@contoso.com", "'-id", "'@control", 'fail', T1, "'-3", '"=SUM(1)"', "'+detail",
                   "'=fix"]
    original = ['-tenant', "'quoted@contoso.com", '-id', '@control', 'fail', T1, '-3', '"=SUM(1)"', '+detail', '=fix']
    assert [cell[1:] if cell.startswith("'") else cell for cell in row] == original  # one ' off: the value
    safe = ['contoso', 'annex@contoso.com', 'delegate set', 'pass', '', 'true', '{"days_left": -3}', 'a - b = c']
    assert [formats.csv_cell(cell) for cell in safe] == safe


@pytest.mark.parametrize('observed, detail, expected', [
    (dict(days_left=-3, key_id='k', end_date_time='2026-11-28T06:00:00Z', state='expired'), None,
     'state: expired (3 days ago, 2026-11-28)'),
    (dict(days_left=9, key_id='k', end_date_time='2026-12-10T06:00:00Z', state='rotate'), None,
     'state: rotate (9 days left, 2026-12-10)'),
    (dict(days_left=1, key_id='k', end_date_time=None, state='ok'), 'rotated by hand', 'state: ok (1 day left); rotated by hand'),
    (dict(days_left=None, key_id=None, end_date_time=None, state='missing'), None, 'state: missing'),
    (dict(days_left=-1, key_id='k'), None, 'state: expired (1 day ago)'),  # a run of before the state was observed
    ('app registration missing', None, 'state: missing'),
    (None, 'could not be read', 'could not be read'),  # not read: no state
])
def test_the_csv_names_the_state_of_the_secret_in_its_detail(observed, detail, expected):
    item = control('contoso', 'secret.present', 'error' if observed is None else 'fail', observed,
                   {'days_left_at_least': 30}, detail=detail)
    other = control('contoso', 'secret.no_orphans', 'pass', [], [])
    history.compare([item, other], None, T1)
    rows = list(csv.DictReader(io.StringIO(formats.to_csv([item, other]))))
    assert rows[0]['detail'] == expected and rows[1]['detail'] == ''


@pytest.mark.parametrize('known, failures, skipped', [('fail', 2, 0), ('skip', 1, 1)])
def test_junit_marks_known_failures_as_skipped_only_when_asked(tmp_path, known, failures, skipped):
    write(tmp_path, FIRST, T1)
    second = dict(FIRST, **{'contoso:board@room.delegate_set': 'fail', 'contoso:annex@room.delegate_set': 'pass'})
    written = write(tmp_path, second, T2, known_failures=known)
    root = ET.parse(written['paths']['junit']).getroot()
    assert (root.get('failures'), root.get('skipped'), root.get('errors')) == (str(failures), str(skipped), '2')
    cases = dict(((c.get('classname'), c.get('name')), c) for c in root.iter('testcase'))
    consent = cases[('contoso.tenant', 'admin consent: Mail.Send')]  # failing since T1: JUnit names it for people
    board = cases[('contoso.board', 'delegate set')]  # new: always a failure, naming its fix
    assert board.find('failure').get('message').endswith('; fix: run onboard.yml (makes bookingsone_delegate the delegate)')
    assert board.find('failure') is not None
    if known == 'skip':
        assert consent.find('failure') is None and consent.find('skipped').get('message') == 'known since 2026-11-29'
    else:
        assert consent.find('failure') is not None and consent.find('skipped') is None
    assert cases[('tailspin.tenant', 'tenant reachable')].find('error') is not None  # errors stay errors
    suite = next(s for s in root.iter('testsuite') if s.get('name') == 'contoso')
    assert (suite.get('failures'), suite.get('skipped')) == (str(failures), str(skipped))


# -- the JSON schema, walked by hand (no jsonschema package): the keywords docs/report.schema.json uses

ANNOTATIONS = {'$schema', '$comment', 'title', 'description', '$defs'}
TYPES = dict(object=dict, array=list, string=str, number=(int, float), boolean=bool)


def _is(value, kind):
    if kind == 'null':
        return value is None
    if kind == 'integer':
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, TYPES[kind]) and not (kind == 'number' and isinstance(value, bool))


def validate(value, schema, root, path='$', undocumented=None):
    """The errors of value against schema; fields an object has beyond its 'properties' (where the
    schema does not say what others may be) go to undocumented."""
    unknown = set(schema) - ANNOTATIONS - {'$ref', 'type', 'enum', 'pattern', 'minimum', 'required', 'properties',
                                           'additionalProperties', 'items', 'if', 'then'}
    assert not unknown, 'the test does not know the schema keywords %s' % unknown
    errors = []
    if '$ref' in schema:
        target = root
        for part in schema['$ref'][2:].split('/'):
            target = target[part]
        errors += validate(value, target, root, path, undocumented)
    kinds = schema.get('type')
    if kinds and not any(_is(value, k) for k in (kinds if isinstance(kinds, list) else [kinds])):
        return errors + ['%s: %r is not %s' % (path, value, kinds)]
    if 'enum' in schema and value not in schema['enum']:
        errors.append('%s: %r is not one of %s' % (path, value, schema['enum']))
    if 'pattern' in schema and isinstance(value, str) and not re.search(schema['pattern'], value):
        errors.append('%s: %r does not match %s' % (path, value, schema['pattern']))
    if 'minimum' in schema and _is(value, 'number') and value < schema['minimum']:
        errors.append('%s: %r < %s' % (path, value, schema['minimum']))
    if isinstance(value, dict):
        errors += ['%s: %s missing' % (path, name) for name in schema.get('required', []) if name not in value]
        properties = schema.get('properties', {})
        for name, item in value.items():
            if name in properties:
                errors += validate(item, properties[name], root, '%s.%s' % (path, name), undocumented)
            elif isinstance(schema.get('additionalProperties'), dict):
                errors += validate(item, schema['additionalProperties'], root, '%s.%s' % (path, name), undocumented)
            elif schema.get('additionalProperties') is False:
                errors.append('%s: %s is not allowed' % (path, name))
            elif properties and undocumented is not None:
                undocumented.add(re.sub(r'\[\d+\]', '[]', '%s.%s' % (path, name)))
    if isinstance(value, list) and 'items' in schema:
        for index, item in enumerate(value):
            errors += validate(item, schema['items'], root, '%s[%d]' % (path, index), undocumented)
    if 'if' in schema and not validate(value, schema['if'], root, path) and 'then' in schema:
        errors += validate(value, schema['then'], root, path, undocumented)
    return errors


def test_a_generated_report_matches_the_documented_schema(tmp_path):
    with open(SCHEMA) as handle:
        schema = json.load(handle)
    write(tmp_path, FIRST, T1)
    controls = [c for c in run(dict(FIRST, **{'contoso:annex@room.delegate_set': 'pass'})) if c['tenant'] != 'tailspin'] + [
        control('fabrikam', 'secret.present', 'fail',
                {'days_left': -3, 'key_id': 'k', 'end_date_time': '2026-11-27T06:00:00Z', 'state': 'expired'},
                {'days_left_at_least': 30})]
    retries = dict(contoso={'graph': {'retried': 2, 'waited_s': 1.5}})
    report.write_reports(str(tmp_path), 'audit', controls, T2, retries, PROFILE, not_in_run=['tailspin'])
    doc, undocumented = document(tmp_path), set()
    assert doc['drift']['changes'] and doc['summary']['tenants']['contoso']['retries']  # every part is filled
    assert doc['summary']['not_in_run'] == ['tailspin'] and doc['carried']['tailspin']['controls']
    assert doc['summary']['tenants']['fabrikam']['secret']['end_date_time'] == '2026-11-27T06:00:00Z'
    assert 'secret' not in doc['summary']['tenants']['contoso']  # its secret control is in error: not read
    assert validate(doc, schema, schema, undocumented=undocumented) == []
    assert undocumented == set(), 'fields the schema does not document: %s' % sorted(undocumented)
    major = model.SCHEMA_VERSION.split('.', maxsplit=1)[0]
    assert schema['properties']['schema_version']['pattern'] == '^%s\\.[0-9]+$' % major
    # and the walker does catch what is wrong
    broken = json.loads(json.dumps(doc))
    broken['controls'][0]['status'] = 'ok'
    del broken['controls'][1]['first_seen']
    broken['drift']['new'] = -1
    errors = validate(broken, schema, schema)
    assert len(errors) == 3 and any("'ok' is not one of" in e for e in errors), errors


# -- the action


def action_run(tmp_path, observed, generated, **args):
    task = mock.MagicMock(async_val=0, args=dict(dict(tenants=sorted(observed), dest=str(tmp_path)), **args))
    plugin = action.ActionModule(task, mock.MagicMock(), mock.MagicMock(check_mode=True), mock.MagicMock(),
                                 mock.MagicMock(), mock.MagicMock())
    hostvars = dict((name, dict(bookingsone_observed=value, bookingsone_delegate='bookings@%s' % name))
                    for name, value in observed.items())
    with mock.patch.object(action.model, 'now', return_value=generated):
        return plugin.run(task_vars=dict(hostvars=hostvars))


def test_the_action_returns_the_drift_and_keeps_its_outputs(tmp_path):
    unreachable, missing = dict(error='login failed'), dict(app=dict(exists=False), rooms=[])
    first = action_run(tmp_path, dict(contoso=unreachable, tailspin=unreachable), T1)
    assert first['drift'] == dict(new=0, fixed=0, still_failing=0, previous=None)
    # tailspin is reached now and has no app registration: its 'tenant reachable' error is fixed, and it is
    # not onboarded (one new failure) with no room selected (another); contoso is still unreachable
    second = action_run(tmp_path, dict(contoso=unreachable, tailspin=missing), T2, history=5, known_failures='skip')
    failing = [c for c in second['failed_controls'] if c['tenant'] == 'tailspin']
    assert [c['id'] for c in failing] == ['app.exists', 'rooms.selected'] and all(c['first_seen'] == T2 for c in failing)
    assert failing[0]['fix'] == 'run onboard.yml' and second['tenants_by_status']['not_onboarded'] == ['tailspin']
    assert second['drift'] == dict(new=len(failing), fixed=1, still_failing=1, previous=T1), second['drift']
    assert second['paths']['run'].endswith('audit-20261130T060000Z.json')
    assert second['tenants'] == dict(contoso='error', tailspin='not_onboarded') and second['profile'] == 'baseline'
    assert sorted(second['paths']) == ['csv', 'html', 'json', 'junit', 'metrics', 'run'] and not second['webhook_sent']
    for name in ('totals', 'tenants_by_status', 'retries', 'error_tenants', 'failed_tenants', 'failure'):
        assert name in second, name
    assert [c['first_seen'] for c in second['failed_controls'] if c['tenant'] == 'contoso'] == [T1]
    with pytest.raises(action.AnsibleActionFail, match='history is -1'):
        action_run(tmp_path, dict(contoso=missing), T3, history=-1)


@pytest.mark.parametrize('fail_on', ['error', 'fail'])
def test_the_action_leaves_the_tenants_not_in_this_run_out_of_the_verdict(tmp_path, fail_on):
    unreachable, missing = dict(error='login failed'), dict(app=dict(exists=False), rooms=[])
    action_run(tmp_path, dict(contoso=missing, tailspin=unreachable), T1)
    # limited to contoso: tailspin (unreachable last time, and with no observation now) is not in this run
    limited = action_run(tmp_path, dict(contoso=missing, tailspin=None), T2, in_run=['contoso', 'localhost'],
                         fail_on=fail_on)
    assert limited['tenants_by_status']['not_in_run'] == ['tailspin'] and 'tailspin' not in limited['tenants']
    assert limited['error_tenants'] == [] and 'tailspin' not in limited['failure'] and 'tailspin' not in limited['retries']
    if fail_on == 'error':
        assert limited['failure'] == ''
    else:  # contoso's missing app only: tailspin's earlier error does not count
        assert limited['failure'] == '1 tenant(s) with failed controls: contoso (not onboarded)'
    assert limited['drift']['fixed'] == 0 and limited['drift']['new'] == 0  # tailspin's error is not 'fixed'
    assert all(c['tenant'] == 'contoso' for c in limited['failed_controls'])
    doc = json.load(open(limited['paths']['json']))
    assert doc['summary']['not_in_run'] == ['tailspin'] and doc['carried']['tailspin']['generated'] == T1
    # the default is every tenant: tailspin is audited again, and its error is still failing since T1
    full = action_run(tmp_path, dict(contoso=missing, tailspin=unreachable), T3)
    assert full['tenants_by_status']['not_in_run'] == [] and full['error_tenants'] == ['tailspin']
    assert [c['first_seen'] for c in full['failed_controls'] if c['tenant'] == 'tailspin'] == [T1]


def test_the_action_says_what_the_playbook_prints_and_which_tenants_fail(tmp_path):
    unreachable, missing = dict(error='login failed'), dict(app=dict(exists=False), rooms=[])
    first = action_run(tmp_path, dict(contoso=missing, tailspin=unreachable, fabrikam=None), T1, in_run=[
        'contoso', 'tailspin'], fail_on='fail')
    page = first['paths']['html']
    # each tenant the verdict fails, with its reason: the audit task's own error, else what the controls say
    assert first['failing_tenants'] == dict(tailspin='not audited: login failed; see %s' % page,
                                            contoso='not onboarded (bookingsone_audit_fail_on=fail); see %s' % page)
    lines = first['summary_lines']
    assert lines[0] == 'verdict: ' + first['failure'] and 'tailspin (login failed)' in lines[0]
    # those that fail are named, those not in the run counted
    assert lines[1] == 'tenants: 1 not_onboarded (contoso), 1 error (tailspin), 1 not_in_run', lines[1]
    assert lines[2] == 'controls: %d fail, %d error, 0 pass; profile baseline' % (
        first['totals']['fail'], first['totals']['error']) and first['totals']['fail'] == 2
    assert lines[3].startswith('no earlier run in %s: no drift' % str(tmp_path))
    assert lines[4].startswith('works for Bookings ONE: not proven in this run')
    assert lines[5] == 'retries: none' and lines[6].startswith('report: %s ' % page)
    # under the default fail_on, a tenant with failed controls only is not failed; the next run shows the drift
    second = action_run(tmp_path, dict(contoso=missing, tailspin=missing), T2)
    assert second['failing_tenants'] == {} and second['summary_lines'][0] == 'verdict: pass (bookingsone_audit_fail_on=error)'
    assert second['summary_lines'][3] == 'since %s: %d new, %d fixed, %d still failing' % (
        T1, second['drift']['new'], second['drift']['fixed'], second['drift']['still_failing'])


def test_the_proof_line_says_what_bookings_one_found():
    line = model.proof_line(dict(works=['contoso'], broken=dict(tailspin='cannot read rooms'),
                                 not_proven=dict(fabrikam='no secret held'), events_made=4))
    assert line == ('works for Bookings ONE (proven as Bookings ONE): 1 yes; tailspin: NO, cannot read rooms; '
                    '1 not proven (no secret held); 4 test item(s) made and deleted as Bookings ONE (the operator wrote '
                    'nothing)')


def test_a_tenant_that_is_no_host_of_the_inventory_is_an_error_not_a_crash(tmp_path):
    judged = action_run(tmp_path, dict(contoso=dict(app=dict(exists=False), rooms=[])), T1, tenants=['contoso', 'ghost'])
    assert judged['tenants']['ghost'] == 'error' and judged['error_tenants'] == ['ghost'], judged['tenants']
    assert judged['failing_tenants'] == dict(
        ghost='could not be audited: the tenant was not reached; see %s' % judged['paths']['html'])
    assert 'why' not in judged  # the verdict's reasons are returned as failing_tenants, not twice


def test_a_merged_run_says_what_the_proof_found_from_its_controls():
    # a merged run keeps the slices' controls, not their accounts of the proof: the summary reads the controls
    found = model.proof_of([
        control('contoso', 'proof.sign_in', 'pass', dict(ok=True), dict(ok=True)),
        control('tailspin', 'proof.sign_in', 'pass', dict(ok=True), dict(ok=True)),
        control('tailspin', 'proof.scope', 'fail', dict(ok=False), dict(ok=True), detail='read a mailbox it does not manage'),
        control('fabrikam', 'app.multitenant', 'pass', 'AzureADMultipleOrgs', 'AzureADMultipleOrgs'),  # proof off there
    ])
    # fabrikam has no proof control: it is not counted as working, and the line says it was not proven
    assert found == dict(works=['contoso'], broken=dict(tailspin='read a mailbox it does not manage'), not_proven=dict(
        fabrikam='no proof in its slice: bookingsone_proof off, or the tenant did not get that far'), events_made=None)
    # how many test items the slices made is not known: the line does not invent a count
    assert model.proof_line(found) == ('works for Bookings ONE (proven as Bookings ONE): 1 yes; tailspin: NO, read a '
                                       'mailbox it does not manage; 1 not proven (no proof in its slice: '
                                       'bookingsone_proof off, or the tenant did not get that far)')
    assert model.proof_of([])['works'] == [] and 'not proven in this run' in model.proof_line(model.proof_of([]))
