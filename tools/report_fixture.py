"""Synthetic audit reports, two runs each (the previous one and the current one), written by the
same code as the audit_report action: for the browser test and for measuring the page.

    python tools/report_fixture.py DEST --demo                       # nine tenants, a few rooms
    python tools/report_fixture.py DEST --tenants 500 --rooms 20     # ~57,000 controls

The controls come from plugins/plugin_utils/_audit.py's tenant_controls, judged from made-up
observations: some tenants fail, some cannot be read, and the previous run has failures the
current one no longer has (fixed), and the other way round (new). In the demo one tenant's secret
has expired, one has a room whose address a spreadsheet would take for a formula, one has no app
registration (not onboarded; its rooms are still judged) and one is not in the current run (as with
AWX's limit).
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import ansible_collections.bookingsone.office365  # noqa: F401  (the Makefile puts it on PYTHONPATH)
except ImportError:
    sys.path.insert(0, os.path.join(ROOT, 'build', 'collections'))

# pylint: disable=wrong-import-position
from ansible_collections.bookingsone.office365.plugins.action.audit_report import expected_of  # noqa: E402
from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone  # noqa: E402
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report  # noqa: E402
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_history as trail  # noqa: E402
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_model as model  # noqa: E402
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import (  # noqa: E402
    PROFILES, tenant_controls)
from ansible_collections.bookingsone.office365.plugins.plugin_utils._variables import role_defaults  # noqa: E402

# What the entra_app role requests and consents by default (the tenants of the fixture set nothing).
DEFAULT_PERMISSIONS = role_defaults('entra_app')['entra_app_graph_permissions']

# A room fault of the fixture: one (boolean) option of the room policy set the other way.
FAULTS = dict(hours='schedule_only_during_work_hours', horizon='enforce_scheduling_horizon')
PREVIOUS, CURRENT = '2026-11-30T06:00:00Z', '2026-12-01T06:00:00Z'
CALLBACK = 'https://bookings.one.example/callback'
UNREACHABLE = ('preflight: login HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided '
               '(task: Compare the tenant with the desired state (read only))')
ROOMS_DENIED = 'Read the rooms: AuthorizationException: the operator holds no Exchange role'


def host_vars(tenant):
    return dict(bookingsone_callback_url=CALLBACK, bookingsone_delegate='bookings@%s.example' % tenant)


def secret_dates(days_left, generated):
    """(start, end) of a secret of 699 days with days_left left at `generated`."""
    end = datetime.datetime.strptime(generated, model.TIME_FORMAT) + datetime.timedelta(days=days_left)
    return ((end - datetime.timedelta(days=699)).strftime(model.TIME_FORMAT), end.strftime(model.TIME_FORMAT))


def observe(tenant, rooms, state, generated=CURRENT):
    """What the audit play would have observed at `generated` of a tenant in `state`:
    unreachable, not_onboarded (no app registration), rooms_unreadable, missing_consent (a permission),
    days_left (below 0: expired), room_faults {room: {fault}}, retries. Room faults: hours (working-hours-only on), delegate (no
    delegate, no Full Access), horizon."""
    if state.get('unreachable'):
        return dict(error=UNREACHABLE, retries=[state.get('retries') or {}])
    delegate = 'bookings@%s.example' % tenant
    granted = [p for p in DEFAULT_PERMISSIONS if p != state.get('missing_consent')]
    start, end = secret_dates(state['days_left'], generated)
    secret = dict(key_id='key-%s' % tenant, display_name='bookings-one', days_left=state['days_left'],
                  start_date_time=start, end_date_time=end)
    app = dict(sign_in_audience='AzureADMultipleOrgs', web_redirect_uris=[CALLBACK],
               requested_permissions=list(DEFAULT_PERMISSIONS), granted_permissions=granted, secrets=[secret],
               instance_lock=True, handoff_record=dict(marked=True, recorded_key_id='key-%s' % tenant, dangling=[],
                                                       orphans=[]))
    observed = dict(app=dict(exists=False, app=None) if state.get('not_onboarded') else dict(exists=True, app=app),
                    retries=[state.get('retries') or {}])
    if state.get('rooms_unreadable'):
        return dict(observed, rooms=None, rooms_error=ROOMS_DENIED)
    found = []
    for room in rooms:
        faults = (state.get('room_faults') or {}).get(room) or set()
        holders = [] if 'delegate' in faults else [delegate]
        # the room policy as set up, with the room's faults: working hours only, or the horizon enforced
        processing = dict(bookingsone.room_settings(), resource_delegates=holders)
        processing.update((option, not processing[option]) for fault, option in FAULTS.items() if fault in faults)
        found.append(dict(address='%s@%s.onmicrosoft.com' % (room, tenant), full_access=holders,
                          calendar_processing=processing))
    return dict(observed, rooms=found)


def demo_fleet():
    """Nine named tenants: [(tenant, rooms, previous state, current state)]; a state of None: the tenant
    is not in that run."""
    fine = dict(days_left=400)
    return [
        # one room fixed since, one still failing, one new failure; a consent still missing
        ('contoso', ['annex', 'board', 'lobby'],
         dict(days_left=200, missing_consent='Mail.Send', room_faults=dict(annex={'hours'}, board={'delegate'})),
         dict(days_left=199, missing_consent='Mail.Send', room_faults=dict(annex={'hours'}, lobby={'horizon'}),
              retries={'graph': {'retried': 2, 'waited_s': 3.5}})),
        # could not be read either time
        ('tailspin', ['hall'], dict(unreachable=True), dict(unreachable=True)),
        # its secret is below the rotation threshold (30 days)
        ('northwind', ['north', 'south'], dict(days_left=10), dict(days_left=9)),
        # the rooms could not be read last time: 'rooms readable' is fixed, the rooms pass
        ('fabrikam', ['main', 'side'], dict(days_left=500, rooms_unreadable=True), dict(days_left=499)),
        # to rotate within the month, not yet failing; a room address a spreadsheet takes for a formula
        ('litware', ['one', '=1+2'], dict(days_left=46), dict(days_left=45)),
        ('woodgrove', ['blue', 'green'], fine, fine),
        # its secret expired 3 days ago
        ('adatum', ['red'], dict(days_left=-2), dict(days_left=-3)),
        # no app registration (not onboarded): one control says so; its rooms are still judged, one fails
        ('fourthcoffee', ['east', 'west'], dict(not_onboarded=True, days_left=0, room_faults=dict(west={'hours'})),
         dict(not_onboarded=True, days_left=0, room_faults=dict(west={'hours'}))),
        # not in this run (a limited run): its failing room is not compared, and is carried on
        ('proseware', ['loft', 'cellar'], dict(days_left=300, room_faults=dict(loft={'hours'})), None),
    ]


def synthetic_fleet(tenants=500, rooms=20, seed=14):
    """tenants x rooms, deterministic: ~2% unreachable, ~2% rooms unreadable, ~2% not onboarded, ~8% a consent
    missing, secrets spread over 0-720 days, ~12% with faulty rooms; the previous run had more room faults (fixed
    since) and fewer of some others (new since)."""
    rnd = random.Random(seed)
    names = ['room%02d' % index for index in range(rooms)]
    fleet = []
    for index in range(tenants):
        tenant = 'tenant%03d' % index
        base = dict(days_left=rnd.randint(-3, 720))
        roll = rnd.random()
        if roll < 0.02:
            base['unreachable'] = True
        elif roll < 0.04:
            base['rooms_unreadable'] = True
        elif roll < 0.06:
            base['not_onboarded'] = True
        if rnd.random() < 0.08:
            base['missing_consent'] = rnd.choice(DEFAULT_PERMISSIONS)
        faults = {}
        if rnd.random() < 0.12:
            for room in rnd.sample(names, rnd.randint(1, min(3, rooms))):
                faults[room] = {rnd.choice(('hours', 'delegate', 'horizon'))}
        if rnd.random() < 0.05:
            base['retries'] = {'exchange': {'retried': rnd.randint(1, 5), 'waited_s': 2.0}}
        previous = copy.deepcopy(dict(base, room_faults=faults))
        previous['days_left'] = base['days_left'] + 1
        previous.pop('retries', None)
        current = copy.deepcopy(dict(base, room_faults=faults))
        if rnd.random() < 0.2:  # fixed since the previous run
            for room in rnd.sample(names, rnd.randint(1, min(4, rooms))):
                previous['room_faults'].setdefault(room, set()).add(rnd.choice(('hours', 'horizon')))
        if rnd.random() < 0.05:  # new since the previous run
            current['room_faults'].setdefault(rnd.choice(names), set()).add('delegate')
        fleet.append((tenant, names, previous, current))
    return fleet


def controls_of(fleet, which, profile='baseline'):
    """The controls and retries of the previous (which=2) or current (which=3) run of a fleet, and the
    tenants not in that run."""
    controls, retries, not_in_run = [], {}, []
    generated = PREVIOUS if which == 2 else CURRENT
    for entry in fleet:
        tenant, rooms, state = entry[0], entry[1], entry[which]
        if state is None:
            not_in_run.append(tenant)
            continue
        observed = observe(tenant, rooms, state, generated)
        controls.extend(tenant_controls(tenant, expected_of(host_vars(tenant).get, profile), observed))
        retries[tenant] = model.sum_retries(observed.get('retries'))
    return controls, retries, not_in_run


def write(dest, fleet, name='audit', profile='baseline', history=30, known_failures='fail'):
    """The previous run, then the current one, as the action writes them; returns both write results."""
    os.makedirs(dest, exist_ok=True)
    trail.prune(dest, name, 0)  # start the trail afresh, so the previous run is the one written here
    settings = dict(PROFILES[profile], name=profile)
    results = []
    for which, generated in ((2, PREVIOUS), (3, CURRENT)):
        controls, retries, not_in_run = controls_of(fleet, which, profile)
        results.append(report.write_reports(dest, name, controls, generated, retries, settings, history=history,
                                            known_failures=known_failures, not_in_run=not_in_run))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dest', help='directory for the report files')
    parser.add_argument('--demo', action='store_true', help='the nine named demo tenants')
    parser.add_argument('--tenants', type=int, default=500)
    parser.add_argument('--rooms', type=int, default=20)
    parser.add_argument('--name', default='audit')
    args = parser.parse_args()
    fleet = demo_fleet() if args.demo else synthetic_fleet(args.tenants, args.rooms)
    started = time.time()
    results = write(args.dest, fleet, args.name)
    took = time.time() - started
    current = results[-1]
    with open(current['paths']['json']) as handle:
        document = json.load(handle)
    print('%d tenants, %d controls (%s); two runs written in %.1f s' % (
        len(document['summary']['tenants']), len(document['controls']),
        ', '.join('%d %s' % (document['summary']['totals'][s], s) for s in model.STATUSES), took))
    print('drift: %s' % json.dumps(current['drift'], sort_keys=True))
    for kind, path in sorted(current['paths'].items()):
        print('%-7s %s (%.2f MB)' % (kind, path, os.path.getsize(path) / 1e6))
    return 0


if __name__ == '__main__':
    sys.exit(main())
