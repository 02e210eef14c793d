# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance controls of a Bookings ONE tenant, judged from what the read-only
modules observed. A control whose value could not be read is an error, never a pass."""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils._secrets import parse_datetime

PASS, FAIL, ERROR = 'pass', 'fail', 'error'
MAX_SECRET_DAYS = 730
# The baselines a report can judge against (bookingsone_audit_profile). `baseline` is what the collection
# sets up; `strict` adds what tenants' security tools ask for: CISA ScubaGear's 180-day app secrets, the
# app instance property lock (Zero Trust assessment) and Exchange RBAC-scoped mailbox access (Maester).
PROFILES = dict(
    baseline=dict(description='the Bookings ONE setup as the collection makes it', secret_max_days=MAX_SECRET_DAYS,
                  instance_lock=False, scoped_access=False),
    strict=dict(description='baseline, plus client secrets of at most 180 days, the app instance property lock '
                            'and mailbox access scoped to the managed rooms', secret_max_days=180,
                instance_lock=True, scoped_access=True),
)


def lifetime_control_name(days):
    return 'client secret lifetime at most 2 years' if days == MAX_SECRET_DAYS else \
        'client secret lifetime at most %d days' % days


# Booking requests are forwarded to the delegates for approval (the portal's "delegates accept or decline").
DELEGATE_ROUTING = dict(automate_processing='AutoAccept', all_book_in_policy=False, all_request_in_policy=True,
                        forward_requests_to_delegates=True)


SECRET_STATES = dict(
    missing='no secret is recorded as handed off',
    expired='EXPIRED %(days)s day(s) ago (%(end)s): Bookings ONE cannot sign in; run rotate_secrets.yml now',
    rotate='expires in %(days)s day(s), within the rotation threshold of %(threshold)s days: run rotate_secrets.yml',
)


def control(tenant, name, status, observed, expected, room=None, detail=None):
    return dict(tenant=tenant, room=room, control=name, status=status, observed=observed, expected=expected,
                detail=detail)


def judge(tenant, name, observed, expected, ok, room=None):
    """pass/fail by ok(observed); error when nothing was observed."""
    if observed is None:
        return control(tenant, name, ERROR, None, expected, room, 'could not be read')
    return control(tenant, name, PASS if ok(observed) else FAIL, observed, expected, room)


def tenant_controls(tenant, expected, observed):
    """Controls of one tenant.

    expected: callback_url, permissions, delegate, rotate_before_days, secret_display_name,
              secret_max_days, instance_lock (bool: judged), scoped_access (bool: judged)
    observed: {'error': str} when the tenant could not be read at all, else
              {'app': app_registration_info result or None, 'rooms': room_info rooms or None,
               'rooms_error': str or None}
    """
    if observed is None or observed.get('error'):
        reason = (observed or {}).get('error') or 'the tenant was not reached'
        return [control(tenant, 'tenant reachable', ERROR, None, 'read access', detail=reason)]
    results, granted = [], None
    app_info = observed.get('app')
    app = (app_info or {}).get('app') if app_info is not None else None
    exists = None if app_info is None else bool(app_info.get('exists'))
    results.append(judge(tenant, 'app registration exists', exists, True, lambda v: v is True))
    if app_info is not None and not exists:
        return results + [control(tenant, name, FAIL, 'app registration missing', 'present')
                          for name in app_control_names(expected)] + room_controls(tenant, expected, observed)
    get = (app or {}).get
    results.append(judge(tenant, 'app is multitenant', get('sign_in_audience'), 'AzureADMultipleOrgs',
                         lambda v: v == 'AzureADMultipleOrgs'))
    # exactly the callback: any other URI (an attacker's, a javascript: one) could receive sign-in codes
    results.append(judge(tenant, 'redirect URI is the Bookings ONE callback', get('web_redirect_uris'),
                         [expected['callback_url']], lambda v: list(v) == [expected['callback_url']]))
    if expected.get('instance_lock'):
        results.append(judge(tenant, 'app instance property lock on', get('instance_lock'), True,
                             lambda v: v is True))
    requested = get('requested_permissions')
    granted = get('granted_permissions')
    for permission in expected['permissions']:
        results.append(judge(tenant, 'permission requested: %s' % permission,
                             None if requested is None else permission in requested, True, lambda v: v is True))
        results.append(judge(tenant, 'admin consent: %s' % permission,
                             None if granted is None else permission in granted, True, lambda v: v is True))
    secrets = get('secrets')
    max_days = expected.get('secret_max_days') or MAX_SECRET_DAYS
    if secrets is None:
        results.append(judge(tenant, 'client secret present', None, True, bool))
        results.append(judge(tenant, lifetime_control_name(max_days), None, max_days, bool))
    else:
        mine = [s for s in secrets if s.get('display_name') == expected.get('secret_display_name')] or secrets
        record = get('handoff_record') or {}
        recorded = [s for s in mine if s.get('key_id') == record.get('recorded_key_id')]
        # The secret Bookings ONE holds is the recorded one; before a record exists, the newest.
        held = recorded[0] if recorded else (None if record.get('marked') else
                                             max(mine, key=lambda s: s.get('days_left') or 0) if mine else None)
        days = held['days_left'] if held else None
        threshold = expected['rotate_before_days']
        state = 'missing' if held is None else 'expired' if held.get('expired') or days < 0 else \
            'rotate' if days < threshold else 'ok'
        results.append(control(tenant, 'client secret present', PASS if state == 'ok' else FAIL,
                               {'days_left': days, 'key_id': held and held.get('key_id'), 'state': state,
                                'end_date_time': held and held.get('end_date_time')},
                               {'days_left': '>= %d' % threshold},
                               detail=None if state == 'ok' else SECRET_STATES[state] % dict(
                                   days=abs(days or 0), threshold=threshold, end=held and held.get('end_date_time'))))
        longest = max([lifetime_days(s) for s in mine] or [0])
        results.append(control(tenant, lifetime_control_name(max_days), PASS if longest <= max_days
                               else FAIL, {'lifetime_days': longest}, {'lifetime_days': '<= %d' % max_days}))
        results.extend(record_controls(tenant, app_info.get('app') and record, app_info.get('handoff_store')))
        results.extend(policy_controls(tenant, app_info.get('credential_policy'), longest))
    results.extend(room_controls(tenant, expected, observed))
    if expected.get('scoped_access'):
        results.append(scope_control(tenant, observed.get('access_scope'), granted))
    return results


SCOPED_PERMISSIONS = ('Calendars.ReadWrite', 'Mail.Send')
REACH = 'Bookings ONE can reach only the managed rooms'


def scope_control(tenant, access, granted):
    """Exchange RBAC for Applications holds: every room in scope, an ordinary mailbox out of it, and no
    tenant-wide grant of the mailbox permissions left (Exchange adds those to the scoped ones)."""
    expected = dict(rooms_in_scope='all', ordinary_mailbox_out_of_scope=True, tenant_wide_grants=[])
    verification = (access or {}).get('verification')
    if not verification:
        wide = sorted(p for p in granted or [] if p in SCOPED_PERMISSIONS)
        detail = 'no Exchange RBAC scope for the app' + (': %s granted tenant-wide' % ', '.join(wide) if wide else '')
        return control(tenant, REACH, FAIL, dict(scope=None, tenant_wide_grants=wide), expected, detail=detail)
    inside, outside = verification.get('in_scope') or {}, verification.get('out_of_scope') or {}
    wide = verification.get('unscoped_grants')
    if wide is None:
        return control(tenant, REACH, ERROR, None, expected, detail='the app\'s tenant-wide grants could not be read')
    observed = dict(rooms_in_scope='%d of %d' % (sum(1 for v in inside.values() if v), len(inside)),
                    not_in_scope=sorted(a for a, v in inside.items() if not v),
                    reachable_outside=sorted(a for a, v in outside.items() if not v), probes=sorted(outside),
                    tenant_wide_grants=wide)
    ok = inside and all(inside.values()) and outside and all(outside.values()) and not wide
    detail = None if ok else 'tenant-wide grants left: %s' % ', '.join(wide) if wide else \
        'no ordinary mailbox was tested' if not outside else 'the scope does not hold'
    return control(tenant, REACH, PASS if ok else FAIL, observed, expected, detail=detail)


def record_controls(tenant, record, store=None):
    """The hand-off record in the tenant names one live secret, no hand-off is left half done, no secret of ours
    is unaccounted for, and the hand-off store this run could read holds the recorded secret."""
    if not record:
        return [control(tenant, name, ERROR, None, expected, detail='could not be read') for name, expected in
                (('handed-off secret recorded in the tenant', 'a recorded, existing secret'),
                 ('no orphaned secrets', []))]
    recorded = dict(recorded_key_id=record.get('recorded_key_id'), dangling=record.get('dangling') or [],
                    conflict=record.get('conflict') or [], interrupted=record.get('interrupted') or [])
    problem = record_problem(recorded)
    orphans = record.get('orphans') or []
    found = [control(tenant, 'handed-off secret recorded in the tenant', FAIL if problem else PASS, recorded,
                     'a recorded, existing secret', detail=problem),
             control(tenant, 'no orphaned secrets', PASS if not orphans else FAIL, orphans, [],
                     detail=None if not orphans else 'secrets never handed off: %s' % ', '.join(orphans))]
    if store and store.get('state') in ('same', 'other'):
        # only a store this run could open is compared; one it could not is said in the task's message
        found.append(control(tenant, 'hand-off store holds the recorded secret', PASS if store['state'] == 'same'
                             else FAIL, dict(store_key_id=store.get('key_id')),
                             dict(store_key_id=recorded['recorded_key_id']),
                             detail=None if store['state'] == 'same' else stale_store(store, recorded)))
    return found


def stale_store(store, recorded):
    return 'the hand-off store of this controller holds %s, the tenant records %s: the store is stale' % (
        store.get('key_id'), recorded['recorded_key_id'])


def record_problem(recorded):
    if recorded['conflict']:
        return ('two runs handed over %s: Bookings ONE may hold either; the next onboard or rotation hands over a '
                'new secret that replaces both' % ' and '.join(recorded['conflict']))
    if recorded['dangling']:
        return 'the record points at a deleted secret (%s)' % ', '.join(recorded['dangling'])
    if recorded['interrupted']:
        return ('the hand-off of %s was interrupted: Bookings ONE may hold it; the next onboard or rotation hands '
                'over a new secret' % ', '.join(recorded['interrupted']))
    if not recorded['recorded_key_id']:
        return 'no secret is recorded as handed off'
    return None


def policy_controls(tenant, policy, longest):
    """The tenant's credential policy (what preflight read), judged only where the operator could read it."""
    if not policy or not policy.get('readable'):
        return []
    limit, blocked = policy.get('password_max_lifetime_days'), policy.get('password_addition_blocked')
    observed = dict(lifetime_days=longest, source=policy.get('source'), max_lifetime_days=limit,
                    password_addition_blocked=blocked)
    ok = not blocked and (limit is None or longest <= limit)
    detail = None if ok else ('the policy blocks new client secrets, so the next rotation will fail' if blocked
                              else 'a secret outlives what the policy allows')
    return [control(tenant, 'client secrets within the tenant credential policy', PASS if ok else FAIL, observed,
                    dict(password_addition_blocked=False, lifetime_days='<= %s' % (limit or MAX_SECRET_DAYS)),
                    detail=detail)]


