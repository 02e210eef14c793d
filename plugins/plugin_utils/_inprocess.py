# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the collection's modules' logic inside the controller's worker process.

A module process costs about half a second of controller CPU before it sends a
request; a tenant's onboarding or audit needs several modules. Here they run one
after another on one Connection: one token per resource, one HTTP session, and a
read cache that makes each object read once per task however many steps look at it.
The modules' own argument specs validate the input, so a step behaves exactly as the
module would.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.bookingsone.office365.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_MUTUALLY_EXCLUSIVE, connection_errors, full_spec,
)
from ansible_collections.bookingsone.office365.plugins.module_utils._runtime import Connection, TaskState

CONNECTION_OPTIONS = tuple(CONNECTION_ARGSPEC)


def split_connection(args):
    """(connection options, the rest) of a task's arguments, each without the options left unset."""
    given = dict((k, v) for k, v in args.items() if v is not None)
    return (dict((k, v) for k, v in given.items() if k in CONNECTION_OPTIONS),
            dict((k, v) for k, v in given.items() if k not in CONNECTION_OPTIONS))


def task_spec(module_spec):
    """Keyword arguments for ActionBase.validate_argument_spec: a module's own options checked in full,
    the connection options only accepted (secrets kept no_log). InProcess validates those, once, with
    their environment fallbacks: applied here as well, AZURE_CLIENT_SECRET in the environment would
    collide with a certificate given in the inventory."""
    accepted = dict((name, dict(type='raw', no_log=bool(option.get('no_log'))))
                    for name, option in CONNECTION_ARGSPEC.items())
    spec = dict((k, v) for k, v in module_spec.items() if k != 'supports_check_mode')
    spec['argument_spec'] = dict(accepted, **module_spec['argument_spec'])
    return spec


def _validate(spec, values):
    spec = dict(spec)
    argument_spec = spec.pop('argument_spec')
    spec.pop('supports_check_mode', None)
    outcome = ArgumentSpecValidator(argument_spec, **spec).validate(values)
    return outcome.validated_parameters, outcome.error_messages


def validated_args(action, module):
    """The task's arguments checked by ActionBase.validate_argument_spec against task_spec(module.SPEC), with
    the defaults filled in. An unknown option is reported under the module's name, as the module would."""
    action._load_name = 'bookingsone.office365.' + module.__name__.rsplit('.', 1)[-1]
    return action.validate_argument_spec(**task_spec(module.SPEC))[1]


class InProcess(object):
    """One tenant's connection, and the modules run on it."""

    def __init__(self, connection_args, check_mode, diff):
        params, errors = _validate(dict(argument_spec=CONNECTION_ARGSPEC,
                                        mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE), connection_args)
        errors = list(errors) + connection_errors(params)
        if errors:
            raise AnsibleActionFail('; '.join(errors))
        self.params = params
        self.connection = Connection(params)
        self.check_mode = check_mode
        self.diff = diff

    def run(self, module, args, logic=None):
        """The result module `module` (its SPEC and main_logic, or `logic`) would return for `args`."""
        if any(name in CONNECTION_OPTIONS for name in args):
            # Only the options that are set: mutually exclusive options count when merely present.
            given = dict((k, v) for k, v in self.params.items() if v is not None)
            params, errors = _validate(full_spec(module.SPEC), dict(given, **args))
        else:
            # The connection options were validated once, in __init__; no module's constraints name them.
            values, errors = _validate(module.SPEC, args)
            params = dict(self.params, **values)
        if errors:
            return dict(failed=True, changed=False, msg='; '.join(errors))
        state = TaskState(params, self.check_mode, self.diff, self.connection)
        result, failure = state.execute(logic or module.main_logic)
        warnings = self.connection.take_warnings()
        if warnings:
            result['warnings'] = warnings
        if failure:
            result.update(failure[1], failed=True, msg=failure[0])
        return result

    def retries(self):
        return self.connection.policy.retries()


def run_as_app(runner, credentials, module, args):
    """The result of `module`'s logic on a connection of its own that signs in as another app with `credentials`
    (tenant_id, client_id, client_secret): the operator's endpoints and limits, none of its credentials, no
    environment fallback and no token cache on disk (that app's tokens are not the operator's to keep)."""
    params = dict(runner.params, client_certificate_path=None, client_certificate_password=None,
                  client_assertion_file=None, access_token=None, token_cache=False, **credentials)
    values, errors = _validate(dict(argument_spec=module.SPEC['argument_spec']), args)
    if errors:
        return dict(failed=True, changed=False, msg='; '.join(errors))
    state = TaskState(dict(params, **values), runner.check_mode, False, Connection(params))
    result, failure = state.execute(module.main_logic)
    if failure:
        result.update(failure[1], failed=True, msg=failure[0])
    return result
