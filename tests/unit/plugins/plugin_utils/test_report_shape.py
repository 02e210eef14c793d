"""The report's code stays in readable pieces: no file over 450 lines, no function over 50 (docstrings aside),
no import cycle between the plugin_utils modules, module_utils never importing plugin_utils; and the page's
styles and script are files the Galaxy tarball ships."""

from __future__ import annotations

import ast
import glob
import os
import subprocess
import sys
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PLUGIN_UTILS = os.path.join(ROOT, 'plugins', 'plugin_utils')
PACKAGE = 'ansible_collections.bookingsone.office365.plugins.'
REPORT_FILES = sorted(glob.glob(os.path.join(PLUGIN_UTILS, '_report*.py'))) + [
    os.path.join(PLUGIN_UTILS, '_audit.py'), os.path.join(ROOT, 'plugins', 'action', 'audit_report.py')]
ASSETS = sorted(glob.glob(os.path.join(PLUGIN_UTILS, 'report_assets', '*')))


def lines_of(path):
    with open(path) as handle:
        return handle.read().count('\n')


@pytest.mark.parametrize('path', REPORT_FILES + ASSETS, ids=os.path.basename)
def test_no_file_is_over_450_lines(path):
    assert lines_of(path) <= 450


def function_lengths(path):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0]
            docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
                isinstance(first.value.value, str)
            length = node.end_lineno - node.lineno + 1
            yield node.name, length - (first.end_lineno - first.lineno + 1 if docstring else 0)


@pytest.mark.parametrize('path', REPORT_FILES, ids=os.path.basename)
def test_no_function_is_over_50_lines(path):
    assert [(name, length) for name, length in function_lengths(path) if length > 50] == []


def imports_of(path):
    """The collection's plugin_utils and module_utils modules a file imports, as 'plugin_utils._x'."""
    with open(path) as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or '').startswith(PACKAGE):
            module = node.module[len(PACKAGE):]
            found.update(module + '.' + a.name if module in ('plugin_utils', 'module_utils') else module
                         for a in node.names)
    return found


def test_the_plugin_utils_modules_import_no_cycle():
    graph = dict(('plugin_utils.' + os.path.basename(p)[:-3], set(m for m in imports_of(p) if m.startswith('plugin_utils')))
                 for p in glob.glob(os.path.join(PLUGIN_UTILS, '*.py')))
    done, active = set(), []

    def visit(node):
        assert node not in active, 'import cycle: %s' % ' -> '.join(active[active.index(node):] + [node])
        if node in done:
            return
        active.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        active.pop()
        done.add(node)
    for node in sorted(graph):
        visit(node)
    assert graph['plugin_utils._report_model'] == {'plugin_utils._audit'}  # the base the others build on


def test_module_utils_never_import_plugin_utils():
    for path in glob.glob(os.path.join(ROOT, 'plugins', 'module_utils', '*.py')):
        assert not [m for m in imports_of(path) if m.startswith('plugin_utils')], path


def test_the_galaxy_tarball_ships_the_page_assets(tmp_path):
    galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    if not os.path.exists(galaxy):
        pytest.skip('no ansible-galaxy beside %s' % sys.executable)
    subprocess.run([galaxy, 'collection', 'build', '--output-path', str(tmp_path), ROOT], check=True,
                   capture_output=True, cwd=str(tmp_path))
    (tarball,) = glob.glob(str(tmp_path / '*.tar.gz'))
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {'plugins/plugin_utils/report_assets/report.css', 'plugins/plugin_utils/report_assets/report.js'} <= names
    assert not [n for n in names if n.startswith(('reports/', 'tests/output/'))]
