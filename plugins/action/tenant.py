# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One tenant's Bookings ONE state in one task: preflight, app registration, admin consent,
the secret lifecycle, the room policy, and (with observe) what the audit report needs.

Each step is the logic of the collection's own module, run in this worker on one
connection (plugin_utils/_inprocess.py): the same checks, check mode, diffs and
idempotence as the modules, without a module process per step, and each object read
once. The first failing step stops the tenant and names itself.
"""

from __future__ import annotations

import fcntl
import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError
from ansible_collections.bookingsone.office365.plugins.module_utils._parallel import at_once, concurrency
from ansible_collections.bookingsone.office365.plugins.modules import (
    admin_consent, app_access_scope, app_registration, app_registration_info, app_secret, calendar_processing,
    integration_check, mailbox_permission, preflight, tenant,
)
from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _exchange_api as exchange_api
from ansible_collections.bookingsone.office365.plugins.module_utils._names import unique
from ansible_collections.bookingsone.office365.plugins.module_utils._delegate_record import former_delegates, record_delegate
from ansible_collections.bookingsone.office365.plugins.module_utils._private_file import write_private
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _variables as variables
from ansible_collections.bookingsone.office365.plugins.plugin_utils._handoff import StoreHandoff, check_store
from ansible_collections.bookingsone.office365.plugins.plugin_utils._inprocess import (
    InProcess, run_as_app, split_connection, validated_args)

# the known variable names, read once per run: here, in the main process, before any worker forks
variables.read_once()

# What Bookings ONE needs (the room policy, the scoped permissions) is defined once, in module_utils/_bookingsone.py.
SCOPED = bookingsone.SCOPED_ROLES


class StepFailed(Exception):
    def __init__(self, step, result):
        super(StepFailed, self).__init__(step)
        self.step = step
        self.result = result


class Steps(object):
    """The steps of one tenant and what they returned, merged into one task result."""

    def __init__(self, runner):
        self.runner = runner
        self.results = {}
        self.diffs = []
        self.changed = False

    def add(self, name, result):
        diff = result.pop('diff', None)
        if diff:
            self.diffs.extend(diff if isinstance(diff, list) else [diff])
        self.changed = self.changed or bool(result.get('changed'))
        self.results[name] = result
        if result.get('failed'):
            raise StepFailed(name, result)
        return result

    def run(self, name, module, args):
        return self.add(name, self.runner.run(module, args))

    def overlapped(self, *halves):
        """Run each half (a function of a Steps) at once, on this runner, each with steps of its own; then their
        results, diffs and changes join this one's in the order the halves are given, whatever order they ran in,
        and the first half's failure, in that order, is raised."""
        at_once([(half, Steps(self.runner)) for half in halves], lambda part: part[0](part[1]),
                lambda part: self.join(part[1]))

    def join(self, steps):
        self.results.update(steps.results)
        self.diffs.extend(steps.diffs)
        self.changed = self.changed or steps.changed

    def warnings(self):
        """Every step's warnings, in the order the steps ran, each once."""
        found = []
        for result in self.results.values():
            found.extend(w for w in result.get('warnings') or [] if w not in found)
        return found


def preflight_args(entra, rooms, operator_role=None):
    args = dict(operator_role=operator_role) if operator_role else {}
    if entra:
        secret = entra['secret']
        args.update(secret_lifetime_days=secret['lifetime_days'], secret_rotate_before_days=secret['rotate_before_days'],
                    secret_grace_days=secret['grace_days'], graph_permissions=entra['graph_permissions'],
                    app_unique_name=entra['unique_name'],
                    handoff_url=(entra['handoff'] or {}).get('url'))
        if entra['app']:
            args['redirect_uris'] = [entra['callback_url']]
    if rooms:
        args.update(delegate=rooms['delegate'], rooms=dict(
            (k, rooms[k]) for k in ('source', 'room_list', 'addresses', 'name_pattern', 'exclude')))
    return args


def run_entra(steps, entra, store, scoped):
    secret = entra['secret']
    app_key = dict(unique_name=entra['unique_name'])
    if entra['app']:
        requested = [p for p in entra['graph_permissions'] if p not in scoped]
        registration = steps.run('app_registration', app_registration, dict(
            app_key, display_name=entra['display_name'], sign_in_audience='AzureADMultipleOrgs',
            web_redirect_uris=[entra['callback_url']], graph_permissions=requested,
            instance_lock=entra['instance_lock']))
        if registration.get('app_id') is None:
            return  # check mode on a tenant without the app: nothing further to compare
        # Scoped permissions reach Bookings ONE through Exchange RBAC: their tenant-wide grants are revoked by
        # the rooms half once the scope holds, not here, so the app never loses its rooms in between.
        steps.run('admin_consent', admin_consent,
                  dict(app_id=registration['app_id'], permissions=requested, exclusive=not scoped))
    secret_args = dict(app_key, secret_display_name=secret['display_name'],
                       **dict((k, v) for k, v in secret.items() if k != 'display_name'))
    steps.add('app_secret', steps.runner.run(app_secret, secret_args,
                                             logic=lambda state: app_secret.main_logic(state, store)))


