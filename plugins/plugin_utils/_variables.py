# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unknown inventory variables of the collection's namespaces are refused.

A typo such as `bookingsone_room_lst` would otherwise be ignored and the room
policy applied to every room. The known names are read from the collection itself:
the roles' argument specs, the names its roles and playbooks register or set, and
the playbooks' variable files, plus what the caller documents.
"""

from __future__ import annotations

import difflib
import functools
import glob
import os
import re

import yaml
from ansible.errors import AnsibleActionFail

PREFIXES = ('bookingsone_', 'entra_app_', 'room_policy_')
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# libyaml's parser when PyYAML has it: an eighth of the CPU of the pure-Python one.
LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def _yaml(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=LOADER) or {}  # nosec B506 - a safe loader, C or Python


@functools.lru_cache(maxsize=None)
def role_defaults(role, root=ROOT):
    """A role's defaults as written (roles/<role>/defaults/main.yml), the one source of their values."""
    return _yaml(os.path.join(root, 'roles', role, 'defaults', 'main.yml'))


@functools.lru_cache(maxsize=None)
def known_names(root=ROOT):
    """The names, read once per process. Each task runs in a worker forked from ansible-playbook's main process,
    so the action plugins read them when Ansible loads them there (read_once): once per run, not once per tenant."""
    names = set()
    for spec in glob.glob(os.path.join(root, 'roles', '*', 'meta', 'argument_specs.yml')):
        for entry in (_yaml(spec).get('argument_specs') or {}).values():
            names.update((entry.get('options') or {}).keys())
    for path in glob.glob(os.path.join(root, 'playbooks', 'vars', '*.yml')) + \
            glob.glob(os.path.join(root, 'roles', '*', 'defaults', '*.yml')) + \
            glob.glob(os.path.join(root, 'roles', '*', 'vars', '*.yml')):
        names.update(_yaml(path).keys())
    # Names registered or set by the collection's own tasks exist in later tasks of a run.
    tasks = [os.path.join(root, 'roles', '*', 'tasks', '*.yml'), os.path.join(root, 'playbooks', '*.yml'),
             os.path.join(root, 'playbooks', 'tasks', '*.yml')]
    for path in [p for pattern in tasks for p in glob.glob(pattern)]:
        with open(path) as handle:
            text = handle.read()
        names.update(re.findall(r'register:\s*([a-z][a-z0-9_]*)', text))
        names.update(re.findall(r'^\s+([a-z][a-z0-9_]*):', text, re.M))
    return frozenset(n for n in names if n.startswith(PREFIXES))


def read_once():
    """Read the known names now, at an action plugin's import: in the main process, before any worker forks."""
    try:
        known_names(ROOT)  # as unknown() asks for them: one cache entry
    except (IOError, OSError, yaml.YAMLError):
        pass  # read (and the error raised) in the task that needs them, where it is reported


def unknown(variables, extra=(), root=ROOT):
    """[(name, closest known name or None)] of the variables no part of the collection knows."""
    known = known_names(root) | set(extra)
    strange = sorted(n for n in variables if n.startswith(PREFIXES) and n not in known)
    return [(n, (difflib.get_close_matches(n, sorted(known), n=1, cutoff=0.6) or [None])[0]) for n in strange]


def describe(found):
    return ', '.join('%s (did you mean %s?)' % (name, close) if close else '%s (no such variable)' % name
                     for name, close in found)


def refuse_unknown(task_vars, extra):
    """Fail the task, before anything is written, when the host has variables nobody knows."""
    strange = unknown(task_vars.keys(), extra)
    if strange:
        raise AnsibleActionFail('unknown variable(s) for %s: %s; nothing was written to this tenant'
                                % (task_vars.get('inventory_hostname'), describe(strange)))
