"""Parameter types of the Exchange cmdlets, as PowerShell binds them: each check(name, value) returns the
typed value or raises Exchange's binding or validation error. A cmdlet names them in its `@cmdlet(params=…)`
(exchange_cmdlets.py); on InvokeCommand arrays are JSON arrays and booleans and switches JSON booleans.
"""

from __future__ import annotations

import re

from emulator.exchange_cmdlets import BINDING, INVALID, ExchangeError, fail

HASHTABLE = '#Exchange.GenericHashTable'
INT32_MAX = 2147483647
# A tenant or object named by its GUID.
GUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.I)


def boolean(name, value):
    if not isinstance(value, bool):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                            "Cannot process argument transformation on parameter '%s'. Cannot convert value "
                            "\"%s\" to type \"System.Boolean\"." % (name, value))
    return value


def integer(low, high):
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "Cannot process argument transformation on parameter '%s'. Cannot convert value "
                                "\"%s\" to type \"System.Int32\"." % (name, value))
        if not low <= value <= high:
            raise ExchangeError(400, 'Ex0D6E2B', INVALID,
                                'The value of property %s must be between %d and %d.' % (name, low, high))
        return value
    return check


def choice(*values):
    def check(name, value):
        if value not in values:
            raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                                "Cannot bind parameter '%s'. Cannot convert value \"%s\" to type. Valid values are: "
                                '%s.' % (name, value, ', '.join(values)))
        return value
    return check


def text(name, value):
    if not isinstance(value, str) or not value:
        raise ExchangeError(400, 'Ex6D4A1E', BINDING, "Cannot bind argument to parameter '%s'." % name)
    return value


def text_list(name, value):
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING, "Cannot bind argument to parameter '%s'." % name)
    return value


def multi(name, value):
    """A multi-valued parameter: a list replaces the values; a hashtable {Add: [...], Remove: [...]} edits them.

    https://learn.microsoft.com/powershell/module/exchange/set-calendarprocessing#-resourcedelegates
    ("To add or remove one or more values without affecting any existing entries, use @{Add=...; Remove=...}");
    on InvokeCommand the hashtable is a JSON object with "@odata.type": "#Exchange.GenericHashTable".
    Returns {'replace': [...]} or {'add': [...], 'remove': [...]}.
    """
    if not isinstance(value, dict):
        return {'replace': text_list(name, value)}
    keys = dict((k.lower(), v) for k, v in value.items() if k != '@odata.type')
    if value.get('@odata.type') != HASHTABLE or not keys or set(keys) - set(['add', 'remove']):
        raise ExchangeError(400, 'Ex6D4A1E', BINDING,
                            "Cannot process argument transformation on parameter '%s'. A hashtable needs "
                            "\"@odata.type\": \"%s\" and only the keys Add and Remove." % (name, HASHTABLE))
    return dict((k, text_list(name, v)) for k, v in keys.items())


def length(limit):
    """Text of at most `limit` characters (a name's length is validated after binding, as Exchange does)."""
    def check(name, value):
        value = text(name, value)
        if len(value) > limit:
            fail(400, 'Ex0B5F1D', INVALID, 'The length of the property is too long. The maximum length is %d and '
                                           'the length of the value provided is %d.' % (limit, len(value)))
        return value
    return check


NAME64 = length(64)


def guid(name, value):
    value = text(name, value)
    if not GUID.match(value):
        fail(400, 'Ex9A1F27', INVALID, "The value '%s' of parameter %s isn't a valid GUID." % (value, name))
    return value.lower()


def result_size(found, params):
    """ResultSize as the recipient cmdlets take it, applied to what they found: a positive number (default 1000,
    with a warning when cut) or Unlimited. Returns (the items kept, warnings).

    https://learn.microsoft.com/powershell/module/exchange/get-mailbox#-resultsize
    """
    size = params.get('ResultSize', 1000)
    if size == 'Unlimited':
        return found, []
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        fail(400, 'Ex6D4A1E', BINDING, "Cannot bind parameter 'ResultSize'.")
    if len(found) <= size:
        return found, []
    return found[:size], ['By default, only the first %d items are returned. Use the ResultSize parameter to specify '
                          'the number of items returned. To return all items, specify "-ResultSize Unlimited".' % size]


# Every cmdlet with an -Identity takes it as text.
IDENTITY = {'Identity': text}
