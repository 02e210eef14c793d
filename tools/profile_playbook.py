"""Where ansible-playbook spends controller CPU: a cProfile of the main process and of every worker.

    .venv/bin/python tools/profile_playbook.py --out DIR [--top N | --cpu] -- ANSIBLE-PLAYBOOK-ARGUMENTS

runs ansible-playbook in this process with cProfile on, and in each worker Ansible forks (one per task and
host: sampling profilers such as py-spy miss them, they live a fraction of a second), writes one .prof file
per process into DIR (CPU time, not wall time: waiting on the network does not count), then prints the
functions with the most cumulative and most own time, summed over the workers and, apart, for the main
process (the strategy, templating of play-level variables, callbacks).
Profiling slows the run about twofold; compare shares, not seconds. --cpu measures instead of profiling: each
worker's CPU (user+sys, its threads included) by task, and the main process's own, at full speed (os.times has
10 ms steps). The environment is the one ansible-playbook would use (tools/benchmark.py --keep leaves an inventory and an emulator state to run
against; see its help).
"""

from __future__ import annotations

import argparse
import cProfile
import glob
import os
import pstats
import resource
import sys
import time


def profile_workers(out):
    """Every WorkerProcess writes its own profile when its task is done."""
    from ansible.executor.process.worker import WorkerProcess
    original = WorkerProcess._run

    def profiled(self):
        profile = cProfile.Profile(time.process_time)
        try:
            return profile.runcall(original, self)
        finally:
            profile.dump_stats(os.path.join(out, 'worker-%d.prof' % os.getpid()))

    WorkerProcess._run = profiled


def time_workers(out):
    """Every WorkerProcess appends its task's name and CPU seconds (all its threads) to out/workers.tsv."""
    from ansible.executor.process.worker import WorkerProcess
    original = WorkerProcess._run

    def timed(self):
        started = os.times()
        try:
            return original(self)
        finally:
            ended = os.times()
            with open(os.path.join(out, 'workers.tsv'), 'a') as handle:
                handle.write('%.3f\t%s\n' % (ended.user - started.user + ended.system - started.system,
                                             self._task.get_name()))

    WorkerProcess._run = timed


def cpu_summary(out):
    """CPU per task (summed over its hosts), the workers' total and the main process's own."""
    tasks = {}
    try:
        with open(os.path.join(out, 'workers.tsv')) as handle:
            for line in handle:
                seconds, name = line.rstrip('\n').split('\t', 1)
                count, total = tasks.get(name, (0, 0.0))
                tasks[name] = (count + 1, total + float(seconds))
    except IOError:
        pass
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print('\n== CPU (s) ==')
    for name, (count, total) in sorted(tasks.items(), key=lambda item: -item[1][1]):
        print('%8.3f  %4d worker(s)  %s' % (total, count, name))
    print('%8.3f  workers and their children in all (exited)' % (children.ru_utime + children.ru_stime))
    print('%8.3f  main process (Python and Ansible starting included)' % (me.ru_utime + me.ru_stime))


def readable(paths):
    """The profiles that were written whole: a worker may still be writing when the run returns."""
    time.sleep(1)
    found = []
    for path in paths:
        try:
            pstats.Stats(path)
        except (EOFError, ValueError, TypeError):
            print('(skipped %s: not written whole)' % path)
            continue
        found.append(path)
    return found


def summary(paths, title, top):
    paths = readable(paths)
    if not paths:
        return
    stats = pstats.Stats(*paths, stream=sys.stdout)
    stats.files = []  # not one header line per worker
    print('\n== %s (%d process(es)) ==' % (title, len(paths)))
    stats.sort_stats('cumulative').print_stats(top)
    stats.sort_stats('tottime').print_stats(top)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True, help='directory for the .prof files (created; must be empty)')
    parser.add_argument('--top', type=int, default=25, help='functions to print per listing (default 25)')
    parser.add_argument('--cpu', action='store_true', help='CPU per task and process instead of a profile')
    parser.add_argument('playbook_args', nargs=argparse.REMAINDER, help='after --: what ansible-playbook takes')
    args = parser.parse_args()
    arguments = args.playbook_args[1:] if args.playbook_args[:1] == ['--'] else args.playbook_args
    os.makedirs(args.out, exist_ok=True)
    if os.listdir(args.out):
        parser.error('%s is not empty' % args.out)
    from ansible.cli.playbook import main as playbook
    sys.argv = ['ansible-playbook'] + arguments
    if args.cpu:
        time_workers(args.out)
        try:
            rc = playbook()
        except SystemExit as exc:
            rc = exc.code
        cpu_summary(args.out)
        return rc
    profile_workers(args.out)
    profile = cProfile.Profile(time.process_time)
    try:
        rc = profile.runcall(playbook)
    except SystemExit as exc:
        rc = exc.code
    profile.dump_stats(os.path.join(args.out, 'main.prof'))
    summary(sorted(glob.glob(os.path.join(args.out, 'worker-*.prof'))), 'workers', args.top)
    summary([os.path.join(args.out, 'main.prof')], 'main process', args.top)
    return rc


if __name__ == '__main__':
    sys.exit(main())
