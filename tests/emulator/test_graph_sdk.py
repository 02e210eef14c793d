"""Microsoft's Graph SDK for Python (msgraph-sdk) with azure-identity's ClientSecretCredential and
CertificateCredential, pointed at the emulator, runs every Graph operation the collection and the seeded scenarios
use; each answer is checked as the SDK parses it.

Pointing the SDK at the emulator: GraphServiceClient(credentials, scopes) talks to the base URL of its request
adapter, https://graph.microsoft.com/v1.0 unless the adapter's base_url was set first
(msgraph/generated/base_graph_service_client.py). So the client is built from a GraphRequestAdapter whose base_url
is the graph listener's, whose httpx client trusts the emulator's CA, with an AzureIdentityAuthenticationProvider
that asks for the listener's `.default` scope (allowed_hosts left empty: any host gets the token). azure-identity
takes `authority=` (the login listener), `disable_instance_discovery=True` and `connection_verify=` (the CA bundle).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import ssl
import uuid
import warnings

import httpx
import pytest
from azure.identity import CertificateCredential, ClientSecretCredential
from emulator_client import GRAPH_APP
from key_certificates import Certificate

with warnings.catch_warnings():  # the SDK's generated request builders warn of their own deprecations on import
    warnings.simplefilter('ignore', DeprecationWarning)
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.generated.applications.applications_request_builder import ApplicationsRequestBuilder
    from msgraph.generated.applications.item.add_key.add_key_post_request_body import AddKeyPostRequestBody
    from msgraph.generated.applications.item.add_password.add_password_post_request_body import \
        AddPasswordPostRequestBody
    from msgraph.generated.applications.item.application_item_request_builder import ApplicationItemRequestBuilder
    from msgraph.generated.applications.item.remove_key.remove_key_post_request_body import RemoveKeyPostRequestBody
    from msgraph.generated.applications.item.remove_password.remove_password_post_request_body import \
        RemovePasswordPostRequestBody
    from msgraph.generated.models.app_role_assignment import AppRoleAssignment
    from msgraph.generated.models.application import Application
    from msgraph.generated.models.key_credential import KeyCredential
    from msgraph.generated.models.o_auth2_permission_grant import OAuth2PermissionGrant
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.password_credential import PasswordCredential
    from msgraph.generated.models.service_principal import ServicePrincipal
    from msgraph.generated.oauth2_permission_grants.oauth2_permission_grants_request_builder import \
        Oauth2PermissionGrantsRequestBuilder
    from msgraph.generated.places.graph_room.graph_room_request_builder import GraphRoomRequestBuilder
    from msgraph.generated.service_principals.service_principals_request_builder import \
        ServicePrincipalsRequestBuilder
    from msgraph_core import GraphClientFactory
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

CONTOSO, FABRIKAM = 'contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com'
# The SDK's generated request builders, imported lazily as a call needs them, warn of their own deprecations.
pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning:msgraph', 'ignore::DeprecationWarning:kiota')


class Sdk(object):
    """GraphServiceClients for one tenant, signed in as the seed's first operator (or with another credential)."""

    def __init__(self, emu, tenant):
        self.emu, self.creds = emu, emu.operator_credentials(tenant)

    def secret_credential(self):
        """A new credential: a token issued now, with the roles the operator holds now."""
        c = self.creds
        return ClientSecretCredential(c['tenant_id'], c['client_id'], c['client_secret'],
                                      authority=self.emu.endpoints['login'], disable_instance_discovery=True,
                                      connection_verify=c['ca_bundle'])

    def certificate_credential(self, client_id, pem_path):
        return CertificateCredential(self.creds['tenant_id'], client_id, certificate_path=pem_path,
                                     authority=self.emu.endpoints['login'], disable_instance_discovery=True,
                                     connection_verify=self.creds['ca_bundle'])

    def run(self, scenario, credential=None):
        """Run `scenario(graph)` with a GraphServiceClient on the emulator; its result."""
        async def main():
            trust = ssl.create_default_context(cafile=self.creds['ca_bundle'])
            http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=trust, timeout=30))
            provider = AzureIdentityAuthenticationProvider(credential or self.secret_credential(),
                                                           scopes=[self.creds['graph_scope']])
            adapter = GraphRequestAdapter(provider, client=http)
            adapter.base_url = self.emu.endpoints['graph'] + '/v1.0'
            try:
                return await scenario(GraphServiceClient(request_adapter=adapter))
            finally:
                await http.aclose()
        return asyncio.run(main())


