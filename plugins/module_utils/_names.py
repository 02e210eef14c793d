# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names, addresses and ids compared as Microsoft Entra and Exchange Online compare them: ignoring case.

One place for it, so a module's input and the services' answers are matched the same way everywhere.
"""

from __future__ import annotations


def same_name(left, right):
    """Whether two names (or addresses, ids) are both given and equal, ignoring case."""
    return bool(left) and bool(right) and str(left).lower() == str(right).lower()


def unique(values):
    """The values without repeats (ignoring case), in order."""
    seen, kept = set(), []
    for value in values or []:
        if value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


def kept_once(values, option, notes):
    """unique(values); when that drops any, a note naming the option says how many were given and kept."""
    kept = unique(values)
    if len(kept) != len(values or []):
        notes.append('%s: repeated values removed (%d given, %d kept)' % (option, len(values), len(kept)))
    return kept