def record_rooms(path, changes):
    """Keep each room's settings from before its first change, for offboarding (earlier records win).
    Runs of this controller merge into the file one at a time (an flock beside it)."""
    before = dict((room['room'], room['before']) for room in changes['rooms'] if room['changed'])
    if not before:
        return
    write_private(path + '.lock', b'')
    with open(path + '.lock', 'rb') as mutex:
        fcntl.flock(mutex, fcntl.LOCK_EX)
        try:
            with open(path) as handle:
                recorded = json.load(handle)
        except (IOError, OSError, ValueError):
            recorded = {}
        for room, settings in before.items():
            recorded[room] = dict(settings, **recorded.get(room, {}))
        write_private(path, json.dumps(recorded, indent=2, sort_keys=True).encode('utf-8'))


def undo_rooms(steps, rooms, selected):
    """Offboarding: each room's settings back to the values recorded before onboarding, else Exchange's defaults;
    the delegate out of ResourceDelegates and without Full Access."""
    common = dict(concurrency=rooms['concurrency'])
    recorded = {}
    if rooms['record_file']:
        try:
            with open(rooms['record_file']) as handle:
                recorded = json.load(handle)
        except (IOError, OSError, ValueError):
            recorded = {}
    steps.run('calendar_processing', calendar_processing, dict(
        common, rooms=selected, resource_delegates=[rooms['delegate']], resource_delegates_mode='remove',
        room_settings=dict((room, settings) for room, settings in recorded.items() if room in selected),
        **bookingsone.exchange_defaults()))
    steps.run('mailbox_permission', mailbox_permission, dict(
        common, mailboxes=selected, user=rooms['delegate'], access_rights=list(bookingsone.FULL_ACCESS), state='absent'))


def read_rooms_together(exo, selected, rooms):
    """The two room steps' reads (each room's calendar processing and the delegate's permissions on it) sent
    together, so their $batch requests are in flight at once rather than one step's after the other's: the steps
    then find them in the connection's read cache (a room's answers, or its error, are the same either way). A
    write clears that cache (what was read before may be stale after it), so a step after a write reads again."""
    names = unique(selected)
    exo.invoke_each([exchange_api.calendar_processing_read(room) for room in names] +
                    [exchange_api.mailbox_permission_read(room, rooms['delegate']) for room in names],
                    rooms['concurrency'])


def run_rooms(steps, rooms, selected, check_mode, app_unique_name):
    if not selected:
        return
    if rooms['state'] == 'absent':
        return undo_rooms(steps, rooms, selected)
    common = dict(concurrency=rooms['concurrency'])
    graph = steps.runner.connection.graph
    app, former = former_delegates(graph, app_unique_name, rooms['delegate'])
    if former:  # the delegate was replaced: the one before loses its duty on these rooms (first: see record_delegate)
        steps.run('former_delegate', calendar_processing, dict(
            common, rooms=selected, resource_delegates=former, resource_delegates_mode='remove'))
        for address in former:
            steps.run('former_delegate_full_access', mailbox_permission, dict(
                common, mailboxes=selected, user=address, access_rights=['FullAccess'], state='absent'))
    read_rooms_together(steps.runner.connection.exchange, selected, rooms)
    changes = steps.run('calendar_processing', calendar_processing, dict(
        common, rooms=selected, resource_delegates=[rooms['delegate']], resource_delegates_mode='add',
        **bookingsone.room_settings()))
    if rooms['record_file'] and not check_mode:
        record_rooms(rooms['record_file'], changes)
    steps.run('mailbox_permission', mailbox_permission, dict(
        common, mailboxes=selected, user=rooms['delegate'], access_rights=list(bookingsone.FULL_ACCESS),
        automapping=rooms['automapping']))
    if app is not None and not check_mode:
        steps.add('delegate_record', dict(changed=record_delegate(graph, app, rooms['delegate'], rooms['lease_settle_seconds']),
                                          former=former))


