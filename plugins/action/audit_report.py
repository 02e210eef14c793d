# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judges every tenant's controls from what the audit observed (or merges the reports of a sliced run)
and writes the report as JSON, HTML, CSV, JUnit XML and OpenMetrics on the controller, with the drift since
the previous run (kept as one JSON file per run beside the report); optionally posts the news to a webhook."""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.bookingsone.office365.plugins.module_utils import _bookingsone as bookingsone
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report as report
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_model as model
from ansible_collections.bookingsone.office365.plugins.plugin_utils import _report_notify as notify
from ansible_collections.bookingsone.office365.plugins.plugin_utils._report_merge import MergeError, merge
from ansible_collections.bookingsone.office365.plugins.plugin_utils._variables import role_defaults
from ansible_collections.bookingsone.office365.plugins.plugin_utils._audit import (
    PROFILES, SCOPED_PERMISSIONS, tenant_controls)

ARGSPEC = dict(
    # required unless merge is given
    tenants=dict(type='list', elements='str'),
    # the tenants audited in this run (AWX's limit audits some); the others of `tenants` are not in this run
    in_run=dict(type='list', elements='str'),
    dest=dict(type='path', required=True),
    name=dict(type='str', default='audit'),
    fail_on=dict(type='str', default='error', choices=list(model.FAIL_ON)),
    profile=dict(type='str', default='baseline', choices=sorted(PROFILES)),
    history=dict(type='int', default=30),
    known_failures=dict(type='str', default='fail', choices=list(model.KNOWN_FAILURES)),
    merge=dict(type='list', elements='path'),
    # a Teams or Slack webhook's address is itself the secret that lets anyone post to the channel
    webhook=dict(type='str', no_log=True),
    webhook_token=dict(type='str', no_log=True),
)
# This collection's own directory: plugins/action/ is two levels below it (resolved, as a symlink to a work
# tree is, for a development checkout).
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def check_dest(dest, root=COLLECTION_ROOT):
    """Refuses a dest inside an installed collection (reports there are lost with the next install); a checkout
    of the collection's source may keep them there. ansible-galaxy writes MANIFEST.json into every collection
    it installs, and a source checkout has none."""
    target = os.path.realpath(os.path.expanduser(dest))
    inside = target == root or target.startswith(root.rstrip(os.sep) + os.sep)
    if inside and os.path.exists(os.path.join(root, 'MANIFEST.json')):
        raise AnsibleActionFail(
            'dest %s is inside the installed collection bookingsone.office365 (%s): a report there is lost when the '
            'collection is upgraded and does not belong in it. Write it elsewhere: -e bookingsone_report_dir=<a directory> '
            '(the playbooks default to reports/ of the directory ansible-playbook runs in)' % (dest, root))


def expected_of(setting, profile):
    """What one tenant is judged against: its own settings (setting(name): a variable's value, None when unset),
    made stricter where the profile asks."""
    baseline = PROFILES[profile]
    defaults = role_defaults('entra_app')  # what a tenant that sets nothing was onboarded with

    def role_setting(name):
        value = setting(name)
        return defaults[name] if value is None else value

    rooms_scope = setting('bookingsone_access_scope') == 'rooms'
    permissions = role_setting('entra_app_graph_permissions')
    return dict(
        callback_url=setting('bookingsone_callback_url'),
        # scoped permissions are granted by Exchange RBAC, not requested or consented tenant-wide
        permissions=[p for p in permissions if not (rooms_scope and p in SCOPED_PERMISSIONS)],
        delegate=setting('bookingsone_delegate'),
        rotate_before_days=int(role_setting('entra_app_secret_rotate_before_days')),
        secret_display_name=role_setting('entra_app_secret_display_name'),
        secret_max_days=baseline['secret_max_days'],
        # the lock is on unless the tenant's settings turn it off (entra_app_instance_lock, default true)
        instance_lock=baseline['instance_lock'] or role_setting('entra_app_instance_lock') in (True, 'true', 'True'),
        scoped_access=baseline['scoped_access'] or rooms_scope,
        operator_role=operator_role_of(setting) if baseline['operator_least_privilege'] else None,
    )


def operator_role_of(setting):
    """What the operator is for in this tenant (bookingsone_operator_role; default: this playbook's need, an audit)."""
    role = setting('bookingsone_operator_role') or 'audit'
    if role not in bookingsone.OPERATOR_ROLES:
        raise AnsibleActionFail('bookingsone_operator_role of %s is %r; allowed: %s' % (
            setting('inventory_hostname'), role, ', '.join(sorted(bookingsone.OPERATOR_ROLES))))
    return role


def variables_of(hostvars, tenant, templar):
    """(variables, setting): a tenant's variables as they are held, and setting(name), one of them templated.

    bookingsone_observed is read as held: a task's registered result is data, already templated, and reading
    it through the templating host variables would wrap each of its values (~4,000 for a 200-room tenant)."""
    if tenant not in hostvars:  # not a host of the inventory: nothing observed, nothing set
        return {}, {}.get
    if not hasattr(hostvars, 'raw_get'):  # a plain mapping (unit tests): nothing to template
        return hostvars[tenant], hostvars[tenant].get
    held = hostvars.raw_get(tenant)
    own = templar.copy_with_new_env(available_variables=held)
    return held, lambda name: own.template(held.get(name))


def audited_run(args, hostvars, templar):
    """This run's controls, judged from what each tenant in it observed."""
    in_run = set(args['tenants'] if args['in_run'] is None else args['in_run'])
    controls, retries, proven = [], {}, dict(works=[], broken={}, not_proven={}, events_made=0)
    not_audited = {}
    for tenant in args['tenants']:
        if tenant not in in_run:
            continue
        held, setting = variables_of(hostvars, tenant, templar)
        observed = held.get('bookingsone_observed')
        if isinstance(observed, dict) and isinstance(observed.get('observed'), dict):
            observed = observed['observed']  # registered as the tenant task's whole result (audit.yml)
        elif isinstance(observed, dict) and observed.get('error'):
            not_audited[tenant] = observed['error']  # the audit task failed (audit.yml's rescue)
        controls.extend(tenant_controls(tenant, expected_of(setting, args['profile']), observed))
        retries[tenant] = model.sum_retries((observed or {}).get('retries'))
        proof = (observed or {}).get('proof')
        if proof and proof.get('ran'):
            proven['events_made'] += proof.get('events_made') or 0
            if proof.get('works'):
                proven['works'].append(tenant)
            else:
                proven['broken'][tenant] = proof.get('first_failure')
        elif proof:
            proven['not_proven'][tenant] = proof.get('reason')
    # not audited this time: neither an error nor a pass, not compared, their last results carried on
    return dict(controls=controls, retries=retries, generated=model.now(), warnings=[], merged_from=None, proof=proven,
                not_audited=not_audited,
                not_in_run=sorted(set(name for name in args['tenants'] if name not in in_run)),
                profile=dict(PROFILES[args['profile']], name=args['profile']))


def merged_run(args):
    """The controls of the slices of one run (see _report_merge), as one run."""
    try:
        return merge(args['merge'], args['tenants'])
    except MergeError as exc:
        raise AnsibleActionFail('%s. Nothing was written.' % exc)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGSPEC)
        if args['history'] < 0:
            raise AnsibleActionFail('history is %d; it is how many runs to keep: 0 or more' % args['history'])
        if args['tenants'] is None and not args['merge']:
            raise AnsibleActionFail('tenants is required (unless merge names the slices of a run to merge)')
        check_dest(args['dest'])
        run = merged_run(args) if args['merge'] else audited_run(args, task_vars.get('hostvars', {}), self._templar)
        controls, retries, not_in_run = run['controls'], run['retries'], run['not_in_run']
        written = report.write_reports(args['dest'], args['name'], controls, run['generated'], retries,
                                       run['profile'], history=args['history'], known_failures=args['known_failures'],
                                       not_in_run=not_in_run, merged_from=run['merged_from'])
        # an unreadable earlier run file (compared with an older one), a slice's tenant not reported on
        warnings = run['warnings'] + written['warnings']
        result['webhook_sent'] = False
        if args['webhook']:
            result['webhook_sent'], warning = notify.send(args['webhook'], args['webhook_token'],
                                                          notify.payload(written['document'], args['name']))
            warnings += [warning] if warning else []
        if warnings:
            result.setdefault('warnings', []).extend(warnings)
        summary = written['document']['summary']
        # The task itself never fails: the report is always written, and the playbook
        # fails the run on 'failure' after showing the summary.
        judged = model.verdict(controls, args['fail_on'])
        result.update((key, judged[key]) for key in ('error_tenants', 'failed_tenants', 'failure'))
        result['failing_tenants'] = model.failing_tenants(judged, args['fail_on'], run.get('not_audited') or {},
                                                          written['paths']['html'])
        result.update(changed=False, paths=written['paths'], profile=(run['profile'] or {}).get('name'),
                      totals=summary['totals'], generated=run['generated'], retries=retries,
                      tenants=dict((name, counts['status']) for name, counts in summary['tenants'].items()),
                      tenants_by_status=model.by_status(summary),
                      failed_controls=[c for c in controls if c['status'] != 'pass'],
                      drift=dict((k, written['drift'][k]) for k in ('new', 'fixed', 'still_failing', 'previous')))
        result['proof'] = run.get('proof') or model.proof_of(controls)
        if run['merged_from']:
            result['merged_from'] = [entry['path'] for entry in run['merged_from']]
        result['summary_lines'] = model.summary_lines(result, args['fail_on'])
        return result