def app_control_names(expected):
    names = ['app is multitenant', 'redirect URI is the Bookings ONE callback']
    if expected.get('instance_lock'):
        names.append('app instance property lock on')
    for permission in expected['permissions']:
        names += ['permission requested: %s' % permission, 'admin consent: %s' % permission]
    names += ['client secret present', lifetime_control_name(expected.get('secret_max_days') or MAX_SECRET_DAYS),
              'handed-off secret recorded in the tenant', 'no orphaned secrets']
    return names + [REACH] if expected.get('scoped_access') else names


def lifetime_days(secret):
    try:
        return (parse_datetime(secret['end_date_time']) - parse_datetime(secret['start_date_time'])).days
    except (KeyError, TypeError, ValueError):
        return 0


def room_controls(tenant, expected, observed):
    rooms = observed.get('rooms')
    if rooms is None:
        return [control(tenant, 'rooms readable', ERROR, None, 'room list', detail=observed.get('rooms_error'))]
    if not rooms:
        return [control(tenant, 'rooms selected', FAIL, [], 'at least one room',
                        detail='the room selection matches no room: Bookings ONE manages none')]
    delegate = (expected.get('delegate') or '').lower()
    results = []
    for room in rooms:
        address = room.get('address')
        processing = room.get('calendar_processing')
        value = (processing or {}).get
        delegates = value('resource_delegates')
        results.append(judge(tenant, 'delegate set', None if delegates is None else
                             any(str(d).lower() == delegate for d in delegates), True, lambda v: v is True, address))
        routing = None if processing is None else dict((key, value(key)) for key in DELEGATE_ROUTING)
        results.append(judge(tenant, 'requests go to the delegate', routing, DELEGATE_ROUTING,
                             lambda v: v == DELEGATE_ROUTING, address))
        results.append(judge(tenant, 'working-hours-only off', value('schedule_only_during_work_hours'), False,
                             lambda v: v is False, address))
        results.append(judge(tenant, 'auto-decline outside limits off', value('enforce_scheduling_horizon'), False,
                             lambda v: v is False, address))
        holders = room.get('full_access')
        results.append(judge(tenant, 'Full Access for the delegate', None if holders is None else
                             any(str(h).lower() == delegate for h in holders), True, lambda v: v is True, address))
    return results
