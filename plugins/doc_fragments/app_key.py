# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Mirrors APP_KEY_SPEC in plugins/module_utils/_graph_api.py: how a module finds the app registration.
    DOCUMENTATION = r'''
options:
  app_id:
    description:
      - Application (client) ID of the app registration.
      - The app is found by O(app_id), else by O(unique_name), else by O(display_name).
    type: str
  unique_name:
    description: Immutable unique name of the app registration.
    type: str
  display_name:
    description:
      - Display name of the app registration; when several apps share it the module fails and lists them
        instead of guessing.
    type: str
'''

    # Modules that find the app by ID or unique name only.
    BY_ID = r'''
options:
  app_id:
    description:
      - Application (client) ID of the app registration.
      - The app is found by O(app_id), else by O(unique_name).
    type: str
  unique_name:
    description: Immutable unique name of the app registration.
    type: str
'''
