# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One report of a run that AWX sliced: each slice job audits part of the inventory and writes its own
report (its tenants audited, the others "not in this run"); merging the slices' JSON gives the controls
of the whole run, as one unsliced run would have judged them, which audit_report then writes as a normal
run (history, drift against the previous merged run, metrics).

A tenant audited by any slice counts; one audited by two slices is an error naming both files, and so
are slices of different profiles, slices more than WINDOW_S older than the newest one (an earlier run's
file left behind), a merged report among the slices, and a file that is not a report of schema 2.x."""

from __future__ import annotations

import datetime
import glob
import json
import os
import re

from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import TIME_FORMAT

# A glob takes the .json files it matches, but not the run files a slice keeps beside its report
# (NAME-YYYYMMDDTHHMMSSZ.json): they hold the same document as NAME.json, or an older run's. A path named
# without a wildcard is read whatever its name.
RUN_FILE = re.compile(r'-\d{8}T\d{6}Z\.json$')
WINDOW_S = 24 * 3600


class MergeError(Exception):
    """The slices cannot be merged; the message names the files and what is wrong."""


def _wild(pattern):
    return any(c in pattern for c in '*?[')


def slice_paths(patterns):
    """The slice files the paths and globs name, each once, in the order given (a glob's matches sorted)."""
    found, seen = [], set()
    for pattern in patterns:
        pattern = os.path.expanduser(str(pattern))
        if _wild(pattern):
            matches = sorted(p for p in glob.glob(pattern) if p.endswith('.json') and
                             not RUN_FILE.search(os.path.basename(p)))
            if not matches:
                raise MergeError('merge: %s matches no slice report (a .json file; run files '
                                 'NAME-YYYYMMDDTHHMMSSZ.json are skipped)' % pattern)
        else:
            matches = [pattern]
        for path in matches:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                found.append(path)
    return found


def read_slice(path):
    """A slice's report as written by audit_report; MergeError when it is not one this merge can use."""
    try:
        with open(path) as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        raise MergeError('merge: the slice report %s could not be read: %s' % (path, exc))
    if not isinstance(document, dict) or not isinstance(document.get('controls'), list) or \
            not isinstance(document.get('summary'), dict):
        raise MergeError('merge: %s is not an audit report' % path)
    if not str(document.get('schema_version') or '').startswith('2.'):
        raise MergeError('merge: %s is of schema %s; slices are merged from reports of schema 2.x: audit the '
                         'slices again with this version' % (path, document.get('schema_version')))
    if document.get('merged_from'):
        raise MergeError('merge: %s is a merged report, not a slice: name the slices\' reports only' % path)
    return document


def audited_by(document):
    """The tenants a slice audited: those it has controls or a summary of."""
    return set(document['summary'].get('tenants') or {}) | set(c.get('tenant') for c in document['controls'])


def _owners(slices):
    """{tenant: path} of the audited tenants; MergeError naming each tenant audited by more than one slice."""
    owner, twice = {}, {}
    for path, document in slices:
        for tenant in sorted(audited_by(document)):
            if tenant in owner:
                twice.setdefault(tenant, [owner[tenant]]).append(path)
            else:
                owner[tenant] = path
    if twice:
        raise MergeError('merge: %d tenant(s) audited by more than one slice: %s; a run\'s slices audit disjoint '
                         'tenants: name the slices of one run only' % (len(twice), '; '.join(
                             '%s (%s)' % (tenant, ', '.join(paths)) for tenant, paths in sorted(twice.items()))))
    return owner


def _same_run(slices):
    """The newest slice's time; MergeError when the slices were judged against different profiles or one
    is more than WINDOW_S older than the newest (a file of an earlier run)."""
    profiles = {}
    for path, document in slices:
        profiles.setdefault((document.get('profile') or {}).get('name'), []).append(path)
    if len(profiles) > 1:
        raise MergeError('merge: the slices were judged against different profiles: %s' % '; '.join(
            '%s: %s' % (name, ', '.join(paths)) for name, paths in sorted(profiles.items(), key=str)))
    try:
        times = [(datetime.datetime.strptime(d['generated'], TIME_FORMAT), path) for path, d in slices]
    except (KeyError, TypeError, ValueError):
        raise MergeError('merge: a slice report has no valid generated time: %s' % ', '.join(p for p, _d in slices))
    newest = max(when for when, _path in times)
    stale = [path for when, path in times if (newest - when).total_seconds() > WINDOW_S]
    if stale:
        raise MergeError('merge: %s %s more than %d hours older than the newest slice (%s): from an earlier run'
                         % (', '.join(stale), 'is' if len(stale) == 1 else 'are', WINDOW_S // 3600,
                            newest.strftime(TIME_FORMAT)))
    return newest.strftime(TIME_FORMAT)


def merge(patterns, tenants=None):
    """The run the slices make together: dict(controls, retries, not_in_run, generated (the newest slice's),
    profile, merged_from [{path, generated, tenants}], warnings).

    tenants: the tenants to report on, in order (the inventory's); those no slice audited are not in this run,
    and a slice's tenant not among them is left out with a warning. Without it, every tenant a slice names
    (audited or not in its run), by name."""
    slices = [(path, read_slice(path)) for path in slice_paths(patterns)]
    if not slices:
        raise MergeError('merge: no slice report named')
    owner = _owners(slices)
    generated = _same_run(slices)
    named = set(owner).union(*[set(d['summary'].get('not_in_run') or ()) for _p, d in slices])
    order = list(dict.fromkeys(tenants)) if tenants is not None else sorted(named)
    warnings = ['merge: %s audited %s, which is not among the tenants reported on: left out' % (owner[t], t)
                for t in sorted(set(owner) - set(order))]
    documents = dict(slices)
    controls, retries = [], {}
    for tenant in order:
        if tenant not in owner:
            continue
        document = documents[owner[tenant]]
        controls.extend(dict((k, v) for k, v in c.items() if k != 'first_seen')
                        for c in document['controls'] if c.get('tenant') == tenant)
        retries[tenant] = ((document['summary'].get('tenants') or {}).get(tenant) or {}).get('retries') or {}
    return dict(controls=controls, retries=retries, not_in_run=[t for t in order if t not in owner],
                generated=generated, profile=slices[0][1].get('profile'), warnings=warnings,
                merged_from=[dict(path=path, generated=d['generated'], tenants=sorted(audited_by(d)))
                             for path, d in slices])
