# -*- coding: utf-8 -*-
# Copyright: Bookings ONE contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: fleet
type: stdout
short_description: One line per tenant, with a running count, for runs over hundreds of tenants
version_added: 0.3.0
description:
  - "Prints what a person follows a fleet run by: one line per tenant as each tenant's work
    (a M(bookingsone.office365.tenant) task) finishes, with a running count
    (C([37/500, 2 failed] contoso: changed)), one line per failure naming the tenant, the task and the
    reason, the playbook's summaries, and a closing count. Other tasks print nothing."
  - Per-control details stay in the audit report; diffs are printed only with C(--diff) and C(-v).
  - Enable with C(ANSIBLE_STDOUT_CALLBACK=bookingsone.office365.fleet) or C(stdout_callback) in ansible.cfg.
author:
  - Bookings ONE engineering (@bookingsone)
'''

from ansible import constants as C
from ansible.plugins.callback import CallbackBase

TENANT_ACTIONS = ('bookingsone.office365.tenant', 'tenant')
SUMMARY_ACTIONS = ('ansible.builtin.debug', 'debug')


def _part(result, name):
    """result.task / .result / .host (ansible-core 2.19), or the private names older versions have."""
    value = getattr(result, name, None)
    return value if value is not None else getattr(result, '_' + name)


def _first_line(text, limit=300):
    line = str(text or 'failed').strip().splitlines()[0] if str(text or '').strip() else 'failed'
    return line if len(line) <= limit else line[:limit - 1] + '…'


class CallbackModule(CallbackBase):

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'bookingsone.office365.fleet'

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.total = None
        self.done, self.failed = {}, {}  # task uuid -> hosts counted; host -> first failure
        self.play_hosts = set()

    # ---------------------------------------------------------------- plays and tasks

    def v2_playbook_on_play_start(self, play):
        try:  # the hosts the play targets, --limit applied
            hosts = play.get_variable_manager()._inventory.get_hosts(play.hosts)  # pylint: disable=protected-access
            self.total = len(hosts)
        except Exception:  # pylint: disable=broad-except
            self.total = None
        self.done = {}
        name = play.get_name().strip() or 'play'
        self._display.display('%s (%s tenant(s))' % (name, '?' if self.total is None else self.total))

    def _count(self, result):
        task = _part(result, 'task')
        if task._uuid not in self.done:  # pylint: disable=protected-access
            self._display.display('- %s' % task.get_name().strip())  # once per task that does a tenant's work
        seen = self.done.setdefault(task._uuid, set())  # pylint: disable=protected-access
        seen.add(_part(result, 'host').get_name())
        of = '?' if self.total is None else self.total
        failed = len(self.failed)
        return '[%d/%s%s]' % (len(seen), of, ', %d failed' % failed if failed else '')

    # ---------------------------------------------------------------- results

    def v2_runner_on_ok(self, result):
        task, outcome = _part(result, 'task'), _part(result, 'result')
        host = _part(result, 'host').get_name()
        if task.action in TENANT_ACTIONS:
            said = 'changed' if outcome.get('changed') else 'ok'
            if task.check_mode and outcome.get('changed'):
                said = 'drift (would change)'
            self._display.display('%s %s: %s' % (self._count(result), host, said),
                                  color=C.COLOR_CHANGED if outcome.get('changed') else C.COLOR_OK)
        elif task.action in SUMMARY_ACTIONS and (task.run_once or self._display.verbosity > 0):
            said = outcome.get('msg', '')
            lines = said if isinstance(said, list) else [said]
            for line in lines:
                self._display.display(line if isinstance(line, str) else self._dump_results(dict(value=line), indent=2))
        self._warnings(outcome)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        task, outcome = _part(result, 'task'), _part(result, 'result')
        host = _part(result, 'host').get_name()
        self.failed.setdefault(host, outcome.get('msg'))
        prefix = self._count(result) + ' ' if task.action in TENANT_ACTIONS else ''
        said = '%s%s FAILED at "%s": %s' % (prefix, host, task.get_name().strip(), _first_line(outcome.get('msg')))
        self._display.display(said, color=C.COLOR_ERROR)
        self._warnings(outcome)

    def v2_runner_on_unreachable(self, result):
        host = _part(result, 'host').get_name()
        self.failed.setdefault(host, 'unreachable')
        self._display.display('%s UNREACHABLE: %s' % (host, _first_line(_part(result, 'result').get('msg'))),
                              color=C.COLOR_UNREACHABLE)

    def v2_runner_on_skipped(self, result):
        pass

    def v2_on_file_diff(self, result):
        outcome = _part(result, 'result')
        if self._display.verbosity > 0 and outcome.get('diff') and outcome.get('changed'):
            self._display.display(self._get_diff(outcome['diff']))

    def _warnings(self, outcome):
        for warning in outcome.get('warnings') or []:
            self._display.warning(warning)

    # ---------------------------------------------------------------- the end

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        failed = [h for h in hosts if stats.summarize(h)['failures'] or stats.summarize(h)['unreachable']]
        changed = [h for h in hosts if stats.summarize(h)['changed']]
        self._display.display('%d tenant(s): %d ok, %d changed, %d failed%s' % (
            len(hosts), len(hosts) - len(failed), len(changed), len(failed),
            (': ' + ', '.join(failed)) if failed else ''), color=C.COLOR_ERROR if failed else C.COLOR_OK)
