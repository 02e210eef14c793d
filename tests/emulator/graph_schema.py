"""Microsoft Graph's v1.0 schema (CSDL, reference material in ../shared) for the tests that check
what the emulator serves against it; `needs_schema` skips them where the file is absent."""

from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ET

import pytest

CSDL = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'reference', 'msgraph', 'v1.0-csdl.xml')
EDM = '{http://docs.oasis-open.org/odata/ns/edm}'
needs_schema = pytest.mark.skipif(not os.path.exists(CSDL), reason='Graph v1.0 schema not present')


@functools.lru_cache(maxsize=None)
def _types():
    """{type name: (its own property names, {property: Edm type}, base type name or None)}."""
    types = {}
    for element in ET.parse(CSDL).getroot().iter():
        if element.tag in (EDM + 'EntityType', EDM + 'ComplexType'):
            declared = dict((p.get('Name'), p.get('Type')) for p in element
                            if p.tag in (EDM + 'Property', EDM + 'NavigationProperty'))
            types[element.get('Name')] = (set(declared), declared,
                                          (element.get('BaseType') or '').replace('graph.', '') or None)
    return types


def properties(name):
    """The property names of a type, with those of its base types."""
    names, _declared, base = _types()[name]
    return names | (properties(base) if base else set())


def declared_types(name):
    """{property: type} declared by the type itself."""
    return dict(_types()[name][1])
