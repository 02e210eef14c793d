# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Mirrors CONNECTION_ARGSPEC in plugins/module_utils/_connection.py.
    DOCUMENTATION = r'''
options:
  tenant_id:
    description:
      - The Microsoft Entra tenant to act on, as its ID (a GUID) or one of its domain names.
      - Falls back to the E(AZURE_TENANT_ID) environment variable.
    type: str
    required: true
  client_id:
    description:
      - Application (client) ID of the operator identity the collection authenticates as.
      - Required with O(client_secret) or O(client_certificate_path).
      - Falls back to E(AZURE_CLIENT_ID).
    type: str
  client_secret:
    description:
      - Client secret of the operator identity.
      - Falls back to E(AZURE_CLIENT_SECRET), or to the content of the file named by
        E(BOOKINGSONE_CLIENT_SECRET_FILE), which keeps the secret out of the environment.
      - Mutually exclusive with O(client_certificate_path), O(client_assertion_file) and O(access_token).
    type: str
  client_certificate_path:
    description:
      - Certificate credential of the operator identity, either a PEM file holding the private key
        and the certificate, or a PKCS#12 file ending in C(.pfx) or C(.p12).
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  client_certificate_password:
    description:
      - Password of the private key in O(client_certificate_path), if it has one.
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PASSWORD).
    type: str
  client_assertion_file:
    description:
      - A federated credential of the operator identity (workload identity federation) - a file holding a token
        another identity provider issued (for example a Kubernetes service account token), sent as the client
        assertion; the operator app's federated identity credentials name its issuer, subject and audience.
        The file is read again for each sign-in. No secret or certificate is needed.
      - Falls back to E(AZURE_FEDERATED_TOKEN_FILE), as azure-identity's workload identity credential reads it.
    type: path
  access_token:
    description:
      - A bearer token obtained elsewhere, sent as it is.
      - A token is valid for one resource only, so a module that calls Exchange Online needs an
        Exchange Online token; prefer a client credential.
    type: str
  cloud:
    description:
      - The Microsoft cloud whose login, Graph and Exchange Online endpoints are used.
      - Falls back to E(BOOKINGSONE_CLOUD).
    type: str
    default: public
    choices: [china, public, usgov, usgovdod]
  login_endpoint:
    description:
      - Overrides the identity platform endpoint of O(cloud), for example an emulator.
      - Falls back to E(AZURE_AUTHORITY_HOST).
    type: str
  graph_endpoint:
    description:
      - Overrides the Microsoft Graph endpoint of O(cloud). Its base URL is also the token's resource.
      - Falls back to E(BOOKINGSONE_GRAPH_ENDPOINT).
    type: str
  exchange_endpoint:
    description:
      - Overrides the Exchange Online endpoint of O(cloud). Its base URL is also the token's resource.
      - Falls back to E(BOOKINGSONE_EXCHANGE_ENDPOINT).
    type: str
  ca_bundle:
    description:
      - A CA bundle to trust for HTTPS, for example the emulator's or a TLS-inspecting proxy's.
      - Falls back to E(REQUESTS_CA_BUNDLE).
    type: path
  validate_certs:
    description:
      - Whether to verify the services' TLS certificates. Only turn this off for local testing.
    type: bool
    default: true
  token_cache:
    description:
      - Whether to keep access tokens between tasks in a private file (mode 0600), so a playbook
        requests one token per tenant and resource instead of one per task.
      - The file is keyed by login endpoint, tenant, client and a digest of the credential.
      - Falls back to E(BOOKINGSONE_TOKEN_CACHE).
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache files.
      - Defaults to C(bookingsone.office365) under E(XDG_CACHE_HOME), or C(~/.cache/bookingsone.office365).
      - Falls back to E(BOOKINGSONE_TOKEN_CACHE_DIR).
    type: path
  request_timeout:
    description:
      - Seconds to wait for a service to answer one request.
    type: float
    default: 60.0
  max_retries:
    description:
      - How many times a throttled (429), unavailable (503, 504) or unreachable request is retried;
        sign-in (token and discovery requests) is also retried after a 500 or 502.
      - A service that could not be connected to at all (connection refused, host name not resolved,
        connect timeout) is retried like a 503, writes too, since nothing reached it; once the retries
        are used up the task fails with C(could not connect to <host>) and the reason. A write whose
        answer did not come in time (read timeout) is not repeated, since it may have been carried out.
      - Waits follow the service's C(Retry-After) in full, otherwise exponential backoff with jitter;
        they draw on O(wait_budget), and the retries of one request stop after five minutes.
      - Every module returns C(retries), on success and on failure, a dictionary keyed by service
        (C(login), C(graph), C(exchange)) of C(retried) (how many retries were made) and C(waited_s)
        (seconds waited, rounded to 0.01), listing only the services that were retried; C({}) when none was.
    type: int
    default: 6
  wait_budget:
    description:
      - The most seconds one task may spend waiting between retries for its tenant, across all of
        its requests (sign-in, Graph, Exchange Online, parallel ones included). Waits for a
        C(Retry-After), backoff after an unavailable or unreachable service, and the waits for
        Microsoft Entra replication all count.
      - When the next wait would take more than what is left, the request is not repeated and the task
        fails at once, with the service's error code and status and a message naming this option; a
        C(Retry-After) is waited in full or not at all. A tenant that keeps answering with a long
        C(Retry-After) therefore fails its task quickly instead of holding the run.
      - With V(0) nothing is waited for; a throttled, unavailable or unreachable service ends the request at once.
      - Falls back to E(BOOKINGSONE_WAIT_BUDGET).
    type: float
    default: 300.0
requirements:
  - msal
  - requests
notes:
  - All modules of this collection belong to the action group C(bookingsone.office365.m365), so
    C(module_defaults) can set the connection options once for a play.
'''
