# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Modules that change a tenant: full check mode (no write) and diff.
    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/bookingsone.office365.m365) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - bookingsone.office365.m365
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
'''

    # Read-only modules.
    INFO_MODULE = r'''
attributes:
  action_group:
    description: Use C(group/bookingsone.office365.m365) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - bookingsone.office365.m365
  check_mode:
    support: full
    details: Only reads, so it runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: all
'''
