"""What Bookings ONE needs is defined once (plugins/module_utils/_bookingsone.py): the roles' defaults and argument
specs (YAML, which cannot import it) and the modules' option defaults must agree with it; docs/desired-state.md is
generated from it (tools/docs.py --check)."""

from __future__ import annotations

import os

import yaml

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as wanted
from ansible_collections.bookingsone.office365.plugins.modules import app_secret, preflight, tenant

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def role_file(role, *parts):
    with open(os.path.join(ROOT, 'roles', role, *parts)) as handle:
        return yaml.safe_load(handle)


def argument_defaults(role):
    options = role_file(role, 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
    return dict((name, option.get('default')) for name, option in options.items())


ENTRA = dict(entra_app_graph_permissions=list(wanted.GRAPH_PERMISSIONS),
             entra_app_secret_lifetime_days=wanted.SECRET_MAX_LIFETIME_DAYS,
             entra_app_secret_rotate_before_days=wanted.SECRET_ROTATE_BEFORE_DAYS,
             entra_app_secret_grace_days=wanted.SECRET_GRACE_DAYS,
             entra_app_secret_lease_seconds=wanted.LEASE_SECONDS,
             entra_app_secret_lease_settle_seconds=wanted.LEASE_SETTLE_SECONDS,
             entra_app_secret_sign_in_timeout=wanted.SIGN_IN_TIMEOUT,
             entra_app_lock_timeout=wanted.LEASE_WAIT_SECONDS)


def test_the_entra_roles_defaults_and_argument_spec_are_the_desired_state():
    defaults, specified = role_file('entra_app', 'defaults', 'main.yml'), argument_defaults('entra_app')
    for name, value in ENTRA.items():
        assert defaults[name] == value, name
        assert specified[name] == value, name


def test_the_room_policy_roles_automapping_is_the_desired_state():
    assert role_file('room_policy', 'defaults', 'main.yml')['room_policy_automapping'] is wanted.AUTOMAPPING
    assert argument_defaults('room_policy')['room_policy_automapping'] is wanted.AUTOMAPPING


def test_the_modules_defaults_are_the_desired_state():
    secret = app_secret.SPEC['argument_spec']
    assert (secret['lifetime_days']['default'], secret['rotate_before_days']['default'], secret['grace_days']['default']) \
        == (wanted.SECRET_MAX_LIFETIME_DAYS, wanted.SECRET_ROTATE_BEFORE_DAYS, wanted.SECRET_GRACE_DAYS)
    assert preflight.SPEC['argument_spec']['secret_grace_days']['default'] == wanted.SECRET_GRACE_DAYS
    entra = tenant.SPEC['argument_spec']['entra']['options']
    assert entra['graph_permissions']['default'] == list(wanted.GRAPH_PERMISSIONS)
    assert entra['secret']['options']['grace_days']['default'] == wanted.SECRET_GRACE_DAYS


def test_every_room_policy_option_is_one_calendar_processing_sets():
    from ansible_collections.bookingsone.office365.plugins.module_utils._exchange_api import CALENDAR_OPTIONS
    options = [option for rule in wanted.ROOM_POLICY for option, _value, _default in rule.settings]
    assert len(options) == len(set(options)) and set(options) <= set(CALENDAR_OPTIONS)
    assert sorted(wanted.room_settings()) == sorted(wanted.exchange_defaults()) == sorted(options)
