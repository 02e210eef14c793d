"""OData query options as Microsoft Graph applies them to directory objects:
$select, $filter (the clauses the emulated resources support), $top, $count,
server-side paging with @odata.nextLink, and @odata.context.

https://learn.microsoft.com/graph/query-parameters
https://learn.microsoft.com/graph/paging
"""

from __future__ import annotations

import base64
import copy
import re
from urllib.parse import urlencode

MAX_TOP = 999
_EQ = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.I)
_STARTS = re.compile(r"^\s*startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$", re.I)
_CLAUSE = re.compile(r"^\s*(?:(\w+)\s+\w+\s+|\w+\(\s*(\w+)\s*,)", re.I)
_AND = re.compile(r'\s+and\s+', re.I)
_LAMBDA_HEAD = re.compile(r'^\s*(\w+)\s*/\s*(any|all)\s*\(', re.I)
_ANY = re.compile(r"^\s*(\w+)\s*/\s*any\(\s*(\w+)\s*:\s*(\w+)\s+(\w+)\s+'((?:[^']|'')*)'\s*\)\s*$", re.I)


def _fail(request, code, message):
    request.fail(400, code, message)


def check_options(request, allowed):
    """Refuse system query options a route does not support, as Graph does."""
    for name in request.query:
        if name.startswith('$') and name not in allowed:
            _fail(request, 'Request_BadRequest', "Query option '%s' is not allowed on this resource." % name)


def selected(request, type_name, sample):
    """The $select names (validated against the type's properties) or None for all."""
    text = request.query.get('$select')
    if not text:
        return None
    names = [name.strip() for name in text.split(',') if name.strip()]
    for name in names:
        if name not in sample:
            _fail(request, 'Request_BadRequest', "Parsing OData Select and Expand failed: Could not find a property "
                                                 "named '%s' on type 'microsoft.graph.%s'." % (name, type_name))
    return names


def shape(obj, names):
    """A copy of obj with only the selected names (id always kept, as Graph keeps the key)."""
    if names is None:
        return copy.deepcopy(obj)
    keep = ['id'] + [n for n in names if n != 'id'] if 'id' in obj else names
    return dict((name, copy.deepcopy(obj[name])) for name in keep if name in obj)


def context(request, path, names=None, entity=False):
    """https://learn.microsoft.com/graph/api/overview - @odata.context of a response."""
    text = '%s/v1.0/$metadata#%s' % (request.emulator.endpoints['graph'], path)
    if names:
        text += '(%s)' % ','.join(names)
    return text + ('/$entity' if entity else '')


def entity(request, obj, type_name, path):
    """One object with @odata.context, shaped by $select."""
    check_options(request, ('$select',))
    names = selected(request, type_name, obj)
    return dict({'@odata.context': context(request, path, names, entity=True)}, **shape(obj, names))


def _matches(item, name, wanted, kind):
    value = item.get(name)
    if not isinstance(value, str):
        return False
    value, wanted = value.lower(), wanted.lower()  # directory string comparisons ignore case
    return value == wanted if kind == 'eq' else value.startswith(wanted)


def _any_matches(item, name, wanted):
    """`<collection>/any(v:v eq '<text>')`: one member of the string collection equals the text (ignoring case)."""
    return any(isinstance(value, str) and value.lower() == wanted.lower() for value in item.get(name) or [])


def _conjuncts(text):
    """The clauses of `<clause> and <clause> ...`, split outside string literals."""
    parts, current = [], ''
    for piece in re.split(r"('(?:[^']|'')*')", text):
        if piece.startswith("'"):
            current += piece
            continue
        chunks = _AND.split(piece)
        current += chunks[0]
        for chunk in chunks[1:]:
            parts.append(current)
            current = chunk
    return parts + [current]


def _refuse(request, text, type_name, name=None):
    """Graph's answers to a clause it will not evaluate: a syntax error, or an unsupported property."""
    if name is None:
        clause = _CLAUSE.match(text)
        if not clause:
            _fail(request, 'BadRequest', "Invalid filter clause: syntax error in '%s'." % text)
        name = clause.group(1) or clause.group(2)
    _fail(request, 'Request_UnsupportedQuery', "Unsupported or invalid query filter clause specified for property "
          "'%s' of resource '%s'." % (name, type_name[0].upper() + type_name[1:]))


