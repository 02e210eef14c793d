"""What tools/benchmark.py prints: per case a table of its runs, the requests per tenant by kind, the ratios,
then the targets of issue 25, each with the baseline's figure beside it and marked met or not met."""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qs

GUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', re.I)
FIRST_PARTY = {'00000003-0000-0000-c000-000000000000': '{graph app id}',
               '00000002-0000-0ff1-ce00-000000000000': '{exchange app id}'}
# A mailbox's or an event's own name in a path says nothing of the kind of request.
PER_OBJECT = ((re.compile(r'/users/[^/?]+'), '/users/{user}'), (re.compile(r'/events/[^/?]+'), '/events/{id}'))
# Issue 25's targets: controller CPU per tenant (audit and converged onboard) by case, and the wall time
# of the 500 x 20 audit at forks 20.
CPU_TARGETS = {'20x20': 0.35, '1x200': 1.0}
WALL_TARGET = ('500x20', 20, 120.0)
REPLAYED_AUDIT = 'audit, work replayed'  # the audit with the collection's work replayed (benchmark.replay_code)
BATCHED_ROOMS = 5  # from this many rooms (ten reads) on, a tenant's Exchange reads go in $batch requests


def request_target(rooms):
    """Issue 25: audit requests per tenant <= 10 + ceil(2R/10) + 2 (Exchange reads ten to a $batch)."""
    return 10 + int(math.ceil(2 * rooms / 10.0)) + 2


def graph_path(entry):
    """A Graph request with its object ids and names left out (Microsoft's first-party app ids named)."""
    path = GUID.sub(lambda m: FIRST_PARTY.get(m.group(0).lower(), '{id}'), entry['path'])
    for pattern, replacement in PER_OBJECT:
        path = pattern.sub(replacement, path)
    select = parse_qs(entry['query']).get('$select')
    return '%s %s%s%s' % (entry['method'], path, '?$select=' + select[0] if select else '',
                          ' (in $batch)' if entry['batch'] else '')


def exchange_kind(entry):
    """An Exchange request by its cmdlet, a $batch envelope as such, and a cmdlet inside one marked."""
    if entry['cmdlet'] is None and entry['path'].endswith('/$batch'):
        return '$batch'
    return '%s%s' % (entry['cmdlet'], ' (in $batch)' if entry['batch'] else '')


def per_tenant(counter, tenants):
    return ', '.join('%s %g' % (k, round(v / float(tenants), 2)) for k, v in sorted(counter.items()))


def table(case, rows):
    print('\n== %d tenant(s) x %d rooms, %d ms latency per request; issue 25 audit bound = 10 + ceil(2R/10) + 2 = %d '
          'requests/tenant ==' % (case.tenants, case.rooms, case.latency_ms, request_target(case.rooms)))
    columns = '%-26s %5s %3s %8s %9s | %7s %7s %8s %7s | %6s %8s | %7s | %6s %7s %6s'
    head = columns % ('playbook', 'forks', 'rc', 'wall s', 'CPU s', 'login', 'graph', 'exchange', 'total', 'tokens',
                      'tokens', 'openid', 'writes', 'changed', 'failed')
    print(head)
    print(columns % ('', '', '', '', '/tenant', '/tenant', '/tenant', '/tenant', '/tenant', 'graph', 'exchange',
                     '/tenant', '', '', ''))
    print('-' * len(head))
    for row in rows:
        print('%-26s %5d %3d %8.2f %9.3f | %7.2f %7.2f %8.2f %7.2f | %6.2f %8.2f | %7.2f | %6d %7d %6d'
              % (row['label'], row['forks'], row['rc'], row['wall'], row['cpu_tenant'], row['per_service']['login'],
                 row['per_service']['graph'], row['per_service']['exchange'], row['total'], row['tokens']['graph'],
                 row['tokens']['exchange'], row['openid'], row['writes'], row['changed'], row['failed']))
    print('Requests per tenant, by kind (a $batch is one HTTP request; the requests inside it are counted apart):')
    for row in rows:
        notes = []
        if row['tokens']['other']:
            notes.append('%.2f token requests/tenant for another resource' % row['tokens']['other'])
        if row['foreign']:
            notes.append('%d request(s) not attributed to a tenant of the case' % row['foreign'])
        if row['rc']:
            notes.append('rc=%d, output: %s' % (row['rc'], row['log']))
        if row['inner']:
            notes.append('%g requests/tenant inside $batch requests' % round(row['inner'], 2))
        if row['cmdlets']:
            notes.append('Exchange: %s' % per_tenant(row['cmdlets'], case.tenants))
        if row['graph_paths']:
            notes.append('Graph: %s' % per_tenant(row['graph_paths'], case.tenants))
        if row['total']:
            notes.append('most requests of one tenant: %d' % row['max_tenant'])
        if len(row.get('cpu_runs') or ()) > 1:
            notes.append('CPU/tenant of each run %s (the median run shown)'
                         % ', '.join('%.3f' % cpu for cpu in row['cpu_runs']))
        if notes:
            print('  %s, forks %d: %s' % (row['label'], row['forks'], '; '.join(notes)))


