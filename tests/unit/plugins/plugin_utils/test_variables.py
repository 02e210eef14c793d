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
