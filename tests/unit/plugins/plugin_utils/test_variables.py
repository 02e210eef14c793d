"""Unknown inventory variables and the per-run tenant lock."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _tenant_lock as tenant_lock
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _variables as variables


def test_known_names_come_from_the_roles_and_playbooks():
    known = variables.known_names()
    assert {'entra_app_secret_lifetime_days', 'room_policy_delegate', 'entra_app_state',
            'room_policy_checked', 'bookingsone_connection', 'bookingsone_failure'} <= known


def test_a_typo_is_named_with_the_closest_known_variable():
    found = variables.unknown(['bookingsone_room_lst', 'entra_app_secret_lifetme_days', 'bookingsone_room_list',
                               'ansible_host', 'my_own_var'], extra=['bookingsone_room_list'])
    assert variables.describe(found) == ('bookingsone_room_lst (did you mean bookingsone_room_list?), '
                                         'entra_app_secret_lifetme_days (did you mean entra_app_secret_lifetime_days?)')


def test_the_lock_is_reentrant_for_its_run_and_refuses_another(tmp_path):
    me = dict(host=tenant_lock.socket.gethostname(), pid=os.getpid(), started=tenant_lock._started(os.getpid()))
    assert tenant_lock.acquire(str(tmp_path), 'contoso', 1, owner=me) is None
    assert tenant_lock.acquire(str(tmp_path), 'contoso', 1, owner=me) is None
    other = dict(me, pid=os.getppid(), started=tenant_lock._started(os.getppid()))
    with pytest.raises(tenant_lock.LockTimeout, match='another run'):
        tenant_lock.acquire(str(tmp_path), 'contoso', 0.3, owner=other, poll=0.1)


def test_the_lock_of_a_run_that_ended_is_taken_over(tmp_path):
    ended = multiprocessing.Process(target=lambda: None)
    ended.start()
    ended.join()
    gone = dict(host=tenant_lock.socket.gethostname(), pid=ended.pid, started=12345)
    tenant_lock.acquire(str(tmp_path), 'contoso', 1, owner=gone)
    me = dict(host=gone['host'], pid=os.getpid(), started=tenant_lock._started(os.getpid()))
    assert tenant_lock.acquire(str(tmp_path), 'contoso', 1, owner=me)['pid'] == ended.pid
    assert oct(os.stat(str(tmp_path / '.contoso.lock')).st_mode & 0o777) == '0o600'