def ratios(case, rows):
    by = dict(((r['label'], r['forks']), r) for r in rows)
    print('Ratios, %s:' % case.name)
    for (label, forks), row in sorted(by.items()):
        empty = by.get(('empty play', forks))
        if label != 'empty play' and empty and empty['cpu_tenant']:
            print('  CPU/tenant %-26s / empty play, forks %2d: %.3f / %.3f = %.1fx'
                  % (label, forks, row['cpu_tenant'], empty['cpu_tenant'], row['cpu_tenant'] / empty['cpu_tenant']))
        replayed = by.get((REPLAYED_AUDIT, forks))
        if label == 'audit' and replayed:
            own = row['cpu_tenant'] - replayed['cpu_tenant']
            print('  CPU/tenant %-26s - work replayed, forks %2d: %.3f - %.3f = %.3f s (the collection\'s work, and '
                  'Ansible polling meanwhile)' % (label, forks, row['cpu_tenant'], replayed['cpu_tenant'], own))
        before = by.get((label + ' (baseline)', forks))
        if before and before['cpu_tenant']:
            print('  CPU/tenant %-26s / baseline, forks %2d: %.3f / %.3f = %.2fx'
                  % (label, forks, row['cpu_tenant'], before['cpu_tenant'], row['cpu_tenant'] / before['cpu_tenant']))


def mark(ok, *runs):
    """A target is met only by runs that completed: a failed run proves nothing."""
    if any(run.get('rc') for run in runs):
        return 'NOT MET (a run failed, see its log)'
    return 'met' if ok else 'NOT MET'


def beside(baseline, key, fmt):
    return ' (baseline %s)' % (fmt % baseline[key]) if baseline else ''


def floor_beside(replayed):
    """Beside an audit's CPU target: the same audit with the collection's work replayed, Ansible's own cost."""
    return '; Ansible alone, work replayed: %.3f s' % replayed['cpu_tenant'] if replayed else ''


def targets(results, baseline_name):
    """Issue 25's targets next to the measured values and the baseline's; never asserted."""
    print('\nTargets (issue 25); beside each, the same run of the baseline (%s):' % (baseline_name or 'not measured'))
    shown = 0
    for case, rows in results:
        by = dict(((r['label'], r['forks']), r) for r in rows)
        for (label, forks), row in sorted(by.items()):
            before = by.get((label + ' (baseline)', forks))
            if label == 'audit' and case.rooms < BATCHED_ROOMS:
                print('  audit %s forks %d: requests/tenant %.2f (no bound: a tenant of few rooms sends its Exchange '
                      'reads alone, all at once, which is sooner than a $batch that runs them one after another)'
                      % (case.name, forks, row['total']))
            elif label == 'audit':
                bound = request_target(case.rooms)
                print('  audit %s forks %d: requests/tenant %.2f <= %d: %s%s'
                      % (case.name, forks, row['total'], bound, mark(row['total'] <= bound, row),
                         beside(before, 'total', '%.2f')))
                shown += 1
            if label in ('audit', 'onboard converged') and case.name in CPU_TARGETS:
                limit = CPU_TARGETS[case.name]
                print('  %s %s forks %d: controller CPU/tenant %.3f <= %.2f s: %s%s%s'
                      % (label, case.name, forks, row['cpu_tenant'], limit, mark(row['cpu_tenant'] <= limit, row),
                         beside(before, 'cpu_tenant', '%.3f s'),
                         floor_beside(by.get((REPLAYED_AUDIT, forks)) if label == 'audit' else None)))
                shown += 1
            if label == 'onboard converged':
                print('  converged onboard %s forks %d: writes %d = 0: %s'
                      % (case.name, forks, row['writes'], mark(row['writes'] == 0, row)))
            if label == 'audit' and (case.name, forks) == WALL_TARGET[:2]:
                print('  audit %s forks %d: wall %.1f s <= %.0f s: %s%s'
                      % (case.name, forks, row['wall'], WALL_TARGET[2], mark(row['wall'] <= WALL_TARGET[2], row),
                         beside(before, 'wall', '%.1f s')))
                shown += 1
            if label in ('audit', 'onboard converged') and (row['tokens']['graph'] != 1 or
                                                            row['tokens']['exchange'] != 1 or row['tokens']['other']):
                print('  tokens %s %s forks %d: graph %.2f, exchange %.2f per tenant, not 1 each: NOT MET'
                      % (label, case.name, forks, row['tokens']['graph'], row['tokens']['exchange']))
    names = set(case.name for case, _rows in results)
    for name in sorted(set(CPU_TARGETS) - names) + ([WALL_TARGET[0]] if WALL_TARGET[0] not in names else []):
        print('  %s: not measured in this run (--cases %s)' % (name, name))
    return shown
