# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate authentication: a client assertion signed with the app's private key.

Accepts a PEM file holding the private key and the certificate (the layout
Azure SDKs use for AZURE_CLIENT_CERTIFICATE_PATH) or a PKCS#12 (.pfx/.p12) file.
"""

from __future__ import annotations

import hashlib
import os
import re

from ansible_collections.bookingsone.office365.plugins.module_utils._auth_base import CredentialBase

_PFX_SUFFIXES = ('.pfx', '.p12')
_CERT_PEM = re.compile(r'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', re.DOTALL)
_KEY_PEM = re.compile(r'-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----', re.DOTALL)


class CertificateError(ValueError):
    pass


class CertificateCredential(CredentialBase):
    option = 'client_certificate_path'

    def __init__(self, params):
        super(CertificateCredential, self).__init__(params)
        self._path = params['client_certificate_path']
        self._password = params.get('client_certificate_password')
        if not os.path.isfile(self._path):
            raise CertificateError('client_certificate_path %r is not a readable file' % self._path)
        with open(self._path, 'rb') as handle:
            self._content = handle.read()

    def msal_credential(self):
        if self._path.lower().endswith(_PFX_SUFFIXES):
            credential = {'private_key_pfx_path': self._path}
        else:
            text = self._content.decode('ascii', 'replace')
            key = _KEY_PEM.search(text)
            cert = _CERT_PEM.search(text)
            if not key or not cert:
                raise CertificateError('client_certificate_path %r must hold both a PEM private key and its '
                                       'certificate (or be a .pfx/.p12 file)' % self._path)
            # With the certificate given, msal derives the SHA-256 thumbprint (x5t#S256) itself.
            credential = {'private_key': key.group(0), 'public_certificate': cert.group(0)}
        if self._password:
            credential['passphrase'] = self._password
        return credential

    def fingerprint(self):
        return hashlib.sha256(self._content).hexdigest()
