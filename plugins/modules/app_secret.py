#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: app_secret
short_description: Keep a usable client secret on an app registration, rotating it before it expires
version_added: 0.1.0
description:
  - Ensures the app registration has a client secret with the given display name that Bookings ONE
    holds and that is valid for at least O(rotate_before_days) more days; otherwise adds a new one
    with C(addPassword), proves that it signs in, hands it over and records it.
  - The tenant is the record of what Bookings ONE holds. The app registration's own C(tags) name the
    secret last handed off (C(bookingsone:handed-off:<keyId>)), earlier ones
    (C(bookingsone:handed-off-earlier:<keyId>)), secrets whose hand-off is under way
    (C(bookingsone:pending:<keyId>)) and the run that may change the record (C(bookingsone:lease:...)),
    so every controller, whatever its hand-off store holds, takes the same decision. Secret values are
    never stored there.
  - A run that has to write takes the lease in the tenant first (waiting for another run's, up to
    O(lock_timeout)), plans again on what it finds, and then mints at most one secret, records it as
    pending, signs in with it (retrying through Entra's propagation delay for up to O(sign_in_timeout)),
    hands it over, records it as the one Bookings ONE holds, and removes what the policy says. A run
    whose hand-off another run undid fails, naming both key IDs; the next run hands over a new secret.
  - Never removed - the recorded secret; a pending or unrecorded secret minted by another run within the
    last O(in_flight_seconds) (its hand-off may be under way); anything, before the new secret signed in.
    Unrecorded secrets older than that were never handed over and are removed. Earlier handed-off
    secrets are removed as O(retire_previous) says.
  - With O(handoff), the action plugin hands the new secret over on the controller (POST to Bookings ONE,
    then the encrypted file); a hand-off that certainly failed removes the new secret again, one that may
    have arrived keeps it pending and fails. Without O(handoff) the secret is returned once in
    RV(secret_text) for the caller to hand over, and recorded as handed off.
  - The result of a run that created a secret is always hidden from output, as with C(no_log), by the
    module's action plugin; keep it hidden wherever you pass it on.
  - In check mode it reports whether it would rotate or retire, and the days left, and writes nothing.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  secret_display_name:
    description: Display name of the secret; secrets of other names are left alone.
    type: str
    required: true
    aliases: [display_name]
  state:
    description:
      - V(present) keeps a usable secret; V(absent) removes every secret of this display name.
    type: str
    choices: [present, absent]
    default: present
  lifetime_days:
    description:
      - Lifetime of a new secret, 1 to 730 days (the portal's two-year maximum).
      - A tenant app management policy may allow less; the request then fails with the code
        C(CredentialInvalidLifetimeAsPerAppPolicy).
    type: int
    default: 730
  rotate_before_days:
    description: Add a new secret when the recorded one expires within this many days.
    type: int
    default: 30
  force_rotate:
    description: Add a new secret now, whatever the recorded one's expiry. A run adds at most one.
    type: bool
    default: false
  retire_previous:
    description:
      - What happens to earlier handed-off secrets once a newer one is recorded.
      - V(never) keeps them until they expire.
      - V(after_grace) removes them once the recorded secret is O(grace_days) old, so Bookings ONE has
        time to switch to it.
      - V(now) removes them in the run that hands over the new one (once it signed in).
    type: str
    choices: [never, after_grace, now]
    default: never
  grace_days:
    description: Days the recorded secret must have been valid before V(after_grace) retires earlier ones.
    type: int
    default: 14
  handed_off_key_id:
    description:
      - Key ID of a secret of this display name that the caller handed over to Bookings ONE (e.g. found in
        its own store). It becomes the recorded one when the tenant has it only as pending or unrecorded
        and it is newer than the recorded one.
    type: str
  lease_seconds:
    description: How long the lease on the hand-off record binds when its run does not give it back.
    type: int
    default: 600
  lease_settle_seconds:
    description:
      - Seconds a run waits after writing its lease before reading it back (Microsoft Graph's reads are
        eventually consistent); also the longest a lease write may take for the run to trust it.
    type: float
    default: 3.0
  lock_timeout:
    description: Seconds to wait while another run holds the lease on the hand-off record.
    type: int
    default: 900
  in_flight_seconds:
    description:
      - For how long after its start a pending or unrecorded secret minted by another run is taken to be
        in flight (its hand-off may be under way) and left alone.
    type: int
    default: 1200
  sign_in_timeout:
    description:
      - Seconds to keep trying to sign in with a new secret (Entra may refuse it for seconds after it is
        added). One that never signs in is removed again and the task fails.
    type: int
    default: 120
  retire_when:
    description:
      - With O(retire_previous=after_grace), what retires an earlier secret. V(grace) - the recorded secret is
        O(grace_days) old. V(unused) - Microsoft Entra's sign-ins per credential (Graph beta
        C(reports/appCredentialSignInActivities); AuditLog.Read.All, Microsoft Entra ID P1 or P2, global cloud only)
        show Bookings ONE has signed in with the recorded secret and not with the earlier one for O(unused_days);
        where that report cannot be read, V(grace) applies and RV(notes) says why.
    type: str
    choices: [grace, unused]
    default: grace
  unused_days:
    description: With O(retire_when=unused), days without a sign-in after which an earlier secret is retired.
    type: int
    default: 14
  handoff:
    description:
      - Hand a new secret over on the controller, in the same task (handled by the action plugin).
      - The file holds Client ID, Tenant ID, the secret, its key ID and expiry, encrypted with
        ansible-vault; an earlier file is read to record a hand-off an interrupted run did not record.
    type: dict
    suboptions:
      path:
        description: The encrypted hand-off file of this tenant.
        type: path
        required: true
      vault_id:
        description: Vault identity to encrypt with, when several are loaded.
        type: str
      url:
        description: Optional HTTPS endpoint of Bookings ONE; posted to before the file is written.
        type: str
      url_token:
        description: Bearer token for O(handoff.url).
        type: str
extends_documentation_fragment:
  - bookingsone.office365.app_key.by_id
  - bookingsone.office365.connection
  - ansible.builtin.action_common_attributes
  - bookingsone.office365.attributes
'''

EXAMPLES = r'''
- name: Keep a Bookings ONE secret, rotated 30 days before expiry
  bookingsone.office365.app_secret:
    app_id: "{{ app.app_id }}"
    secret_display_name: bookings-one
    lifetime_days: 365
    retire_previous: after_grace
  register: secret
  no_log: true
'''

RETURN = r'''
rotated:
  description: Whether a new secret was (or in check mode would be) added.
  returned: always
  type: bool
rotate_reason:
  description: Why a new secret was (or would be) added, e.g. C(expires in 12 day(s), within rotate_before_days (30)).
  returned: when rotated
  type: str
secret_text:
  description: The value of the new secret. Microsoft shows it only once.
  returned: when a secret was added without O(handoff) (not in check mode)
  type: str
key_id:
  description: Key ID of the recorded secret, or of the new one once added.
  returned: when such a secret exists
  type: str
hint:
  description: First characters of that secret, as Microsoft shows them.
  returned: when such a secret exists
  type: str
start_date_time:
  description: When that secret became valid.
  returned: when such a secret exists
  type: str
end_date_time:
  description: When that secret expires.
  returned: when such a secret exists
  type: str
days_left:
  description: Whole days until the recorded secret expires (before any rotation in this run).
  returned: when such a secret existed before the run
  type: int
retired:
  description: Key IDs of earlier handed-off secrets removed (or that would be removed).
  returned: always
  type: list
  elements: str
orphans_removed:
  description: Key IDs of secrets of this name that were never handed off, removed (or that would be).
  returned: always
  type: list
  elements: str
recorded_key_id:
  description: Key ID of the secret the tenant records as the one Bookings ONE holds.
  returned: when state is present
  type: str
record_location:
  description: Where that record is kept.
  returned: always
  type: str
in_flight:
  description: Key IDs of pending or unrecorded secrets another run may still be handing over (left alone).
  returned: always
  type: list
  elements: str
conflict:
  description: Key IDs that two runs handed over at once (both recorded; the next run replaces them).
  returned: always
  type: list
  elements: str
interrupted:
  description: Key IDs recorded as pending whose hand-off did not finish (the next run replaces them).
  returned: always
  type: list
  elements: str
proof:
  description:
    - The sign-in with the new secret - C(signed_in) (true, false, or null when it could not be tried),
      C(seconds), C(attempts), C(detail).
  returned: when a secret was added
  type: dict
handed_off:
  description: Where the new secret went.
  returned: when a secret was added
  type: str
handoff_store:
  description:
    - What the hand-off store of this run holds - C(state) (C(absent), C(unreadable), C(same) as the record,
      C(other)), C(key_id), C(says).
  returned: always
  type: dict
notes:
  description: What the run found about the hand-off record, e.g. a stale hand-off file.
  returned: always
  type: list
  elements: str
app_id:
  description: Application (client) ID of the app.
  returned: always
  type: str
tenant_id:
  description: The tenant's GUID.
  returned: always
  type: str
'''

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.module_utils import _graph_api as graph_api
from ansible_collections.bookingsone.office365.plugins.module_utils._auth import sign_in_as
from ansible_collections.bookingsone.office365.plugins.module_utils._module import M365Module
from ansible_collections.bookingsone.office365.plugins.module_utils._secret_lifecycle import (
    HANDOFF_SPEC, LIFECYCLE_SPEC, Lifecycle, ToCaller)
from ansible_collections.bookingsone.office365.plugins.module_utils._validate import check_secret_policy


def check_input(params):
    check_secret_policy(params['lifetime_days'], params['rotate_before_days'], params['grace_days'],
                        bookingsone.SECRET_MAX_LIFETIME_DAYS)


def prover(state):
    """Signs in as the app with a new secret, as Bookings ONE will; None when that cannot be tried here."""
    def prove(app_id, secret_text):
        if graph_api.get_service_principal(state.graph, app_id, select=graph_api.PRINCIPAL_FIELDS) is None:
            return dict(signed_in=None, detail='the app has no service principal in this tenant (no admin consent '
                                               'yet), so no secret of it can sign in here')
        return sign_in_as(state.connection, app_id, secret_text, state.params['sign_in_timeout'])
    return prove


def main_logic(state, handoff=None):
    """The lifecycle with `handoff` (the controller's store, from the action plugin) or, alone, the caller."""
    check_input(state.params)
    Lifecycle(state, handoff or ToCaller(state.params['handed_off_key_id']), prover(state)).run()


# The module's options (with the shared connection options added by M365Module), also used
# to run its logic in-process (plugin_utils/_inprocess.py).
SPEC = dict(
    argument_spec=dict(
        graph_api.APP_KEY_BY_ID_SPEC,
        # the secret's own name; display_name (the old name, deprecated) means the app's elsewhere
        secret_display_name=dict(type='str', required=True, aliases=['display_name'], deprecated_aliases=[
            dict(name='display_name', version='1.0.0', collection_name='bookingsone.office365')]),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        lifetime_days=dict(type='int', default=bookingsone.SECRET_MAX_LIFETIME_DAYS),
        rotate_before_days=dict(type='int', default=bookingsone.SECRET_ROTATE_BEFORE_DAYS),
        force_rotate=dict(type='bool', default=False),
        retire_previous=dict(type='str', default='never', choices=['never', 'after_grace', 'now']),
        grace_days=dict(type='int', default=bookingsone.SECRET_GRACE_DAYS),
        handed_off_key_id=dict(type='str'),
        handoff=dict(type='dict', options=HANDOFF_SPEC),
        **LIFECYCLE_SPEC
    ),
    required_one_of=[('app_id', 'unique_name')],
    mutually_exclusive=[('app_id', 'unique_name')],
)


def main():
    M365Module(**SPEC).run(main_logic)


if __name__ == '__main__':
    main()
