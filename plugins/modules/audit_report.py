#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: audit_report
short_description: Write the Bookings ONE compliance audit report (HTML, JSON, CSV, JUnit XML, metrics) with its drift
version_added: 0.1.0
description:
  - Judges every control of the Bookings ONE onboarding for each tenant - app exists, multitenant,
    redirect URI, each permission requested and consented, a client secret with days left, secret
    lifetime at most two years, and per room the delegate, requests routed to it, working-hours-only
    off, auto-decline outside limits off and Full Access - as pass, fail or error with the observed
    and expected values.
  - Each control is data - a stable C(id) (e.g. C(secret.present), C(consent.Mail.Send), C(room.delegate_set)),
    the overview C(group) it counts in, its C(subject) (tenant, app or room, with the room's address in C(room)),
    a C(name) for people, typed C(expected) and C(observed) values (the rotation threshold is the number 30 in
    C(expected.days_left_at_least)), its
    C(status), a C(detail) and, when it does not pass, a C(fix) naming the playbook to run or the inventory
    variable to set. See C(docs/report.md) for the list of ids.
  - A tenant without the app registration is "not onboarded" - one failed control (C(app.exists), fix
    C(run onboard.yml)) instead of one per app control, and its own status in the overview, the JSON, the
    metrics and RV(tenants_by_status); its rooms are still judged.
  - Reads what the audit play observed from each tenant's C(bookingsone_observed) variable (the
    M(bookingsone.office365.tenant) task's registered result, whose RV(bookingsone.office365.tenant#module:observed)
    it takes, or a dict with C(error) for a tenant that could not be audited) and the
    expected values from the tenant's C(bookingsone_callback_url) and C(bookingsone_delegate) variables
    and, where set, the C(entra_app_*) role variables. A tenant or control that could
    not be read is an error, never a pass.
  - Writes C(NAME.html), C(NAME.json), C(NAME.csv), C(NAME.junit.xml) and C(NAME.prom) under O(dest) on the
    controller. This is an action plugin. A O(dest) inside the installed collection's own directory is refused
    (unless that directory is a development checkout, a git work tree).
  - C(NAME.prom) is OpenMetrics text that node_exporter's textfile collector reads - per tenant its status, its
    controls per status, the last audit without an error and the client secret's time left, end and state; the
    run's time and drift counts - each metric prefixed C(bookingsone_), with the label C(report=NAME).
  - The HTML page is one self-contained file (no network access; its styles and script are files of the
    collection inlined when it is written) that opens with the totals, a tenant by control group matrix worst
    first (a tenant in error says why under its status), a chart of the client secrets' days left and each
    tenant's share of passing room controls, then the drift; each tenant's controls are a collapsed group with
    the fix beside each failed control and a link back to the tenant's row of the overview, filterable by
    tenant, status, control and text, also from the address (V(NAME.html#tenant=contoso&status=fail)). See
    C(docs/report.md) in the collection's repository for the page, the CSV and the JSON schema
    (C(docs/report.schema.json), version 2.0; run files of 1.x are still read for the drift).
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
  - With O(merge), writes the report of a sliced run (AWX's job slicing) from the reports its slices wrote,
    the same report the unsliced run would have written, compared with the previous merged run.
  - With O(webhook), posts the failures new since the previous run and the secrets to rotate once per run;
    a POST that fails is a warning naming the webhook's host, never a failed task.
author:
  - Bookings ONE engineering (@bookingsone)
options:
  tenants:
    description:
      - Inventory hosts (tenants) to report on.
      - Required unless O(merge) is given; with O(merge), the tenants the merged report covers, in this order
        (default every tenant a slice names, by name).
    type: list
    elements: str
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
  merge:
    description:
      - Merge the reports of the slices of one sliced run (AWX job slicing, or C(--limit) slices) into this
        report, written as a normal run of O(name) under O(dest) - history, drift against the previous merged
        run, metrics, webhook - instead of judging what this play observed (O(in_run) and O(profile) are then
        not used; the slices' profile is).
      - Paths or globs of the slices' C(NAME.json) files, each slice written with its own O(name). A glob takes
        C(.json) files but not run files (C(NAME-YYYYMMDDTHHMMSSZ.json)).
      - A tenant audited by any slice counts; one audited by two slices, slices of different profiles, a slice
        more than 24 hours older than the newest one, a merged report or a file that is not a report of schema
        2.x fail the task, naming the files, and nothing is written.
    type: list
    elements: path
  webhook:
    description:
      - An https URL (a Teams or Slack incoming webhook reads its C(text)) posted once per run with a JSON object
        of C(text), C(new_failures) and C(secrets_to_rotate) (and C(report), C(generated), C(previous),
        C(new_failures_total)) - the controls that fail or are in
        error and did not before (none without a previous run), each with its C(fix), and the client secrets
        below the rotation threshold or expired - through the collection's HTTP layer.
      - A POST that fails (or an address that is not https) is a warning naming the webhook's host; the report
        is written all the same. RV(webhook_sent) says whether it was sent.
      - Kept out of logs and warnings (a Teams or Slack webhook's address is itself a secret).
    type: str
  webhook_token:
    description: A bearer token for O(webhook), sent as C(Authorization), when the webhook needs one.
    type: str
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

- name: One report of a sliced run, from the reports its slices wrote (audit-slice1.json, ...)
  bookingsone.office365.audit_report:
    tenants: "{{ groups['tenants'] }}"
    merge: ["/srv/bookingsone/reports/audit-slice*.json"]
    dest: /srv/bookingsone/reports
    webhook: "{{ bookingsone_report_webhook | default(omit) }}"
  run_once: true
  delegate_to: localhost
'''

RETURN = r'''
paths:
  description:
    - The files written, by kind (json, html, csv, junit, metrics), and C(run), this run's JSON kept for the next
      runs' drift (not when O(history) is V(0)).
  returned: always
  type: dict
  sample: {json: reports/audit.json, html: reports/audit.html, csv: reports/audit.csv,
           junit: reports/audit.junit.xml, metrics: reports/audit.prom, run: reports/audit-20261201T174501Z.json}
generated:
  description:
    - When this run judged the controls (UTC), as in the report and its run file's name; for O(merge), the
      newest slice's.
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
  description:
    - Each audited tenant's status - V(not_onboarded) when it has no app registration, else its worst control's
      (fail, error, pass); tenants not in this run are not in it.
  returned: always
  type: dict
profile:
  description: The profile the tenants were judged against.
  returned: always
  type: str
tenants_by_status:
  description:
    - The tenant names per status (fail, error, pass, not_onboarded), and C(not_in_run) the tenants of O(tenants)
      not in O(in_run) (for O(merge), not audited by any slice).
  returned: always
  type: dict
  sample: {fail: [contoso], error: [tailspin], pass: [], not_onboarded: [northwind], not_in_run: [fabrikam]}
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
      their count of failed controls (or C(not onboarded)); empty when it should not fail.
  returned: always
  type: str
  sample: "1 tenant(s) could not be audited: tailspin (Read the rooms ...: AuthorizationException ...)"
failing_tenants:
  description:
    - Each tenant RV(failure) names, with the same reason and the report's page - C(not audited) with the error
      of a tenant whose audit task failed, C(could not be audited) with its first control in error, or its count of
      failed controls (or C(not onboarded)) under O(fail_on=fail); empty when the run should not fail. The audit
      playbooks fail each on its own host.
  returned: always
  type: dict
  sample: {tailspin: "not audited: preflight: ... (task: Compare the tenant with the desired state (read only)); see reports/audit.html"}
summary_lines:
  description:
    - What the audit playbooks print of the run, a few lines whatever the number of tenants - the verdict, the
      tenants per status (those that pass counted, the others named), the controls per status, the drift, whether
      the tenants work for Bookings ONE as it found, the retries and the report's page.
  returned: always
  type: list
  elements: str
proof:
  description:
    - Whether the tenants of this run work for Bookings ONE as the proof found when it signed in as Bookings ONE -
      C(works) (tenants), C(broken) (tenant - the first failure), C(not_proven) (tenant - why the proof did not run)
      and C(events_made) (test items made and deleted). For O(merge), read from the slices' proof controls, with
      C(events_made) null (not kept) and C(not_proven) empty.
  returned: always
  type: dict
  sample: {works: [contoso], broken: {tailspin: "read a mailbox it does not manage"}, not_proven: {}, events_made: 4}
retries:
  description: Per tenant, the requests retried and seconds waited per service (login, graph, exchange).
  returned: always
  type: dict
  sample: {contoso: {graph: {retried: 2, waited_s: 3.5}}, tailspin: {}}
failed_controls:
  description:
    - The controls that did not pass, each with its C(id), C(group), C(subject), C(name), C(fix) and
      C(first_seen) (see C(docs/report.md)).
  returned: always
  type: list
  elements: dict
webhook_sent:
  description: Whether O(webhook) was posted (false when none is given, or when the POST failed, see the warnings).
  returned: always
  type: bool
merged_from:
  description: The slice reports read, with O(merge).
  returned: when O(merge) is given
  type: list
  elements: str
'''
