"""An msal http_client that trusts the emulator's CA, for tests and tools talking to it directly.

requests lets REQUESTS_CA_BUNDLE override a session's own verify setting, so
the CA goes with every call.
"""

from __future__ import annotations

import requests


class EmulatorHttpClient(object):

    def __init__(self, ca_bundle):
        self.session, self.ca_bundle = requests.Session(), ca_bundle

    def get(self, url, **kwargs):
        return self.session.get(url, verify=self.ca_bundle, **kwargs)

    def post(self, url, **kwargs):
        return self.session.post(url, verify=self.ca_bundle, **kwargs)

    def close(self):
        self.session.close()
