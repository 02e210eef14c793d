"""Reports never go into the installed collection: audit_report refuses a dest inside the collection's own
directory (resolved, symlinks followed) when it is installed (ansible-galaxy wrote its MANIFEST.json), not in a
checkout of its source."""

from __future__ import annotations

import os

import pytest

from ansible_collections.bookingsone.office365.plugins.action import audit_report as action

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.fixture
def installed(tmp_path):
    """A collection as ansible-galaxy installs it: with its MANIFEST.json."""
    root = tmp_path / 'ansible_collections' / 'bookingsone' / 'office365'
    (root / 'plugins').mkdir(parents=True)
    (root / 'MANIFEST.json').write_text('{}')
    return root


@pytest.mark.parametrize('where', ['.', 'reports', 'playbooks/../reports', 'new/deeper/reports'])
def test_a_dest_inside_the_installed_collection_is_refused(installed, where):
    with pytest.raises(action.AnsibleActionFail) as raised:
        action.check_dest(str(installed / where), str(installed))
    assert 'is inside the installed collection bookingsone.office365 (%s)' % installed in str(raised.value)
    assert 'bookingsone_report_dir' in str(raised.value)


def test_a_link_into_the_collection_is_refused_and_a_neighbour_is_not(installed, tmp_path):
    (tmp_path / 'link').symlink_to(installed)
    with pytest.raises(action.AnsibleActionFail):
        action.check_dest(str(tmp_path / 'link' / 'reports'), str(installed))
    sibling = installed.parent / 'office365-reports'  # starts with the root's path, but is not inside it
    action.check_dest(str(sibling), str(installed))
    action.check_dest(str(tmp_path / 'reports'), str(installed))


def test_a_checkout_of_the_source_may_keep_its_reports(installed):
    (installed / 'MANIFEST.json').unlink()  # a clone or a copy of the repository: galaxy.yml, no manifest
    action.check_dest(str(installed / 'reports'), str(installed))


def test_the_collection_root_is_this_collection_resolved():
    assert action.COLLECTION_ROOT == os.path.realpath(ROOT)
    assert os.path.isfile(os.path.join(action.COLLECTION_ROOT, 'galaxy.yml'))
