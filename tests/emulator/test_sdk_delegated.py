"""Microsoft's own clients for what this emulates: azure-identity's DeviceCodeCredential (a person approves the
code) and WorkloadIdentityCredential (a federated token in a file, as AZURE_FEDERATED_TOKEN_FILE names it), with
the Graph SDK for Python making the bootstrap's calls: the operator's service principal, its app role assignments,
its directory role, the users and the federated credentials."""

from __future__ import annotations

import asyncio
import ssl
import uuid

import warnings

import httpx
import pytest
from azure.identity import ClientSecretCredential, DeviceCodeCredential, WorkloadIdentityCredential
from delegated import BOOTSTRAP, EXCHANGE_ADMINISTRATOR, approve, claims
from emulator_client import EXCHANGE_APP, GRAPH_APP, Client
from oidc_issuer import AUDIENCE, SUBJECT, Issuer

with warnings.catch_warnings():  # the SDK's generated request builders warn of their own deprecations on import
    warnings.simplefilter('ignore', DeprecationWarning)
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from kiota_authentication_azure.azure_identity_authentication_provider import \
        AzureIdentityAuthenticationProvider
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.generated.models.app_role_assignment import AppRoleAssignment
    from msgraph.generated.models.federated_identity_credential import FederatedIdentityCredential
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.service_principal import ServicePrincipal
    from msgraph.generated.models.unified_role_assignment import UnifiedRoleAssignment
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder
    from msgraph.graph_request_adapter import options as SDK_OPTIONS
    from msgraph_core import GraphClientFactory

WOODGROVE = 'woodgrove.onmicrosoft.com'
pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')


def run(emu, credential, scenario):
    """scenario(graph) with a GraphServiceClient on the emulator's graph listener, signed in with `credential`."""
    async def main():
        trust = ssl.create_default_context(cafile=emu.endpoints['ca_bundle'])
        # the SDK's own middleware options, which turn /users/me-token-to-replace into /me as GraphRequestAdapter does
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(verify=trust, timeout=30), options=SDK_OPTIONS)
        provider = AzureIdentityAuthenticationProvider(credential, scopes=['https://graph.microsoft.com/.default'])
        adapter = GraphRequestAdapter(provider, client=http)
        adapter.base_url = emu.endpoints['graph'] + '/v1.0'
        try:
            return await scenario(GraphServiceClient(request_adapter=adapter))
        finally:
            await http.aclose()
    return asyncio.run(main())


def device_code_credential(client, user):
    """DeviceCodeCredential whose prompt is answered by `user` approving the code on the control listener."""
    prompted = []

    def prompt(verification_uri, user_code, expires_on):
        prompted.append(verification_uri)
        assert approve(client, user_code, user).status_code == 200
    credential = DeviceCodeCredential(BOOTSTRAP, tenant_id=WOODGROVE, authority=client.emu.endpoints['login'],
                                      prompt_callback=prompt, disable_instance_discovery=True,
                                      connection_verify=client.emu.endpoints['ca_bundle'])
    return credential, prompted


async def _role_id(graph, resource_app_id, value):
    resource = await graph.service_principals_with_app_id(resource_app_id).get()
    return resource.id, next(r.id for r in resource.app_roles if r.value == value)


def test_the_bootstrap_through_azure_identity_and_the_graph_sdk(client, emu):
    operator = client.operator()['app_id']
    credential, prompted = device_code_credential(client, 'admin@woodgrove.onmicrosoft.com')

    async def scenario(graph):
        me = await graph.me.get()
        assert me.user_principal_name == 'admin@woodgrove.onmicrosoft.com'
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            parameters = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter="userPrincipalName eq 'bookings@woodgrove.onmicrosoft.com'", select=['id', 'displayName'])
        found = await graph.users.get(RequestConfiguration(query_parameters=parameters))
        assert [u.display_name for u in found.value] == ['Bookings ONE']
        principal = await graph.service_principals.post(ServicePrincipal(app_id=operator))
        for resource_app_id, value in ((GRAPH_APP, 'Place.Read.All'), (EXCHANGE_APP, 'Exchange.ManageAsApp')):
            resource_id, role_id = await _role_id(graph, resource_app_id, value)
            await graph.service_principals.by_service_principal_id(resource_id).app_role_assigned_to.post(
                AppRoleAssignment(principal_id=uuid.UUID(principal.id), resource_id=uuid.UUID(resource_id),
                                  app_role_id=role_id))
        made = await graph.role_management.directory.role_assignments.post(UnifiedRoleAssignment(
            principal_id=principal.id, role_definition_id=EXCHANGE_ADMINISTRATOR, directory_scope_id='/'))
        assert made.id.endswith('-1') and made.principal_id == principal.id
        with pytest.raises(ODataError) as again:
            await graph.role_management.directory.role_assignments.post(UnifiedRoleAssignment(
                principal_id=principal.id, role_definition_id=EXCHANGE_ADMINISTRATOR, directory_scope_id='/'))
        assert again.value.response_status_code == 400
        definition = await graph.role_management.directory.role_definitions.by_unified_role_definition_id(
            EXCHANGE_ADMINISTRATOR).get()
        assert definition.display_name == 'Exchange Administrator' and definition.is_built_in
        return principal.id
    run(emu, credential, scenario)
    assert prompted == [emu.endpoints['control'] + '/devicelogin']
    operator_client = Client(emu)
    token = claims(operator_client.token(WOODGROVE, 'exchange')[0])
    assert token['roles'] == ['Exchange.ManageAsApp'] and token['wids'] == [EXCHANGE_ADMINISTRATOR]
    assert operator_client.exo(emu.store.tenant(WOODGROVE)['id'], 'Get-Mailbox').status_code == 200


def test_workload_identity_credential_signs_in_with_a_token_file(client, emu, tmp_path):
    issuer = Issuer(str(tmp_path))
    emu.trusted_cas.append(issuer.ca_path)
    try:
        tenant = client.tenant(1)
        app = client.graph(tenant, 'POST', '/applications', {'displayName': 'SDK workload'}).json()
        assert client.graph(tenant, 'POST', '/servicePrincipals', {'appId': app['appId']}).status_code == 201

        async def add_credential(graph):
            return await graph.applications.by_application_id(app['id']).federated_identity_credentials.post(
                FederatedIdentityCredential(name='sdk', issuer=issuer.url, subject=SUBJECT, audiences=[AUDIENCE]))
        operator = Client(emu)
        spec = operator.operator()
        secret = ClientSecretCredential(tenant, spec['app_id'], spec['secrets'][0]['value'],
                                        authority=emu.endpoints['login'], disable_instance_discovery=True,
                                        connection_verify=emu.endpoints['ca_bundle'])
        created = run(emu, secret, add_credential)
        assert created.name == 'sdk' and created.audiences == [AUDIENCE]
        token_file = tmp_path / 'federated-token'
        token_file.write_text(issuer.token())
        workload = WorkloadIdentityCredential(tenant_id=tenant, client_id=app['appId'],
                                              token_file_path=str(token_file), authority=emu.endpoints['login'],
                                              disable_instance_discovery=True,
                                              connection_verify=emu.endpoints['ca_bundle'])
        access = workload.get_token('https://graph.microsoft.com/.default')
        assert claims(access.token)['appid'] == app['appId'] and claims(access.token)['appidacr'] == '2'
    finally:
        emu.trusted_cas.remove(issuer.ca_path)
        issuer.stop()