def run_access_scope(steps, rooms, scope, selected, check_mode):
    """Exchange RBAC for Applications: the Bookings ONE app reaches the selected rooms and the delegate only.

    The tenant-wide Entra grants of the scoped permissions are revoked once every room is in scope and the
    probe mailboxes are not; then the verification counts them as gone.
    """
    info = steps.run('app_registration_info', app_registration_info, dict(unique_name=scope['app_unique_name']))
    if not info['exists']:
        if check_mode:
            return None  # nothing to compare yet: the Entra half creates the app
        raise StepFailed('app_access_scope', dict(
            msg='no app registration has unique name %r; run the Entra half first' % scope['app_unique_name']))
    app = info['app']
    access = steps.run('app_access_scope', app_access_scope, dict(
        app_id=app['app_id'], service_principal_id=app['service_principal_id'],
        members=selected + [rooms['delegate']], group=scope['group'], scope=scope['scope'], roles=sorted(SCOPED.values()),
        verify_out_of_scope=scope['out_of_scope'], concurrency=rooms['concurrency']))
    verification = access.get('verification')
    if verification and all(verification['in_scope'].values()) and all(verification['out_of_scope'].values()) \
            and verification.get('unscoped_grants'):
        revoked = steps.run('admin_consent_revoked', admin_consent, dict(
            app_id=app['app_id'], permissions=verification['unscoped_grants'], state='absent'))
        if not check_mode:
            verification = dict(verification, unscoped_grants=[], ok=True)
        access = dict(access, verification=verification, revoked=revoked.get('revoked'))
    return access


def observed_rooms(steps, rooms, checked):
    """What the audit report judges, from what the steps read (no read of its own): of each room, the options it
    judges. Only those: Ansible copies a registered result several times over, value by value, in its main process,
    and a 200-room tenant's whole reads are ~4,000 values."""
    audited = bookingsone.audited_options()
    processing = dict((r['room'].lower(), r['current']) for r in steps.results['calendar_processing']['rooms'])
    access = dict((m['mailbox'].lower(), 'FullAccess' in m['before'])
                  for m in steps.results['mailbox_permission']['mailboxes'])
    found = []
    for room in checked['rooms']:
        key = room['address'].lower()
        current = processing.get(key)
        found.append(dict(address=room['address'], full_access=[rooms['delegate']] if access.get(key) else [],
                          calendar_processing=None if current is None else
                          dict((option, current[option]) for option in audited if option in current)))
    return found


def proof_args(args, rooms, selected, steps, access, check):
    """integration_check's options from what this task's steps read: the delegate, the rooms, their booking windows,
    and in scoped mode what the access scope's verification found."""
    read = dict((room['room'].lower(), room.get('current') or {})
                for room in (steps.results.get('calendar_processing') or {}).get('rooms') or [])
    windows = dict((room, now['booking_window_in_days']) for room, now in read.items()
                   if now.get('booking_window_in_days') is not None)
    delegate = rooms['delegate'].lower()
    # as read (its delegates shown by the addresses given); a real run has just made every room forward to it
    forwarding = dict((room, not check or bool(now.get('forward_requests_to_delegates')) and delegate in [
        str(d).lower() for d in now.get('resource_delegates') or []]) for room, now in read.items())
    verification = (access or {}).get('verification') or {}
    wanted = args['proof']
    return dict(delegate=rooms['delegate'], rooms=selected, scoped=args['access_scope'] == 'rooms',
                mail_in_scope=(verification.get('in_scope') or {}).get(rooms['delegate']),
                out_of_scope=sorted(verification.get('out_of_scope') or []), send_mail=wanted['send_mail'],
                requests=wanted['mode'] == 'full', request_rooms=wanted['request_rooms'], organizer=wanted['organizer'],
                booking_windows=windows, forwarding=forwarding, answer_timeout=wanted['answer_timeout'],
                sign_in_timeout=wanted['sign_in_timeout'])


