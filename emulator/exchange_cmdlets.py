"""The Exchange cmdlet registry: every cmdlet InvokeCommand answers is registered here by `@cmdlet`, with its
parameters, the ones it requires and the Entra roles that may run it; plus Exchange's errors, parameter binding
and invoke(). The listener (exchange_routes.py) checks the roles and runs invoke(); the cmdlets live in
exchange_mailboxes, exchange_rooms, exchange_groups and exchange_rbac, which import this module (never the
reverse) and are loaded with the other route modules (server.ROUTE_MODULES).

Parameter names, types, accepted values and defaults follow Microsoft's cmdlet reference
(https://learn.microsoft.com/powershell/module/exchange/). Unknown cmdlets or parameters are refused, as the
real service refuses them.
"""

from __future__ import annotations

import collections

from emulator import catalog

NOT_FOUND = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException'
AMBIGUOUS = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException'
BINDING = 'System.Management.Automation.ParameterBindingException'
INVALID = 'Microsoft.Exchange.Data.DataValidationException'
ALREADY_EXISTS = 'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException'
COMMAND_NOT_FOUND = 'System.Management.Automation.CommandNotFoundException'
IN_USE = 'System.InvalidOperationException'


def _roles(*names):
    return frozenset(catalog.DIRECTORY_ROLES[name] for name in names)


# Who may run a cmdlet: the Entra roles https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2
# ("Assign Microsoft Entra roles to the application") lists for Exchange Online, as the emulator grants them.
# ORGANIZATION: the roles holding Organization Management in Exchange. RBAC for Applications is delegated from that
# role group: "You need to be a member of the Organization Management role group to assign these permissions ... In
# Microsoft Entra ID, you need the Exchange Administrator role" (https://learn.microsoft.com/exchange/permissions-exo/
# application-rbac#requirements); distribution-group writes are kept there too, stricter than Exchange, whose
# Recipient Management role group may also manage distribution groups.
ORGANIZATION = _roles('Exchange Administrator', 'Global Administrator')
# RECIPIENT: those and Exchange Recipient Administrator, the Recipient Management role group, which holds the Mail
# Recipients role (Set-CalendarProcessing, Add-/Remove-MailboxPermission).
RECIPIENT = ORGANIZATION | _roles('Exchange Recipient Administrator')
# READ: those and the view-only Global Reader and Security Reader: the Get-* cmdlets. A token holding none of these
# roles gets no cmdlet at all (403). The other listed roles (Compliance, Helpdesk, Security Administrator) hold no
# recipient cmdlets here: the emulator refuses them, stricter than the service where the page is silent.
READ = RECIPIENT | _roles('Global Reader', 'Security Reader')

Cmdlet = collections.namedtuple('Cmdlet', 'name handler params required roles')
# Every cmdlet the emulator answers: name -> Cmdlet. Filled by @cmdlet as the cmdlet modules are imported.
CMDLETS = {}


def cmdlet(name, *, params, roles, required=()):
    """Register `handler(state, bound_parameters) -> (objects, warnings)` as the Exchange cmdlet `name`.

    params: {parameter name: check(name, value) -> typed value, or None to take the value as sent} (the
    types in exchange_params); required: the mandatory parameters; roles: the Entra role template ids that
    may run it (READ, RECIPIENT or ORGANIZATION). The handler runs holding the store's lock and may change
    the tenant's Exchange state in place; the listener saves it after a cmdlet that writes (is_write).
    """
    unknown = set(required) - set(params)
    if name in CMDLETS or unknown or not roles:
        raise ValueError('cmdlet %s: registered twice, without roles, or requiring unknown parameters %s'
                         % (name, sorted(unknown)))

    def register(handler):
        CMDLETS[name] = Cmdlet(name, handler, dict(params), tuple(required), frozenset(roles))
        return handler
    return register


def is_write(name):
    return not name.startswith(('Get-', 'Test-'))  # Test-* cmdlets report, they change nothing


def roles_of(name):
    """The roles that may run `name`: its registration's; a name not registered (binding refuses it as an unknown
    cmdlet) is taken as the read or the write its verb says."""
    found = CMDLETS.get(name)
    if found is not None:
        return found.roles
    return RECIPIENT if name and is_write(name) else READ


class ExchangeError(Exception):
    """An error Exchange reports as `code|ExceptionType|message` in error.details."""

    def __init__(self, status, code, exception_type, message):
        super(ExchangeError, self).__init__(message)
        self.status = status
        self.code = code
        self.exception_type = exception_type
        self.message = message

    def body(self, shape='details'):
        """The error body in one of the shapes Exchange answers with (ERROR_SHAPES).

        Real InvokeCommand errors carry a generic top-level message; the text that matters is in
        error.details[].message as `code|ExceptionType|message` (as ExchangeOnlineManagement prints it:
        https://github.com/timmcmic/DLConversionV2/issues/129), sometimes with an empty code, or only in
        innererror.internalexception.
        """
        code = {400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound'}.get(self.status, 'InternalServerError')
        if shape == 'empty':
            return None  # a 403 may come with no body at all
        error = {'code': code, 'message': 'Error executing cmdlet'}
        if shape in ('details', 'pipe'):
            error['details'] = [{'code': 'Context', 'target': '', 'message': '%s|%s|%s' % (
                '' if shape == 'pipe' else self.code, self.exception_type, self.message)}]
            error['innererror'] = {'message': self.message, 'type': self.exception_type}
        else:  # 'innererror': the exception only, nested as .NET reports it
            error['innererror'] = {
                'message': 'Error executing cmdlet',
                'type': 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
                'internalexception': {'message': '%s|%s|%s' % (self.code, self.exception_type, self.message),
                                      'type': self.exception_type}}
        return {'error': error}


# Shapes body() can produce; the listener picks one per its `exchange_error_shapes` setting.
ERROR_SHAPES = ('details', 'pipe', 'innererror')


def fail(status, code, exception_type, message):
    raise ExchangeError(status, code, exception_type, message)


def not_found(identity, tenant_domain):
    return ExchangeError(404, 'Ex6F9304', NOT_FOUND,
                         "The operation couldn't be performed because object '%s' couldn't be found on '%s'."
                         % (identity, tenant_domain))


def unchanged(identity):
    """The answer of a Set-* cmdlet that changed nothing: no objects, Exchange's warning."""
    return [], ["The command completed successfully but no settings of '%s' have been modified." % identity]


def bind(name, parameters):
    """Check a cmdlet's parameters as PowerShell binding would; returns them typed."""
    found = CMDLETS.get(name)
    if found is None:
        raise ExchangeError(400, 'Ex2F52D0', COMMAND_NOT_FOUND,
                            "The term '%s' is not recognized as a name of a cmdlet." % name)
    if not isinstance(parameters, dict):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING, 'Parameters must be an object.')
    bound = {}
    for parameter, value in parameters.items():
        if parameter not in found.params:
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "A parameter cannot be found that matches parameter name '%s'." % parameter)
        check = found.params[parameter]
        bound[parameter] = check(parameter, value) if check else value
    for parameter in found.required:
        if parameter not in bound:
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "Cannot process command because of one or more missing mandatory parameters: %s."
                                % parameter)
    return bound


def invoke(state, name, parameters):
    """Run a cmdlet: (objects, warnings). Writes change `state` (a tenant's Exchange section) in place."""
    bound = bind(name, parameters or {})
    return CMDLETS[name].handler(state, bound)