@pytest.fixture(scope='module')
def sdk(emu):
    return Sdk(emu, CONTOSO)


def query(builder, **parameters):
    """A RequestConfiguration with the builder's GET query parameters."""
    return RequestConfiguration(query_parameters=builder(**parameters))


async def graph_principal(graph):
    return await graph.service_principals_with_app_id(GRAPH_APP).get()


async def assign(graph, principal_id, value):
    """An app role assignment of Microsoft Graph's `value` to the principal (admin consent), through the SDK."""
    resource = await graph_principal(graph)
    role = next(r for r in resource.app_roles if r.value == value)
    return await graph.service_principals.by_service_principal_id(resource.id).app_role_assigned_to.post(
        AppRoleAssignment(principal_id=uuid.UUID(principal_id), resource_id=uuid.UUID(resource.id),
                          app_role_id=role.id))


def test_create_get_by_keys_list_and_update_an_application(sdk):
    async def scenario(graph):
        created = await graph.applications.post(Application(
            display_name='SDK app', unique_name='sdk-app', sign_in_audience='AzureADMultipleOrgs', tags=['sdk-tag'],
            key_credentials=[]))
        assert created.id and created.app_id and created.display_name == 'SDK app'
        assert created.sign_in_audience == 'AzureADMultipleOrgs' and created.key_credentials == []
        for read in (graph.applications.by_application_id(created.id), graph.applications_with_app_id(created.app_id),
                     graph.applications_with_unique_name('sdk-app')):
            assert (await read.get()).id == created.id
        listed = await graph.applications.get(query(
            ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters,
            filter="startswith(displayName,'SDK app')", select=['id', 'displayName', 'tags']))
        assert [(a.id, a.display_name) for a in listed.value] == [(created.id, 'SDK app')]
        tagged = await graph.applications.get(query(
            ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters, filter="tags/any(t:t eq 'sdk-tag')"))
        assert [a.id for a in tagged.value] == [created.id]
        await graph.applications.by_application_id(created.id).patch(Application(notes='patched by the SDK'))
        assert (await graph.applications_with_app_id(created.app_id).get()).notes == 'patched by the SDK'
        with pytest.raises(ODataError) as missing:
            await graph.applications.by_application_id(str(uuid.uuid4())).get()
        assert missing.value.response_status_code == 404 and missing.value.error.code == 'Request_ResourceNotFound'
    sdk.run(scenario)


def test_upsert_by_unique_name(sdk):
    async def scenario(graph):
        upsert = RequestConfiguration()
        upsert.headers.add('Prefer', 'create-if-missing')
        by_name = graph.applications_with_unique_name('sdk-upsert')
        made = await by_name.patch(Application(display_name='Upserted'), upsert)
        assert made is not None and made.unique_name == 'sdk-upsert' and made.display_name == 'Upserted'
        again = await by_name.patch(Application(display_name='Upserted 2'), upsert)
        assert again is None  # 204: updated
        assert (await by_name.get()).display_name == 'Upserted 2'
    sdk.run(scenario)


def test_add_and_remove_a_password(sdk):
    async def scenario(graph):
        app = await graph.applications.post(Application(display_name='SDK secrets'))
        end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
        secret = await graph.applications.by_application_id(app.id).add_password.post(AddPasswordPostRequestBody(
            password_credential=PasswordCredential(display_name='sdk', end_date_time=end)))
        assert len(secret.secret_text) == 40 and secret.hint == secret.secret_text[:3] and secret.key_id
        assert abs((secret.end_date_time - end).total_seconds()) < 1
        stored = await graph.applications.by_application_id(app.id).get()
        assert [c.key_id for c in stored.password_credentials] == [secret.key_id]
        assert stored.password_credentials[0].secret_text is None
        await graph.applications.by_application_id(app.id).remove_password.post(
            RemovePasswordPostRequestBody(key_id=secret.key_id))
        assert (await graph.applications.by_application_id(app.id).get()).password_credentials == []
    sdk.run(scenario)


