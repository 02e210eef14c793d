"""Unknown inventory variables."""

from __future__ import annotations

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


def test_the_known_names_are_read_once_per_process(monkeypatch):
    variables.known_names.cache_clear()
    read = []
    original = variables._yaml
    monkeypatch.setattr(variables, '_yaml', lambda path: read.append(path) or original(path))
    variables.read_once()  # as an action plugin does when Ansible loads it, before the workers fork
    files = len(read)
    assert files >= 5  # the argument specs, the defaults, the vars and the playbooks' variable files
    for _tenant in range(3):
        assert variables.unknown(['bookingsone_room_lst'], extra=['bookingsone_room_list'])
    assert len(read) == files


def test_loading_the_tenant_action_reads_the_known_names(monkeypatch):
    import importlib
    from ansible_collections.bookingsone.office365.plugins.action import tenant
    variables.known_names.cache_clear()
    importlib.reload(tenant)
    assert variables.known_names.cache_info().currsize == 1
