"""Certificates of the emulator: a CA, the HTTPS server certificate it signs for
127.0.0.1/localhost, the token-signing key, and operator client certificates.
Made once and kept in the state directory so clients keep trusting them."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _certificate(subject, issuer, public_key, signing_key, days, ca=False, sans=None):
    """Key usage and key identifiers included, so strict X.509 verification (Python 3.13+) accepts the chain."""
    now = datetime.datetime.now(datetime.timezone.utc)
    usage = dict(digital_signature=not ca, content_commitment=False, key_encipherment=not ca,
                 data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                 decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(**usage), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
                              critical=False))
    if sans:
        builder = (builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    return builder.sign(signing_key, hashes.SHA256())


def ensure_server_tls(directory):
    """(ca.pem, server.pem, server.key) paths, created when missing."""
    ca_path, cert_path, key_path = (os.path.join(directory, n) for n in ('ca.pem', 'server.pem', 'server.key'))
    if not all(os.path.exists(p) for p in (ca_path, cert_path, key_path)):
        ca_key, server_key = _key(), _key()
        ca = _certificate('Bookings ONE emulator CA', 'Bookings ONE emulator CA', ca_key.public_key(), ca_key,
                          3650, ca=True)
        server = _certificate('localhost', 'Bookings ONE emulator CA', server_key.public_key(), ca_key, 825,
                              sans=[x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
        _write(ca_path, ca.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(cert_path, server.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(key_path, _pem_key(server_key))
    return ca_path, cert_path, key_path


def signing_key(directory):
    """The RSA key the emulator signs access tokens with."""
    path = os.path.join(directory, 'token-signing.key')
    if not os.path.exists(path):
        _write(path, _pem_key(_key()))
    with open(path, 'rb') as handle:
        return serialization.load_pem_private_key(handle.read(), password=None)


def operator_certificate(directory, app_id, pfx_password):
    """An operator app's client certificate, made once: `operators/<app_id>.pem` (key + certificate) and
    `.pfx` (PKCS#12 with `pfx_password`), both 0600. Returns the certificate."""
    folder = os.path.join(directory, 'operators')
    os.makedirs(folder, 0o700, exist_ok=True)
    pem_path, pfx_path = os.path.join(folder, app_id + '.pem'), os.path.join(folder, app_id + '.pfx')
    if not (os.path.exists(pem_path) and os.path.exists(pfx_path)):
        key = _key()
        cert = _certificate('operator %s' % app_id, 'operator %s' % app_id, key.public_key(), key, 730)
        _write(pem_path, _pem_key(key) + cert.public_bytes(serialization.Encoding.PEM))
        encryption = (serialization.BestAvailableEncryption(pfx_password.encode()) if pfx_password
                      else serialization.NoEncryption())
        _write(pfx_path, pkcs12.serialize_key_and_certificates(b'operator', key, cert, None, encryption))
    with open(pem_path, 'rb') as handle:
        return x509.load_pem_x509_certificate(handle.read().split(b'-----END PRIVATE KEY-----')[1].strip())


def certificate_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def common_name(cert):
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def thumbprints(cert):
    der = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).digest(), hashlib.sha256(der).digest()  # noqa: S324 - x5t is SHA-1 by definition
