# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A per-tenant lock held by one ansible-playbook run, kept next to the hand-off files.

Tasks run in separate worker processes, so no single process spans a run. The lock
names the run's main process (the parent of every worker) and is released when
that process ends, however it ends: a run killed with SIGTERM or SIGKILL leaves a
lock the next run recognises as stale and takes over. A second run on the same
tenant waits for the first to finish, then finds the tenant converged.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time

from ansible.errors import AnsibleActionFail

from ansible_collections.bookingsone.office365.plugins.module_utils._private_file import write_private


class LockTimeout(Exception):
    pass


def _stat(pid):
    """(state, start time in clock ticks) from /proc (Linux), or (None, None) elsewhere."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
        return fields[0], int(fields[19])
    except (IOError, OSError, IndexError, ValueError):
        return None, None


def _started(pid):
    """The process's start time, so a reused pid is not taken for the holder."""
    return _stat(pid)[1]


def run_owner():
    """This run: the main ansible-playbook process, the parent of the worker running the plugin."""
    pid = os.getppid()
    return dict(host=socket.gethostname(), pid=pid, started=_started(pid))


def _alive(owner):
    if owner.get('host') != socket.gethostname():
        return True  # another machine's run: it cannot be checked from here, so it is honoured
    try:
        os.kill(owner['pid'], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    state, started = _stat(owner['pid'])
    if state == 'Z':
        return False  # ended, not yet reaped by its parent
    return owner.get('started') is None or started in (None, owner['started'])


def _read(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def acquire(directory, name, timeout, owner=None, poll=0.5):
    """Hold the lock of tenant `name` for this run; returns the stale holder it replaced, if any.

    Re-entrant within a run. Raises LockTimeout naming the holder after `timeout` seconds.
    """
    owner = owner or run_owner()
    os.makedirs(directory, 0o700, exist_ok=True)
    path = os.path.join(directory, '.%s.lock' % name)
    deadline = time.monotonic() + timeout
    while True:
        # The check and the write happen under one flock, so two runs cannot both take a free lock.
        with open(os.path.join(directory, '.locks'), 'a') as mutex:
            fcntl.flock(mutex, fcntl.LOCK_EX)
            holder = _read(path)
            if holder is None or holder == owner or not _alive(holder):
                write_private(path, json.dumps(owner).encode('utf-8'), 0o600)
                return None if holder in (None, owner) else holder
        if time.monotonic() >= deadline:
            raise LockTimeout('another run (pid %s on %s) holds the lock of %s in %s; waited %d s'
                              % (holder.get('pid'), holder.get('host'), name, directory, timeout))
        time.sleep(poll)


def hold(directory, name, timeout):
    """Take the lock for this run, as a task does: the notes to report, or the task fails (nothing written)."""
    try:
        stale = acquire(directory, name, timeout)
    except LockTimeout as exc:
        raise AnsibleActionFail('%s; nothing was written to this tenant' % exc)
    return ['took over the lock of an interrupted run (pid %s)' % stale.get('pid')] if stale else []