def prove(store, runner, options):
    """The proof as Bookings ONE with what the hand-off store holds: dict(ran, reason) and, when it ran,
    integration_check's result (works, first_failure, findings, events_made)."""
    stored, handed = store.opened()
    if not handed or not handed.get('client_secret'):
        return dict(ran=False, reason='not proven as Bookings ONE: %s' % (
            stored['reason'] if stored['state'] != 'readable' else '%s holds no client secret' % store.path))
    credentials = dict(tenant_id=handed.get('tenant_id') or runner.params['tenant_id'], client_id=handed['client_id'],
                       client_secret=handed['client_secret'])
    found = run_as_app(runner, credentials, integration_check, options)
    if found.get('failed'):
        return dict(ran=False, reason='the proof could not run: %s' % found.get('msg'))
    return dict(ran=True, reason=None, **dict((k, found[k]) for k in ('works', 'first_failure', 'findings', 'events_made')))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        validated = validated_args(self, tenant)
        connection_args = split_connection(validated)[0]
        args = dict((name, validated[name]) for name in tenant.SPEC['argument_spec'])
        check = bool(self._task.check_mode)
        entra, rooms = args['entra'], args['rooms']
        try:  # the controller's own checks, before any request: each names itself as the preflight's
            if args['known_variables'] is not None:
                variables.refuse_unknown(task_vars, args['known_variables'])
            if rooms:
                try:
                    concurrency(rooms)
                except InputError as exc:
                    raise AnsibleActionFail('rooms.%s; nothing was changed' % exc)
            runner = InProcess(connection_args, check, self._task.diff)
            store = None
            if entra:  # before the first write: a new secret could not be handed over otherwise
                check_store(self._loader, task_vars.get('inventory_hostname') or '',
                            os.path.dirname(os.path.abspath(entra['handoff']['path'])), check)
                store = StoreHandoff(self._loader, entra['handoff'], runner.params['ca_bundle'],
                                     runner.params['validate_certs'])
        except (AnsibleActionFail, InputError) as exc:
            raise AnsibleActionFail('preflight: %s' % exc)
        steps = Steps(runner)
        try:
            checked = args['checked'] or steps.run('preflight', preflight, preflight_args(
                entra, rooms, args['operator_role']))
            scoped = SCOPED if args['access_scope'] == 'rooms' else {}
            selected = [r['address'] for r in checked.get('rooms') or []]
            halves = []
            if entra:
                halves.append(lambda own: run_entra(own, entra, store, scoped))
            if rooms:
                halves.append(lambda own: run_rooms(own, rooms, selected, check, args['scoped_access']['app_unique_name']))
            if check and len(halves) == 2:
                # Reads only: neither half waits for the other. A real run keeps the order: the Entra half makes the
                # app the rooms half records the delegate on, both write the app's tags, and a failed Entra half
                # leaves the rooms untouched.
                steps.overlapped(*halves)
            else:
                for half in halves:
                    half(steps)
            if rooms and scoped and rooms['state'] == 'present':
                result['access_scope'] = run_access_scope(steps, rooms, args['scoped_access'], selected, check)
            proof = None
            handoff = (entra or {}).get('handoff') or args['proof'].get('handoff')
            if args['proof']['mode'] != 'off' and handoff and rooms and rooms['state'] == 'present' and \
                    (args['observe'] or not check):
                options = proof_args(args, rooms, selected, steps, result.get('access_scope'), check)
                proof = prove(store or StoreHandoff(self._loader, handoff), runner, options)
                result['proof'] = proof
            if args['observe']:
                result['observed'] = self._observe(steps, entra, rooms, checked, selected)
                if rooms:
                    result['observed']['access_scope'] = result.get('access_scope')
                if proof is not None:
                    result['observed']['proof'] = proof
            elif proof is not None and proof['ran'] and not proof['works']:
                steps.add('proof', dict(failed=True, msg='Bookings ONE cannot use this tenant: %s' % proof['first_failure']))
            elif proof is not None and not proof['ran']:
                # e.g. another controller handed the secret over: this one holds no copy to prove it with
                result.setdefault('warnings', []).append(proof['reason'])
        except StepFailed as exc:
            wrote = [name for name, step in steps.results.items() if step.get('changed') and name != exc.step]
            before = '; the steps before it changed: %s' % ', '.join(wrote) if wrote else ''
            result.update(failed=True, msg='%s: %s%s' % (exc.step, exc.result.get('msg'), before),
                          failed_step=exc.step, error=exc.result.get('error'))
        retries = runner.retries()
        # the steps' warnings are the task's (a step's own result is nested under `steps`, where Ansible shows none)
        warnings = result.get('warnings') or []
        for warning in steps.warnings():
            if warning not in warnings:
                warnings.append(warning)
        if warnings:
            result['warnings'] = warnings
        if 'observed' in result:
            result['observed']['retries'] = [retries]
            # what the steps read is in observed: each step's outcome is enough beside it, and a smaller
            # result is less for the controller to copy (a 200-room tenant's steps are ~0.2 MB)
            steps.results = dict((name, dict((k, step[k]) for k in ('changed', 'msg') if k in step))
                                 for name, step in steps.results.items())
        result.update(changed=steps.changed, steps=steps.results, retries=retries,
                      tenant_id=runner.connection.tenant_id)
        if steps.diffs and self._task.diff:
            result['diff'] = steps.diffs
        return result

    @staticmethod
    def _observe(steps, entra, rooms, checked, selected):
        found = {}
        if entra:
            found['app'] = dict(steps.run('app_registration_info', app_registration_info, dict(
                unique_name=entra['unique_name'], secret_display_name=entra['secret']['display_name'], sign_ins=True)),
                credential_policy=checked.get('app_management_policy'),
                handoff_store=(steps.results.get('app_secret') or {}).get('handoff_store'))
        if rooms:
            found['rooms'] = observed_rooms(steps, rooms, checked) if selected else []
        if checked.get('operator'):
            found['operator'] = checked['operator']
        return found
