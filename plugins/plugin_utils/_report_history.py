# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trail of runs the drift is read from.

Every run's JSON is also kept as NAME-YYYYMMDDTHHMMSSZ.json (UTC) beside the report, the newest
`history` of them; the newest one older than the run is the previous run, and the drift (new,
fixed, still failing) and each non-passing control's first_seen come from it. Run files of
schema 1.x knew a control by its name only: they are read with each name mapped to its id
(_audit.id_of_name), so the drift holds across the upgrade."""

from __future__ import annotations

import datetime
import json
import os
import re

from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import ERROR, FAIL, PASS, id_of_name, kind_of
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import (
    APP_GROUPS, CHANGES, STATUSES, STAMP_FORMAT, TENANT_STATUSES, TIME_FORMAT, error_reason, key, not_onboarded,
    per_tenant)

READABLE_MAJORS = ('1', '2')


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
    """The newest kept run older than `generated`, as (report, path, warnings about the run files it passed
    over: unreadable, not a report, or of a schema this version cannot read); (None, None, warnings) when
    there is none. A report of schema 1.x comes back as this version reads it (see upgrade)."""
    warnings, now_stamp = [], stamp(generated)
    for run_stamp, path in reversed(run_files(dest, name)):
        if run_stamp >= now_stamp:
            continue  # this run's own (a merge written again), or from a clock ahead of this one
        try:
            with open(path) as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            warnings.append('%s could not be read (%s); compared with an older run' % (path, exc))
            continue
        if not (isinstance(data, dict) and isinstance(data.get('controls'), list)):
            warnings.append('%s is not an audit report; compared with an older run' % path)
            continue
        upgraded = upgrade(data)
        if upgraded is None:
            warnings.append('%s is of schema %s, which this version cannot read; compared with an older run'
                            % (path, data.get('schema_version')))
            continue
        return upgraded, path, warnings
    return None, None, warnings


def upgrade(document):
    """A report as this version reads it: a 2.x one as it is; a 1.x one with each control's `control` (its
    name) mapped to its id, group and name, and the secret's threshold typed; None for another major."""
    major = str(document.get('schema_version') or '1.0').split('.', 1)[0]
    if major not in READABLE_MAJORS:
        return None
    if major == '2':
        return document
    upgraded = dict(document, controls=[upgrade_control(c) for c in document['controls'] if isinstance(c, dict)])
    carried = document.get('carried')
    upgraded['carried'] = dict(
        (name, dict(entry, controls=[upgrade_control(c) for c in entry['controls'] if isinstance(c, dict)]))
        for name, entry in (carried.items() if isinstance(carried, dict) else ())
        if isinstance(entry, dict) and isinstance(entry.get('controls'), list))
    return upgraded


def upgrade_control(item):
    """A 1.x control with this version's fields; a name no control has keeps the name as its id."""
    if 'id' in item:
        return item
    name = str(item.get('control'))
    ident = id_of_name(name) or name
    try:
        group, subject = kind_of(ident)[:2]
    except KeyError:
        group, subject = ('rooms', 'room') if item.get('room') else ('app', 'app')
    upgraded = dict((k, v) for k, v in item.items() if k != 'control')
    upgraded.update(id=ident, group=group, subject=subject, name=name, fix=upgraded.get('fix'))
    expected = item.get('expected')
    if ident == 'secret.present' and isinstance(expected, dict) and isinstance(expected.get('days_left'), str):
        # 1.x wrote the threshold as text: {'days_left': '>= 30'}
        match = re.search(r'\d+', expected['days_left'])
        upgraded['expected'] = dict(days_left_at_least=int(match.group(0))) if match else expected
    return upgraded


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


