"""python -m emulator serve|start|stop|env — see README.md."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

# What the emulator imports beyond the standard library: (module, the PyPI package that provides it).
# requirements-dev.txt pins them, and `make venv` installs them into .venv.
REQUIRED = (('jwt', 'PyJWT'), ('cryptography', 'cryptography'), ('yaml', 'PyYAML'))


def _require_dependencies(argv):
    """Exit with what to do when this Python lacks a module the emulator needs (instead of an ImportError
    traceback from deep inside it)."""
    missing = [(module, package) for module, package in REQUIRED if importlib.util.find_spec(module) is None]
    if missing:
        sys.exit('python -m emulator: %s cannot import %s. Run the emulator with the project\'s virtualenv, '
                 'from the repository root:\n    make venv\n    .venv/bin/python -m emulator %s'
                 % (sys.executable, ', '.join('%s (package %s)' % pair for pair in missing),
                    ' '.join(shlex.quote(arg) for arg in argv) or '--help'))


def _arguments(argv):
    parser = argparse.ArgumentParser(prog='python -m emulator', description=__doc__)
    parser.add_argument('command', choices=['serve', 'start', 'stop', 'env'],
                        help='env: print the shell exports for the running emulator of --state-dir')
    parser.add_argument('--state-dir', default='.emulator')
    parser.add_argument('--seed', default=os.path.join(os.path.dirname(__file__), 'seeds', 'demo.yml'))
    parser.add_argument('--reset', action='store_true', help='discard saved state and start from the seed')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='first of four ports (0: any free ports)')
    parser.add_argument('--page-size', type=int, default=100)
    parser.add_argument('--latency-ms', type=int, default=0)
    parser.add_argument('--faults', default='{}', help='fault settings as JSON, e.g. {"throttle_rate": 0.1}')
    return parser.parse_args(argv)


def _pid_path(state_dir):
    return os.path.join(state_dir, 'emulator.pid')


def serve(args):
    try:
        faults = json.loads(args.faults)
    except ValueError:
        sys.exit('--faults takes a JSON object, e.g. {"throttle_rate": 0.1}')
    if args.latency_ms:
        faults['latency_ms'] = args.latency_ms
    from emulator.server import Emulator
    os.makedirs(args.state_dir, 0o700, exist_ok=True)
    with open(_pid_path(args.state_dir), 'w') as handle:  # before the endpoints appear, for `stop`
        handle.write(str(os.getpid()))
    emulator = Emulator(args.state_dir, args.seed, page_size=args.page_size, faults=faults, reset=args.reset,
                        host=args.host, port=args.port).start()
    print(json.dumps(emulator.endpoints), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        emulator.stop()


def _running_pid(state_dir):
    """The pid of the emulator serving state_dir, or None."""
    try:
        with open(_pid_path(state_dir)) as handle:
            pid = int(handle.read())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(args, argv):
    """Serve in the background; return once it answers."""
    if _running_pid(args.state_dir):
        sys.exit('an emulator is already running for %s (pid %d); stop it first'
                 % (args.state_dir, _running_pid(args.state_dir)))
    endpoints_path = os.path.join(args.state_dir, 'endpoints.json')
    if os.path.exists(endpoints_path):
        os.remove(endpoints_path)
    os.makedirs(args.state_dir, 0o700, exist_ok=True)
    log = open(os.path.join(args.state_dir, 'emulator.log'), 'ab')
    child = subprocess.Popen([sys.executable, '-m', 'emulator', 'serve'] + argv[1:], stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if child.poll() is not None:
            sys.exit('the emulator exited; see %s' % os.path.join(args.state_dir, 'emulator.log'))
        if os.path.exists(endpoints_path):
            with open(endpoints_path) as handle:
                endpoints = json.load(handle)
            context = ssl.create_default_context(cafile=endpoints['ca_bundle'])
            try:
                urllib.request.urlopen(endpoints['control'] + '/requests', context=context, timeout=2).read()
                print(json.dumps(endpoints))
                return
            except OSError:
                pass
        time.sleep(0.1)
    child.terminate()
    sys.exit('the emulator did not answer within 30 s')


def stop(args):
    pid = _running_pid(args.state_dir)
    if pid is None:
        print('no emulator running for %s' % args.state_dir)
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    if os.path.exists(_pid_path(args.state_dir)):
        os.remove(_pid_path(args.state_dir))


def env(args):
    """Print the exports that point the collection's modules at the running emulator of args.state_dir, signed
    in as its seed's first operator, then a comment line per tenant of the seed (for an inventory)."""
    from emulator.server import SEED_PATH_FILE
    from emulator.state import load_seed
    endpoints_path = os.path.join(args.state_dir, 'endpoints.json')
    if _running_pid(args.state_dir) is None or not os.path.exists(endpoints_path):
        sys.exit('no emulator running for %s; start one first:\n    .venv/bin/python -m emulator start --state-dir %s'
                 % (args.state_dir, shlex.quote(args.state_dir)))
    with open(endpoints_path) as handle:
        endpoints = json.load(handle)
    try:
        with open(os.path.join(args.state_dir, SEED_PATH_FILE)) as handle:
            seed_path = handle.read().strip()
    except OSError:
        sys.exit('%s does not say which seed the emulator serves (an emulator older than the env command): '
                 'restart it (stop, then start)' % args.state_dir)
    seed = load_seed(seed_path)
    operators = seed.get('operators') or []
    if not operators:
        sys.exit('the seed %s has no operator to sign in as' % seed_path)
    operator = operators[0]
    exports = [('AZURE_CLIENT_ID', operator['app_id'])]
    secret = (operator.get('secrets') or [{}])[0].get('value')
    if secret:
        exports.append(('AZURE_CLIENT_SECRET', secret))
    elif (operator.get('certificate') or {}).get('generate'):
        exports.append(('AZURE_CLIENT_CERTIFICATE_PATH',
                        os.path.abspath(os.path.join(args.state_dir, 'operators', operator['app_id'] + '.pem'))))
    else:
        sys.exit('the first operator of %s has neither a secret nor a generated certificate' % seed_path)
    exports += [('AZURE_AUTHORITY_HOST', endpoints['login']), ('BOOKINGSONE_GRAPH_ENDPOINT', endpoints['graph']),
                ('BOOKINGSONE_EXCHANGE_ENDPOINT', endpoints['exchange']),
                ('REQUESTS_CA_BUNDLE', os.path.abspath(endpoints['ca_bundle']))]
    print('export ' + ' '.join('%s=%s' % (name, shlex.quote(value)) for name, value in exports))
    print('# the tenants of %s, as bookingsone_tenant_id (the id or the domain) for an inventory:' % seed_path)
    for tenant in seed.get('tenants') or []:
        consented = any(sp.get('app_id') == operator['app_id'] for sp in tenant.get('service_principals') or [])
        print('# tenant %s %s %s' % (tenant['id'], tenant['domain'], json.dumps(tenant.get('display_name') or '')
                                     + ('' if consented else ' (the operator has no consent here)')))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    _require_dependencies(argv)
    args = _arguments(argv)
    if args.command == 'serve':
        serve(args)
    elif args.command == 'start':
        start(args, argv)
    elif args.command == 'env':
        env(args)
    else:
        stop(args)


if __name__ == '__main__':
    main()
