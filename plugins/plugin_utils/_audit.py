# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance controls of a Bookings ONE tenant, judged from what the read-only
modules observed. A control whose value could not be read is an error, never a pass.

A control is data: a stable `id`, the overview `group` it counts in, its `subject` (tenant,
app or room, and the room's address in `room`), a `name` for people, typed `expected` and
`observed` values, its `status`, a `detail` and, when it does not pass, a `fix`. CATALOGUE
is the one place that names them; reports read these fields and never parse a name."""

from __future__ import annotations

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _operator_access as operator_access
from ansible_collections.bookingsone.office365.plugins.module_utils._secrets import parse_datetime

PASS, FAIL, ERROR = 'pass', 'fail', 'error'
MAX_SECRET_DAYS = bookingsone.SECRET_MAX_LIFETIME_DAYS
# The baselines a report can judge against (bookingsone_audit_profile). `baseline` is what the collection
# sets up; `strict` adds what tenants' security tools ask for: CISA ScubaGear's 180-day app secrets, the
# app instance property lock (Zero Trust assessment) and Exchange RBAC-scoped mailbox access (Maester).
PROFILES = dict(
    baseline=dict(description='the Bookings ONE setup as the collection makes it', secret_max_days=MAX_SECRET_DAYS,
                  instance_lock=False, scoped_access=False, operator_least_privilege=False),
    strict=dict(description='baseline, plus client secrets of at most 180 days, the app instance property lock, '
                            'mailbox access scoped to the managed rooms and an operator that holds no more than its '
                            'role needs', secret_max_days=180,
                instance_lock=True, scoped_access=True, operator_least_privilege=True),
)

FIX_READ = ('check that the operator identity holds what audit.yml needs in this tenant (README: "The operator '
            'identity and what it needs"), then run audit.yml again')
FIX_FORCE = 'run rotate_secrets.yml -e entra_app_secret_force_rotate=true'
# Every kind of control, by id ('*' stands for a Graph permission): the overview group it counts in, its
# subject, its name for people ('%s' is the permission, or the profile's lifetime limit) and what fixes it
# when it fails. A control in error gets FIX_READ, except those that are only ever errors.
CATALOGUE = {
    'tenant.reachable': ('reach', 'tenant', 'tenant reachable',
                         'check the operator credentials of this tenant (bookingsone_tenant_id, bookingsone_client_id '
                         'and its secret or certificate) and the operator\'s consent there, then run audit.yml again'),
    'app.exists': ('app', 'app', 'app registration exists', 'run onboard.yml'),
    'app.multitenant': ('app', 'app', 'app is multitenant', 'run onboard.yml (makes the app multitenant again)'),
    'app.redirect_uri': ('app', 'app', 'redirect URI is the Bookings ONE callback',
                         'run onboard.yml (restores the redirect URI)'),
    'app.instance_lock': ('app', 'app', 'app instance property lock on',
                          'run onboard.yml (sets the lock; entra_app_instance_lock: true)'),
    'permission.*': ('consent', 'app', 'permission requested: %s', 'run onboard.yml (requests %s)'),
    'consent.*': ('consent', 'app', 'admin consent: %s', 'run onboard.yml (grants admin consent to %s)'),
    'secret.present': ('secret', 'app', 'client secret present', 'run rotate_secrets.yml'),
    'secret.lifetime': ('secret', 'app', 'client secret lifetime at most %s',
                        'set entra_app_secret_lifetime_days within the limit, then ' + FIX_FORCE),
    'secret.recorded': ('secret', 'app', 'handed-off secret recorded in the tenant',
                        FIX_FORCE + ' (hands over a new secret and records it)'),
    'secret.no_orphans': ('secret', 'app', 'no orphaned secrets',
                          'run rotate_secrets.yml (removes the secrets never handed off)'),
    'secret.store': ('secret', 'app', 'hand-off store holds the recorded secret',
                     'copy the hand-off file of the controller that handed the recorded secret over into '
                     'entra_app_handoff_dir, or ' + FIX_FORCE + ' from this controller'),
    'secret.policy': ('secret', 'tenant', 'client secrets within the tenant credential policy',
                      'set entra_app_secret_lifetime_days within the policy, then ' + FIX_FORCE),
    'scope.rooms_only': ('scope', 'app', 'Bookings ONE can reach only the managed rooms',
                         'set bookingsone_access_scope: rooms, then run onboard.yml'),
    'operator.least_privilege': ('scope', 'tenant', 'the operator holds no more than its role needs',
                                 'remove what the operator holds beyond bookingsone_operator_role: run '
                                 'playbooks/bootstrap.yml with that role (it grants exactly the role\'s), or set '
                                 'bookingsone_operator_role to what the operator is for'),
    'proof.sign_in': ('proof', 'app', 'Bookings ONE signs in with the secret handed over to it',
                      'run rotate_secrets.yml -e entra_app_secret_force_rotate=true (hands Bookings ONE a new secret)'),
    'proof.*': ('proof', 'app', 'Bookings ONE can use %s', 'run onboard.yml (grants admin consent to %s)'),
    'proof.scope': ('proof', 'app', 'Bookings ONE is refused a mailbox it does not manage',
                    'run onboard.yml (puts only the managed rooms and the delegate in the scope)'),
    'proof.room_request': ('proof', 'room', 'a booking request reaches the delegate',
                           'run onboard.yml (the room policy); if it still fails, compare the room\'s other booking '
                           'settings (Get-CalendarProcessing) with Set-CalendarProcessing\'s documentation'),
    'rooms.readable': ('rooms', 'tenant', 'rooms readable',
                       'give the operator an Exchange role that reads the rooms (Global Reader or Security Reader), '
                       'then run audit.yml again'),
    'rooms.selected': ('rooms', 'tenant', 'rooms selected',
                       'set bookingsone_room_addresses, bookingsone_room_list or bookingsone_room_name_pattern to '
                       'rooms of this tenant'),
    'room.delegate_set': ('rooms', 'room', 'delegate set', 'run onboard.yml (makes bookingsone_delegate the delegate)'),
    'room.full_access': ('rooms', 'room', 'Full Access for the delegate',
                         'run onboard.yml (grants bookingsone_delegate Full Access)'),
}
CATALOGUE.update((rule.id, ('rooms', 'room', rule.name, rule.fix)) for rule in bookingsone.ROOM_POLICY)
ONLY_ERRORS = ('tenant.reachable', 'rooms.readable')
FIX_DELEGATE = 'set bookingsone_delegate to a recipient of the tenant, then run onboard.yml'
NOT_ONBOARDED = 'not onboarded: the tenant has no Bookings ONE app registration'

SECRET_STATES = dict(
    missing='no secret is recorded as handed off',
    expired='EXPIRED %(days)s day(s) ago (%(end)s): Bookings ONE cannot sign in; run rotate_secrets.yml now',
    rotate='expires in %(days)s day(s), within the rotation threshold of %(threshold)s days: run rotate_secrets.yml',
)
SCOPED_PERMISSIONS = tuple(sorted(bookingsone.SCOPED_ROLES))


def kind_of(ident):
    """(group, subject, name, fix, argument) of a control id; argument is what '*' stands for, else None."""
    if ident in CATALOGUE:
        return CATALOGUE[ident] + (None,)
    head, _dot, argument = ident.partition('.')
    if argument and head + '.*' in CATALOGUE:
        return CATALOGUE[head + '.*'] + (argument,)
    raise KeyError('no control has the id %r' % ident)


def control(tenant, ident, status, observed, expected, room=None, detail=None, name=None, fix=None):
    """One judged control. name and fix default to the catalogue's; a control that passes has no fix."""
    group, subject, label, hint, argument = kind_of(ident)
    if name is None:
        name = label % (argument if argument is not None else 'the limit') if '%s' in label else label
    if status == PASS:
        fix = None
    elif fix is None:
        fix = FIX_READ if status == ERROR and ident not in ONLY_ERRORS else \
            hint % argument if argument is not None and '%s' in hint else hint
    return dict(tenant=tenant, room=room, id=ident, group=group, subject=subject, name=name, status=status,
                observed=observed, expected=expected, detail=detail, fix=fix)


def judge(tenant, ident, observed, expected, ok, room=None, fix=None):
    """pass/fail by ok(observed); error when nothing was observed."""
    if observed is None:
        return control(tenant, ident, ERROR, None, expected, room, 'could not be read')
    return control(tenant, ident, PASS if ok(observed) else FAIL, observed, expected, room, fix=fix)


def _names():
    exact, patterns = {}, []
    for ident, (_group, _subject, label, _fix) in CATALOGUE.items():
        if '%s' in label:
            patterns.append((label.split('%s', maxsplit=1)[0], ident))
        else:
            exact[label] = ident
    return exact, patterns


_EXACT, _PATTERNS = _names()


def id_of_name(name):
    """The id of the control a 1.x report knew by its name only (they name controls as this version does),
    e.g. 'admin consent: Mail.Send' -> 'consent.Mail.Send'; None for a name no control has."""
    if name in _EXACT:
        return _EXACT[name]
    for prefix, ident in _PATTERNS:
        if name.startswith(prefix) and len(name) > len(prefix):
            return ident.replace('*', name[len(prefix):])
    return None


def lifetime_control_name(days):
    return 'client secret lifetime at most 2 years' if days == MAX_SECRET_DAYS else \
        'client secret lifetime at most %d days' % days


def tenant_controls(tenant, expected, observed):
    """Controls of one tenant.

    expected: callback_url, permissions, delegate, rotate_before_days, secret_display_name,
              secret_max_days, instance_lock (bool: judged), scoped_access (bool: judged),
              operator_role (judged when set: what the operator is for)
    observed: {'error': str} when the tenant could not be read at all, else
              {'app': app_registration_info result or None, 'rooms': room_info rooms or None,
               'rooms_error': str or None}
    A tenant without the app registration is not onboarded: one failed control, 'app.exists', says so
    instead of a failure per app control; its rooms are still judged."""
    if observed is None or observed.get('error'):
        reason = (observed or {}).get('error') or 'the tenant was not reached'
        return [control(tenant, 'tenant.reachable', ERROR, None, True, detail=reason)]
    operator = [operator_control(tenant, expected['operator_role'], observed.get('operator'))] \
        if expected.get('operator_role') else []
    app_info = observed.get('app')
    if app_info is not None and not app_info.get('exists'):
        return operator + [control(tenant, 'app.exists', FAIL, False, True, detail=NOT_ONBOARDED)] + \
            room_controls(tenant, expected, observed)
    app = (app_info or {}).get('app') if app_info is not None else None
    results = operator + [judge(tenant, 'app.exists', None if app_info is None else True, True, lambda v: v is True)]
    results.extend(app_controls(tenant, expected, app))
    results.extend(secret_controls(tenant, expected, app_info, app))
    results.extend(room_controls(tenant, expected, observed))
    if expected.get('scoped_access'):
        results.append(scope_control(tenant, observed.get('access_scope'), (app or {}).get('granted_permissions')))
    results.extend(proof_controls(tenant, observed.get('proof')))
    return results


def proof_controls(tenant, proof):
    """What Bookings ONE itself could do (integration_check's findings), a control per step; none when the proof
    did not run (the report says "not proven" and why)."""
    if not proof or not proof.get('ran'):
        return []
    found = []
    for step in proof.get('findings') or []:
        ident = 'proof.' + step['step']
        observed = dict(ok=step['ok'], detail=step.get('detail'), http_status=step.get('status'))
        found.append(control(tenant, ident, PASS if step['ok'] else FAIL, observed, dict(ok=True), room=step.get('room'),
                             detail=None if step['ok'] else step.get('detail'), fix=step.get('fix')))
    return found


def operator_control(tenant, role_name, operator):
    """The operator identity holds no more than its role (bookingsone_operator_role) needs, as its own tokens state:
    no other Graph or Exchange application permission (the optional ones aside), no other directory role."""
    role = bookingsone.OPERATOR_ROLES[role_name]
    expected = dict(role=role.name, graph=list(role.graph) + list(bookingsone.OPERATOR_OPTIONAL_GRAPH),
                    exchange=[operator_access.MANAGE_AS_APP] if role.exchange else [],
                    directory_roles=[role.directory_role] if role.directory_role else [])
    if not operator:
        return control(tenant, 'operator.least_privilege', ERROR, None, expected, detail='not read')
    observed = dict((key, operator.get(key)) for key in ('graph', 'exchange', 'directory_roles'))
    if operator.get('directory_roles') is None:
        return control(tenant, 'operator.least_privilege', ERROR, observed, expected,
                       detail='the operator\'s token does not state its Microsoft Entra roles (no wids claim)')
    more = operator_access.extra(operator, role)
    said = ['%s %s' % (kind.replace('_', ' '), ', '.join(names)) for kind, names in sorted(more.items()) if names]
    return control(tenant, 'operator.least_privilege', FAIL if said else PASS, observed, expected,
                   detail='holds more than %s needs: %s' % (role.name, '; '.join(said)) if said else None)


def app_controls(tenant, expected, app):
    """The app's settings, and each permission requested and consented."""
    get = (app or {}).get
    results = [judge(tenant, 'app.multitenant', get('sign_in_audience'), 'AzureADMultipleOrgs',
                     lambda v: v == 'AzureADMultipleOrgs')]
    callback = expected['callback_url']
    # exactly the callback: any other URI (an attacker's, a javascript: one) could receive sign-in codes
    results.append(judge(tenant, 'app.redirect_uri', get('web_redirect_uris'), [callback],
                         lambda v: list(v) == [callback],
                         fix=None if callback else 'set bookingsone_callback_url, then run onboard.yml'))
    if expected.get('instance_lock'):
        results.append(judge(tenant, 'app.instance_lock', get('instance_lock'), True, lambda v: v is True))
    requested, granted = get('requested_permissions'), get('granted_permissions')
    for permission in expected['permissions']:
        results.append(judge(tenant, 'permission.' + permission,
                             None if requested is None else permission in requested, True, lambda v: v is True))
        results.append(judge(tenant, 'consent.' + permission,
                             None if granted is None else permission in granted, True, lambda v: v is True))
    return results


def held_secret(secrets, expected, record):
    """The secret Bookings ONE holds: the recorded one; before a record exists, the newest of ours."""
    mine = [s for s in secrets if s.get('display_name') == expected.get('secret_display_name')] or secrets
    recorded = [s for s in mine if s.get('key_id') == record.get('recorded_key_id')]
    if recorded:
        return mine, recorded[0]
    return mine, None if record.get('marked') or not mine else max(mine, key=lambda s: s.get('days_left') or 0)


def secret_controls(tenant, expected, app_info, app):
    """The secret Bookings ONE holds and its days left, the longest lifetime, the hand-off record and store,
    and the tenant's credential policy."""
    secrets = (app or {}).get('secrets')
    max_days = expected.get('secret_max_days') or MAX_SECRET_DAYS
    threshold = expected['rotate_before_days']
    lifetime = dict(name=lifetime_control_name(max_days),
                    fix='set entra_app_secret_lifetime_days to at most %d, then %s' % (max_days, FIX_FORCE))
    if secrets is None:
        return [judge(tenant, 'secret.present', None, dict(days_left_at_least=threshold), bool),
                control(tenant, 'secret.lifetime', ERROR, None, dict(lifetime_days_at_most=max_days),
                        detail='could not be read', name=lifetime['name'])]
    record = app.get('handoff_record') or {}
    mine, held = held_secret(secrets, expected, record)
    days = held['days_left'] if held else None
    state = 'missing' if held is None else 'expired' if held.get('expired') or days < 0 else \
        'rotate' if days < threshold else 'ok'
    results = [control(tenant, 'secret.present', PASS if state == 'ok' else FAIL,
                       dict(days_left=days, key_id=held and held.get('key_id'), state=state,
                            end_date_time=held and held.get('end_date_time'),
                            # Entra's last sign-in per secret, when the operator could read it (None: not known)
                            last_sign_in=dict((s.get('key_id'), s.get('last_sign_in')) for s in mine
                                              if s.get('last_sign_in')) or None),
                       dict(days_left_at_least=threshold),
                       detail=None if state == 'ok' else SECRET_STATES[state] % dict(
                           days=abs(days or 0), threshold=threshold, end=held and held.get('end_date_time')))]
    longest = max([lifetime_days(s) for s in mine] or [0])
    results.append(control(tenant, 'secret.lifetime', PASS if longest <= max_days else FAIL,
                           dict(lifetime_days=longest), dict(lifetime_days_at_most=max_days), **lifetime))
    results.extend(record_controls(tenant, app_info.get('app') and record, app_info.get('handoff_store')))
    results.extend(policy_controls(tenant, app_info.get('credential_policy'), longest))
    return results


def scope_control(tenant, access, granted):
    """Exchange RBAC for Applications holds: every room in scope, an ordinary mailbox out of it, and no
    tenant-wide grant of the mailbox permissions left (Exchange adds those to the scoped ones)."""
    expected = dict(rooms_in_scope='all', ordinary_mailbox_out_of_scope=True, tenant_wide_grants=[])
    verification = (access or {}).get('verification')
    if not verification:
        wide = sorted(p for p in granted or [] if p in SCOPED_PERMISSIONS)
        detail = 'no Exchange RBAC scope for the app' + (': %s granted tenant-wide' % ', '.join(wide) if wide else '')
        return control(tenant, 'scope.rooms_only', FAIL, dict(scope=None, tenant_wide_grants=wide), expected,
                       detail=detail)
    inside, outside = verification.get('in_scope') or {}, verification.get('out_of_scope') or {}
    wide = verification.get('unscoped_grants')
    if wide is None:
        return control(tenant, 'scope.rooms_only', ERROR, None, expected,
                       detail='the app\'s tenant-wide grants could not be read')
    observed = dict(rooms_in_scope='%d of %d' % (sum(1 for v in inside.values() if v), len(inside)),
                    not_in_scope=sorted(a for a, v in inside.items() if not v),
                    reachable_outside=sorted(a for a, v in outside.items() if not v), probes=sorted(outside),
                    tenant_wide_grants=wide)
    ok = inside and all(inside.values()) and outside and all(outside.values()) and not wide
    detail = None if ok else 'tenant-wide grants left: %s' % ', '.join(wide) if wide else \
        'no ordinary mailbox was tested' if not outside else 'the scope does not hold'
    # the scope exists: onboarding rebuilds it and revokes what is left tenant-wide
    return control(tenant, 'scope.rooms_only', PASS if ok else FAIL, observed, expected, detail=detail,
                   fix='run onboard.yml (puts every managed room in the scope and revokes tenant-wide grants)')


RECORD_EXPECTED = dict(recorded_key_id='the key ID of an existing secret', dangling=[], conflict=[], interrupted=[])


def record_controls(tenant, record, store=None):
    """The hand-off record in the tenant names one live secret, no hand-off is left half done, no secret of ours
    is unaccounted for, and the hand-off store this run could read holds the recorded secret."""
    if not record:
        return [control(tenant, ident, ERROR, None, expected, detail='could not be read') for ident, expected in
                (('secret.recorded', RECORD_EXPECTED), ('secret.no_orphans', []))]
    recorded = dict(recorded_key_id=record.get('recorded_key_id'), dangling=record.get('dangling') or [],
                    conflict=record.get('conflict') or [], interrupted=record.get('interrupted') or [])
    problem = record_problem(recorded)
    orphans = record.get('orphans') or []
    unread = store.get('says') if store and store.get('state') in ('absent', 'unreadable') else None
    found = [control(tenant, 'secret.recorded', FAIL if problem else PASS, recorded, RECORD_EXPECTED,
                     detail=problem or (unread and '%s: not compared with the record' % unread)),
             control(tenant, 'secret.no_orphans', PASS if not orphans else FAIL, orphans, [],
                     detail=None if not orphans else 'secrets never handed off: %s' % ', '.join(orphans))]
    if store and store.get('state') in ('same', 'other'):
        # only a store this run could open is compared; one it could not, or none, is said in the detail above
        found.append(control(tenant, 'secret.store', PASS if store['state'] == 'same' else FAIL,
                             dict(store_key_id=store.get('key_id')), dict(store_key_id=recorded['recorded_key_id']),
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
    fix = ('ask the tenant\'s administrator to allow client secrets for the app (its app management policy): '
           'rotation fails until then') if blocked else None
    return [control(tenant, 'secret.policy', PASS if ok else FAIL, observed,
                    dict(password_addition_blocked=False, lifetime_days_at_most=limit or MAX_SECRET_DAYS),
                    detail=detail, fix=fix)]


def lifetime_days(secret):
    try:
        return (parse_datetime(secret['end_date_time']) - parse_datetime(secret['start_date_time'])).days
    except (KeyError, TypeError, ValueError):
        return 0


def room_controls(tenant, expected, observed):
    rooms = observed.get('rooms')
    if rooms is None:
        return [control(tenant, 'rooms.readable', ERROR, None, True, detail=observed.get('rooms_error'))]
    if not rooms:
        return [control(tenant, 'rooms.selected', FAIL, [], dict(rooms_at_least=1),
                        detail='the room selection matches no room: Bookings ONE manages none')]
    delegate = (expected.get('delegate') or '').lower()
    # without a delegate to compare with, setting one is the fix, not a rerun of the onboarding
    named = None if delegate else FIX_DELEGATE
    results = []
    for room in rooms:
        address = room.get('address')
        processing = room.get('calendar_processing')
        value = (processing or {}).get
        delegates = value('resource_delegates')
        results.append(judge(tenant, 'room.delegate_set', None if delegates is None else
                             any(str(d).lower() == delegate for d in delegates), True, lambda v: v is True, address,
                             fix=named))
        for rule in bookingsone.ROOM_POLICY:
            wanted = rule.wanted()
            results.append(judge(tenant, rule.id, None if processing is None else rule.seen(processing), wanted,
                                 lambda v, wanted=wanted: v == wanted, address))
        holders = room.get('full_access')
        results.append(judge(tenant, 'room.full_access', None if holders is None else
                             any(str(h).lower() == delegate for h in holders), True, lambda v: v is True, address,
                             fix=named))
    return results
