# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client secret Bookings ONE holds, kept valid across any number of runs and controllers.

Invariants (README.md, "The secret Bookings ONE holds"), for any interleaving of runs, retries and kills:

  I1  The secret Bookings ONE received last exists and signs in until a later hand-off replaced it and the
      grace period has passed. No run removes a secret another run may be handing over.
  I2  A run mints at most one secret per tenant; the record names the secret this run handed over; the
      message says exactly what happened.
  I3  A run whose hand-off another run undid fails, naming both key IDs; the next run heals.
  I4  The audit fails when the recorded secret is missing or the readable hand-off store disagrees.

How (one run, one tenant):

  plan    read the app and the record (_secret_record.py); decide without writing. Converged: stop here.
  lease   take the tenant-side lease (_tenant_lease.py) and plan again on what is there now.
  mint    addPassword, then record the new key as pending before anything else leaves the run.
  prove   sign in as the app with the new secret, through Entra's propagation delay.
  hand    hand it over (Handoff: the encrypted file and POST of the controller, or the caller).
  record  the new key becomes the one Bookings ONE holds; the one it held becomes earlier. If the record
          changed under this run (its lease broken), both stay recorded and the run fails (I3).
  clean   remove orphans and what retire_previous retires, never a pending or untagged secret younger
          than the in-flight window unless this run minted it, and nothing before the new one signed in.
"""

from __future__ import annotations

import datetime

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils import _secrets as secrets
from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError, MicrosoftApiError, TaskFailed
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_plan import Plan
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_record import Record
from ansible_collections.bookingsone.office365.plugins.module_utils._sign_in_activity import last_sign_ins
from ansible_collections.bookingsone.office365.plugins.module_utils._tenant_lease import Lease, LeaseLost, LeaseTimeout

# Where a new secret goes before the tenant records it (app_secret's and the tenant task's `handoff`);
# the action plugins carry the hand-off out (plugin_utils/_handoff.py).
HANDOFF_SPEC = dict(
    path=dict(type='path', required=True),
    vault_id=dict(type='str'),
    url=dict(type='str'),
    url_token=dict(type='str', no_log=True),
)

# How runs share a tenant's record (_tenant_lease.py) and prove a new secret: app_secret's options, and the
# tenant task's entra.secret.
LIFECYCLE_SPEC = dict(
    lease_seconds=dict(type='int', default=bookingsone.LEASE_SECONDS),
    lease_settle_seconds=dict(type='float', default=bookingsone.LEASE_SETTLE_SECONDS),
    lock_timeout=dict(type='int', default=bookingsone.LEASE_WAIT_SECONDS),
    in_flight_seconds=dict(type='int', default=bookingsone.IN_FLIGHT_SECONDS),
    sign_in_timeout=dict(type='int', default=bookingsone.SIGN_IN_TIMEOUT),
    retire_when=dict(type='str', default='grace', choices=['grace', 'unused']),
    unused_days=dict(type='int', default=bookingsone.SECRET_UNUSED_DAYS),
)

# Entra's refusals under an app management policy (the tenant default or one applied to the app).
POLICY_REFUSALS = {
    'CredentialInvalidLifetimeAsPerAppPolicy': 'the app management policy does not allow a %d-day secret; '
                                               'lower lifetime_days',
    'CredentialTypeNotAllowedAsPerAppPolicy': 'the app management policy does not allow client secrets at all '
                                              '(asked for %d days); Bookings ONE needs an exemption for its app',
}


class HandoffRefused(Exception):
    """The hand-off did not reach Bookings ONE: the new secret can be removed again."""


class HandoffUncertain(Exception):
    """The hand-off may have reached Bookings ONE: the new secret must be kept."""


class LifecycleFailed(TaskFailed):
    """A run that fails after it wrote to the tenant: the message says what it wrote."""


class Handoff(object):
    """Where a new secret goes, and what the store of this run holds. See plugin_utils/_handoff.py for the
    controller's store (the encrypted file, optional POST); ToCaller below for the module alone."""

    where = 'nowhere'

    def stored(self):
        """dict(state='absent'|'unreadable'|'readable', key_id=None|str, reason=str)."""
        return dict(state='absent', key_id=None, reason='no hand-off store')

    def check(self):
        """Raise InputError when a hand-off could not be made (before anything is written)."""

    def deliver(self, data, result):
        """Hand data over; a description of where it went. Raises HandoffRefused or HandoffUncertain."""
        raise NotImplementedError


