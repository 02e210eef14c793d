# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks run before the first write; each message names the bad value."""

from __future__ import annotations

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.bookingsone.office365.plugins.module_utils._errors import InputError

_LOCAL_HOSTS = ('localhost', '127.0.0.1', '[::1]')


def check_redirect_uri(uri, option):
    """A Web platform redirect URI: absolute https, or http on localhost only.

    https://learn.microsoft.com/entra/identity-platform/reply-url
    """
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or not host or parts.scheme not in ('https', 'http'):
        raise InputError('%s: %r is not an absolute https:// URL' % (option, uri))
    if parts.scheme == 'http' and host not in _LOCAL_HOSTS and '[%s]' % host not in _LOCAL_HOSTS:
        raise InputError('%s: %r must use https (http is allowed for localhost only)' % (option, uri))
    if parts.fragment:
        raise InputError('%s: %r must not contain a fragment (#...)' % (option, uri))
    if len(uri) > 256:
        raise InputError('%s: %r is longer than the 256 characters Microsoft Entra allows' % (option, uri))
