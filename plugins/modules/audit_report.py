#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: audit_report
short_description: Write the Bookings ONE compliance audit report (HTML, JSON, CSV, JUnit XML) with its drift
version_added: 0.1.0
description:
  - Judges every control of the Bookings ONE onboarding for each tenant - app exists, multitenant,
    redirect URI, each permission requested and consented, a client secret with days left, secret
    lifetime at most two years, and per room the delegate, requests routed to it, working-hours-only
    off, auto-decline outside limits off and Full Access - as pass, fail or error with the observed
    and expected values.
  - Reads what the audit play observed from each tenant's C(bookingsone_observed) variable and the
    expected values from the tenant's C(bookingsone_callback_url) and C(bookingsone_delegate) variables
    and, where set, the C(entra_app_*) role variables. A tenant or control that could
    not be read is an error, never a pass.
  - Writes C(NAME.html), C(NAME.json), C(NAME.csv) and C(NAME.junit.xml) under O(dest) on the controller.
    This is an action plugin.
  - The HTML page is one self-contained file (no network access) that opens with the totals, a tenant by
    control group matrix worst first, a chart of the client secrets' days left and each tenant's share of
    passing room controls, then the drift; each tenant's controls are a collapsed group, filterable by tenant,
    status, control and text, also from the address (V(NAME.html#tenant=contoso&status=fail)). See
    C(docs/report.md) in the collection's repository for the page, the CSV and the JSON schema
    (C(docs/report.schema.json)).
  - Keeps each run's JSON as C(NAME-YYYYMMDDTHHMMSSZ.json) (UTC) under O(dest), the newest O(history) of them,
    and compares with the newest one older than this run - new failures and errors, fixed, still failing -
    in the page, the JSON (C(drift)), JUnit (see O(known_failures)) and RV(drift). Each control that does not
    pass gets C(first_seen), carried from run to run while its status stays the same.
  - A tenant of O(tenants) that is not in O(in_run) (a run limited with C(--limit) or AWX's limit) is
    "not in this run" - neither an error nor a pass, not counted as audited and never a reason to fail. The page
    shows it greyed in the overview, the JSON lists it in C(summary.not_in_run), JUnit as a skipped test case
    and RV(tenants_by_status) under C(not_in_run). Its controls are not compared with the previous run's; the
    last ones judged are carried in the run file (C(carried)) to the run that audits it again, which compares
    with them and keeps their C(first_seen).
  - The secret Bookings ONE holds has a state - ok, rotate (below the rotation threshold), expired or
    missing - shown in the chart (expired in its own colour), the totals, the JSON
    (C(summary.tenants.TENANT.secret)) and the CSV's detail of the C(client secret present) row.
  - Every CSV cell that a spreadsheet would take for a formula (starting with V(=), V(+), V(-), V(@), a tab or
    a carriage return) is written with a leading V(') (as is one starting with V(')).
  - Never fails because of what it found; it returns RV(failure) for the playbook to fail the run on,
    after the report is written, as O(fail_on) says.
  - Sums the C(retries) of the observed module results per tenant and service into the report
    (JSON C(summary.tenants.TENANT.retries), an HTML table) and RV(retries); results without
    C(retries) count as none.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  tenants:
    description: Inventory hosts (tenants) to report on.
    type: list
    elements: str
    required: true
  in_run:
    description:
      - The inventory hosts audited in this run, for a run limited to some tenants (C(--limit), AWX's limit).
      - A tenant of O(tenants) not named here is not in this run - not audited, neither an error nor a pass,
        and not compared with the previous run. Names not in O(tenants) are ignored.
      - Default all of O(tenants).
    type: list
    elements: str
  dest:
    description: Directory for the report files.
    type: path
    required: true
  name:
    description: Base name of the report files.
    type: str
    default: audit
  fail_on:
    description:
      - When RV(failure) says the run should fail.
      - V(error) when a tenant could not be audited, that is any of its controls is in error.
      - V(fail) also when any control failed (drift).
      - V(never) never.
    type: str
    choices: [error, fail, never]
    default: error
  profile:
    description:
      - The baseline the tenants are judged against, named in the report.
      - V(baseline) judges the setup the collection makes (secrets of at most 2 years; the app instance
        property lock unless C(entra_app_instance_lock) is false; mailbox access scoped to the rooms when
        C(bookingsone_access_scope) is C(rooms)).
      - V(strict) also requires client secrets of at most 180 days (as CISA ScubaGear asks), the app instance
        property lock, and mailbox access scoped to the managed rooms for every tenant.
    type: str
    choices: [baseline, strict]
    default: baseline
  history:
    description:
      - How many runs' JSON files (C(NAME-YYYYMMDDTHHMMSSZ.json)) to keep under O(dest); older ones of this
        O(name) are deleted after the report is written.
      - V(0) keeps none and turns the comparison with the previous run (drift) off.
    type: int
    default: 30
  known_failures:
    description:
      - How the JUnit XML reports a failure the previous run already had.
      - V(fail) as a C(<failure>), like a new one.
      - V(skip) as V(<skipped message="known since DATE">), DATE being the day it was first seen, so that a CI
        system shows only new failures as failed. A new failure is always a C(<failure>), and a control in
        error always an C(<error>).
      - The HTML, JSON, CSV and RV(failure) are the same either way.
    type: str
    choices: [fail, skip]
    default: fail
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Writes the report files on the controller even in check mode; never writes to a tenant.
  diff_mode:
    support: none
  platform:
    platforms: all
'''

EXAMPLES = r'''
- name: Write the report
  bookingsone.office365.audit_report:
    tenants: "{{ groups['tenants'] }}"
    dest: "{{ playbook_dir }}/../reports"
    in_run: "{{ ansible_play_hosts_all }}"  # the tenants this play runs on, after --limit
    fail_on: fail
    history: 90  # three months of daily runs to compare with
    known_failures: skip  # CI shows only what newly fails
  run_once: true
  delegate_to: localhost
  register: report

- name: Fail the run on drift, after the report is written
  ansible.builtin.fail:
    msg: "{{ report.failure }}"
  when: report.failure | length > 0
'''

RETURN = r'''
paths:
  description:
    - The files written, by kind (json, html, csv, junit), and C(run), this run's JSON kept for the next
      runs' drift (not when O(history) is V(0)).
  returned: always
  type: dict
  sample: {json: reports/audit.json, html: reports/audit.html, csv: reports/audit.csv,
           junit: reports/audit.junit.xml, run: reports/audit-20261201T174501Z.json}
generated:
  description: When this run judged the controls (UTC), as in the report and its run file's name.
  returned: always
  type: str
  sample: "2026-12-01T17:45:01Z"
drift:
  description:
    - The changes since the previous run, counted per control (tenant, room, control). C(new) controls
      that fail or are in error now and did not have that status before, C(fixed) controls that pass now
      (or are no longer judged, in a tenant audited without error) and did not before, C(still_failing)
      those with the same fail or error status as before.
    - C(previous) is the previous run's time, null when there is none or O(history) is V(0) (then all are 0).
  returned: always
  type: dict
  sample: {new: 2, fixed: 5, still_failing: 11, previous: "2026-11-30T17:45:03Z"}
totals:
  description: How many controls passed, failed or were in error (of the tenants in this run).
  returned: always
  type: dict
tenants:
  description: Each audited tenant's overall status (its worst control's); tenants not in this run are not in it.
  returned: always
  type: dict
profile:
  description: The profile the tenants were judged against.
  returned: always
  type: str
tenants_by_status:
  description:
    - The tenant names per overall status (fail, error, pass), and C(not_in_run) the tenants of O(tenants) not
      in O(in_run).
  returned: always
  type: dict
  sample: {fail: [contoso], error: [tailspin], pass: [], not_in_run: [fabrikam]}
error_tenants:
  description: The tenants with a control in error (not fully audited), sorted.
  returned: always
  type: list
  elements: str
failed_tenants:
  description: The tenants with a failed control, sorted.
  returned: always
  type: list
  elements: str
failure:
  description:
    - Why the run should fail under O(fail_on), naming the tenants with the first error's detail or
      their count of failed controls; empty when it should not fail.
  returned: always
  type: str
  sample: "1 tenant(s) could not be audited: tailspin (Read the rooms ...: AuthorizationException ...)"
retries:
  description: Per tenant, the requests retried and seconds waited per service (login, graph, exchange).
  returned: always
  type: dict
  sample: {contoso: {graph: {retried: 2, waited_s: 3.5}}, tailspin: {}}
failed_controls:
  description: The controls that did not pass, each with its C(first_seen).
  returned: always
  type: list
  elements: dict
'''
