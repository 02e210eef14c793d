# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic writes of files only their owner may read (token and metadata caches, hand-off files, locks)."""

from __future__ import annotations

import os
import tempfile


def write_private(path, content, mode=0o600):
    """Write bytes atomically, never readable by others even for a moment."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, 0o700, exist_ok=True)  # forks hand over several tenants at once
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.tmp-')  # created 0600
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content)
        os.chmod(tmp, mode if isinstance(mode, int) else int(str(mode), 8))
        os.replace(tmp, path)
    except Exception:
        os.unlink(tmp)
        raise
