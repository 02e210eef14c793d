# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compact "ensure object" core (netbox style): read, lay the desired state over the
current one, compare, and write only the difference. app_registration uses it whole;
the other modules compare their own views and report through TaskState.record_change (_runtime.py).

A desired value of None means "not managed"; anything else, including an empty
list or False, is managed, so clearing a list is a change like any other.
"""

from __future__ import annotations


def merge(current, desired):
    """`desired` laid over `current`: dicts merge key by key, other values are replaced."""
    if isinstance(current, dict) and isinstance(desired, dict):
        merged = dict(current)
        for key, value in desired.items():
            if value is not None:
                merged[key] = merge(current.get(key), value)
        return merged
    return desired


def differences(current, desired):
    """(before, after) holding only the top-level keys of `desired` whose merged value differs."""
    current = current or {}
    before, after = {}, {}
    for key, want in desired.items():
        if want is None:
            continue
        have = current.get(key)
        merged = merge(have, want)
        if merged != have:
            before[key] = have
            after[key] = merged
    return before, after


class Ensurer(object):
    """Drives create/update/delete for one object and records the diff.

    The callables do the writes; they are never called in check mode.
    """

    def __init__(self, state):
        self.state = state  # the task's TaskState: check mode, and where the diff is recorded

    def present(self, current, desired, create, update, header=None):
        """Returns the object as it is (or would be) after the change."""
        if current is None:
            self.state.record_change({}, desired, header)
            return None if self.state.check_mode else create(desired)
        before, after = differences(current, desired)
        if not after:
            return current
        self.state.record_change(before, after, header)
        if not self.state.check_mode:
            update(after)
        return merge(current, after)

    def absent(self, current, delete, header=None):
        if current is None:
            return
        self.state.record_change(current, {}, header)
        if not self.state.check_mode:
            delete(current)
