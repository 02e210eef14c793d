#!/usr/bin/env bash
# ansible-test sanity on exactly what the Galaxy tarball ships (galaxy.yml's manifest applies),
# unpacked at the ansible_collections/<namespace>/<name> path ansible-test insists on.
# Run through `make sanity`, which builds .venv and puts it first on PATH. Extra arguments go to
# ansible-test, e.g. tools/sanity.sh --test pylint
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/.venv/bin

# ansible-test puts pip into each venv it makes with a get-pip.py it downloads from a host these
# machines cannot reach, unless the script is in its cache: seed the cache with our stand-in.
pip_version=$("$bin/python" -c 'import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="3.11"))["pip"])')
cache=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "$(dirname "$cache")"
cp tools/get_pip_standin.py "$cache"

rm -rf build/dist build/sanity
"$bin/ansible-galaxy" collection build --force --output-path build/dist >/dev/null
target=build/sanity/ansible_collections/bookingsone/office365
mkdir -p "$target"
tar -xzf build/dist/bookingsone-office365-*.tar.gz -C "$target"

# ansible-test asks git which files belong to the collection: a repository of just the tarball's files.
cd "$target"
git init -q .
echo 'tests/output/' >> .git/info/exclude  # ansible-test's own virtualenvs are not the collection's
git add -A
git -c user.name=sanity -c user.email=sanity@localhost commit -q -m sanity
PATH="$bin:$PATH" "$bin/ansible-test" sanity --venv --python 3.11 --color no "$@"