class ToCaller(Handoff):
    """The module without `handoff`: the caller receives the secret in secret_text and hands it over."""

    where = 'the task result (secret_text)'

    def __init__(self, handed_off_key_id=None):
        self.key_id = handed_off_key_id

    def stored(self):
        if self.key_id:
            return dict(state='readable', key_id=self.key_id, reason='handed_off_key_id')
        return Handoff.stored(self)

    def deliver(self, data, result):
        result['secret_text'] = data['client_secret']
        return 'returned to the caller in secret_text'


def _described(credentials, now):
    return sorted((secrets.describe(c, now) for c in credentials), key=lambda d: d['start_date_time'] or '')


class Lifecycle(object):
    """One run of the secret lifecycle on one app (see the module docstring)."""

    def __init__(self, state, handoff, prove, clock=None, sleep=None):
        self.state, self.params, self.handoff, self.prove = state, state.params, handoff, prove
        self.result = state.result
        self.done = []  # what this run wrote, in order, for the message of a run that fails half-way
        self.recorded = None  # the key ID this run recorded as handed off
        self.clock, self.sleep = clock, sleep
        self._sign_ins = None  # (sign-ins per key ID or None, why not), read once per run

    # ---------------------------------------------------------------- reading

    def find_app(self):
        params = self.params
        app = graph_api.find_app(self.state.graph, params['app_id'], params['unique_name'])
        if app is None:
            which = 'app_id %r' % params['app_id'] if params['app_id'] else 'unique_name %r' % params['unique_name']
            raise InputError('no app registration has %s' % which)
        return app

    def mine(self, app):
        return secrets.named(app, self.params['secret_display_name'])

    # ---------------------------------------------------------------- the run

    def run(self):
        app = self.find_app()
        stored = self.handoff.stored()
        lease = self._lease(app)
        if self.params['state'] == 'absent':
            return self._remove_all(app, lease)
        record = Record(app.get('tags'))
        plan = self._plan(app, record, stored, stale_pending=lease.other_holder(record) is None)
        if not plan.writes():
            self.result['msg'] = self._holds_message()
            return
        if self.state.check_mode:
            self._report_plan(plan, app)
            self.result['msg'] = 'would ' + '; would '.join(self._intentions(plan))
            return
        if plan.rotate:
            self.handoff.check()  # nothing is written when the new secret could not be handed over
        failure = None
        try:
            self._converge(lease.acquire(), lease, stored)
        except LeaseTimeout as exc:
            failure = LifecycleFailed('%s; nothing was written' % exc)
        except LifecycleFailed as exc:
            failure = exc
        except Exception as exc:  # pylint: disable=broad-except
            if not self.done:
                self._release(lease)
                raise
            failure = LifecycleFailed('%s; before that this run %s' % (exc, '; '.join(self.done)))
        restored = self._release(lease)
        if failure is not None:
            self.result['changed'] = self.result['changed'] or bool(self.done)
            raise failure
        if restored:
            self.result['changed'] = True
            raise LifecycleFailed('a write of another run dropped %s, which this run handed over and recorded, from the '
                                  'record: it is recorded again beside what that run recorded, and the next run hands '
                                  'over a new secret that replaces both; this run %s' % (restored, '; '.join(self.done)))

    def _release(self, lease):
        """Give the lease back; the key this run recorded when a write of another run had dropped it (I3)."""
        try:
            return lease.release(keep=self.recorded) and self.recorded
        except Exception:  # pylint: disable=broad-except
            self.result['notes'].append('the lease could not be released; it expires by itself')
            return None

    def _plan(self, app, record, stored, stale_pending):
        """Plan on the app as read, and say what the run found (the result's fields)."""
        now = secrets.utcnow()
        sign_ins = self._evidence(app)
        plan = Plan(record, self.mine(app), now, self.params, stored.get('key_id'), stale_pending=stale_pending,
                    sign_ins=sign_ins)
        unavailable = (self._sign_ins or (None, None))[1]
        notes = list(plan.notes) + (['the grace period applies (retire_when unused): %s' % unavailable]
                                    if unavailable else [])
        self.result.update(app_id=app['appId'], rotated=False, retired=[], orphans_removed=[], notes=notes,
                           record_location='tags of app registration %s (appId %s)' % (app['id'], app['appId']),
                           handoff_store=self._store_report(stored, plan), in_flight=sorted(plan.in_flight),
                           recorded_key_id=plan.held['keyId'] if plan.held else None,
                           conflict=plan.conflict, interrupted=plan.interrupted)
        if plan.held is not None:
            self.result.update(secrets.describe(plan.held, now))
        if plan.in_flight:
            self.result['notes'].append('left alone: %s, minted within the last %d s by a run that may still be '
                                        'handing it over' % (', '.join(sorted(plan.in_flight)),
                                                             self.params['in_flight_seconds']))
        return plan

    def _evidence(self, app):
        """Entra's last sign-in per secret of the app, when retire_when is 'unused' (else None); where the report is
        unavailable the grace period applies and the result's notes say why."""
        if self.params['retire_when'] != 'unused' or self.params['retire_previous'] != 'after_grace':
            return None
        if self._sign_ins is None:
            self._sign_ins = last_sign_ins(self.state.connection, app['appId'])
        return self._sign_ins[0]

    def _lease(self, app):
        params = self.params
        extra = dict((k, v) for k, v in (('clock', self.clock), ('sleep', self.sleep)) if v is not None)
        return Lease(self.state.graph, app['id'], params['lease_seconds'], params['lease_settle_seconds'],
                     params['lock_timeout'], **extra)

    def _converge(self, app, lease, stored):
        """Under the lease: plan again on what is there now (another run may have done it), and carry it out."""
        record = Record(app.get('tags'))
        plan = self._plan(app, record, stored, stale_pending=True)
        if not plan.writes():
            self.result['msg'] = 'another run had already done it: ' + self._holds_message()
            return
        self._report_plan(plan, app)
        existing = set(c['keyId'] for c in self.mine(app))
        base = dict(current=record.current & existing, pending=record.pending & existing)
        new, proof = None, None
        if plan.rotate:
            new, proof = self._mint_and_hand_over(app, lease, plan)
            if new is None:
                return
        recorded = self._record(lease, plan, base, new)
        retire = plan.retire if proof is None or proof.get('signed_in') else []
        if plan.retire and not retire:
            self.result['notes'].append('nothing retired: the new secret could not be proven to sign in')
        # removed under the lease; their tags go with the release (a record drops what no longer exists)
        for credential in plan.orphans + [c for c in retire if c not in plan.orphans]:
            self._remove(app, credential)
        self.result.update(retired=sorted(c['keyId'] for c in retire),
                           orphans_removed=sorted(c['keyId'] for c in plan.orphans), recorded_key_id=recorded)
        self.result['msg'] = self._message(plan, new, recorded)

    def _mint_and_hand_over(self, app, lease, plan):
        now = secrets.utcnow()
        new = self._add_password(app, now)
        key = new['keyId']
        self.state.result.update(secrets.describe(new, now), rotated=True,
                                 days_left=secrets.days_left(plan.held, now) if plan.held else None)
        self.done.append('added secret %s' % key)
        lease.update(lambda r, _existing: r.mint(key))
        self.done.append('recorded %s as pending' % key)
        proof = self.prove(app['appId'], new['secretText'])
        self.result['proof'] = dict((k, v) for k, v in proof.items() if k != 'token')
        if proof.get('signed_in') is False:
            self._undo(app, lease, new, 'it never signed in (%s)' % proof.get('detail'))
        if proof.get('signed_in') is None:
            self.result['notes'].append('not proven: %s' % proof.get('detail'))
        data = dict(client_id=app['appId'], tenant_id=self.state.tenant_id, client_secret=new['secretText'],
                    secret_key_id=key, secret_expires=new['endDateTime'])
        try:
            self.result['handed_off'] = self.handoff.deliver(data, self.result)
        except HandoffRefused as exc:
            self._undo(app, lease, new, 'its hand-off failed: %s' % exc)
        except HandoffUncertain as exc:
            raise LifecycleFailed('the hand-off of new secret %s may or may not have reached Bookings ONE (%s): it '
                                  'stays recorded as pending, and the next run hands over a new one; this run %s'
                                  % (key, exc, '; '.join(self.done)))
        self.done.append('handed over %s (%s)' % (key, self.result['handed_off']))
        return new, proof

    def _undo(self, app, lease, new, why):
        """A new secret that never reached Bookings ONE is removed again; the run fails."""
        self._remove(app, new)
        lease.update(lambda r, _existing: r.forget([new['keyId']]))
        raise LifecycleFailed('new secret %s was removed again because %s; this run %s, then removed it'
                              % (new['keyId'], why, '; '.join(self.done)))

    def _record(self, lease, plan, base, new):
        """The record names what Bookings ONE holds now; a record changed under this run is a conflict (I3)."""
        key = new['keyId'] if new else plan.adopt
        seen = {}

        def change(record, existing):
            # another run's hand-off since this run took the lease: one recorded, or one under way (pending and
            # not already pending then: those belong to runs that were gone, or that record it as a conflict)
            others = ((record.current & existing) - base['current'] - {key}) | \
                ((record.pending & existing) - base['pending'] - {key})
            seen['others'] = sorted(others)
            if others and key:
                record.conflict(key, superseded=base['current'])
                return
            record.settle_pending()
            record.earlier |= (set(plan.legacy) & existing) - {key}
            if key:
                record.hand_off(key)
            record.marked = True

        try:
            lease.update(change)
        except LeaseLost:
            lease.update(change, require=False)  # a hand-off that happened must be recorded all the same
            seen.setdefault('others', [])
            if not seen['others']:
                seen['others'] = ['(lease taken by another run)']
        if seen['others'] and key:
            raise LifecycleFailed('another run recorded %s while this run handed over %s: Bookings ONE may hold '
                                  'either, so both stay recorded and the next run hands over a new secret that '
                                  'replaces both; this run %s' % (', '.join(seen['others']), key, '; '.join(self.done)))
        if key:
            self.recorded = key
            self.done.append('recorded %s as the secret Bookings ONE holds' % key)
            return key
        return plan.held['keyId'] if plan.held else None

    def _add_password(self, app, now):
        days = self.params['lifetime_days']
        end = now + datetime.timedelta(days=days)
        try:
            return graph_api.add_password(self.state.graph, app['id'], self.params['secret_display_name'],
                                          secrets.format_datetime(end))
        except MicrosoftApiError as exc:
            explained = POLICY_REFUSALS.get(exc.code)
            if explained is None:
                raise
            raise exc.with_message('%s. Microsoft Graph said: %s' % (explained % days, exc.message)) from exc

    def _remove(self, app, credential):
        try:
            graph_api.remove_password(self.state.graph, app['id'], credential['keyId'])
        except MicrosoftApiError as exc:
            if exc.status != 404:  # another run removed it first
                raise
        self.done.append('removed secret %s' % credential['keyId'])

    def _remove_all(self, app, lease):
        mine = self.mine(app)
        if not mine:
            self.result['msg'] = 'no secret named %r' % self.params['secret_display_name']
            return
        self.state.record_change(dict(secrets=_described(mine, None)), dict(secrets=[]))
        self.result.update(retired=sorted(c['keyId'] for c in mine), recorded_key_id=None)
        if self.state.check_mode:
            return
        lease.acquire()
        try:
            for credential in mine:
                self._remove(app, credential)
            lease.update(lambda r, _existing: r.forget(c['keyId'] for c in mine))
        finally:
            lease.release()
        self.result['msg'] = 'removed every secret named %r: %s' % (
            self.params['secret_display_name'], ', '.join(sorted(c['keyId'] for c in mine)))

    # ---------------------------------------------------------------- what it says

    def _report_plan(self, plan, app):
        """The diff of the client secrets, and what would be (or is being) removed."""
        before = _described(self.mine(app), secrets.utcnow())
        gone = set(c['keyId'] for c in plan.orphans + plan.retire)
        after = [d for d in before if d['key_id'] not in gone]
        if plan.rotate:
            after.append('new secret %r valid for %d days' % (
                self.params['secret_display_name'], self.params['lifetime_days']))
            self.result.update(rotated=True, rotate_reason=plan.rotate)
        self.state.record_change(dict(secrets=before), dict(secrets=after), header='client secrets')
        self.result['retired'] = sorted(c['keyId'] for c in plan.retire)
        self.result['orphans_removed'] = sorted(c['keyId'] for c in plan.orphans)

    def _intentions(self, plan):
        said = []
        if plan.adopt:
            said.append('record %s from the hand-off store as the secret Bookings ONE holds' % plan.adopt)
        if plan.rotate:
            said.append('add a new secret (%s)' % plan.rotate)
        if plan.orphans:
            said.append('remove secret(s) never handed off: %s' % ', '.join(sorted(c['keyId'] for c in plan.orphans)))
        if plan.retire:
            said.append('remove earlier handed-off secret(s): %s' % ', '.join(sorted(c['keyId'] for c in plan.retire)))
        return said

    def _holds_message(self):
        result = self.result
        if not result.get('recorded_key_id'):
            return 'no secret is recorded as handed off'
        return 'Bookings ONE holds secret %s (%s days left), recorded in the %s; %s' % (
            result['recorded_key_id'], result.get('days_left'), result['record_location'],
            result['handoff_store']['says'])

    def _message(self, plan, new, recorded):
        parts = []
        if new:
            proof = self.result.get('proof') or {}
            proven = 'signed in with it after %s s' % proof['seconds'] if proof.get('signed_in') else 'NOT proven'
            parts.append('minted new secret %s (%s), %s, handed it over to %s and recorded it in the %s' % (
                new['keyId'], plan.rotate, proven, self.result['handed_off'], self.result['record_location']))
        elif plan.adopt:
            parts.append('recorded the hand-off of %s found in the hand-off store' % plan.adopt)
        else:
            parts.append('Bookings ONE holds secret %s' % recorded)
        if self.result['orphans_removed']:
            parts.append('removed secret(s) never handed off: %s' % ', '.join(self.result['orphans_removed']))
        if self.result['retired']:
            parts.append('removed earlier handed-off secret(s): %s' % ', '.join(self.result['retired']))
        return '; '.join(parts)

    @staticmethod
    def _store_report(stored, plan):
        held = plan.held['keyId'] if plan.held else None
        state = stored['state']
        if state == 'readable':
            state = 'same' if stored['key_id'] in (held, plan.adopt) else 'other'
        says = dict(
            absent='no copy in the hand-off store',
            unreadable='the hand-off store could not be read (%s)' % stored.get('reason'),
            same='the hand-off store holds the same secret',
            other='the hand-off store holds another secret (keyId %s)' % stored.get('key_id'),
        )[state]
        return dict(state=state, key_id=stored.get('key_id'), says=says)
