# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every part of the audit report reads from the judged controls: the summaries per tenant
(status, counts, the secret Bookings ONE holds), the verdict a run fails on, and the constants the
report's files share. It reads the controls' fields (id, group, status, observed, expected) only."""

from __future__ import annotations

import datetime
import os

from ansible_collections.bookingsone.office365.plugins.module_utils._secrets import parse_datetime
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import ERROR, FAIL, PASS

STATUSES = (FAIL, ERROR, PASS)
NOT_ONBOARDED = 'not_onboarded'
NOT_IN_RUN = 'not_in_run'
# A tenant's status: not onboarded (no app registration: one control says so), else its worst control's
# in the order fail, error, pass. Tenants not in this run have none of these (see by_status).
TENANT_STATUSES = (NOT_ONBOARDED, FAIL, ERROR, PASS)
FAIL_ON = ('error', 'fail', 'never')
KNOWN_FAILURES = ('fail', 'skip')
# 1.x adds fields only; a field removed, renamed or changed in type or meaning makes it 2.0 (docs/report.md).
# 2.0: controls are data (id, group, subject, name, typed expected, fix); tenants can be not onboarded.
SCHEMA_VERSION = '2.0'
CHANGES = ('new', 'fixed', 'still_failing')
# The overview's columns: each control counts in one group (its `group`).
GROUPS = (('reach', 'Reachable'), ('app', 'App'), ('consent', 'Consent'), ('secret', 'Secret'),
          ('scope', 'Scope'), ('rooms', 'Rooms'), ('proof', 'Works for Bookings ONE'))
# The groups a tenant without the app registration has no control in but app.exists (its rooms are still judged).
APP_GROUPS = ('app', 'consent', 'secret', 'scope', 'proof')
# The states of the secret Bookings ONE holds (secret.present's observed.state): ok, rotate (below the
# rotation threshold, not expired), expired, missing (no secret recorded or held, or no app registration).
SECRET_CONTROL = 'secret.present'
SECRET_STATES = ('ok', 'rotate', 'expired', 'missing')
TWO_YEARS = 730
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
STAMP_FORMAT = '%Y%m%dT%H%M%SZ'


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(TIME_FORMAT)


def key(item):
    """A control's identity from run to run."""
    return item['tenant'], item.get('room'), item['id']


def group_of(item):
    """The overview column a control counts in."""
    return item['group']


def per_tenant(controls):
    """{tenant: [its controls]}, in the order they come."""
    tenants = {}
    for item in controls:
        tenants.setdefault(item['tenant'], []).append(item)
    return tenants


def not_onboarded(items):
    """Whether these controls of one tenant say it has no app registration."""
    return any(item['id'] == 'app.exists' and item['status'] == FAIL for item in items)


def tenant_status(counts, unboarded=False):
    if unboarded:
        return NOT_ONBOARDED
    return next((s for s in STATUSES if counts[s]), PASS)


def error_reason(items):
    """Why a tenant was not fully audited: its first error control's detail; None when none is in error."""
    for item in items:
        if item['status'] == ERROR:
            return item.get('detail') or '%s: could not be read' % item['name']
    return None


def summarize(controls, retries=None, not_in_run=None):
    """Counts overall and per tenant: controls per status, the tenant's status (see tenant_status), its
    retries ({tenant: summed retries}, see sum_retries) and, where known, its `secret` (see secret_of).
    not_in_run: the tenants reported on but not audited in this run (they have no controls), listed apart."""
    totals = dict((status, 0) for status in STATUSES)
    tenants = {}
    for name, items in per_tenant(controls).items():
        counts = dict((status, 0) for status in STATUSES)
        for item in items:
            counts[item['status']] += 1
            totals[item['status']] += 1
        unboarded = not_onboarded(items)
        counts['status'] = tenant_status(counts, unboarded)
        counts['retries'] = (retries or {}).get(name) or {}
        secret = MISSING if unboarded else secret_of(next((i for i in items if i['id'] == SECRET_CONTROL), None))
        if secret:
            counts['secret'] = dict((k, secret[k]) for k in ('state', 'days_left', 'end_date_time'))
        tenants[name] = counts
    return dict(totals=totals, tenants=tenants, not_in_run=sorted(set(not_in_run or ()) - set(tenants)))