def last_success(previous, controls, generated, reported):
    """{tenant: time} of the tenants `reported` on: when each was last audited without an error (this run,
    or as the previous run knew it; a 1.x previous run is read from its controls and carried ones)."""
    known = {}
    recorded = (previous or {}).get('last_success')
    if isinstance(recorded, dict):
        known.update((name, when) for name, when in recorded.items() if isinstance(when, str))
    else:
        for name, (when, items) in last_audited(previous).items():
            if when and all(item.get('status') != ERROR for item in items):
                known[name] = when
    for name, items in per_tenant(controls).items():
        if not error_reason(items):
            known[name] = generated
    return dict((name, known[name]) for name in sorted(set(reported)) if name in known)


def _judged_when_gone(controls):
    """Whether a control of the previous run that this run no longer judges counts as fixed: only in a
    tenant audited this time without any error, and in a tenant not onboarded not one of its app's (they
    are not judged: the one not-onboarded control stands for them)."""
    mine = per_tenant(controls)
    clean = set(name for name, items in mine.items() if not error_reason(items))
    unboarded = set(name for name, items in mine.items() if not_onboarded(items))

    def judged(ident, old):
        return ident[0] in clean and (ident[0] not in unboarded or old.get('group') not in APP_GROUPS)
    return judged


def compare(controls, previous, generated):
    """Sets first_seen on each control that does not pass and returns the drift since `previous`
    (an earlier report as read from its JSON, or None).

    A control keeps its first_seen while its status stays the same (fail or error); one that newly
    fails, newly errs or changes between the two counts as new. A control that passes now and did
    not pass before is fixed, and so is one no longer judged (see _judged_when_gone). Tenants not in
    this run are not compared. A tenant the previous run did not audit is compared with the controls
    it carried from the last run that did (see carry)."""
    before, when = {}, {}
    for _name, (judged, items) in last_audited(previous).items():
        for item in items:
            before[key(item)] = item
            when[key(item)] = judged
    since = (previous or {}).get('generated')
    changes, seen = [], set()
    for item in controls:
        ident = key(item)
        seen.add(ident)
        old = before.get(ident) or {}
        was = old.get('status')
        if item['status'] == PASS:
            item.pop('first_seen', None)
            if was in (FAIL, ERROR):
                changes.append(_change(item, 'fixed', PASS, was, old.get('first_seen') or when.get(ident) or since))
            continue
        if was == item['status']:
            item['first_seen'] = old.get('first_seen') or when.get(ident) or since or generated
            changes.append(_change(item, 'still_failing', item['status'], was, item['first_seen']))
        else:
            item['first_seen'] = generated
            if previous is not None:
                changes.append(_change(item, 'new', item['status'], was, generated))
    gone_fixed = _judged_when_gone(controls)
    for ident, old in before.items():
        if ident not in seen and old.get('status') in (FAIL, ERROR) and gone_fixed(ident, old):
            changes.append(_change(old, 'fixed', None, old['status'], old.get('first_seen') or when[ident] or since))
    if previous is None:
        return no_drift()
    changes.sort(key=lambda c: (CHANGES.index(c['change']), c['tenant'], c['room'] or '', c['id']))
    drift = dict((kind, sum(1 for c in changes if c['change'] == kind)) for kind in CHANGES)
    return dict(drift, previous=since, changes=changes)


def _change(item, kind, status, was, first_seen):
    return dict(tenant=item['tenant'], room=item.get('room'), id=item['id'], name=item.get('name') or item['id'],
                change=kind, status=status, previous_status=was, first_seen=first_seen)


def trail_of(previous, generated, summary, drift, keep):
    """The last `keep` runs' totals, oldest first, carried from run file to run file."""
    runs = [r for r in (previous or {}).get('trail') or [] if isinstance(r, dict)]
    tenants = dict((status, sum(1 for t in summary['tenants'].values() if t['status'] == status))
                   for status in TENANT_STATUSES)
    runs.append(dict(generated=generated, totals=dict((s, summary['totals'][s]) for s in STATUSES),
                     tenants=tenants, new=drift['new'], fixed=drift['fixed']))
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
    return dict(((c['tenant'], c['room'], c['id']), c['first_seen']) for c in drift.get('changes') or []
                if c['change'] == 'still_failing' and c['status'] == FAIL)
