"""Recipient filters (OPATH) as management scopes take them (-RecipientRestrictionFilter): the parser and its
evaluation against a recipient.

https://learn.microsoft.com/powershell/exchange/recipient-filters. Comparisons `Property -eq|-ne 'value'` joined by
-and / -or, -not and parentheses, optionally inside { }. Properties evaluated: MemberOfGroup (a group's
distinguished name; direct members), PrimarySmtpAddress and RecipientTypeDetails. Anything else is refused,
stricter than Exchange, which filters on many more properties.
"""

from __future__ import annotations

import re

from emulator.exchange import RECIPIENT_KINDS
from emulator.exchange_cmdlets import BINDING, fail, not_found
from emulator.exchange_groups import direct_members, group_by_dn
from emulator.exchange_params import text

TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<op>-[A-Za-z]+)|'(?P<single>(?:[^']|'')*)'|"
                   r'"(?P<double>(?:[^"]|"")*)"|(?P<word>[A-Za-z][A-Za-z0-9_.]*))')
FILTER_PROPERTIES = ('MemberOfGroup', 'PrimarySmtpAddress', 'RecipientTypeDetails')


def _tokens(body, offset, invalid):
    """(kind, text, position in the parameter's value) of each token; invalid(position) where none fits."""
    tokens, index = [], 0
    while index < len(body):
        if not body[index:].strip():
            break
        match = TOKEN.match(body, index)
        if not match or match.end() == index:
            invalid(offset + index + (len(body[index:]) - len(body[index:].lstrip())))
        start = offset + match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        if match.group('paren'):
            tokens.append(('paren', match.group('paren'), start))
        elif match.group('op'):
            tokens.append(('op', match.group('op').lower(), start))
        elif match.group('word'):
            tokens.append(('word', match.group('word'), start))
        else:
            quoted = match.group('single')
            value = quoted.replace("''", "'") if quoted is not None else match.group('double').replace('""', '"')
            tokens.append(('value', value, start))
        index = match.end()
    return tokens


class RecipientFilter(object):
    """A parsed filter: a tree of ('or'|'and', left, right), ('not', node), ('cmp', property, op, value).

    RecipientFilter(parameter, text, state): `state` given, a MemberOfGroup must name an existing group (as when a
    scope is made); without it (when a scope is evaluated) the filter is only parsed.
    """

    def __init__(self, parameter, text, state=None):
        self.parameter, self.text, self.state = parameter, text, state
        body = text.strip()
        offset = len(text) - len(text.lstrip())
        if body.startswith('{') and body.endswith('}'):
            body, offset = body[1:-1], offset + 1
        self.tokens = _tokens(body, offset, self._invalid)
        self.position = 0
        self.tree = self._or()
        if self.position < len(self.tokens):
            self._invalid(self.tokens[self.position][2])

    def _invalid(self, at, why=None):
        fail(400, 'Ex5E0B77', BINDING,
             'Cannot bind parameter \'%s\' to the target. Exception setting "%s": "%s"%s" at position %d."'
             % (self.parameter, self.parameter, why or 'Invalid filter syntax. For a description of the filter '
                'parameter syntax see the command help.\n', self.text, at + 1))

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None, len(self.text))

    def _take(self):
        token = self._peek()
        self.position += 1
        return token

    def _chain(self, operator, operand):
        """operand (operator operand)*, grouped from the left: ('or'|'and', left, right)."""
        node = operand()
        while self._peek()[:2] == ('op', operator):
            self._take()
            node = (operator[1:], node, operand())
        return node

    def _or(self):
        return self._chain('-or', self._and)

    def _and(self):
        return self._chain('-and', self._unary)

    def _unary(self):
        kind, value, at = self._peek()
        if (kind, value) == ('op', '-not'):
            self._take()
            return ('not', self._unary())
        if (kind, value) == ('paren', '('):
            self._take()
            node = self._or()
            closing = self._take()
            if closing[:2] != ('paren', ')'):
                self._invalid(closing[2])
            return node
        return self._comparison()

    def _comparison(self):
        kind, name, at = self._take()
        if kind != 'word':
            self._invalid(at)
        prop = next((p for p in FILTER_PROPERTIES if p.lower() == name.lower()), None)
        if prop is None:
            self._invalid(at, 'The emulator evaluates only %s; "%s" isn\'t supported here.\n'
                          % (', '.join(FILTER_PROPERTIES), name))
        op_kind, op, op_at = self._take()
        if op_kind != 'op' or op not in ('-eq', '-ne'):
            why = 'The emulator evaluates only -eq and -ne; "%s" isn\'t supported here.\n' % op
            self._invalid(op_at, why if op_kind == 'op' else None)
        value_kind, value, value_at = self._take()
        if value_kind != 'value':
            self._invalid(value_at)
        if prop == 'MemberOfGroup':
            self._check_group(value, value_at)
        elif prop == 'RecipientTypeDetails' and value not in RECIPIENT_KINDS:
            self._invalid(value_at, '"%s" isn\'t a RecipientTypeDetails value the emulator knows (%s).\n'
                          % (value, ', '.join(RECIPIENT_KINDS)))
        return ('cmp', prop, op, value)

    def _check_group(self, value, at):
        """MemberOfGroup takes a distinguished name; at creation it must name an existing group (stricter)."""
        if not value.upper().startswith('CN='):
            self._invalid(at, 'MemberOfGroup takes the distinguished name of a group (CN=...), not "%s".\n' % value)
        if self.state is not None and group_by_dn(self.state, value) is None:
            raise not_found(value, self.state['domain'])

    def matches(self, state, recipient, node=None):
        node = self.tree if node is None else node
        if node[0] == 'or':
            return self.matches(state, recipient, node[1]) or self.matches(state, recipient, node[2])
        if node[0] == 'and':
            return self.matches(state, recipient, node[1]) and self.matches(state, recipient, node[2])
        if node[0] == 'not':
            return not self.matches(state, recipient, node[1])
        _, prop, op, value = node
        if prop == 'MemberOfGroup':
            group = group_by_dn(state, value)
            hit = group is not None and recipient['Identity'] in direct_members(state, group)
        elif prop == 'PrimarySmtpAddress':
            hit = (recipient.get('PrimarySmtpAddress') or '').lower() == value.lower()
        else:
            hit = recipient.get('RecipientTypeDetails') == value
        return hit if op == '-eq' else not hit


def restriction_filter(state):
    """The parameter type of -RecipientRestrictionFilter in `state`: text that parses, kept as given."""
    def check(name, value):
        RecipientFilter(name, text(name, value), state)
        return value
    return check
