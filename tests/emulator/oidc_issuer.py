"""A small OpenID issuer over HTTPS for the tests of federated credentials: its own CA and server certificate for
127.0.0.1, /.well-known/openid-configuration and /keys, and tokens signed with its key (kid issuer-key-1)."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

AUDIENCE = 'api://AzureADTokenExchange'
SUBJECT = 'repo:bookingsone/office365:environment:production'


def _certificate(subject, issuer, public_key, signing_key, ca, sans=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])) \
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])).public_key(public_key) \
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5)) \
        .not_valid_after(now + datetime.timedelta(days=1)) \
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Issuer(object):
    """An OpenID issuer: /.well-known/openid-configuration and /keys over HTTPS, signing tokens with its key."""

    def __init__(self, directory):
        ca_key, server_key, self.key = _key(), _key(), _key()
        ca = _certificate('Test OIDC issuer CA', 'Test OIDC issuer CA', ca_key.public_key(), ca_key, True)
        server = _certificate('127.0.0.1', 'Test OIDC issuer CA', server_key.public_key(), ca_key, False,
                              [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
        self.ca_path = os.path.join(directory, 'issuer-ca.pem')
        cert_path, key_path = os.path.join(directory, 'issuer.pem'), os.path.join(directory, 'issuer.key')
        for path, data in ((self.ca_path, ca.public_bytes(serialization.Encoding.PEM)),
                           (cert_path, server.public_bytes(serialization.Encoding.PEM)),
                           (key_path, server_key.private_bytes(serialization.Encoding.PEM,
                                                               serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()))):
            with open(path, 'wb') as handle:
                handle.write(data)
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), self._handler())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = 'https://127.0.0.1:%d' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == '/.well-known/openid-configuration':
                    body = {'issuer': issuer.url, 'jwks_uri': issuer.url + '/keys',
                            'id_token_signing_alg_values_supported': ['RS256']}
                elif self.path == '/keys':
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer.key.public_key()))
                    body = {'keys': [dict(jwk, kid='issuer-key-1', use='sig', alg='RS256')]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass
        return Handler

    def token(self, key=None, **overrides):
        now = int(time.time())
        payload = dict(iss=self.url, sub=SUBJECT, aud=AUDIENCE, iat=now, nbf=now, exp=now + 600)
        payload.update(overrides)
        return jwt.encode(payload, key or self.key, algorithm='RS256', headers={'kid': 'issuer-key-1'})

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
