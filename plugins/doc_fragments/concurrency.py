# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Mirrors CONCURRENCY_SPEC in plugins/module_utils/_parallel.py.
    DOCUMENTATION = r'''
options:
  concurrency:
    description:
      - How many rooms (mailboxes) are read or set at the same time, at most.
      - Exchange Online limits concurrent requests per tenant and documents no number for its admin API
        (three per account for PowerShell). When the tenant refuses a request for that reason, the request
        is repeated and fewer go in flight from then on, rising again while the tenant accepts them; the
        task warns when that happened.
      - Must be at least 1.
    type: int
    default: 8
'''
