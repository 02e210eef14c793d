# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit report: one run's judged controls written as JSON and CSV for machines, one self-contained
HTML page for a person, JUnit XML for CI systems and AWX, OpenMetrics text for Prometheus, and the run file
the next run's drift is read from. This module writes them; each concern has its own:

    _report_model    summaries per tenant, the verdict, the constants the files share
    _report_history  run files, the drift, carried tenants, the last audit without an error
    _report_formats  JSON, CSV, JUnit XML, OpenMetrics
    _report_html     the page (its styles and script are report_assets/*), _report_chart its SVG chart
    _report_merge    the slices of a sliced run as one run
    _report_notify   the webhook posted once per run
"""

from __future__ import annotations

import json
import os

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_history as history_
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_formats import (
    report_document, to_csv, to_junit, to_metrics)
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_html import to_html
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_model import CHANGES, summarize

SUFFIXES = (('json', '.json'), ('html', '.html'), ('csv', '.csv'), ('junit', '.junit.xml'), ('metrics', '.prom'))


def _write(path, text):
    """Written beside and renamed, so a reader (the next run, node_exporter) never sees half a file; the
    partial file's name does not end in .prom, so the textfile collector never reads it."""
    partial = path + '.partial'
    with open(partial, 'w', newline='') as handle:
        handle.write(text)
    os.replace(partial, path)


def judge_run(dest, name, controls, generated, retries=None, profile=None, history=30, not_in_run=None,
              merged_from=None):
    """The report document of this run: compared with the previous run (its first_seen set on the controls),
    with the trail, the carried tenants and each tenant's last audit without an error. Returns (document,
    the previous run file's path or None, warnings about run files passed over)."""
    previous, previous_path, warnings = history_.previous_run(dest, name, generated) if history else \
        (None, None, [])
    not_in_run = sorted(set(not_in_run or ()) - set(item['tenant'] for item in controls))
    drift = history_.compare(controls, previous, generated)
    summary = summarize(controls, retries, not_in_run)
    trail = history_.trail_of(previous, generated, summary, drift, history)
    reported = set(summary['tenants']) | set(not_in_run)
    document = report_document(controls, generated, retries, profile, drift, trail, not_in_run,
                               history_.carry(previous, not_in_run),
                               history_.last_success(previous, controls, generated, reported), merged_from)
    return document, previous_path, warnings


def write_reports(dest, name, controls, generated, retries=None, profile=None, history=30, known_failures='fail',
                  not_in_run=None, merged_from=None):
    """Writes NAME.json, .html, .csv, .junit.xml, .prom and the run file, compares with the previous run and
    prunes the trail. not_in_run: tenants reported on but not audited in this run (AWX's limit): not
    compared, and their last judged controls carried into this run's file. merged_from: the slices a merged
    run was read from. Returns dict(paths, drift (the counts and the previous run's time), warnings,
    document)."""
    os.makedirs(dest, exist_ok=True)
    document, previous_path, warnings = judge_run(dest, name, controls, generated, retries, profile, history,
                                                  not_in_run, merged_from)
    drift, not_in_run = document['drift'], document['summary']['not_in_run']
    paths = dict((kind, os.path.join(dest, name + suffix)) for kind, suffix in SUFFIXES)
    # no indent: Python's C encoder then writes it (about 5x faster at 200 rooms); jq shows it indented
    _write(paths['json'], json.dumps(document, sort_keys=True, default=str))
    _write(paths['html'], to_html(controls, generated, retries, profile, drift=drift, trail=document['trail'],
                                  history=history, not_in_run=not_in_run))
    _write(paths['csv'], to_csv(controls))
    _write(paths['junit'], to_junit(controls, generated, profile, drift=drift, known_failures=known_failures,
                                    not_in_run=not_in_run))
    _write(paths['metrics'], to_metrics(document, name))
    if history:
        paths['run'] = os.path.join(dest, '%s-%s.json' % (name, history_.stamp(generated)))
        _write(paths['run'], json.dumps(document, sort_keys=True, separators=(',', ':'), default=str))
    history_.prune(dest, name, history)
    counts = dict((kind, drift[kind]) for kind in CHANGES)
    return dict(paths=paths, warnings=warnings, document=document,
                drift=dict(counts, previous=drift['previous'], previous_file=previous_path))