MISSING = dict(state='missing', days_left=None, end_date_time=None, key_id=None)


def threshold_of(item):
    """The rotation threshold in days of a secret.present control (its expected days_left_at_least)."""
    expected = (item or {}).get('expected')
    value = expected.get('days_left_at_least') if isinstance(expected, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def secret_of(item):
    """The secret Bookings ONE holds, from its secret.present control: dict(state, days_left, end_date_time,
    key_id), or None when it could not be read (the control is in error) or there is no such control.

    observed is {'days_left', 'key_id', 'end_date_time', 'state'}; run files of 1.0 observed days_left and
    key_id only: the state is then derived (below 0 days: expired; below the threshold: rotate). An
    observed text (1.x: the app registration is missing) is a missing secret."""
    if not item or item.get('status') == ERROR or item.get('observed') is None:
        return None
    observed = item['observed']
    if not isinstance(observed, dict):
        return dict(MISSING)
    days = observed.get('days_left')
    days = days if isinstance(days, int) and not isinstance(days, bool) else None
    state = observed.get('state')
    if state not in SECRET_STATES:
        threshold = threshold_of(item)
        if days is None:
            state = 'missing'
        elif days < 0:
            state = 'expired'
        elif (days < threshold) if threshold is not None else item.get('status') == FAIL:
            state = 'rotate'
        else:
            state = 'ok'
    return dict(state=state, days_left=days, end_date_time=utc(observed.get('end_date_time')),
                key_id=observed.get('key_id'))


def utc(value):
    """A Graph date and time ('2026-12-09T10:00:00.123Z') as 'YYYY-MM-DDTHH:MM:SSZ'; None when it is not one."""
    try:
        return parse_datetime(value).strftime(TIME_FORMAT) if isinstance(value, str) else None
    except ValueError:
        return None


def days_text(count):
    return '%d day%s' % (count, '' if count in (1, -1) else 's')


def secret_note(secret):
    """'expired 3 days ago, 2026-12-03', '9 days, 2026-12-10', '9 days' (end unknown), 'no secret'."""
    if secret['state'] == 'missing' or (secret['days_left'] is None and not secret['end_date_time']):
        return 'expired' if secret['state'] == 'expired' else 'no secret'
    parts = []
    if secret['days_left'] is not None:
        parts.append('expired %s ago' % days_text(-secret['days_left']) if secret['days_left'] < 0
                     else days_text(secret['days_left']))
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
    for name, items in per_tenant(controls).items():
        reason = error_reason(items)
        if reason:
            errors[name] = reason
        failed = sum(1 for item in items if item['status'] == FAIL)
        if failed:
            failures[name] = 'not onboarded' if not_onboarded(items) else '%d failed' % failed
    reasons = []
    if errors and fail_on in ('error', 'fail'):
        reasons.append('%d tenant(s) could not be audited: %s' % (
            len(errors), '; '.join('%s (%s)' % (name, errors[name]) for name in sorted(errors))))
    if failures and fail_on == 'fail':
        reasons.append('%d tenant(s) with failed controls: %s' % (
            len(failures), ', '.join('%s (%s)' % (name, failures[name]) for name in sorted(failures))))
    return dict(error_tenants=sorted(errors), failed_tenants=sorted(failures), failure='. '.join(reasons),
                why=dict(errors, **dict((name, why) for name, why in failures.items() if name not in errors)))


def by_status(summary):
    """Tenant names per status (fail, error, pass, not_onboarded), and those not in this run."""
    names = dict((status, sorted(name for name, counts in summary['tenants'].items() if counts['status'] == status))
                 for status in TENANT_STATUSES)
    names[NOT_IN_RUN] = list(summary.get('not_in_run') or [])
    return names


def secrets_due(summary):
    """The secrets to rotate now: below the rotation threshold or expired, the expired first, then by days
    left: [dict(tenant, state, days_left, end_date_time)]."""
    due = [dict(tenant=name, **counts['secret']) for name, counts in summary['tenants'].items()
           if (counts.get('secret') or {}).get('state') in ('rotate', 'expired')]
    return sorted(due, key=lambda s: (s['state'] != 'expired', s['days_left'] if s['days_left'] is not None else 0,
                                      s['tenant']))


def failing_tenants(judged, fail_on, not_audited, page):
    """{tenant: reason} for each tenant the verdict (judged: verdict's result) fails under fail_on, for the
    playbooks to fail on its own host, each with the verdict's own reason for it; not_audited: {tenant: why} of
    the tenants whose audit task failed."""
    if not judged['failure']:
        return {}
    names = judged['error_tenants'] + [name for name in (judged['failed_tenants'] if fail_on == 'fail' else [])
                                       if name not in judged['error_tenants']]
    reasons = {}
    for name in names:
        if name in not_audited:
            reason = 'not audited: %s' % not_audited[name]
        elif name in judged['error_tenants']:
            reason = 'could not be audited: %s' % judged['why'][name]
        else:
            reason = '%s (bookingsone_audit_fail_on=fail)' % judged['why'][name]
        reasons[name] = '%s; see %s' % (reason, page)
    return reasons


def summary_lines(result, fail_on):
    """What the audit playbooks print of a run (the action's result): a few lines whatever the fleet's size,
    the tenants that pass counted and the others named."""
    tenants = ', '.join('%d %s%s' % (len(names), status, '' if status in (PASS, NOT_IN_RUN) else ' (%s)' % ', '.join(names))
                        for status, names in result['tenants_by_status'].items() if names)
    drift = result['drift']
    if drift['previous']:
        since = 'since %s: %d new, %d fixed, %d still failing' % (
            drift['previous'], drift['new'], drift['fixed'], drift['still_failing'])
    else:
        since = 'no earlier run in %s: no drift to show (keep that directory between runs, see docs/awx.md)' % (
            os.path.dirname(result['paths']['html']))
    retried = dict((name, counts) for name, counts in result['retries'].items() if counts)
    return [
        'verdict: %s' % (result['failure'] or 'pass (bookingsone_audit_fail_on=%s)' % fail_on),
        'tenants: %s' % tenants,
        'controls: %s; profile %s' % (', '.join('%d %s' % (result['totals'].get(status, 0), status) for status in STATUSES),
                                      result['profile']),
        since,
        proof_line(result.get('proof') or {}),
        'retries: %s' % (retried or 'none'),
        'report: %s (and .json, .csv, .junit.xml, .prom beside it)' % result['paths']['html'],
    ]


def proof_of(controls):
    """What the proof as Bookings ONE found, from its controls (group proof): for a merged run, whose slices' own
    accounts of it are not kept. When any tenant was proven, those without a proof control are not proven (the
    reason is not kept either); test items are not known."""
    works, broken = [], {}
    tenants = per_tenant(controls)
    for name, items in tenants.items():
        proof = [c for c in items if c['group'] == 'proof']
        failing = [c for c in proof if c['status'] != PASS]
        if failing:
            broken[name] = failing[0].get('detail') or failing[0]['name']
        elif proof:
            works.append(name)
    unproven = [name for name in tenants if name not in works and name not in broken] if works or broken else []
    not_proven = dict((name, 'no proof in its slice: bookingsone_proof off, or the tenant did not get that far')
                      for name in unproven)
    return dict(works=works, broken=broken, not_proven=not_proven, events_made=None)


def proof_line(proof):
    """Whether the tenants work for Bookings ONE, as Bookings ONE found when the audit signed in as it."""
    works, broken, not_proven = proof.get('works') or [], proof.get('broken') or {}, proof.get('not_proven') or {}
    if not (works or broken or not_proven):
        return ('works for Bookings ONE: not proven in this run (no proof ran: bookingsone_proof is off, or no tenant '
                'got that far)')
    parts = ['works for Bookings ONE (proven as Bookings ONE): %d yes' % len(works)]
    parts += ['%s: NO, %s' % (name, why) for name, why in broken.items()]
    if not_proven:
        parts.append('%d not proven (%s)' % (len(not_proven), next(iter(not_proven.values()))))
    if proof.get('events_made') is not None:  # unknown for a merged run
        parts.append('%d test item(s) made and deleted as Bookings ONE (the operator wrote nothing)' % (
            proof['events_made']))
    return '; '.join(parts)