def test_key_credentials_add_key_remove_key_and_a_certificate_sign_in(sdk, tmp_path):
    first, second = Certificate('sdk first'), Certificate('sdk second')

    async def scenario(graph):
        app = await graph.applications.post(Application(display_name='SDK keys', key_credentials=[
            KeyCredential(type='AsymmetricX509Cert', usage='Verify', key=first.der, display_name='first')]))
        [key] = app.key_credentials
        assert key.display_name == 'first' and key.key is None and key.key_id
        item = graph.applications.by_application_id(app.id)
        added = await item.add_key.post(AddKeyPostRequestBody(
            key_credential=KeyCredential(type='AsymmetricX509Cert', usage='Verify', key=second.der),
            proof=first.proof(app.id)))
        assert added.display_name == 'CN=sdk second' and added.type == 'AsymmetricX509Cert'
        await item.remove_key.post(RemoveKeyPostRequestBody(key_id=key.key_id, proof=second.proof(app.id)))
        selected = await item.get(RequestConfiguration(
            query_parameters=ApplicationItemRequestBuilder.ApplicationItemRequestBuilderGetQueryParameters(
                select=['id', 'keyCredentials'])))
        assert [(k.key_id, k.key) for k in selected.key_credentials] == [(added.key_id, second.der)]
        principal = await graph.service_principals.post(ServicePrincipal(app_id=app.app_id))
        await assign(graph, principal.id, 'Application.Read.All')
        return app

    app = sdk.run(scenario)
    pem = tmp_path / 'second.pem'
    pem.write_text(second.pem_with_key)

    async def as_the_app(graph):  # signed in with CertificateCredential and the key added by addKey
        return await graph.applications.by_application_id(app.id).get()
    assert sdk.run(as_the_app, sdk.certificate_credential(app.app_id, str(pem))).display_name == 'SDK keys'


def test_service_principals_and_app_role_assignments(sdk):
    async def scenario(graph):
        app = await graph.applications.post(Application(display_name='SDK principal',
                                                        identifier_uris=['api://sdk-principal']))
        principal = await graph.service_principals.post(ServicePrincipal(app_id=app.app_id))
        assert principal.app_id == app.app_id
        assert principal.service_principal_names == [app.app_id, 'api://sdk-principal']
        assert (await graph.service_principals_with_app_id(app.app_id).get()).id == principal.id
        for name in (app.app_id, 'api://sdk-principal'):
            found = await graph.service_principals.get(query(
                ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters,
                filter="servicePrincipalNames/any(c:c eq '%s')" % name))
            assert [p.id for p in found.value] == [principal.id]
        assignment = await assign(graph, principal.id, 'Place.Read.All')
        assert assignment.principal_id == uuid.UUID(principal.id) and assignment.principal_type == 'ServicePrincipal'
        resource = await graph_principal(graph)
        assigned_to = graph.service_principals.by_service_principal_id(resource.id).app_role_assigned_to
        page, listed = await assigned_to.get(), []
        while page is not None:
            listed += page.value
            page = await assigned_to.with_url(page.odata_next_link).get() if page.odata_next_link else None
        assert assignment.id in [a.id for a in listed]
        own = await graph.service_principals.by_service_principal_id(principal.id).app_role_assignments.get()
        assert [a.app_role_id for a in own.value] == [assignment.app_role_id]
        await assigned_to.by_app_role_assignment_id(assignment.id).delete()
        own = await graph.service_principals.by_service_principal_id(principal.id).app_role_assignments.get()
        assert own.value == []
    sdk.run(scenario)


def test_delegated_permission_grants(sdk):
    async def consent(graph):  # the operator gets Directory.ReadWrite.All, which grants need
        operator = await graph.service_principals_with_app_id(sdk.creds['client_id']).get()
        await assign(graph, operator.id, 'Directory.ReadWrite.All')
        app = await graph.applications.post(Application(display_name='SDK delegating client'))
        return (await graph.service_principals.post(ServicePrincipal(app_id=app.app_id))).id
    client_id = sdk.run(consent)

    async def scenario(graph):
        resource = await graph_principal(graph)
        made = await graph.oauth2_permission_grants.post(OAuth2PermissionGrant(
            client_id=client_id, consent_type='AllPrincipals', resource_id=resource.id, scope='User.Read'))
        assert made.id and made.consent_type == 'AllPrincipals' and made.principal_id is None
        item = graph.oauth2_permission_grants.by_o_auth2_permission_grant_id(made.id)
        assert (await item.get()).scope == 'User.Read'
        listed = await graph.oauth2_permission_grants.get(query(
            Oauth2PermissionGrantsRequestBuilder.Oauth2PermissionGrantsRequestBuilderGetQueryParameters,
            filter="clientId eq '%s' and consentType eq 'AllPrincipals'" % client_id))
        assert [g.id for g in listed.value] == [made.id]
        await item.patch(OAuth2PermissionGrant(scope='User.Read Calendars.ReadWrite'))
        assert (await item.get()).scope == 'User.Read Calendars.ReadWrite'
        await item.delete()
        with pytest.raises(ODataError) as gone:
            await item.get()
        assert gone.value.response_status_code == 404
    sdk.run(scenario)  # a new credential: a token with the role just assigned


