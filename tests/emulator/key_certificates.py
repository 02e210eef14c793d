"""Certificates and proof-of-possession tokens for the tests of key credentials, made as a client makes them:
a self-signed certificate whose DER, Base64-encoded, is a keyCredential's `key`, and the JWT addKey and removeKey
take as `proof` (https://learn.microsoft.com/graph/application-rollkey-prooftoken)."""

from __future__ import annotations

import base64
import datetime
import time

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000'


class Certificate(object):
    """A key pair and its self-signed certificate, valid from `days_before` days ago for `days` days."""

    def __init__(self, name='test key', days=365, days_before=1):
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - \
            datetime.timedelta(days=days_before)
        self.cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                     .public_key(self.private_key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
                     .sign(self.private_key, hashes.SHA256()))

    @property
    def der(self):
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_text(self):
        """The keyCredential `key`: "The certificate's raw data in byte array converted to Base64 string"."""
        return base64.b64encode(self.der).decode()

    @property
    def thumbprint(self):
        return self.cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - x5t is SHA-1 by definition

    @property
    def key_pem(self):
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()

    @property
    def pem_with_key(self):
        """Key and certificate in one PEM file, as azure-identity's CertificateCredential reads it."""
        return self.key_pem + self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def msal_credential(self):
        return {'private_key': self.key_pem, 'thumbprint': self.thumbprint}

    def proof(self, object_id, audience=PROOF_AUDIENCE, lifetime=600, issuer=None, nbf=None):
        """A proof of possession for the application object `object_id`, signed with this certificate's key."""
        now = int(nbf if nbf is not None else time.time())
        x5t = base64.urlsafe_b64encode(bytes.fromhex(self.thumbprint)).decode().rstrip('=')
        return jwt.encode({'aud': audience, 'iss': issuer or object_id, 'nbf': now, 'exp': now + lifetime},
                          self.private_key, algorithm='RS256', headers={'x5t': x5t, 'kid': self.thumbprint})

    def key_credential(self, **members):
        return dict({'type': 'AsymmetricX509Cert', 'usage': 'Verify', 'key': self.key_text}, **members)
