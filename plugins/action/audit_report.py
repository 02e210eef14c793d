# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judges every tenant's controls from what the audit observed and writes the
report as JSON, HTML, CSV and JUnit XML on the controller, with the drift since the
previous run (kept as one JSON file per run beside the report)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils._variables import role_defaults
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import (
    PROFILES, SCOPED_PERMISSIONS, tenant_controls)

ARGSPEC = dict(
    tenants=dict(type='list', elements='str', required=True),
    # the tenants audited in this run (AWX's limit audits some); the others of `tenants` are not in this run
    in_run=dict(type='list', elements='str'),
    dest=dict(type='path', required=True),
    name=dict(type='str', default='audit'),
    fail_on=dict(type='str', default='error', choices=list(report.FAIL_ON)),
    profile=dict(type='str', default='baseline', choices=sorted(PROFILES)),
    history=dict(type='int', default=30),
    known_failures=dict(type='str', default='fail', choices=list(report.KNOWN_FAILURES)),
)


def expected_of(host_vars, profile):
    """What one tenant is judged against: its own settings, made stricter where the profile asks."""
    baseline = PROFILES[profile]
    defaults = role_defaults('entra_app')  # what a tenant that sets nothing was onboarded with

    def setting(name):
        value = host_vars.get(name)
        return defaults[name] if value is None else value

    rooms_scope = host_vars.get('bookingsone_access_scope') == 'rooms'
    permissions = setting('entra_app_graph_permissions')
    return dict(
        callback_url=host_vars.get('bookingsone_callback_url'),
        # scoped permissions are granted by Exchange RBAC, not requested or consented tenant-wide
        permissions=[p for p in permissions if not (rooms_scope and p in SCOPED_PERMISSIONS)],
        delegate=host_vars.get('bookingsone_delegate'),
        rotate_before_days=int(setting('entra_app_secret_rotate_before_days')),
        secret_display_name=setting('entra_app_secret_display_name'),
        secret_max_days=baseline['secret_max_days'],
        # the lock is on unless the tenant's settings turn it off (entra_app_instance_lock, default true)
        instance_lock=baseline['instance_lock'] or setting('entra_app_instance_lock') in (True, 'true', 'True'),
        scoped_access=baseline['scoped_access'] or rooms_scope,
    )


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGSPEC)
        if args['history'] < 0:
            raise AnsibleActionFail('history is %d; it is how many runs to keep: 0 or more' % args['history'])
        hostvars = task_vars.get('hostvars', {})
        in_run = set(args['tenants'] if args['in_run'] is None else args['in_run'])
        # not audited this time: neither an error nor a pass, not compared, their last results carried on
        not_in_run = sorted(set(name for name in args['tenants'] if name not in in_run))
        controls, retries = [], {}
        for tenant in args['tenants']:
            if tenant not in in_run:
                continue
            host_vars = hostvars.get(tenant) or {}
            observed = host_vars.get('bookingsone_observed')
            controls.extend(tenant_controls(tenant, expected_of(host_vars, args['profile']), observed))
            retries[tenant] = report.sum_retries((observed or {}).get('retries'))
        generated = report.now()
        profile = dict(PROFILES[args['profile']], name=args['profile'])
        written = report.write_reports(args['dest'], args['name'], controls, generated, retries, profile,
                                       history=args['history'], known_failures=args['known_failures'],
                                       not_in_run=not_in_run)
        if written['warnings']:  # an unreadable earlier run file: compared with an older one
            result.setdefault('warnings', []).extend(written['warnings'])
        summary = report.summarize(controls, retries, not_in_run)
        # The task itself never fails: the report is always written, and the playbook
        # fails the run on 'failure' after showing the summary.
        result.update(report.verdict(controls, args['fail_on']))
        result.update(changed=False, paths=written['paths'], profile=args['profile'], totals=summary['totals'],
                      tenants=dict((name, counts['status']) for name, counts in summary['tenants'].items()),
                      tenants_by_status=report.by_status(summary), retries=retries,
                      failed_controls=[c for c in controls if c['status'] != 'pass'], generated=generated,
                      drift=dict((k, written['drift'][k]) for k in ('new', 'fixed', 'still_failing', 'previous')))
        return result
