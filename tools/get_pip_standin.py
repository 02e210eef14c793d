"""Offline stand-in for the get-pip.py bootstrap script ansible-test downloads.

ansible-test runs it (through runpy, with pip's arguments) to put pip into each
virtual environment it creates. This machine cannot reach the host that serves
get-pip.py, so tools/sanity.sh seeds ansible-test's cache with this file: it
bootstraps pip from the standard library (ensurepip) and then asks that pip to
install the packages ansible-test asked for, from the usual package index.
"""

import os
import subprocess
import sys

CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'


def main():
    # get-pip.py flags that pip itself does not know
    args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'],
                          stdout=subprocess.DEVNULL)
    command = [sys.executable, '-m', 'pip', 'install', '--quiet']
    if os.path.exists(CA_BUNDLE):
        command += ['--cert', CA_BUNDLE]
    subprocess.check_call(command + args)


if __name__ == '__main__':
    main()
