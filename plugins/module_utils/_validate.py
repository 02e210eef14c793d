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
    if '*' in uri:
        raise InputError('%s: %r must not contain a wildcard' % (option, uri))


# https://learn.microsoft.com/entra/identity-platform/reply-url#maximum-number-of-redirect-uris-and-uri-length
MAX_REDIRECT_URIS = 256


def check_redirect_uris(uris, option):
    for uri in uris:
        check_redirect_uri(uri, option)
    if len(set(uris)) > MAX_REDIRECT_URIS:
        raise InputError('%s: %d redirect URIs given; Microsoft Entra allows at most %d per app'
                         % (option, len(set(uris)), MAX_REDIRECT_URIS))


def check_secret_policy(lifetime_days, rotate_before_days, grace_days, max_days):
    """Lifetime 1..max_days, rotation window inside the lifetime, non-negative grace."""
    if not 1 <= lifetime_days <= max_days:
        raise InputError('lifetime_days %d is out of range: a client secret lives 1 to %d days'
                         % (lifetime_days, max_days))
    if rotate_before_days < 0 or rotate_before_days >= lifetime_days:
        raise InputError('rotate_before_days %d must be at least 0 and less than lifetime_days %d, or every run '
                         'would rotate' % (rotate_before_days, lifetime_days))
    if grace_days < 0:
        raise InputError('grace_days %d must not be negative' % grace_days)