def _lambda_predicate(request, text, type_name, template, any_filterable):
    """`<collection>/any(v:v eq '<text>')` on a string collection the resource documents as filterable so.
    https://learn.microsoft.com/graph/filter-query-parameter#operators-and-functions-supported-in-filter-expressions
    """
    name, function = _LAMBDA_HEAD.match(text).group(1, 2)
    if template is not None and name in template and not isinstance(template[name], list):
        _fail(request, 'BadRequest', 'Invalid filter clause: Any/All may only be used following a collection.')
    if name not in any_filterable or function.lower() != 'any':
        _refuse(request, text, type_name, name)
    match = _ANY.match(text)
    if not match:
        _fail(request, 'BadRequest', "Invalid filter clause: syntax error in lambda expression '%s'." % text)
    variable, operand, operator = match.group(2, 3, 4)
    if operator.lower() != 'eq':
        _refuse(request, text, type_name, name)
    if operand != variable:
        _fail(request, 'BadRequest', "Invalid filter clause: Could not find a property named '%s' on type "
                                     "'Edm.String'." % operand)
    wanted = match.group(5).replace("''", "'")
    return lambda item: _any_matches(item, name, wanted)


def _predicate(request, text, filterable, type_name, template, any_filterable):
    if _LAMBDA_HEAD.match(text):
        return _lambda_predicate(request, text, type_name, template, any_filterable)
    for pattern, kind in ((_EQ, 'eq'), (_STARTS, 'startswith')):
        match = pattern.match(text)
        if match and match.group(1) in filterable:
            name, wanted = match.group(1), match.group(2).replace("''", "'")
            return lambda item: _matches(item, name, wanted, kind)
    _refuse(request, text, type_name)


def filtered(request, items, filterable, type_name, template=None, any_filterable=()):
    """Items matching $filter: clauses joined by `and`, each `<property> eq '<text>'` or `startswith(<property>,
    '<text>')` on the properties the resource supports filtering by, or `<collection>/any(v:v eq '<text>')` on the
    string collections it supports lambda filters on (`any_filterable`); anything else is refused."""
    text = request.query.get('$filter')
    if text is None:
        return items
    tests = [_predicate(request, clause, filterable, type_name, template, any_filterable)
             for clause in _conjuncts(text)]
    return [item for item in items if all(test(item) for test in tests)]


def _offset(request):
    token = request.query.get('$skiptoken')
    if token is None:
        return 0
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(':')
        if prefix != 'emu1':
            raise ValueError(token)
        return int(number)
    except ValueError:
        _fail(request, 'Request_BadRequest', "'$skiptoken' is malformed or has expired.")


def _page_size(request, default=None):
    text = request.query.get('$top')
    if text is None:
        return default or request.emulator.page_size
    if not text.isdigit() or not 1 <= int(text) <= MAX_TOP:
        _fail(request, 'Request_BadRequest', "Invalid page size specified: '%s'. Must be between 1 and %d inclusive."
              % (text, MAX_TOP))
    return int(text)


def collection(request, items, type_name, path, template, filterable=(), page_size=None, any_filterable=()):
    """One page of a collection: $filter, $select, $top, $count, @odata.nextLink (absolute, opaque).
    `template` is an object of the type, to check $select names against; `page_size` is a resource's
    own documented default page size (else the emulator's); `any_filterable` the string collections
    `$filter` may test with `any()`."""
    check_options(request, ('$select', '$filter', '$top', '$count', '$skiptoken'))
    names = selected(request, type_name, template)
    items = filtered(request, items, filterable, type_name, template, any_filterable)
    body = {'@odata.context': context(request, path, names)}
    if request.query.get('$count', '').lower() == 'true':
        if request.headers.get('consistencylevel', '').lower() != 'eventual':
            _fail(request, 'Request_BadRequest', '$count is not currently supported without the ConsistencyLevel '
                                                 'header set to eventual.')
        body['@odata.count'] = len(items)
    start, size = _offset(request), _page_size(request, page_size)
    if start + size < len(items):
        query = dict(request.query)
        query['$skiptoken'] = base64.urlsafe_b64encode(('emu1:%d' % (start + size)).encode()).decode()
        body['@odata.nextLink'] = '%s%s?%s' % (request.base_url, request.path, urlencode(query))
    body['value'] = [shape(item, names) for item in items[start:start + size]]
    return body
