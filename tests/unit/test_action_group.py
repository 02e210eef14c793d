"""Every module that takes the shared connection options is in the m365 action group, so one
module_defaults entry reaches it (a module left out would silently run without credentials)."""

from __future__ import annotations

import glob
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Signs in as the Bookings ONE app, never with the operator's credentials the group's defaults carry.
AS_BOOKINGS_ONE = {'integration_check'}


def test_connection_modules_are_in_the_action_group():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        group = set(yaml.safe_load(handle)['action_groups']['m365'])
    connected = set()
    for path in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')):
        with open(path) as handle:
            if 'bookingsone.office365.connection' in handle.read():
                connected.add(os.path.basename(path)[:-3])
    assert connected and connected - AS_BOOKINGS_ONE == group and not AS_BOOKINGS_ONE & group