def test_places_rooms(sdk):
    async def scenario(graph):
        return await graph.places.graph_room.get(query(
            GraphRoomRequestBuilder.GraphRoomRequestBuilderGetQueryParameters, top=10))
    rooms = sdk.run(scenario)
    assert sorted(r.display_name for r in rooms.value) == ['Annex Hall', 'Board Room', 'Focus Room 1']
    board = next(r for r in rooms.value if r.display_name == 'Board Room')
    assert board.email_address == 'board@contoso.onmicrosoft.com' and board.capacity == 14


def test_default_app_management_policy(emu):
    async def scenario(graph):
        return await graph.policies.default_app_management_policy.get()
    policy = Sdk(emu, FABRIKAM).run(scenario)  # the operator holds Policy.Read.All in Fabrikam
    assert policy.id == '00000000-0000-0000-0000-000000000000' and policy.is_enabled is True
    [lifetime] = policy.application_restrictions.password_credentials
    assert lifetime.restriction_type.value == 'passwordLifetime' and lifetime.max_lifetime == datetime.timedelta(180)


def relative(item, base):
    """msgraph-core 1.5 puts the absolute URL in a BatchRequestItem, which Graph answers with 400 (as the emulator
    does): https://github.com/microsoftgraph/msgraph-sdk-python/issues/1015,
    https://github.com/microsoftgraph/msgraph-sdk-python-core/issues/1116. Users strip the base URL, as here."""
    item.url = item.url[len(base):] if item.url.startswith(base) else item.url
    return item


def test_batch(sdk):
    """The SDK builds and sends the batch. Its BatchResponseItem reads a body only when it is Base64 text (msgraph-core
    1.5 `get_bytes_value`), not the JSON object Graph answers with, so the bodies are checked in the raw answer the
    SDK's request adapter returns for the same batch."""
    base = sdk.emu.endpoints['graph'] + '/v1.0'

    async def scenario(graph):
        app = await graph.applications.post(Application(display_name='SDK batch'))
        absolute = BatchRequestItem(graph.applications_with_app_id(app.app_id).to_get_request_information())
        get_app = relative(BatchRequestItem(graph.applications_with_app_id(app.app_id)
                                            .to_get_request_information()), base)
        graph_sp = relative(BatchRequestItem(graph.service_principals.to_get_request_information(query(
            ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters,
            filter="servicePrincipalNames/any(c:c eq '%s')" % GRAPH_APP))), base)
        missing = relative(BatchRequestItem(graph.applications.by_application_id(str(uuid.uuid4()))
                                            .to_get_request_information()), base)
        items = (absolute, get_app, graph_sp, missing)
        content = BatchRequestContent(dict((item.id, item) for item in items))
        statuses = (await graph.batch.post(content)).get_response_status_codes()
        raw = await graph.request_adapter.send_primitive_async(
            await graph.batch.to_post_request_information(content), 'bytes', None)
        bodies = dict((r['id'], r.get('body')) for r in json.loads(raw)['responses'])
        return app, [(statuses[item.id], bodies[item.id]) for item in items]
    app, (absolute, by_app_id, graph, missing) = sdk.run(scenario)
    assert absolute[0] == 400 and absolute[1]['error']['code'] == 'BadRequest'
    assert by_app_id[0] == 200 and by_app_id[1]['id'] == app.id and by_app_id[1]['displayName'] == 'SDK batch'
    assert graph[0] == 200 and [p['appId'] for p in graph[1]['value']] == [GRAPH_APP]
    assert missing[0] == 404 and missing[1]['error']['code'] == 'Request_ResourceNotFound'
