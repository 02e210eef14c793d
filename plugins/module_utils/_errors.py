# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception every Microsoft service error becomes."""

from __future__ import annotations


class MicrosoftApiError(Exception):
    """An error answered by the identity platform, Graph or Exchange Online.

    Keeps the service's own code and request id so an operator can quote them
    to Microsoft support; modules turn it into fail_json.
    """

    def __init__(self, service, status, code, message, request_id=None, method=None, url=None, details=None):
        super(MicrosoftApiError, self).__init__(message)
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.method = method
        self.url = url
        self.details = details or []

    def __str__(self):
        where = ' (%s %s)' % (self.method, self.url) if self.method else ''
        status = ' HTTP %s' % self.status if self.status else ''
        return '%s%s %s: %s%s' % (self.service, status, self.code, self.message, where)

    def with_message(self, message):
        """The same error (service, code, request id) told better; raise it `from` this one."""
        return MicrosoftApiError(self.service, self.status, self.code, message, request_id=self.request_id,
                                 method=self.method, url=self.url, details=self.details)

    def as_result(self):
        return dict(
            service=self.service, status=self.status, code=self.code,
            request_id=self.request_id, details=self.details,
        )


class InputError(ValueError):
    """Bad task input found before any write; the message names the bad value."""


class TaskFailed(Exception):
    """A failure the logic explains in full (what it found, what it wrote before failing); the result keeps
    changed=True when anything was written."""
